"""audit/prefetch.py: the site's files are read ahead into the page cache, by a process of its
own, only when a sample of them is not cached; reading ahead changes nothing the audit reads."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from audit.prefetch import ReadAhead, cold, read_ahead

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


def _site(tmp_path, count: int = 40) -> list[str]:
    paths = []
    for n in range(count):
        path = tmp_path / "public" / f"page-{n:03}" / "index.html"
        path.parent.mkdir(parents=True)
        path.write_bytes(f"<p>page {n}</p>".encode() * 2000)
        paths.append(str(path))
    return paths


def _cached_soon(paths: list[str]) -> bool:
    """Every file cached within a second. Asked a few times only: a read with RWF_NOWAIT that
    misses starts the kernel's reading of that file, so each ask brings one more file in."""
    for _ in range(5):
        time.sleep(0.2)
        if not cold(paths, sample=len(paths)):
            return True
    return False


def test_files_out_of_the_page_cache_are_read_ahead_and_then_cached(tmp_path):
    paths = _site(tmp_path)
    _evicted(paths)
    if not cold(paths, sample=len(paths)):
        pytest.skip("this file system keeps the pages (no eviction to test with)")
    ahead = ReadAhead(paths)
    assert ahead.process is not None, "cold files should be read ahead"
    ahead.process.join(timeout=30)
    assert _cached_soon(paths)
    ahead.stop()
    assert [Path(p).read_bytes() for p in paths] == [f"<p>page {n}</p>".encode() * 2000 for n in range(len(paths))]


def test_cached_files_are_not_read_ahead(tmp_path):
    paths = _site(tmp_path)
    for path in paths:
        with open(path, "rb") as opened:
            opened.read()
    assert not cold(paths)
    ahead = ReadAhead(paths)
    assert ahead.process is None
    ahead.stop()


def test_a_missing_file_or_a_recording_is_passed_over(tmp_path):
    paths = _site(tmp_path, 3)
    sound = tmp_path / "public" / "media" / "a.mp3"
    sound.parent.mkdir(parents=True)
    sound.write_bytes(b"\0" * 100_000)
    _evicted([str(sound)])
    read_ahead([str(tmp_path / "gone.html"), *paths, str(sound)])  # no error
    assert cold([str(sound)], sample=1)  # a recording is decoded by the audit, never read ahead
