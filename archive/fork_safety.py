"""Whether this process may be forked without the child inheriting a lock no one will release.

A fork copies only the calling thread. A lock another thread held at that moment (malloc's, an
import's, a library's condition variable) stays held in the child, and the child hangs on it.
Python's `threading.active_count()` does not see threads made by native code: PyAV's slice
threads, made by a video's reformatter, deadlocked a forked audit child and a forked deleter in
a test process (a CI rehearsal, stop 27). On Linux every thread is listed in /proc/self/task.
"""

from __future__ import annotations

import multiprocessing
import os
import threading


def threads_here() -> int:
    """The threads of this process, native ones included where the system says (Linux)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def can_fork() -> bool:
    """The system forks, and no other thread runs here."""
    return "fork" in multiprocessing.get_all_start_methods() and threads_here() == 1
