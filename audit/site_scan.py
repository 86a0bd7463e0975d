"""The built site's files scanned for fingerprints by both of the audit's processes.

At 100,000 records the site is ~200,000 files and ~2.5 GB: reading and matching them is the
largest part of a full audit after the walk of OAI-PMH, which a child process does while
this one takes the fingerprints. Whichever process comes to the files first does not take
them all: the list is cut into chunks of `CHUNK` files, and each process claims the next
chunk from one counter in shared memory (`Claims`, made before the fork) until none is left,
so the two end together however long each one's other work took. Every file is in exactly
one chunk and every chunk is claimed once: nothing is read twice, nothing skipped (a child
that dies with chunks claimed fails the whole audit, `audit.leaks._Walk.finish`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from audit.files import decoded
from audit.public_answers import references
from audit.recordings import MEDIA_SUFFIXES

CHUNK = 256  # files a claim takes: a few MB, small beside either process's other work


class FileScan(Protocol):
    """What scans a file (`audit.leaks.Scanner.file`): its place, its address, its bytes."""

    def file(self, where: str, head: str, data: bytes) -> None: ...


class Claims:
    """A counter both processes share: `claim(total)` gives the next chunk's range, or None
    when every one was claimed. Made before the fork (the child inherits its memory)."""

    def __init__(self, context=multiprocessing) -> None:
        self._next = context.Value("q", 0)

    def claim(self, total: int) -> range | None:
        with self._next.get_lock():
            start = self._next.value
            if start >= total:
                return None
            self._next.value = start + CHUNK
        return range(start, min(start + CHUNK, total))


def scan_files(claims: Claims, files: Sequence[str], public_dir: Path, scan: FileScan) -> set[str]:
    """Scan the files of each chunk this process claims (sound and video are decoded apart,
    `audit.recordings`), each as its address on the site (a file at a hidden address is a leak)
    and its text (`Scanner.file`: its bytes, as read); returns the IIIF addresses they mention,
    to be walked with the app."""
    mentioned: set[str] = set()
    parent = public_dir.parent
    inside = str(public_dir) + os.sep  # how every listed file's path begins (`audit.files.public_file_names`)
    named = public_dir.name + os.sep
    while (chunk := claims.claim(len(files))) is not None:
        for n in chunk:
            file = files[n]
            if os.path.splitext(file)[1].lower() in MEDIA_SUFFIXES:
                continue  # sound, checked by decoding it: its bytes are no text to search
            with open(file, "rb") as opened:
                data = opened.read()
            # Its place and address cut from its path as a string: `Path` objects for 200,000
            # files (parsed, made relative twice) cost a tenth of what reading them does.
            if file.startswith(inside) and os.sep == "/":
                where, head = named + file[len(inside):], "/" + file[len(inside):]
            else:
                path = Path(file)
                where, head = str(path.relative_to(parent)), "/" + path.relative_to(public_dir).as_posix()
            scan.file(where, head, data)
            if b"/iiif/" in data:
                mentioned |= references(decoded(data))
    return mentioned
