"""The old versions a patch replaces in the buffer it retires, kept under a second name until a
process of their own deletes them, after the command that published has answered.

Why: right after a flip, the retired buffer takes this build's changed files by links
(`publish.apply_patch._retire`), each renamed over its old self. That old self was named only
there (the standby had just replaced its own name for it), so the rename freed its inode, and
ext4 frees an inode by reading and writing its inode table block and the block and inode
bitmaps. When those are not in memory (on the machine measured, pages not touched for a minute
are paged out) that is ~3 ms a file: a patch of 100 records at 100,000 replaces ~1,300 files
there and spent ~4 s in `rename` on 0.3 s of CPU. A second name made first (a link into a
folder here: no inode made or freed) leaves the rename nothing to free, and the deleting to a
detached process, niced, while the reader already sees the change.

What is kept is a copy of pages the public had until this build, outside both buffers (never
served, not under `public`), and only until the process deletes it, seconds later. A process
that died leaves its folder to the next patch's, which empties every folder here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from archive.programs import python_running


def spent_folder(public_dir: Path) -> Path:
    """Beside the buffers (the same file system, so a link can be made), hidden like them."""
    return public_dir.parent / f".{public_dir.name}.spent"


def hold(public_dir: Path) -> Path:
    """A new folder for one patch's old versions."""
    folder = spent_folder(public_dir)
    folder.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="patch-", dir=folder))


def keep(path: str, holder: Path, number: int) -> None:
    """A second name in `holder` for the file at `path`, if there is one (a file the buffer
    lacked, or a link refused by the file system, is left to be freed where it is)."""
    try:
        os.link(path, holder / str(number))
    except OSError:
        pass


def empty_later(public_dir: Path) -> None:
    """Delete every held folder in a detached, niced process of its own, not waited for.

    Started as a new program (exec right after the fork, by `subprocess`), never as a fork of
    this process: a fork of a process with other threads (a server's; PyAV's native threads
    after a video) can inherit a lock held and hang (a test process did, stop 27). A shell
    starts it in the background and exits at once, so this process waits only for the shell
    (a few ms) and no child of its own is left to reap; the deleting process holds nothing of
    the command's (its output pipes, the warm process's socket), which a reader waiting for
    their end would otherwise wait on too."""
    folder = spent_folder(public_dir)
    if not folder.is_dir():
        return
    program = python_running("import os; os.nice(10); from pathlib import Path; "
                             "from publish.spent import empty_now; empty_now(Path(sys.argv[2]))", str(public_dir))
    subprocess.run(["/bin/sh", "-c", '"$@" </dev/null >/dev/null 2>&1 &', "sh", *program],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   close_fds=True, start_new_session=True, check=False)


def empty_now(public_dir: Path) -> None:
    """Delete every held folder here and now (the detached process's work; a full build's too)."""
    folder = spent_folder(public_dir)
    for held in sorted(folder.glob("patch-*")) if folder.is_dir() else []:
        shutil.rmtree(held, ignore_errors=True)
