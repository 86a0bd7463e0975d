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
and the site is read ahead when a sixteenth of them or more fail.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from audit.files import public_file_names
from audit.recordings import MEDIA_SUFFIXES

SAMPLE = 256  # files asked whether they are cached: ~1 ms
# The share of the sample not cached from which the site is read ahead. Asking every file costs
# ~1.1-1.9 s of CPU; a site with a few per cent of its pages gone (45 MB of 2.5 GB, read ahead
# for 1.6 s of CPU in one run) costs less than that read in the scan itself.
COLD_SHARE = 1 / 16


def cold(files: Sequence[str], sample: int = SAMPLE) -> bool:
    """Whether the first page of at least `COLD_SHARE` of an even sample of `files` is not in
    the page cache (False where the system cannot say: nothing is read ahead then). Each page
    found missing is read by the kernel from then on, as `RWF_NOWAIT` does."""
    if not files or not hasattr(os, "RWF_NOWAIT"):
        return False
    byte = bytearray(1)
    asked = missing = 0
    for n in range(0, len(files), max(1, len(files) // sample)):
        try:
            fd = os.open(files[n], os.O_RDONLY)
        except OSError:
            continue
        try:
            os.preadv(fd, [byte], 0, os.RWF_NOWAIT)
        except BlockingIOError:
            missing += 1
        except OSError:  # RWF_NOWAIT refused (an old kernel, a file system without it)
            return False
        finally:
            os.close(fd)
        asked += 1
    return asked > 0 and missing >= asked * COLD_SHARE


def _can_fork() -> bool:
    """A process may be forked: no other thread runs (whose locks the child would inherit
    held, as `audit.leaks._Walk.start_oai_child` asks) and the system forks."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def read_ahead(files: Sequence[str]) -> None:
    """Ask the kernel to read each file (but sound and video, which the site's scan skips) into
    the page cache, in order."""
    for file in files:
        if os.path.splitext(file)[1].lower() in MEDIA_SUFFIXES:
            continue
        try:
            fd = os.open(file, os.O_RDONLY)
        except OSError:
            continue  # gone: the scan will say so
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        finally:
            os.close(fd)


class ReadAhead:
    """`read_ahead(files)` in a process of its own when the files are `cold` (and a process can
    be forked: no other thread runs, as `audit.leaks._Walk.start_oai_child` asks); `stop()`
    ends it if it still runs."""

    def __init__(self, files: Sequence[str]):
        self.process = None
        if _can_fork() and hasattr(os, "posix_fadvise") and cold(files):
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
        if not _can_fork():
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
