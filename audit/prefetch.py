"""The site's files brought into the page cache while the audit's two processes compute.

A full audit reads the built site's files last (`audit.site_scan`): at 100,000 records ~2.5 GB
in ~207,000 files. When they are not in the page cache (the first audit after other big jobs;
on a machine that pages out what was not touched for a minute, after a minute), each `read`
waits for the disk, and both processes, busy with CPU until then, wait at the end: a first
run was 66.4 s where the next was 58.6 s (bench/results/50). Yet for the first ~40 s of an
audit the disk is idle. So when a sample of the files says they are not cached (`cold`), a
process of its own asks the kernel to read every file ahead (`posix_fadvise(WILLNEED)`: the
reading is the kernel's, in the background; nothing is copied), in the order the files will
be scanned, while the audit takes its fingerprints and walks the app. It changes nothing the
audit reads or finds; it exits when done, and the audit ends it if it is not.

Asking every file costs ~1-2 s of CPU (three system calls each) even when all are cached, so a
warm site is not asked at all: `cold` reads one byte of each of `SAMPLE` files spread over the
list with `RWF_NOWAIT`, which fails at once for a page not in the cache (and starts reading it),
and the site is read ahead when a sixteenth of them or more fail (`archive.page_cache`, which
`reckon serve` uses too).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path

from archive import page_cache
from archive.fork_safety import can_fork
from archive.page_cache import cold
from audit.files import public_file_names
from audit.recordings import MEDIA_SUFFIXES


def read_ahead(files: Sequence[str]) -> None:
    """Ask the kernel to read each file (but sound and video, which the site's scan skips) into
    the page cache, in order."""
    page_cache.read_ahead(files, MEDIA_SUFFIXES)


class ReadAhead:
    """`read_ahead(files)` in a process of its own when the files are `cold` (and a process can
    be forked: no other thread runs, as `audit.leaks._Walk.start_oai_child` asks); `stop()`
    ends it if it still runs."""

    def __init__(self, files: Sequence[str]):
        self.process = None
        if can_fork() and hasattr(os, "posix_fadvise") and cold(files):
            self.process = multiprocessing.get_context("fork").Process(target=read_ahead, args=(files,), daemon=True)
            self.process.start()

    def stop(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.process = None


class Listing:
    """The site's files (`public_file_names(public_dir)`), listed by a process of its own that
    then reads them ahead when they are `cold` (as `ReadAhead`), so that the caller computes
    meanwhile; `files()` gives the list, waiting for it if it is not there yet. The list comes
    back through a temporary file (a pipe's buffer would hold the process until the caller
    reads, and the reading ahead with it), a one-byte message saying when it is written.
    Where no process can be forked, or the process ends without a list, the caller lists the
    files itself (and reads ahead as `ReadAhead` does): the list is the same either way.
    `stop()` ends the process if it still runs."""

    def __init__(self, public_dir: Path):
        self.public_dir = public_dir
        self.process = None
        self._files: list[str] | None = None
        self._ahead: ReadAhead | None = None
        if not can_fork():
            self._list_here()
            return
        context = multiprocessing.get_context("fork")
        self._out = tempfile.TemporaryFile()  # noqa: SIM115 - closed once the list is read, or in stop()
        self._conn, theirs = context.Pipe(duplex=False)
        self.process = context.Process(target=_list_then_read_ahead, args=(public_dir, self._out, theirs),
                                       daemon=True)
        self.process.start()
        theirs.close()

    def files(self) -> list[str]:
        if self._files is None:
            try:
                self._conn.recv_bytes()
            except (EOFError, OSError):  # it died before its list was written
                self._list_here()
            else:
                self._out.seek(0)
                self._files = pickle.load(self._out)
            finally:
                self._conn.close()
                self._out.close()
        return self._files

    def _list_here(self) -> None:
        self._files = public_file_names(self.public_dir)
        self._ahead = ReadAhead(self._files)

    def stop(self) -> None:
        if self._ahead is not None:
            self._ahead.stop()
        if self._files is None:  # never asked for (the audit stopped early)
            self._conn.close()
            self._out.close()
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.process = None


def _list_then_read_ahead(public_dir: Path, out, conn) -> None:
    """In the listing process: the list written to `out`, said on `conn`, then read ahead."""
    files = public_file_names(public_dir)
    pickle.dump(files, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()
    conn.send_bytes(b"1")
    conn.close()
    if hasattr(os, "posix_fadvise") and cold(files):
        read_ahead(files)
