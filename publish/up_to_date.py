"""Whether the site and both search indexes are still what the last publish left, told cheaply.

`reckon build` right after a `reckon ingest` that already patched the site (or after another
build) has nothing to do, but finding that out through the full path costs more than a second
at 100,000 records: importing SQLAlchemy, SQLModel and every table class (~0.6 s), Jinja and
the site's code, then asking both indexes and the site's patch whether the change log moved.
So a publish that succeeds leaves a stamp (`.public.cache/published.json`, beside the site,
never inside it) saying what it published from, and the next build compares it with:

- the store's place in its change log and whether any change waits in `sitelag` (a staff
  withdrawal not yet published), read with the standard library's `sqlite3`;
- the date (an embargo can end by date alone), every setting but the content folder (which
  publishing never reads), and a digest of the code, templates and static files that publish;
- the stat of what the publish left: the live buffer's manifest and each index's manifest, so
  a site or an index removed or remade by hand is noticed.

When every one is the same, nothing the full path could do would change a file: the build
answers from the stamp. Any difference, a store that is not SQLite, or no stamp at all takes
the full path, which decides as before. The stamp is a shortcut, never a source of truth:
every publisher removes it before it touches the indexes or the site (`publish.pipeline`
`publishing`), and only a publish that finished whole writes it again, so a publish that
failed or was killed half-way leaves no stamp behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, fields
from pathlib import Path

from archive.code_digest import modules_digest
from archive.settings import PACKAGE_ROOT, Settings, settings_to_json

STAMP = "published.json"
# The packages a publish runs (the store's views, the indexes, the site): any change to their
# code is a change of what a publish makes, so the stamp no longer holds.
CODE = ("archive", "search", "publish")
OUTSIDE = ("markdown_it",)  # its version (in its __init__) changes what Markdown becomes
# What the store's tables are called (archive.change_log.TABLE, archive.site_lag.TABLE),
# spelled here so reading them needs no SQLAlchemy; tests/test_up_to_date.py checks both.
CHANGE_LOG = "buildchange"
SITE_LAG = "sitelag"
INDEX_MANIFEST = "reckoning-index.json"  # search.indexer.MANIFEST
SITE_MANIFEST = ".manifest.json"  # publish.site_manifest.MANIFEST


@dataclass(frozen=True)
class Stamp:
    """What the last whole publish published, and from what."""

    mark: list  # the change log's place before the publish read the store
    inputs: str  # digest of date, settings and code (`_inputs`)
    files: dict[str, list]  # stat of the files it left (`_files`)
    indexed: int  # public documents in the public index
    pages: int  # files of the published site


def path_of(settings: Settings) -> Path:
    return settings.build_cache_dir / STAMP


def forget(settings: Settings) -> None:
    """Remove the stamp: a publisher is about to change the indexes or the site."""
    try:
        os.unlink(path_of(settings))
    except FileNotFoundError:
        pass


def store_mark(settings: Settings) -> list | None:
    """The change log's newest entry as `[seq, table, id]` (`[0, None, None]` for an empty log),
    as `archive.change_log.latest` reads it; None when the store is not a SQLite file of ours
    or has a change waiting in the site's lag (a publish must settle it)."""
    path = settings.sqlite_path
    if path is None or not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)  # read only: never a write
    except sqlite3.Error:
        return None
    try:
        if db.execute(f"SELECT 1 FROM {SITE_LAG} LIMIT 1").fetchone() is not None:
            return None
        row = db.execute(f"SELECT seq, tbl, object_id FROM {CHANGE_LOG} ORDER BY seq DESC LIMIT 1").fetchone()
    except sqlite3.Error:  # an older store, without these tables: the full path knows what to do
        return None
    finally:
        db.close()
    return list(row) if row is not None else [0, None, None]


def write(settings: Settings, mark: list | None, indexed: int, pages: int) -> None:
    """Keep the stamp of a publish that finished whole (`mark`: the log's place it read first)."""
    if mark is None or settings.sqlite_path is None:
        return
    files = _files(settings)
    if files is None:
        return
    stamp = {"mark": mark, "inputs": _inputs(settings), "files": files, "indexed": indexed, "pages": pages}
    target = path_of(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(target.name + ".new")
    temp.write_text(json.dumps(stamp, sort_keys=True), "utf-8")
    os.replace(temp, target)


def current(settings: Settings) -> Stamp | None:
    """The last publish's stamp when the site and the indexes are still what it left and the
    store has not changed since; None when a publish may have anything to do."""
    try:
        kept = json.loads(path_of(settings).read_bytes())
        stamp = Stamp(**{f.name: kept[f.name] for f in fields(Stamp)})
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if stamp.files != _files(settings) or stamp.inputs != _inputs(settings):
        return None
    mark = store_mark(settings)
    return stamp if mark is not None and mark == stamp.mark else None


def _files(settings: Settings) -> dict[str, list] | None:
    """Stat (inode, size, modification time) of the live site's manifest, through the symlink
    `public` names, and of each index's manifest; None when one is missing."""
    found = {}
    paths = {"site": settings.public_dir / SITE_MANIFEST,
             "public index": settings.index_dir / INDEX_MANIFEST,
             "staff index": settings.staff_index_dir / INDEX_MANIFEST}
    for name, path in paths.items():
        try:
            st = os.stat(path)
        except OSError:
            return None
        found[name] = [st.st_ino, st.st_size, st.st_mtime_ns]
    try:
        found["public"] = [os.readlink(settings.public_dir)]
    except OSError:
        return None
    return found


def _inputs(settings: Settings) -> str:
    """Digest of what a publish depends on besides the store: the date, the settings (all but
    the content folder), our code that publishes, the templates and static files."""
    digest = hashlib.blake2b(digest_size=16)
    shown = json.loads(settings_to_json(settings))
    shown.pop("content_dir")
    digest.update(json.dumps(shown, sort_keys=True).encode())
    digest.update(settings.today().isoformat().encode())
    folders = [PACKAGE_ROOT / package for package in CODE] + [settings.site_dir]
    for folder in folders:
        for path in sorted(_files_under(folder)):
            digest.update(os.fsencode(path) + b"\0" + Path(path).read_bytes())
    digest.update(modules_digest(OUTSIDE).encode())
    return digest.hexdigest()


def _files_under(folder: Path) -> list[str]:
    found = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found.extend(os.path.join(current, f) for f in files if not f.endswith(".pyc"))
    return found

