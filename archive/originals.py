"""The files the store points to: scanned images, attached PDFs, transcript files, uploads.

The store holds their paths (and, for images and PDFs, their SHA-256), not their bytes, so a
preservation bag that held only the tables would lose them. This module lists every
original by the row that points to it, copies each into a bag (checking it is still the
file that was catalogued), and restores them into a new working folder, giving the rows
their new paths. A table that adds a file path joins them by one line in `KINDS`. A recording
uploaded in the staff app is pointed to twice (its submission and, once published, the
narrative's recording row): the bag holds it for each, and each row gets its own copy back.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from archive.errors import ReckoningError
from archive.media import Attachment, Media
from archive.recordings import Recording
from archive.submissions import Submission
from archive.transcripts import TranscriptSource

INDEX = "originals.jsonl"  # in the bag's data/: one line per original file
FOLDER = "originals"


@dataclass(frozen=True)
class Kind:
    """A table whose rows point to original files: its key, path and checksum columns."""

    name: str
    table: type[SQLModel]
    keys: tuple[str, ...]
    path: str
    sha256: str | None = None


KINDS = (
    Kind("images", Media, ("id",), "path", "sha256"),
    Kind("attachments", Attachment, ("record_id", "kind"), "path", "sha256"),
    Kind("transcripts", TranscriptSource, ("narrative_id",), "path"),
    Kind("uploads", Submission, ("id",), "upload_path"),
    Kind("recordings", Recording, ("narrative_id", "position"), "path", "sha256"),  # masters, never their copies
    Kind("recording-uploads", Submission, ("id",), "recording_path"),
)
UPLOADS = ("uploads", "recording-uploads")  # restored where the staff app keeps its uploads


class OriginalError(ReckoningError):
    """An original file that is missing, changed, or cannot be restored."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _safe(part: str) -> str:
    """A key or file name as one harmless path segment (ids are already safe; names may not be)."""
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in part).lstrip(".")
    return cleaned[:120] or "file"


def _rows(conn: Connection, kind: Kind) -> Iterator[tuple[tuple[str, ...], str, str | None]]:
    table = kind.table.__table__  # type: ignore[attr-defined]
    columns = [table.c[k] for k in kind.keys] + [table.c[kind.path]]
    if kind.sha256:
        columns.append(table.c[kind.sha256])
    for row in conn.execute(select(*columns).order_by(*columns[:len(kind.keys)])):
        values = tuple(row)
        path = values[len(kind.keys)]
        if path:
            yield tuple(str(v) for v in values[:len(kind.keys)]), path, values[-1] if kind.sha256 else None


def export_originals(conn: Connection, data: Path, base: Path) -> list[dict]:
    """Copy every original into `data/originals/<kind>/<key>/<name>`; returns the index entries.

    `base` is where relative paths start (transcript paths are kept relative to the content
    folder's parent, as messages show them).

    Refuses (naming the row and the path) a file that is gone or no longer matches the
    checksum recorded at ingest: a bag must not silently lose or replace what was entrusted.
    """
    entries = []
    for kind in KINDS:
        for key, path, expected in _rows(conn, kind):
            source = base / path
            where = f"{kind.name} {'/'.join(key)}"
            if not source.is_file():
                raise OriginalError(f"{where}: the original file {source} is missing; put it back (or "
                                    "re-ingest without it) before exporting, so the bag loses nothing")
            relative = Path(FOLDER, kind.name, *(_safe(k) for k in key), _safe(source.name))
            target = data / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            digest = sha256_file(target)
            if expected and digest != expected:
                raise OriginalError(f"{where}: {source} has changed since it was ingested (SHA-256 "
                                    f"{digest[:12]}…, catalogued {expected[:12]}…); run `reckon ingest` first")
            entries.append({"kind": kind.name, "key": list(key), "path": relative.as_posix(),
                            "original_path": str(source), "sha256": digest, "bytes": target.stat().st_size})
    with open(data / INDEX, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(e, sort_keys=True) + "\n" for e in entries)
    return entries


def restore_originals(data: Path, home: Path) -> dict[tuple[str, tuple[str, ...]], str]:
    """Copy a bag's originals into the working folder: uploads to `uploads/<submission>/`
    (where the staff app keeps them), the rest to `originals/<kind>/<key>/`. Returns the new
    path of each, by (kind, key), for the rows that point to them."""
    index = data / INDEX
    if not index.exists():
        return {}
    moved: dict[tuple[str, tuple[str, ...]], str] = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        source = (data / entry["path"]).resolve()
        if data.resolve() not in source.parents:
            raise OriginalError(f"{index}: path {entry['path']!r} leaves the bag")
        relative = Path(entry["path"]).relative_to(FOLDER)
        upload = entry["kind"] in UPLOADS
        target = home / ("uploads" if upload else FOLDER) / (relative.relative_to(entry["kind"]) if upload else relative)
        if target.exists() and sha256_file(target) != entry["sha256"]:
            raise OriginalError(f"{target} already exists with other content; restore into an empty folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        if sha256_file(target) != entry["sha256"]:
            raise OriginalError(f"{target}: copy does not match the bag's SHA-256 {entry['sha256'][:12]}…")
        moved[(entry["kind"], tuple(entry["key"]))] = str(target.resolve())
    return moved


def repoint(table_name: str, rows: list[dict], moved: dict[tuple[str, tuple[str, ...]], str]) -> list[dict]:
    """The rows of one table with their file paths changed to where the originals now are."""
    for kind in KINDS:
        if kind.table.__tablename__ != table_name:  # type: ignore[attr-defined]
            continue
        for row in rows:
            key = tuple(str(row[k]) for k in kind.keys)
            if (kind.name, key) in moved:
                row[kind.path] = moved[(kind.name, key)]
    return rows
