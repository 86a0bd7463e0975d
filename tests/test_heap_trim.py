"""publish/heap_trim.py: memory freed in the middle of the C heap goes back to the system, so
a process forked after a full build's views are made does not count it (glibc only)."""

from __future__ import annotations

import ctypes.util
import sys

import pytest

from publish.heap_trim import trim_heap


def resident_mb() -> int:
    with open("/proc/self/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) // 1024


@pytest.mark.skipif(not sys.platform.startswith("linux") or not ctypes.util.find_library("c"), reason="glibc's malloc_trim")
def test_freed_rows_leave_the_resident_size():
    rows = [("b" * 3000) + str(n) for n in range(40_000)]  # ~120 MB, as the record rows are read first
    views = [("v" * 3000) + str(n) for n in range(10_000)]  # what is kept, made after them
    del rows  # freed below what is kept: glibc keeps it mapped
    before = resident_mb()
    assert trim_heap()
    assert resident_mb() < before - 60
    assert len(views) == 10_000
