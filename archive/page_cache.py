"""Files brought into the page cache before they are read, by the kernel, in the background.

Two readers of big files would otherwise wait on the disk at their start: the audit scanning
the built site (`audit.prefetch`), and a fresh `reckon serve` answering its first searches and
record GETs from an index and a store the last big job pushed out of the cache (on a machine
that pages out what was not touched for a minute, any job). `posix_fadvise(WILLNEED)` asks
the kernel to read a file ahead: the reading is the kernel's, nothing is copied into the
process, and a file already cached costs three system calls.
"""

from __future__ import annotations

import os
from collections.abc import Container, Iterable, Sequence

SAMPLE = 256  # files asked whether they are cached: ~1 ms
# The share of the sample not cached from which files are read ahead. Asking every file costs
# ~1.1-1.9 s of CPU for the 207,000 of a 100,000-record site; a site with a few per cent of its
# pages gone (45 MB of 2.5 GB, read ahead for 1.6 s of CPU in one run) costs less than that
# read where it is used.
COLD_SHARE = 1 / 16
# Linux reads no more than its largest read-ahead (a few MB) for one WILLNEED, whatever the
# range asked (`force_page_cache_ra`): a 60 MB index file asked whole came in 8 MB. So a big
# file is asked a piece at a time; a small one in one call, as before.
CHUNK = 2 * 1024 * 1024


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


def read_ahead(files: Iterable[str], skip_suffixes: Container[str] = ()) -> None:
    """Ask the kernel to read each file (but those whose suffix, lower-cased, is skipped) into
    the page cache, in order. A file gone meanwhile is passed over: its reader will say so."""
    if not hasattr(os, "posix_fadvise"):
        return
    for file in files:
        if os.path.splitext(file)[1].lower() in skip_suffixes:
            continue
        try:
            fd = os.open(file, os.O_RDONLY)
        except OSError:
            continue
        try:
            size = os.fstat(fd).st_size
            for offset in range(0, max(size, 1), CHUNK):
                os.posix_fadvise(fd, offset, CHUNK, os.POSIX_FADV_WILLNEED)
        finally:
            os.close(fd)


def available_memory() -> int | None:
    """The bytes the kernel says it could give without swapping (`MemAvailable`), or None
    where it does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def read_listed() -> None:
    """`read_ahead` of the files named on standard input, one a line: for a process whose own
    descriptors must not be opened and closed on those files (a SQLite store's user:
    `server.warm_up.read_data_ahead`)."""
    import sys

    read_ahead(line for line in sys.stdin.read().splitlines() if line)
