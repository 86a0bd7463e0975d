"""Publishing a folder atomically: write a new one beside it, then swap it into place.

A failed build or index run must never leave a half-written site or index behind, so
outputs are made in a fresh staging folder (fresh folders are also faster to write on this
disk than emptied ones) and only replace the old output once complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A build killed mid-way leaves its staging folder behind; the live output was never touched.
    for leftover in target.parent.glob(f".{target.name}.new-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    os.chmod(staging, 0o755)
    for leftover in target.parent.glob(f".{target.name}.old*"):
        shutil.rmtree(leftover, ignore_errors=True)  # from a run that stopped before its cleanup
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    if target.exists():
        old.rmdir()
        target.rename(old)
    staging.rename(target)
    # The swap is done; removing the previous tree (slow on this disk: ~2 ms a folder) need not
    # hold up the caller. A non-daemon thread, so a CLI run still finishes it before exiting.
    threading.Thread(target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True}).start()
