"""Which content files changed since the last ingest, told from their stat as git's index does.

Reading and checking 100,000 Markdown files takes most of a minute; asking the file system for
their stat takes a fraction of a second. After each ingest the store keeps every content file's
size, modification time, inode and change time (`archive.source_files`); the next ingest walks
the folder, compares, and reads only what differs (`ingest.pipeline`): nothing at all when no
file changed, only the changed record files when those are all that changed.

Stat is not always proof. A file modified in the same instant it was read may change again
without its modification time moving (the file system's clock is coarse): such a file, "racily
clean" in git's words, has its bytes' digest kept too, and is compared by content next time.
Everything is read afresh when the store keeps no record of the last ingest (a first ingest, a
store restored from a bag), or when the ingest code changed since (it may read files otherwise).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import stat as stat_mode
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archive.gc_paused import gc_paused
from ingest.stored_objects import MISSING_ROW, SOURCE_FILES

if TYPE_CHECKING:
    from sqlmodel import Session

# The row whose `digest` names the ingest code that made the others: never a file's path (those
# are absolute), and no NUL byte (PostgreSQL's text refuses it).
CODE_ROW = "<ingest code>"
# The row keeping the warm process's watch mark the other rows were statted under
# (`ingest.watched_changes`): `digest` "generation folder", `size` the sequence number.
WATCH_ROW = "<content watch>"
SPECIAL_ROWS = (CODE_ROW, WATCH_ROW, MISSING_ROW)

RACY_NS = 2_000_000_000  # 2 s: a coarse file system's mtime granularity, with slack
SKIP_FOLDERS = frozenset({".git", ".hg", ".svn"})  # version control's own files are no content
STAT_THREADS = 4
STAT_CHUNK = 5_000  # files a thread stats at a time: below it, no thread is started
# Threads only when the first chunk shows a cold cache. Warm, one thread stats ~300,000 files a
# second (5,000 in ~17 ms); four threads took 2-3x its wall and 3-5x its CPU at 100,000 files
# on this 2-core machine (0.6-1.0 s and 1.0-1.5 s, the kernel's share most of it), and that
# varied with the machine's state from one hour to the next (bench/results/38).
COLD_SECONDS = 0.1
PACKAGES = ("ingest", "archive")  # the code that reads files and writes what they hold
LIBRARIES = ("pydantic", "PyYAML", "markdown-it-py")

Stat = tuple[int, int, int, int]  # size, mtime_ns, inode, ctime_ns


@dataclass
class Scan:
    """Every file under the content folder with its stat, and when the walk began; or, when
    `asked` is set, only those paths (the ones the warm process's watch named, `ingest.watched_changes`)."""

    files: dict[str, Stat]
    started_ns: int
    digests: dict[str, str] = field(default_factory=dict)  # of the racily clean files, read at once
    watch: tuple[str, int, str] | None = None  # (generation, seq, folder) these stats were taken under
    linked: bool = False  # a file has a second hard link: no watch can answer for it
    asked: list[str] | None = None  # a partial scan's paths (those gone included); None: every file

    def racy(self, stat: Stat) -> bool:
        return stat[1] >= self.started_ns - RACY_NS

    def digest_of(self, path: str) -> str:
        digest = self.digests.get(path)
        return digest if digest is not None else _digest(path)


@dataclass
class Delta:
    """What changed since the last ingest (absolute paths)."""

    added: list[str]
    modified: list[str]
    removed: list[str]

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.modified or self.removed)

    def within(self, folder: Path, suffix: str) -> bool:
        """Whether every changed path is a `suffix` file directly in `folder`."""
        prefix = os.path.join(folder, "")
        return all(p.startswith(prefix) and p.endswith(suffix) and os.sep not in p[len(prefix):]
                   for p in self.added + self.modified + self.removed)


def scan(content_dir: Path) -> Scan:
    """Walk the content folder (symlinked files followed, version-control folders skipped)."""
    with gc_paused():  # 100,000 paths and stat tuples, no cycles: nothing for the collector to free
        return _scan(content_dir)


def _scan(content_dir: Path) -> Scan:
    found = Scan({}, time.time_ns())
    paths = _walk(content_dir)
    chunks = [paths[start:start + STAT_CHUNK] for start in range(0, len(paths), STAT_CHUNK)]
    started = time.perf_counter()
    stats = [stats_of(chunk) for chunk in chunks[:1]]
    if len(chunks) > 1 and time.perf_counter() - started > COLD_SECONDS:
        with ThreadPoolExecutor(STAT_THREADS) as pool:  # the kernel reads inodes from disk: overlap the waits
            stats += pool.map(stats_of, chunks[1:])
    else:
        stats += [stats_of(chunk) for chunk in chunks[1:]]
    for chunk, (got, linked) in zip(chunks, stats, strict=True):
        found.files.update((path, stat) for path, stat in zip(chunk, got, strict=True) if stat is not None)
        found.linked |= linked
    # Digests of files too new to trust their stat later, read now (before the readers read
    # them): if a file changes after this, its digest or its stat will say so next time.
    found.digests = {path: _digest(path) for path, stat in found.files.items() if found.racy(stat)}
    return found


def _walk(content_dir: Path) -> list[str]:
    """Every file's path under the folder, in the order the folders are read."""
    paths = []
    folders = [os.fspath(content_dir)]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # unreadable: the readers report it, if it holds content
        for entry in entries:
            try:
                if entry.is_dir():
                    if entry.name not in SKIP_FOLDERS:
                        folders.append(entry.path)
                elif entry.is_file():
                    paths.append(entry.path)
            except OSError:
                continue
    return paths


def stats_of(paths: list[str]) -> tuple[list[Stat | None], bool]:
    """Each file's stat (None for one gone since the walk, or no longer a file), and whether any
    has a second hard link. Run on threads when the cache is cold (`_scan`): the system call
    releases the GIL, so while the kernel reads inodes from disk, their waits overlap, as git's
    preload-index does."""
    found: list[Stat | None] = []
    linked = False
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            found.append(None)
            continue
        if not stat_mode.S_ISREG(st.st_mode):
            found.append(None)
            continue
        linked |= st.st_nlink > 1
        found.append((st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns))
    return found, linked


def _digest(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()
    except OSError:
        return "unreadable"


def code_digest() -> str:
    """The ingest code (every module of the packages that read and write) and the libraries
    that parse: read afresh by anything else."""
    digest = hashlib.blake2b(digest_size=16)
    root = Path(__file__).resolve().parent.parent
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            pass
    return digest.hexdigest()


def delta(connection, found: Scan) -> Delta | None:
    """What changed since the last ingest, or None when the store cannot tell.

    `connection` is a DB-API connection to the store (the standard library's `sqlite3`, or the
    driver's connection under a SQLAlchemy session): the comparison needs none of the store's
    code, so an ingest that finds nothing changed never loads it (`ingest.unchanged_content`)."""
    # 100,000 rows: read through the driver's cursor (SQLAlchemy's row objects cost a second),
    # each compared as it comes, with no dictionary of them made first. The code's row comes
    # with them.
    files = found.files
    modified, removed, matched, code = [], [], 0, None
    cursor = connection.cursor()
    try:
        cursor.execute(f"SELECT path, size, mtime_ns, ino, ctime_ns, digest FROM {SOURCE_FILES}")
        for path, size, mtime_ns, ino, ctime_ns, digest in cursor:
            stat = files.get(path)
            if stat is None:
                if path == CODE_ROW:
                    code = digest
                elif path not in SPECIAL_ROWS:
                    removed.append(path)
                continue
            matched += 1
            if compare(found, path, stat, (size, mtime_ns, ino, ctime_ns, digest)):
                modified.append(path)
    finally:
        cursor.close()
    if code is None or code != code_digest():
        return None
    added = _added(connection, files) if matched < len(files) else []
    return Delta(sorted(added), sorted(modified), sorted(removed))


def compare(found: Scan, path: str, stat: Stat, row: tuple) -> bool:
    """Whether the file changed since its kept row `(size, mtime_ns, ino, ctime_ns, digest)`."""
    if stat != row[:4]:
        return True
    return bool(row[4]) and found.digest_of(path) != row[4]  # racily clean last time: its bytes


def _added(connection, files: dict[str, Stat]) -> list[str]:
    """The files the store keeps no row of (new since the last ingest)."""
    cursor = connection.cursor()
    try:
        cursor.execute(f"SELECT path FROM {SOURCE_FILES}")
        kept = {path for (path,) in cursor}
    finally:
        cursor.close()
    return [path for path in files if path not in kept]


def remember(session: Session, found: Scan, known: Delta | None, whole_content: bool = True) -> None:
    """Keep this ingest's view of the files, in its transaction: all of them after a full
    read of a store that had none, else the rows that changed (and those no longer racy).
    `whole_content` False (spreadsheets named on the command line were read too): the next
    ingest reads everything, since its sources differ in ways no stat of the folder shows."""
    from sqlalchemy import delete, insert, select  # the write path has loaded them already

    from archive.source_files import SourceFile

    table = SourceFile.__table__  # type: ignore[attr-defined]
    session.execute(delete(table).where(table.c.path == WATCH_ROW))
    if not whole_content:
        session.execute(delete(table).where(table.c.path == CODE_ROW))
        return
    if known is None and found.asked is not None:
        raise ValueError("a partial scan cannot replace every file's row")
    if known is None:
        session.execute(delete(table))
        paths = list(found.files)
    else:
        racy = {row[0] for row in session.execute(select(table.c.path).where(table.c.digest != ""))}
        paths = sorted(set(known.added + known.modified) | (racy - set(known.removed) - set(SPECIAL_ROWS)))
        for start in range(0, len(known.removed) + len(paths), 500):
            chunk = (known.removed + paths)[start:start + 500]
            session.execute(delete(table).where(table.c.path.in_(chunk)))
        paths = [p for p in paths if p in found.files]
    rows = [{"path": path, "size": found.files[path][0], "mtime_ns": found.files[path][1],
             "ino": found.files[path][2], "ctime_ns": found.files[path][3],
             "digest": found.digests.get(path, "")} for path in paths]
    if known is None:
        rows.append({"path": CODE_ROW, "size": 0, "mtime_ns": 0, "ino": 0, "ctime_ns": 0, "digest": code_digest()})
    if found.watch is not None:
        rows.append(watch_row(found.watch))
    for start in range(0, len(rows), 2000):
        session.execute(insert(table), rows[start:start + 2000])


def watch_row(watch: tuple[str, int, str]) -> dict:
    """The row keeping a scan's watch mark (`WATCH_ROW`)."""
    generation, seq, folder = watch
    return {"path": WATCH_ROW, "size": seq, "mtime_ns": 0, "ino": 0, "ctime_ns": 0, "digest": f"{generation} {folder}"}
