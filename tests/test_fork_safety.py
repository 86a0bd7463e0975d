"""A process forks only with no other thread running, native threads included
(archive.fork_safety): a forked child inherits the other threads' locks held."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import threading
from collections.abc import Iterator

import pytest
from jinja2 import Environment

from archive import code_digest
from archive.fork_safety import can_fork, threads_here
from archive.side_process import SideResult
from publish.page import Page
from publish.render_workers import start_pages

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="no /proc to list threads")


def test_a_native_thread_unseen_by_python_is_counted():
    """A thread made by C (as PyAV's slice threads are) is not in `threading.active_count()`
    but is one of the process's threads."""
    before, python_before = threads_here(), threading.active_count()
    with native_thread():
        assert threading.active_count() == python_before  # Python does not see it
        assert threads_here() == before + 1
    assert threads_here() == before


@contextlib.contextmanager
def native_thread() -> Iterator[None]:
    """A thread made by C, paused until the block ends (as PyAV's slice threads are made);
    Python's `threading` does not see it."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    thread = ctypes.c_ulong()
    pause = ctypes.cast(libc.pause, ctypes.c_void_p)  # the thread runs C alone: pause() until cancelled
    assert libc.pthread_create(ctypes.byref(thread), None, pause, None) == 0
    try:
        yield
    finally:
        libc.pthread_cancel(thread)
        libc.pthread_join(thread, None)


@pytest.mark.forks
def test_a_side_computation_forks_alone_and_runs_here_beside_another_thread():
    """`SideResult` forks only where no other thread runs (a staff server publishing runs on
    its worker threads): beside a thread it computes in this process, with the same value."""
    assert can_fork()
    assert SideResult(os.getpid).result() != os.getpid()
    with native_thread():
        assert not can_fork()
        beside = SideResult(lambda: (os.getpid(), sum(range(10))))
        assert beside.pid is None and beside.result() == (os.getpid(), 45)
    assert SideResult(os.getpid).result() != os.getpid()


@pytest.mark.forks
def test_render_workers_leave_no_thread_that_would_stop_the_builds_other_forks(tmp_path):
    """The record pages' workers are plain forks: while they write, the build may still fork
    its other side computations (a `multiprocessing.Pool` kept three handler threads here)."""
    pages = [Page(f"p/{n}/index.html", content=f"page {n}".encode()) for n in range(40)]
    rendering = start_pages(Environment(), pages, tmp_path, parallel_from=1)
    try:
        assert threads_here() == 1 and can_fork()
        assert SideResult(os.getpid).result() != os.getpid()
    finally:
        rendering.wait()
    assert sorted((tmp_path / "p").iterdir()) == sorted(tmp_path / "p" / str(n) for n in range(40))
    assert (tmp_path / "p/39/index.html").read_text() == "page 39"


@pytest.mark.forks
def test_reading_the_code_graph_leaves_no_thread_here():
    """grimp reads the import graph on a Rust thread pool that stays for the process's life;
    read in a forked process, it leaves the build free to fork its workers after it."""
    code_digest._imports.cache_clear()
    code_digest.code_of.cache_clear()
    assert "archive.side_process" in code_digest.code_of("publish.build")
    assert threads_here() == 1 and can_fork()
