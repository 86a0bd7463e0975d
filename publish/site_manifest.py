"""A site buffer's manifest: what each published file's key is, kept in small shards so a
rebuild of a few records reads and writes kilobytes, not the whole 20 MB map of 200,000 keys.

Every buffer (`.public.a`, `.public.b`, see `publish.buffers`) holds:

- `.manifest.json`: the header (version, the build's `state`, IIIF image keys, and for a
  retired buffer the `base` build it is a subset of and the files it is `missing`). Written
  last: while it says `"applying": true` the buffer is being changed and nothing else in it
  (files or shards) is trusted, so a build killed at any moment is repaired by the next one.
- `.manifest/<xxx>.json`: the `pages` map (path → key), split by the folder a file is in
  (a CRC of the folder names one of `SHARDS` shards), so a record's page and its citation
  share a shard, the search index's term shards share one, and a change to one record
  touches a handful of shards. Each shard is compact JSON with sorted keys; a shard with no
  entries has no file. The same pages give the same bytes, so a patched site and a fresh one
  are equal file for file, shards included.

Both the full build (`publish.build`) and the patch path (`publish.incremental`, published by
`publish.apply_patch`) read and write manifests only through this module.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterable
from pathlib import Path

from archive.file_writing import write_file

MANIFEST = ".manifest.json"
PAGES_DIR = ".manifest"
# 7: 4,096 shards (6: 256 shards, 80 KB each at 100,000 records, so 100 changed records, whose
# pages stand in ~470 folders, rewrote most of the 20 MB map in both buffers; 5: one file).
MANIFEST_VERSION = 7
SHARDS = 4096


def shard_of(path: str) -> str:
    """The shard holding a file's key: by its folder, so a folder's files stay together."""
    folder = path.rpartition("/")[0]
    return f"{zlib.crc32(folder.encode()) % SHARDS:03x}"


def shard_path(name: str) -> str:
    """A shard's file, relative to its buffer: moved and linked like the buffer's other files
    (`publish.apply_patch`), which only ever replaces it, never writes through it."""
    return f"{PAGES_DIR}/{name}.json"


def is_manifest(path: str) -> bool:
    """Whether a path (relative to a buffer) is part of its manifest, not a published page."""
    return path == MANIFEST or path.startswith(PAGES_DIR + "/")


def _encode(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def _write_file(path: Path, body: bytes) -> None:
    temp = path.with_name(path.name + ".new")
    write_file(temp, body, 0o644)
    os.replace(temp, path)  # a reader sees the old shard or the new one, whole


def read_header(folder: Path) -> dict | None:
    """A buffer's manifest header, or None when it has none that parses."""
    try:
        header = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) else None


def write_header(folder: Path, header: dict) -> None:
    _write_file(folder / MANIFEST, _encode({k: v for k, v in header.items() if k != "pages"}))


def mark_applying(folder: Path) -> None:
    """Say the buffer is being changed: until the header is written again, nothing in it is trusted."""
    write_header(folder, {"version": MANIFEST_VERSION, "applying": True})


def group(pages: dict[str, str]) -> dict[str, dict[str, str]]:
    shards: dict[str, dict[str, str]] = {}
    for path, key in pages.items():
        shards.setdefault(shard_of(path), {})[path] = key
    return shards


def read_shards(folder: Path, names: Iterable[str]) -> dict[str, dict[str, str]] | None:
    """These shards of a buffer's pages (a missing file is an empty shard); None if one is unreadable."""
    shards = {}
    for name in names:
        try:
            shards[name] = json.loads((folder / PAGES_DIR / f"{name}.json").read_bytes())
        except FileNotFoundError:
            shards[name] = {}
        except (OSError, ValueError):
            return None
    return shards


def read_pages(folder: Path) -> dict[str, str] | None:
    """Every page's key in a buffer (all its shards), or None when they cannot be read."""
    try:
        names = [n[:-5] for n in os.listdir(folder / PAGES_DIR) if n.endswith(".json")]
    except OSError:
        return None  # no shards at all (a site always has pages): not a manifest to trust
    shards = read_shards(folder, names)
    if shards is None:
        return None
    pages: dict[str, str] = {}
    for shard in shards.values():
        pages.update(shard)
    return pages


def write_shards(folder: Path, shards: dict[str, dict[str, str]]) -> None:
    """Write these shards whole (an empty one: its file removed)."""
    (folder / PAGES_DIR).mkdir(exist_ok=True)
    for name, pages in shards.items():
        path = folder / PAGES_DIR / f"{name}.json"
        if pages:
            _write_file(path, _encode(pages))
        else:
            path.unlink(missing_ok=True)


def stage_shards(stage: Path, shards: dict[str, dict[str, str]]) -> tuple[list[str], list[str], list[str]]:
    """Write these shards into a staging folder (under flat names) to be moved into a buffer
    with its other files (`publish.buffers.move_into`): the shards' paths in the buffer, their
    names in the stage, and the paths of the empty ones, whose files go instead."""
    paths, names, empty = [], [], []
    for name, pages in sorted(shards.items()):
        path = shard_path(name)
        if pages:
            paths.append(path)
            names.append(f"shard-{name}")
            write_file(stage / names[-1], _encode(pages), 0o644)
        else:
            empty.append(path)
    return paths, names, empty


def read(folder: Path) -> dict | None:
    """A buffer's whole manifest (header and `pages`) if it can be trusted: this version, not
    left half-applied; None otherwise (the build then writes the buffer afresh)."""
    header = read_header(folder)
    if header is None or header.get("version") != MANIFEST_VERSION or header.get("applying"):
        return None
    pages = read_pages(folder)
    if pages is None:
        return None
    return {**header, "pages": pages}


def write(folder: Path, manifest: dict) -> None:
    """A whole manifest: every shard (stale shard files removed), then the header, last."""
    shards = group(manifest.get("pages", {}))
    if (folder / PAGES_DIR).is_dir():
        for name in os.listdir(folder / PAGES_DIR):
            if name.endswith(".json") and name[:-5] not in shards:
                (folder / PAGES_DIR / name).unlink()
            elif name.endswith(".new"):
                (folder / PAGES_DIR / name).unlink()  # left by a killed write
    write_shards(folder, shards)
    write_header(folder, manifest)

