"""Preservation packages: the whole archive as a BagIt bag, its fixity check, and its restore.

A bag holds every table of the store as JSON Lines (every object with its revisions, consent
log, audit lines) and the original files the rows point to (scans, PDFs, transcript files,
uploads; see archive/originals.py), so nothing entrusted to the archive depends on this
software to survive; `bagit` writes SHA-256 manifests so any later copy can be checked byte
for byte.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import bagit
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from archive.db import open_engine
from archive.errors import ReckoningError
from archive.originals import export_originals, repoint, restore_originals
from archive.settings import Settings

FORMAT = "reckoning-bag/1"


class BagError(ReckoningError):
    """A bag that is missing, damaged or cannot be restored."""


def _plain(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def dump_tables(engine: Engine) -> dict[str, list[dict]]:
    """Every row of every preserved table, in primary-key order: the archive as plain data.

    Tables marked `info={"preserve": False}` (sign-in failures) are operational, not archive.
    """
    tables: dict[str, list[dict]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.info.get("preserve") is False:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).mappings()
            tables[table.name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return tables


def export_bag(settings: Settings, target: Path) -> Path:
    """Write the archive into a new BagIt bag at `target` (which must not exist yet).

    The bag is written beside `target` and renamed into place only when complete, so a full
    disk or a failed copy leaves no half bag behind (only the error).
    """
    target = Path(target)
    if target.exists():
        raise BagError(f"{target} already exists: choose a new folder for the bag")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    engine = open_engine(settings)
    try:
        (staging / "tables").mkdir(parents=True)
        tables = dump_tables(engine)
        for name, rows in tables.items():
            with open(staging / "tables" / f"{name}.jsonl", "w", encoding="utf-8") as out:
                out.writelines(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)
        with engine.connect() as conn:
            originals = export_originals(conn, staging, Path(settings.content_dir).parent)
        (staging / "reckoning.json").write_text(json.dumps(
            {"format": FORMAT, "tables": {n: len(r) for n, r in tables.items()}, "originals": len(originals)},
            indent=2, sort_keys=True))
        bagit.make_bag(str(staging), {"Source-Organization": "Reckoning archive",
                                      "External-Description": "Reckoning archive export: every table as JSON "
                                                              "Lines, and the original files the rows point to"},
                       checksums=["sha256"])
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        engine.dispose()
    return target


def verify_bag(path: Path) -> int:
    """Check the bag's fixity; return the number of payload files. Raises BagError naming the damage."""
    try:
        bag = bagit.Bag(str(path))
        bag.validate()
    except bagit.BagValidationError as exc:
        details = "; ".join(str(d) for d in getattr(exc, "details", [])[:5]) or str(exc)
        raise BagError(f"{path}: bag is damaged: {details}") from exc
    except bagit.BagError as exc:
        raise BagError(f"{path}: not a readable bag: {exc}") from exc
    return len(list(bag.payload_files()))


def _python_type(column) -> type | None:
    """The column's Python type, looking through decorators such as SQLModel's UTCDateTime."""
    kind = getattr(column.type, "impl", column.type)
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def _restore_value(column, value: object) -> object:
    """JSON keeps datetimes and dates as ISO text; give the column back its own type."""
    if isinstance(value, str):
        kind = _python_type(column)
        if kind is datetime:
            return datetime.fromisoformat(value)
        if kind is date:
            return date.fromisoformat(value)
    return value


def _parents_first(table, rows: list[dict]) -> list[dict]:
    """Rows of a table that refers to itself (agent.parent, concept.broader), referenced rows first."""
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not self_refs or len(table.primary_key.columns) != 1:
        return rows
    key = next(iter(table.primary_key.columns)).name
    by_key = {row[key]: row for row in rows}
    ordered: list[dict] = []
    placed: set = set()

    def place(row: dict, depth: int = 0) -> None:
        if row[key] in placed or depth > len(rows):
            return
        for column in self_refs:
            parent = by_key.get(row.get(column))
            if parent is not None:
                place(parent, depth + 1)
        placed.add(row[key])
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered


def import_bag(settings: Settings, path: Path) -> dict[str, int]:
    """Restore a verified bag into an EMPTY archive; all tables in one transaction."""
    verify_bag(path)
    data = Path(path) / "data"
    manifest = json.loads((data / "reckoning.json").read_text())
    if manifest.get("format") != FORMAT:
        raise BagError(f"{path}: expected a {FORMAT} bag, found {manifest.get('format')!r}")
    engine = open_engine(settings)
    counts: dict[str, int] = {}
    moved: dict = {}
    try:
        with engine.begin() as conn:
            for table in SQLModel.metadata.sorted_tables:
                if table.info.get("preserve") is False:
                    continue  # operational rows (the schema's fingerprint, sign-in failures)
                if conn.execute(select(func.count()).select_from(table)).scalar():
                    raise BagError(f"the archive at {settings.database_url} is not empty "
                                   f"(table {table.name}): restore only into an empty archive")
            moved = restore_originals(data, Path(settings.home))
            for table in SQLModel.metadata.sorted_tables:
                source = data / "tables" / f"{table.name}.jsonl"
                rows = []
                if source.exists():
                    for line in source.read_text(encoding="utf-8").splitlines():
                        raw = json.loads(line)
                        rows.append({c.name: _restore_value(c, raw.get(c.name)) for c in table.columns if c.name in raw})
                if rows:
                    conn.execute(insert(table), _parents_first(table, repoint(table.name, rows, moved)))
                counts[table.name] = len(rows)
    except BaseException:
        for restored in moved.values():  # nothing restored half: the files go with the rows
            Path(restored).unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    counts["originals"] = len(moved)
    return counts
