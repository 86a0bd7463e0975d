"""Writing a file's bytes in pieces of at most a megabyte.

On this project's machines (Linux 6.18 under Firecracker), one `write` of 4 MB or more into
a new file took ~90 ms for 9 MB, against ~2 ms for the same bytes written a megabyte at a time
(bench/results/59: measured for each size from 64 KB to 16 MB; the cost jumps between 2 and
4 MB a call and does not fall again). A patch rewrites a download part of ~9 MB per format
for one changed record, and a full build writes ~1.1 GB of files of megabytes at 100,000
records, so every file the site publishes is written through here. Reading has no such cost.
"""

from __future__ import annotations

import os

PIECE = 1 << 20  # the most bytes handed to one `write`
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def write_all(fd: int, content: bytes | bytearray | memoryview) -> None:
    """Every byte of `content` to the open file `fd`, `PIECE` bytes a call at most."""
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view[:PIECE]):]


def write_file(path: str | os.PathLike, content: bytes | bytearray | memoryview, mode: int = 0o666) -> None:
    """One open, `write_all`, one close (created or emptied first; `mode` before the umask)."""
    fd = os.open(path, _CREATE, mode)
    try:
        write_all(fd, content)
    finally:
        os.close(fd)
