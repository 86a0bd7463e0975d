"""audit/prefetch.py: the site's files are listed, and read ahead into the page cache only when
enough of a sample of them is not cached, by a process of its own; reading ahead changes
nothing the audit reads, and the list is the one the audit would make itself."""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import threading
import time
from pathlib import Path

import pytest

from audit.files import public_file_names
from audit.prefetch import COLD_SHARE, Listing, ReadAhead, cold, read_ahead

pytestmark = pytest.mark.skipif(not hasattr(os, "RWF_NOWAIT"), reason="no RWF_NOWAIT to ask the page cache")


def _evicted(paths: list[str]) -> None:
    """Our own files out of the page cache (written to disk first: dirty pages stay)."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _cached(path: str) -> bool:
    """Every page of the file in the page cache, asked with mincore(2), which reads nothing
    (a read with RWF_NOWAIT that misses starts the kernel's reading of the file)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    size = os.path.getsize(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        pages = ctypes.create_string_buffer((size + mmap.PAGESIZE - 1) // mmap.PAGESIZE)
        assert libc.mincore(address, size, pages) == 0
        libc.munmap(address, size)
    finally:
        os.close(fd)
    return all(b & 1 for b in pages.raw)


def _site(tmp_path, count: int = 40) -> list[str]:
    paths = []
    for n in range(count):
        path = tmp_path / "public" / f"page-{n:03}" / "index.html"
        path.parent.mkdir(parents=True)
        path.write_bytes(f"<p>page {n}</p>".encode() * 2000)
        paths.append(str(path))
    return paths


def _all_cached_soon(paths: list[str]) -> bool:
    """Whether every file is in the page cache within 30 s: the kernel's reads, asked for, may
    still be under way (slow under other jobs' reads)."""
    for _ in range(600):
        if all(_cached(p) for p in paths):
            return True
        time.sleep(0.05)
    return all(_cached(p) for p in paths)


def _evicted_or_skip(paths: list[str]) -> None:
    _evicted(paths)
    if any(_cached(p) for p in paths):
        pytest.skip("this file system keeps the pages (no eviction to test with)")


def test_files_out_of_the_page_cache_are_read_ahead_and_then_cached(tmp_path):
    """By a process of its own, forked only where no other thread runs (under pytest-xdist a
    worker runs one: the reading is then asked for here, as that process would)."""
    paths = _site(tmp_path)
    _evicted_or_skip(paths)
    ahead = ReadAhead(paths)
    if threading.active_count() > 1:
        assert ahead.process is None, "no fork while another thread runs"
        read_ahead(paths)
    else:
        assert ahead.process is not None, "cold files should be read ahead"
        ahead.process.join(timeout=30)
    assert _all_cached_soon(paths)
    ahead.stop()
    assert [Path(p).read_bytes() for p in paths] == [f"<p>page {n}</p>".encode() * 2000 for n in range(len(paths))]


def test_a_site_with_a_few_files_out_of_the_cache_is_not_read_ahead(tmp_path):
    paths = _site(tmp_path, 64)
    for path in paths:
        Path(path).read_bytes()
    few = paths[: int(len(paths) * COLD_SHARE) - 1]
    _evicted_or_skip(few)
    assert not cold(paths, sample=len(paths))
    ahead = ReadAhead(paths)
    assert ahead.process is None
    ahead.stop()
    _evicted_or_skip(paths[: int(len(paths) * COLD_SHARE) + 1])
    assert cold(paths, sample=len(paths))


def test_a_missing_file_or_a_recording_is_passed_over(tmp_path):
    paths = _site(tmp_path, 3)
    sound = tmp_path / "public" / "media" / "a.mp3"
    sound.parent.mkdir(parents=True)
    sound.write_bytes(b"\0" * 100_000)
    _evicted_or_skip([str(sound)])
    read_ahead([str(tmp_path / "gone.html"), *paths, str(sound)])  # no error
    time.sleep(0.2)
    assert not _cached(str(sound))  # a recording is decoded by the audit, never read ahead


def test_the_files_are_listed_by_a_process_of_its_own_which_then_reads_them_ahead(tmp_path):
    """The list handed over is `public_file_names`' (in its order), made in another process
    where one can be forked (under pytest-xdist a worker runs a thread: listed here then); the
    cold files are read ahead after it."""
    paths = _site(tmp_path)
    _evicted_or_skip(paths)
    listing = Listing(tmp_path / "public")
    if threading.active_count() > 1:
        assert listing.process is None, "no fork while another thread runs"
        read_ahead(paths)  # what its process would have asked for, asked here (as ReadAhead's test does)
    else:
        assert listing.process is not None, "the listing is this process's work no longer"
        listing.process.join(timeout=30)
        assert listing.process.exitcode == 0
    assert listing.files() == public_file_names(tmp_path / "public") == sorted(paths)
    assert _all_cached_soon(paths)
    listing.stop()


def test_a_listing_process_that_dies_before_its_list_leaves_the_listing_here(tmp_path):
    paths = _site(tmp_path, 5)
    listing = Listing(tmp_path / "public")
    if listing.process is not None:
        listing.process.kill()
        listing.process.join()
    # Killed before or after it wrote the list: the same list either way.
    assert listing.files() == sorted(paths)
    listing.stop()
