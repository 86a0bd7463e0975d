"""The two folders the published site takes turns in, and the only ways files move between them.

`public_dir` is a symlink to one of two folders beside it (`.public.a`, `.public.b`). The live
one is never written; a build (full, `publish.build`, or patched, `publish.incremental`) brings
the other, the standby, up to date and then flips the symlink in one rename, so a build killed
at any moment leaves the previous site whole and serving (issue 8). Files in a buffer are only
ever replaced by a rename, never written through, so a file may be shared between the two
buffers by a hard link. While a buffer is being changed its manifest says "applying"
(`publish.site_manifest`), so a kill half-way makes the next build remake it rather than trust it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from publish import site_manifest, spent
from publish.folders import make_folder_once
from publish.site_manifest import MANIFEST_VERSION


def buffers(public_dir: Path) -> tuple[Path, Path]:
    """The two folders `public_dir` takes turns to point at, beside it (hidden, so a host that
    serves the parent folder does not list them)."""
    return (public_dir.parent / f".{public_dir.name}.a", public_dir.parent / f".{public_dir.name}.b")


def live_buffer(public_dir: Path) -> Path | None:
    """The buffer `public_dir` points at now, or None before the first double-buffered build
    (no site yet, or a real folder from the older layout)."""
    if not public_dir.is_symlink():
        return None
    target = public_dir.parent / os.readlink(public_dir)
    return target if target in buffers(public_dir) else None


def standby_buffer(public_dir: Path, live: Path | None) -> Path:
    """The buffer a build writes: the one that is not `live` (the first one before any build)."""
    first, second = buffers(public_dir)
    return second if live == first else first


def clear_leftovers(public_dir: Path) -> None:
    """Remove what a killed build leaves beside the site (staging folders, a temp symlink, the
    older layout's swap folders, old versions a patch held and no process deleted:
    `publish.spent`); none of it is ever served."""
    spent.empty_now(public_dir)
    names = [f".{public_dir.name}.link-*", f".{public_dir.name}.new-*", f".{public_dir.name}.old-*",
             f".{public_dir.name}.prerender-*"]
    names += [f".{buffer.name}.stage-*" for buffer in buffers(public_dir)]
    for name in names:
        for leftover in public_dir.parent.glob(name):
            if leftover.is_symlink() or leftover.is_file():
                leftover.unlink(missing_ok=True)
            else:
                shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def staging(buffer: Path) -> Iterator[Path]:
    """A private folder beside `buffer` to write changed files into before they are renamed
    into it (`move_into`): removed afterwards, or by `clear_leftovers` after a kill."""
    stage = Path(tempfile.mkdtemp(prefix=f".{buffer.name}.stage-", dir=buffer.parent))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def move_into(stage: Path, buffer: Path, paths: Iterable[str], staged: Iterable[str] | None = None) -> None:
    """Rename these files from a staging folder over their old selves in `buffer` (a new inode
    each: a file shared with the other buffer by a hard link is never written through).
    `staged`: each file's name in the stage, when not its path (a flat stage makes no folders)."""
    paths = list(paths)
    made: set[Path] = set()
    for path, name in zip(paths, list(staged) if staged is not None else paths, strict=True):
        target = buffer / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        os.replace(stage / name, target)


def link_or_copy(source: Path, target: Path) -> None:
    """A file the standby lacks, from the live buffer: a second name for the same bytes (no
    buffer file is ever written through: changes replace files), or a copy where links fail."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def replace_from(source: Path, target: Path, paths: Iterable[str], holder: Path | None = None) -> None:
    """Each of these files of `source` linked into `target` over its old self there (linked
    under a temporary name, then renamed: never written through, as every buffer file).
    `holder`: a folder given a second name for each old self first (`publish.spent`), so that
    the rename frees no inode."""
    made: set[str] = set()
    for number, path in enumerate(paths):
        final = os.path.join(target, path)
        folder = os.path.dirname(final)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        if holder is not None:
            spent.keep(final, holder, number)
        temp = final + ".link-tmp"
        try:
            os.link(os.path.join(source, path), temp)
        except FileExistsError:
            os.unlink(temp)
            os.link(os.path.join(source, path), temp)
        except OSError:
            shutil.copy2(os.path.join(source, path), temp)
        os.replace(temp, final)


def flip(public_dir: Path, standby: Path) -> None:
    """Point `public_dir` at `standby` in one step: a new symlink renamed over the old one, so a
    reader (or the running app's StaticFiles, which resolves the folder per request) sees either
    the old site or the new one, never a mixture and never nothing.

    A real folder from the older layout cannot be renamed over atomically: it is moved aside
    and replaced by the symlink once, the only moment `public_dir` is briefly missing.
    """
    temp = public_dir.parent / f".{public_dir.name}.link-{os.getpid()}"
    temp.unlink(missing_ok=True)
    os.symlink(standby.name, temp)  # relative: the home folder can be moved or mounted elsewhere
    if public_dir.is_dir() and not public_dir.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{public_dir.name}.old-", dir=public_dir.parent))
        old.rmdir()
        public_dir.rename(old)
        os.replace(temp, public_dir)
        threading.Thread(target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True}).start()
        return
    os.replace(temp, public_dir)


def scrub_standby(buffer: Path, its_build: dict, live_build: dict) -> None:
    """Right after a flip, delete from the buffer just retired every file the live site no
    longer has as it is: changed pages and images, and those of objects no longer public.

    Not served, but on disk: without this the retired buffer would keep a withdrawn
    narrative's page and the old downloads (with its full text) until the next build. What
    is left is a subset of the live site, and the manifest says so, so the next build
    renders exactly the missing files. The manifest says "applying" meanwhile: a kill
    half-way makes the next build remake this buffer whole.
    """
    pages, images = live_build["pages"], live_build.get("iiif", {})
    stale = [path for path, key in its_build.get("pages", {}).items() if pages.get(path) != key]
    stale_images = [i for i, value in its_build.get("iiif", {}).items() if images.get(i) != value]
    if stale or stale_images:
        site_manifest.mark_applying(buffer)
        remove(buffer, stale, stale_images)
    stale_set, stale_image_set = set(stale), set(stale_images)
    site_manifest.write(buffer, {
        "version": MANIFEST_VERSION,
        "pages": {p: k for p, k in its_build.get("pages", {}).items() if p not in stale_set},
        "iiif": {i: v for i, v in its_build.get("iiif", {}).items() if i not in stale_image_set},
        # What it lacks of the live build: all a one-record rebuild needs to bring it up to date.
        "base": (live_build.get("state") or {}).get("token"),
        "missing": sorted(p for p, k in pages.items() if its_build.get("pages", {}).get(p) != k),
        "missing_iiif": sorted(i for i, v in images.items() if its_build.get("iiif", {}).get(i) != v)})


def mirror(live: Path, other: Path, live_build: dict, linked: tuple[Path, frozenset[str]] | None = None) -> int:
    """Make the buffer `other` the live build file for file, by hard links from `live` (no
    file is rendered, read or copied), so the next patched rebuild finds a standby that lacks
    nothing: the first publish after a full build costs what any other does. `other`'s own
    manifest (`publish.site_manifest`, as `scrub_standby` left it, or none) says which files it
    already has as the live build has them; the rest are linked. `linked`, a folder of links
    already made to these paths of the live build (`EarlyRecords.take_twin`: the record pages,
    linked by the workers that wrote them), becomes `other` in their place: `other` is made
    again from it and the rest. Returns files linked here."""
    header = site_manifest.read(other) if other.is_dir() and linked is None else None
    has = header.get("pages", {}) if header is not None else {}
    has_images = header.get("iiif", {}) if header is not None else {}
    if header is None and other.exists():
        shutil.rmtree(other)  # untrusted: made again whole
    if linked is not None:
        folder, paths = linked
        os.replace(folder, other)
        has = {path: live_build["pages"].get(path) for path in paths}  # a path the build lacks: removed below
    other.mkdir(exist_ok=True)
    site_manifest.mark_applying(other)
    pages, images = live_build["pages"], live_build.get("iiif", {})
    todo = [path for path, key in pages.items() if has.get(path) != key]
    made: set[str] = set()
    for path in todo:
        target = os.path.join(other, path)
        folder = os.path.dirname(target)
        make_folder_once(folder, made)
        try:
            os.link(os.path.join(live, path), target)
        except FileExistsError:  # a stale file (`scrub_standby` removes those; be sure)
            os.unlink(target)
            os.link(os.path.join(live, path), target)
    gone = [path for path in has if path not in pages]
    stale_images = [i for i, value in has_images.items() if images.get(i) != value]
    remove(other, gone, stale_images)
    for image_id, value in images.items():
        if has_images.get(image_id) != value:
            shutil.copytree(live / "iiif" / image_id, other / "iiif" / image_id, copy_function=os.link)
    site_manifest.write(other, {"version": MANIFEST_VERSION, "pages": pages, "iiif": images,
                                "base": (live_build.get("state") or {}).get("token"),
                                "missing": [], "missing_iiif": []})
    return len(todo)


def remove(buffer: Path, pages: list[str], image_ids: list[str]) -> None:
    """Delete these pages and image tile folders from a buffer, and the folders they leave empty."""
    for path in pages:
        (buffer / path).unlink(missing_ok=True)
        _prune_empty(buffer, (buffer / path).parent)
    for image_id in image_ids:
        shutil.rmtree(buffer / "iiif" / image_id, ignore_errors=True)
    if image_ids:
        _prune_empty(buffer, buffer / "iiif")


def _prune_empty(root: Path, folder: Path) -> None:
    """Remove folders left empty (an empty `records/<id>/` would still name a hidden object)."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (or already gone)
        folder = folder.parent
