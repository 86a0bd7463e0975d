"""What changed in the content folder, told by the warm process's watch (`ingest.content_watch`)
instead of a stat of every file: the ingest's side of the question, and the warm process's
answer to it.

A command run by the warm process has a channel to it (`connect`, called in the command's
process). `look` asks over it which paths saw an event since the moment the store keeps
(`WATCH_ROW`), stats those and the racily clean files, and compares them with their kept rows:
the same `Delta` a full scan gives (`ingest.changed_files.delta`), from a few rows instead of
100,000. When the watch cannot answer for the store's stats (none kept under this watch, the
watch given up, a file with a second hard link among those statted), every file is statted, as
without a warm process, and the answer's mark is kept with those stats for the next ingest.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time

from ingest.changed_files import CODE_ROW, WATCH_ROW, Delta, Scan, code_digest, scan, stats_of
from ingest.stored_objects import SOURCE_FILES

_channel: socket.socket | None = None


def connect(channel: socket.socket) -> None:
    """This process was forked by the warm process: ask it over `channel`."""
    global _channel
    _channel = channel


def watching() -> bool:
    return _channel is not None and os.environ.get("RECKON_WATCH", "on") != "off"


def ask(folder: str, since: tuple[str, int] | None) -> dict:
    """The warm process's answer (`answer`): generation, seq, changed paths (or None), reason.
    No answer is an answer too: no watch (every file statted, no mark kept)."""
    assert _channel is not None
    try:
        _channel.sendall(json.dumps({"folder": folder, "since": since}).encode() + b"\n")
        with _channel.makefile("rb") as reply:
            line = reply.readline()
        if not line:
            raise OSError("it closed the channel")
        return json.loads(line)
    except (OSError, ValueError) as exc:
        return {"generation": None, "seq": 0, "changed": None, "reason": f"the warm process did not answer: {exc}"}


def answer(channel: socket.socket, watches: dict) -> bool:
    """Answer one question on `channel` (the warm process's side); False when the command's end
    closed it. `watches`: the warm process's `ContentWatch` of each folder, made on first ask."""
    from ingest.content_watch import ContentWatch

    with channel.makefile("rb") as request:
        line = request.readline()
    if not line:
        return False
    question = json.loads(line)
    folder = question["folder"]
    if folder not in watches:
        watches[folder] = ContentWatch(folder)
    since = tuple(question["since"]) if question["since"] else None
    generation, seq, changed, reason = watches[folder].changed_since(since)  # type: ignore[arg-type]
    channel.sendall(json.dumps({"generation": generation, "seq": seq, "changed": changed,
                                "reason": reason}).encode() + b"\n")
    return True


def look(connection, content_dir) -> tuple[Scan, Delta | None]:
    """The content's scan and its delta against the store (`connection`, DB-API), from the watch
    when it can answer for the store's stats, else from a stat of every file."""
    folder = os.fspath(content_dir)
    kept = _kept_mark(connection, folder)
    reply = ask(folder, kept)
    mark = (reply["generation"], reply["seq"], folder) if reply["generation"] else None
    reason = reply["reason"]
    if reply["changed"] is not None:
        found = _stat_changed(connection, reply["changed"], mark)
        if found is not None and (known := _delta(connection, found)) is not None:
            _report(f"the watch named {len(reply['changed'])} paths; {len(found.asked or [])} statted")
            return found, known
        reason = "a file has a second hard link" if found is None else "the ingest code changed"
    from ingest.changed_files import delta

    found = full_scan(content_dir, reply, reason)
    return found, delta(connection, found)


def full_scan(content_dir, reply: dict | None = None, reason: str = "") -> Scan:
    """Every file statted, after the watch was asked (`reply`, asked here when not given): its
    mark is kept with these stats, so the next ingest asks it instead. Without a warm process
    (or with the watch off), the plain scan."""
    if reply is None and not watching():
        return scan(content_dir)
    folder = os.fspath(content_dir)
    if reply is None:
        reply = ask(folder, None)
        reason = reply["reason"]
    found = scan(content_dir)  # after the ask: a change from now on is numbered past its seq
    found.watch = (reply["generation"], reply["seq"], folder) if reply["generation"] and not found.linked else None
    _report(f"every file statted: {reason}" + ("; a file has a second hard link" if found.linked else ""))
    return found


def _report(text: str) -> None:
    """Which way the ingest took, where `RECKON_WARM_REPORT` asks."""
    report(f"content watch: {text}")


def report(text: str, in_file: str = "") -> None:
    """A line of a warm command's report where `RECKON_WARM_REPORT` asks: stderr ("1"), or
    appended to the file it names (a path: with a "/"), `in_file` after it there (what a
    benchmark discarding the output needs to tell its lines apart)."""
    where = os.environ.get("RECKON_WARM_REPORT")
    if not where:
        return
    if "/" not in where:
        print(text, file=sys.stderr)
        return
    with open(where, "a", encoding="utf-8") as out:
        out.write(f"{text}{in_file}\n")


def keep_mark(path, found: Scan) -> None:
    """Keep `found`'s watch mark in the SQLite store at `path` when nothing changed (else the
    ingest's transaction keeps it with the rows): the next ingest then asks the watch, instead
    of statting every file again."""
    import sqlite3

    from ingest.changed_files import watch_row

    if found.watch is None:
        return
    row = watch_row(found.watch)
    db = sqlite3.connect(path, timeout=30)
    try:
        with db:
            db.execute(f"DELETE FROM {SOURCE_FILES} WHERE path = ?", (WATCH_ROW,))
            db.execute(f"INSERT INTO {SOURCE_FILES} (path, size, mtime_ns, ino, ctime_ns, digest) "
                       "VALUES (:path, :size, :mtime_ns, :ino, :ctime_ns, :digest)", row)
    finally:
        db.close()


def _kept_mark(connection, folder: str) -> tuple[str, int] | None:
    cursor = connection.cursor()
    try:
        cursor.execute(f"SELECT digest, size FROM {SOURCE_FILES} WHERE path = ?", (WATCH_ROW,))
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return None
    generation, _, kept_folder = row[0].partition(" ")
    return (generation, row[1]) if kept_folder == folder else None


def _stat_changed(connection, changed: list[str], mark) -> Scan | None:
    """The stats of the paths that saw events and of the racily clean files (None when one has
    a second hard link: changed through another folder, it may have had no event here)."""
    cursor = connection.cursor()
    try:
        cursor.execute(f"SELECT path FROM {SOURCE_FILES} WHERE digest != '' AND path NOT IN (?, ?)",
                       (CODE_ROW, WATCH_ROW))
        racy = [path for (path,) in cursor]
    finally:
        cursor.close()
    found = Scan({}, time.time_ns(), watch=mark)
    paths = sorted(set(changed) | set(racy))
    got, linked = stats_of(paths)
    if linked:
        return None
    found.files = {path: info for path, info in zip(paths, got, strict=True) if info is not None}
    found.digests = {path: found.digest_of(path) for path, info in found.files.items() if found.racy(info)}
    found.asked = paths
    return found


def _delta(connection, found: Scan) -> Delta | None:
    """`changed_files.delta` for the paths of a partial scan only: the rows kept of them."""
    from ingest.changed_files import compare

    cursor = connection.cursor()
    try:
        cursor.execute(f"SELECT digest FROM {SOURCE_FILES} WHERE path = ?", (CODE_ROW,))
        code = cursor.fetchone()
        if code is None or code[0] != code_digest():
            return None
        rows = {}
        paths = found.asked or []
        for start in range(0, len(paths), 500):
            chunk = paths[start:start + 500]
            cursor.execute(f"SELECT path, size, mtime_ns, ino, ctime_ns, digest FROM {SOURCE_FILES} "
                           f"WHERE path IN ({', '.join('?' * len(chunk))})", chunk)
            rows.update((row[0], row[1:]) for row in cursor)
    finally:
        cursor.close()
    added, modified, removed = [], [], []
    for path in paths:
        row, info = rows.get(path), found.files.get(path)
        if row is None:
            if info is not None:
                added.append(path)
        elif info is None:
            removed.append(path)
        elif compare(found, path, info, row):
            modified.append(path)
    return Delta(added, modified, removed)
