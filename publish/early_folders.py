"""The record pages' folders, made on the idle core while the record views are made.

A fresh build at 100,000 records spends its first ~12 s of CPU making the record views (the
rows read, the Markdown parsed) before the record workers can fork, with the second core mostly
idle. The workers then spend about half of their CPU in the kernel, much of it making folders:
100,000 under `records/` of their private folder and as many again in the start of the other
buffer's mirror (`publish.render_workers.EarlyRecords` with `twin`), each `mkdir` 120-300 us
of system time on this project's ext4 disks. Which records are public is known before any view
is made (the access rule reads only the rows' access fields: `RecordViews.visible`), so a
forked process makes those folders meanwhile, in the order the workers write, and a worker's
`mkdir` then finds its folder made.

Only the folders of the records the access rule let through are made, in folders nobody serves
(the workers' private ones). A record whose view the Catalog then did not give after all (it
applies the same rule, so none is expected) would leave its folder empty, which would still
name it: `remove_unused` removes every folder made here that holds no page before the workers'
folder is moved into the site.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

from publish.side_process import SideResult

CHUNK = 500  # folders made between two looks at whether the build is still running


def make_folders(roots: Sequence[str], folders: Sequence[str], parent: int) -> int:
    """Make each folder under every root (their parents exist), in order; stop if the build
    that asked was killed (its process is no longer this one's parent). Returns how many."""
    made = 0
    for start in range(0, len(folders), CHUNK):
        if os.getppid() != parent:
            break
        for folder in folders[start:start + CHUNK]:
            for root in roots:
                try:
                    os.mkdir(os.path.join(root, folder))
                    made += 1
                except FileExistsError:  # a worker got there first
                    pass
    return made


class EarlyFolders:
    """`folders` (relative paths, one level below folders they share) being made under each
    of `roots` by a forked process; `finish()` waits for it, `close()` stops it."""

    def __init__(self, roots: Sequence[Path], folders: Sequence[str]):
        self.roots = [os.fspath(root) for root in roots]
        self.folders = list(folders)
        for root in self.roots:
            for above in sorted({os.path.dirname(folder) for folder in self.folders} - {""}):
                os.makedirs(os.path.join(root, above), exist_ok=True)
        self._side: SideResult[int] | None = SideResult(partial(make_folders, self.roots, self.folders, os.getpid()))

    def finish(self) -> None:
        """Wait until every folder is made (a failure to make one is raised here)."""
        if self._side is not None:
            try:
                self._side.result()
            finally:
                self.close()

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None

    def remove_unused(self, written: Iterable[str]) -> None:
        """Remove the folders made here that hold none of the `written` files (relative
        paths), under every root: an empty `records/<id>/` would still name its record."""
        used = {os.path.dirname(path) for path in written}
        for folder in self.folders:
            if folder not in used:
                for root in self.roots:
                    try:
                        os.rmdir(os.path.join(root, folder))
                    except FileNotFoundError:
                        pass
