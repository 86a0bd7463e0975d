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

_LEFT_OUT: frozenset[str] = frozenset()  # thread ids a test harness started (see below)


def threads_here() -> int:
    """The threads of this process, native ones included where the system says (Linux), but
    for those `leave_out_present_threads` set aside."""
    try:
        return sum(1 for task in os.listdir("/proc/self/task") if task not in _LEFT_OUT)
    except OSError:
        return threading.active_count()


def leave_out_present_threads() -> None:
    """Count none of the threads running now, but the calling one, against forking.

    For a test harness only, never called by the archive: a pytest-xdist worker runs its tests
    beside execnet's channel thread, started before any test (from C, so Python does not list
    it) and waiting on its pipe, holding nothing a forked child takes. Left in the count, no
    test in a worker could fork, and the suite would no longer run the forked paths the
    commands take. A thread started later is counted as always."""
    global _LEFT_OUT
    here = str(threading.get_native_id())
    _LEFT_OUT = frozenset(task for task in os.listdir("/proc/self/task") if task != here)


def can_fork() -> bool:
    """The system forks, and no other thread runs here."""
    return "fork" in multiprocessing.get_all_start_methods() and threads_here() == 1
