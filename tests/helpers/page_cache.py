"""The page cache asked and emptied for our own files, for the tests of what reads ahead."""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import time

import pytest


def evicted(paths: list[str]) -> None:
    """Our own files out of the page cache (written to disk first: dirty pages stay)."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def cached(path: str) -> bool:
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


def all_cached_soon(paths: list[str]) -> bool:
    """Whether every file is in the page cache within 30 s: the kernel's reads, asked for, may
    still be under way (slow under other jobs' reads)."""
    for _ in range(600):
        if all(cached(p) for p in paths):
            return True
        time.sleep(0.05)
    return all(cached(p) for p in paths)


def evicted_or_skip(paths: list[str]) -> None:
    evicted(paths)
    if any(cached(p) for p in paths):
        pytest.skip("this file system keeps the pages (no eviction to test with)")


