"""audit/prefetch.py: the site's files are listed, and read ahead into the page cache only when
enough of a sample of them is not cached, by a process of its own; reading ahead changes
nothing the audit reads, and the list is the one the audit would make itself."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from archive.fork_safety import can_fork
from archive.page_cache import COLD_SHARE, cold
from audit.files import public_file_names
from audit.prefetch import Listing, ReadAhead, read_ahead
from tests.helpers.page_cache import all_cached_soon, cached, evicted_or_skip

pytestmark = pytest.mark.skipif(not hasattr(os, "RWF_NOWAIT"), reason="no RWF_NOWAIT to ask the page cache")


def _site(tmp_path, count: int = 40) -> list[str]:
    paths = []
    for n in range(count):
        path = tmp_path / "public" / f"page-{n:03}" / "index.html"
        path.parent.mkdir(parents=True)
        path.write_bytes(f"<p>page {n}</p>".encode() * 2000)
        paths.append(str(path))
    return paths


def test_files_out_of_the_page_cache_are_read_ahead_and_thencached(tmp_path):
    """By a process of its own, forked only where no other thread runs (under pytest-xdist a
    worker runs one: the reading is then asked for here, as that process would)."""
    paths = _site(tmp_path)
    evicted_or_skip(paths)
    ahead = ReadAhead(paths)
    if not can_fork():  # another thread here, Python's or native
        assert ahead.process is None, "no fork while another thread runs"
        read_ahead(paths)
    else:
        assert ahead.process is not None, "cold files should be read ahead"
        ahead.process.join(timeout=30)
    assert all_cached_soon(paths)
    ahead.stop()
    assert [Path(p).read_bytes() for p in paths] == [f"<p>page {n}</p>".encode() * 2000 for n in range(len(paths))]


def test_a_site_with_a_few_files_out_of_the_cache_is_not_read_ahead(tmp_path):
    paths = _site(tmp_path, 64)
    for path in paths:
        Path(path).read_bytes()
    few = paths[: int(len(paths) * COLD_SHARE) - 1]
    evicted_or_skip(few)
    assert not cold(paths, sample=len(paths))
    ahead = ReadAhead(paths)
    assert ahead.process is None
    ahead.stop()
    assert _cold_once_evicted(paths, paths[: int(len(paths) * COLD_SHARE) + 1])


def _cold_once_evicted(paths: list[str], evict: list[str], tries: int = 5) -> bool:
    """Whether `cold` says so of `paths` once `evict` are out of the page cache. `cold` starts
    the kernel's reading of each page it finds missing, and a reading started earlier can end
    after an eviction and bring pages back (it did under CI's load, twice): each try first
    reads `evict` (which waits for any such reading), then evicts them and asks."""
    for _ in range(tries):
        for path in evict:
            Path(path).read_bytes()
        evicted_or_skip(evict)
        if cold(paths, sample=len(paths)):
            return True
    return False


def test_a_missing_file_or_a_recording_is_passed_over(tmp_path):
    paths = _site(tmp_path, 3)
    sound = tmp_path / "public" / "media" / "a.mp3"
    sound.parent.mkdir(parents=True)
    sound.write_bytes(b"\0" * 100_000)
    evicted_or_skip([str(sound)])
    read_ahead([str(tmp_path / "gone.html"), *paths, str(sound)])  # no error
    time.sleep(0.2)
    assert not cached(str(sound))  # a recording is decoded by the audit, never read ahead


def test_the_files_are_listed_by_a_process_of_its_own_which_then_reads_them_ahead(tmp_path):
    """The list handed over is `public_file_names`' (in its order), made in another process
    where one can be forked (under pytest-xdist a worker runs a thread: listed here then); the
    cold files are read ahead after it."""
    paths = _site(tmp_path)
    evicted_or_skip(paths)
    listing = Listing(tmp_path / "public")
    if not can_fork():  # another thread here, Python's or native
        assert listing.process is None, "no fork while another thread runs"
        read_ahead(paths)  # what its process would have asked for, asked here (as ReadAhead's test does)
    else:
        assert listing.process is not None, "the listing is this process's work no longer"
        listing.process.join(timeout=30)
        assert listing.process.exitcode == 0
    assert listing.files() == public_file_names(tmp_path / "public") == sorted(paths)
    assert all_cached_soon(paths)
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
