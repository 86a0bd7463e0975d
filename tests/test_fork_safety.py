"""A process forks only with no other thread running, native threads included
(archive.fork_safety): a forked child inherits the other threads' locks held."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading

import pytest

from archive.fork_safety import threads_here

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="no /proc to list threads")


def test_a_native_thread_unseen_by_python_is_counted():
    """A thread made by C (as PyAV's slice threads are) is not in `threading.active_count()`
    but is one of the process's threads."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    before, python_before = threads_here(), threading.active_count()
    thread = ctypes.c_ulong()
    pause = ctypes.cast(libc.pause, ctypes.c_void_p)  # the thread runs C alone: pause() until cancelled
    assert libc.pthread_create(ctypes.byref(thread), None, pause, None) == 0
    try:
        assert threading.active_count() == python_before  # Python does not see it
        assert threads_here() == before + 1
    finally:
        libc.pthread_cancel(thread)
        libc.pthread_join(thread, None)
    assert threads_here() == before
