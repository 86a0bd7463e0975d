"""The files a publish changed, as a list an upload tool reads (`reckon build --changed-list FILE`).

Why: a site copied to a CDN or an object store (rclone, `aws s3 sync`) should not be compared
file by file on every publish (200,000 files at 100,000 records), and a withdrawn testimony
must leave the host in the same step as it leaves `public/`. The build already knows which
files it wrote anew or removed (`BuildReport.changed`, also what `publish.purge` hands a CDN);
this writes them down, one path per line relative to the published folder:

- `records/rec-1/index.html`: written anew (new or changed): upload it;
- `- narratives/nar-b/index.json`: gone from the site: delete it from the host.

A file is listed when what it is made from changed, as the build keys it (a list page whose
data changed in a part it does not show is listed though its bytes came out the same: sending
it again is harmless). An image's IIIF files are listed file by file when they were written, and as their folder
(`- iiif/<id>/`) when the image left the site. After a first build (no site was served before)
every file of the site is listed. The build's own bookkeeping in the published folder
(`.manifest.json`, `.manifest/`) is never listed: a host has no use for it.

The list is written beside the site, never inside it (`ChangedListError` otherwise), and
replaced atomically, so an upload script never reads half a list.

`reckon ingest` publishes what it changed when the site can be patched (`publish.pipeline`
`publish_if_patchable`), so the build after it may find nothing to do: the paths such an ingest
published are kept beside the site (`note_published`) and the next `reckon build` lists them
with its own (`published_since_build`), then forgets them.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.errors import ReckoningError
from publish.build_report import BuildReport
from publish.site_manifest import MANIFEST, PAGES_DIR

DELETED = "- "
UNLISTED = "unlisted-changes.txt"  # in the build cache's folder: paths published since the last `reckon build`
_BOOKKEEPING = (MANIFEST, PAGES_DIR)


class ChangedListError(ReckoningError):
    """A changed list that cannot be written where it was asked for."""


def check_target(path: Path, public_dir: Path) -> Path:
    """The list's path, absolute; refused before a publish starts when it could not be written
    there (its folder missing) or would be published itself (inside the published folder)."""
    target = Path(path).absolute()
    if not target.parent.is_dir():
        raise ChangedListError(f"--changed-list {path}: the folder {target.parent} does not exist; "
                               "create it or name a file in an existing folder")
    site = Path(public_dir).absolute()
    for inside in {site, site.resolve()}:
        if target.resolve().is_relative_to(inside) or target.is_relative_to(inside):
            raise ChangedListError(f"--changed-list {path}: the list would be inside the published folder "
                                   f"{public_dir}; write it beside the site instead")
    if target.is_dir():
        raise ChangedListError(f"--changed-list {path}: is a folder; name a file")
    return target


def changed_lines(report: BuildReport) -> list[str]:
    """The lines of the list for this build: every path it wrote, then every path it removed
    (marked `- `), each group sorted."""
    site = Path(report.public_dir).resolve()
    if report.whole:
        return _files_under(site, "")
    written: list[str] = []
    gone: list[str] = []
    for path in report.changed:
        if path.endswith("/"):
            files = _files_under(site, path) if (site / path).is_dir() else []
            written.extend(files) if files else gone.append(path)
        elif (site / path).is_file():
            written.append(path)
        else:
            gone.append(path)
    return sorted(set(written)) + [DELETED + p for p in sorted(set(gone))]


def write_changed_list(report: BuildReport, path: Path) -> int:
    """Write the list of what this build changed to `path` (replacing it); the number of lines."""
    lines = changed_lines(report)
    target = Path(path)
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.writelines(line + "\n" for line in lines)
    os.replace(tmp, target)
    return len(lines)


def _files_under(site: Path, folder: str) -> list[str]:
    """Every file under `site/folder`, as paths relative to the site, the build's own
    bookkeeping left out."""
    found = []
    root = site / folder
    for current, dirs, files in os.walk(root):
        here = Path(current)
        if here == site:
            dirs[:] = [d for d in dirs if d not in _BOOKKEEPING]
            files = [f for f in files if f not in _BOOKKEEPING]
        dirs.sort()
        found.extend((here / f).relative_to(site).as_posix() for f in files)
    return sorted(found)


def note_published(cache_dir: Path, report: BuildReport) -> None:
    """Keep the paths a publish outside `reckon build` changed, for the next build's list."""
    if not report.changed:
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / UNLISTED, "a", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)  # released as the file closes
        out.writelines(path + "\n" for path in report.changed)


@contextmanager
def published_since_build(cache_dir: Path) -> Iterator[list[str]]:
    """The paths published since the last `reckon build` by others (`note_published`);
    forgotten when the block ends without an error (a list that failed to be written keeps them)."""
    path = cache_dir / UNLISTED
    if not path.exists():
        yield []
        return
    with open(path, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released as the file closes
        yield handle.read().splitlines()
        handle.truncate(0)
