"""The warm process's watch of the content folder (ingest/content_watch.py, ingest/watched_changes.py):
every file that changed is named, whatever the kind of change; what the kernel may not report
ends the watch (a new folder, a symbolic link, an overflowed queue, a file system of another
machine); and `reckon ingest` run warm stats only what the watch named, yet leaves the store
exactly as a stat of every file would."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest

from ingest.changed_files import delta, scan

pytestmark = pytest.mark.skipif(os.uname().sysname != "Linux", reason="inotify is Linux's")

if os.uname().sysname == "Linux":
    import tempfile

    from ingest.content_watch import ContentWatch, _not_local
    from tests.helpers.warm import home_with, reckon, started

    if _not_local(tempfile.gettempdir()):  # e.g. a test machine whose temporary folder is on NFS
        pytestmark = pytest.mark.skip(reason=_not_local(tempfile.gettempdir()))


def snapshot(root: Path) -> dict[str, tuple]:
    """Every file under `root` with the stat an ingest compares (the truth the watch must cover)."""
    found = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            info = os.stat(os.path.join(folder, name))
            found[os.path.join(folder, name)] = (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)
    return found


def changed_between(before: dict, after: dict) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def one_change(rng: random.Random, root: Path, step: int) -> None:
    """A change of one kind an editor, git or a person makes to content files."""
    files = sorted(p for p in root.rglob("*.md"))
    target = rng.choice(files)
    kind = rng.choice(["append", "replace", "touch", "delete", "create", "rename", "move", "truncate"])
    if kind == "append":
        with open(target, "a") as handle:
            handle.write(f"more {step}\n")
    elif kind == "replace":  # as editors save: a new file renamed over the old
        temporary = target.with_name(f".{target.name}.swp")
        temporary.write_text(f"replaced {step}\n")
        os.replace(temporary, target)
    elif kind == "touch":
        os.utime(target, (1_600_000_000 + step, 1_600_000_000 + step))
    elif kind == "delete" and len(files) > 3:
        target.unlink()
    elif kind == "rename":
        target.rename(target.with_name(f"renamed-{step}.md"))
    elif kind == "move":  # into the other folder (both watched)
        other = root / ("b" if target.parent.name == "a" else "a")
        target.rename(other / f"moved-{step}.md")
    elif kind == "truncate":
        os.truncate(target, 0)
    else:
        (target.parent / f"new-{step}.md").write_text(f"new {step}\n")


def test_every_change_is_named(tmp_path):
    root = tmp_path / "content"
    for folder in ("a", "b"):
        (root / folder).mkdir(parents=True)
        for i in range(20):
            (root / folder / f"r{i}.md").write_text(f"record {i}\n")
    watch = ContentWatch(str(root))
    generation, seq, changed, _reason = watch.changed_since(None)
    assert generation is not None and changed is None  # nothing kept under it yet: every file statted
    before = snapshot(root)
    rng = random.Random(20261207)
    for round_ in range(60):
        for step in range(rng.randint(0, 4)):
            one_change(rng, root, round_ * 10 + step)
        after = snapshot(root)
        again, next_seq, named, reason = watch.changed_since((generation, seq))
        assert again == generation, reason
        assert changed_between(before, after) <= set(named)  # nothing missed
        assert all(Path(p).name.endswith((".md", ".swp")) for p in named)  # and only paths touched
        before, seq = after, next_seq
    watch.close()


def test_named_paths_are_those_since_the_mark_only(tmp_path):
    root = tmp_path / "content"
    root.mkdir()
    (root / "a.md").write_text("a\n")
    (root / "b.md").write_text("b\n")
    watch = ContentWatch(str(root))
    generation, first, _, _ = watch.changed_since(None)
    (root / "a.md").write_text("a2\n")
    _, second, named, _ = watch.changed_since((generation, first))
    assert named == [str(root / "a.md")]
    (root / "b.md").write_text("b2\n")
    assert watch.changed_since((generation, second))[2] == [str(root / "b.md")]
    assert sorted(watch.changed_since((generation, first))[2]) == [str(root / "a.md"), str(root / "b.md")]
    assert watch.changed_since(("another generation", first))[2] is None
    watch.close()


@pytest.mark.parametrize("change", ["folder made", "folder removed", "folder moved", "symbolic link", "overflow"])
def test_what_the_kernel_may_not_report_ends_the_watch(tmp_path, change):
    root = tmp_path / "content"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.md").write_text("a\n")
    (root / "b.md").write_text("b\n")
    watch = ContentWatch(str(root))
    generation, seq, _, _ = watch.changed_since(None)
    if change == "folder made":
        (root / "new").mkdir()
        (root / "new" / "c.md").write_text("c\n")  # made before any watch of the new folder could be
    elif change == "folder removed":
        (root / "sub" / "a.md").unlink()
        (root / "sub").rmdir()
    elif change == "folder moved":
        (root / "sub").rename(tmp_path / "elsewhere")
    elif change == "symbolic link":
        (root / "link.md").symlink_to(tmp_path / "outside.md")
    else:
        for i in range(12_000):  # two files in turn: the kernel merges only repeats of one event
            with open(root / ("b.md" if i % 2 else "sub/a.md"), "a") as handle:
                handle.write("x")
    new_generation, _, named, reason = watch.changed_since((generation, seq))
    assert named is None  # every file is statted
    assert new_generation != generation
    expected = {"folder made": "a folder was made, removed or moved", "folder removed": "removed",
                "folder moved": "moved", "symbolic link": "symbolic link", "overflow": "overflowed"}[change]
    assert expected in reason
    if change == "symbolic link":
        assert new_generation is None  # and not watched while the link is there
        (root / "link.md").unlink()
        assert watch.changed_since(None)[0] is not None
    watch.close()


def test_a_content_folder_holding_a_link_is_not_watched(tmp_path):
    root = tmp_path / "content"
    root.mkdir()
    (tmp_path / "shared.md").write_text("s\n")
    (root / "shared.md").symlink_to(tmp_path / "shared.md")
    generation, _, named, reason = ContentWatch(str(root)).changed_since(None)
    assert (generation, named) == (None, None) and "symbolic link" in reason


def test_a_file_system_of_another_kind_is_not_watched():
    generation, _, named, reason = ContentWatch("/proc/self").changed_since(None)
    assert (generation, named) == (None, None)
    assert "proc file system" in reason


def store_misses(home: Path) -> list[str]:
    """What a stat of every file finds changed against the store's rows: nothing, if the warm
    ingest missed nothing."""
    db = sqlite3.connect(home / "reckon.db")
    try:
        known = delta(db, scan(home / "content"))
    finally:
        db.close()
    assert known is not None
    return known.added + known.modified + known.removed


def test_warm_ingests_stat_what_the_watch_names_and_miss_nothing(warm, tmp_path):
    home = home_with(tmp_path, "home")
    records = home / "content" / "records"
    env = {**warm, "RECKON_WARM_REPORT": "1"}
    started(env)

    def ingest(mode="require"):
        done = reckon(env, "--home", str(home), "ingest", "--content", str(home / "content"), mode=mode)
        assert done.returncode == 0, done.stderr
        assert store_misses(home) == []
        return next((line for line in done.stderr.splitlines() if line.startswith("content watch:")), "")

    assert "every file statted" in ingest()  # the first: a new store, its stats taken under the watch
    assert ingest() == "content watch: the watch named 0 paths; 0 statted"
    first = min(records.glob("*.md"))
    first.write_text(first.read_text().replace("title: ", "title: Changed ", 1))
    assert "the watch named 1 paths" in ingest()
    (records / "rec-new.md").write_text(first.read_text().replace(first.stem, "rec-new"))
    assert "the watch named 1 paths" in ingest()
    (records / "rec-new.md").unlink()
    assert "the watch named 1 paths" in ingest()
    (home / "content" / "extra").mkdir()
    assert "every file statted: a folder was made" in ingest()
    assert "the watch named 0 paths" in ingest()
    os.link(first, tmp_path / "outside.md")  # changed through this name, the watch would see nothing
    first.write_text(first.read_text() + "\nMore.\n")
    assert "second hard link" in ingest()
    assert "second hard link" in ingest()  # so long as the link is there, every file is statted
    (tmp_path / "outside.md").unlink()
    first.write_text(first.read_text() + "\nMore again.\n")
    assert "every file statted" in ingest()
    ingest(mode="off")  # a cold ingest of a change keeps no mark: the next warm one stats every file
    first.write_text(first.read_text() + "\nAnd more.\n")
    ingest(mode="off")
    assert "every file statted" in ingest()
    assert "the watch named 0 paths" in ingest()
    # With the watch off, the warm process stats every file, as a cold command does.
    assert ingest() != "" and reckon({**env, "RECKON_WATCH": "off"}, "--home", str(home), "ingest", "--content",
                                     str(home / "content"), mode="require").stderr.count("content watch:") == 0


def test_an_ingest_whose_question_goes_unanswered_stats_every_file(minimal):
    """A warm process that fails to answer (its watch broke, it is leaving) costs the ingest
    its shortcut, never its correctness: every file statted, no mark kept."""
    import socket

    from ingest import pipeline, watched_changes

    pipeline.ingest(minimal)
    ours, theirs = socket.socketpair()
    theirs.close()  # the warm process's end: gone
    watched_changes.connect(ours)
    try:
        db = sqlite3.connect(minimal.sqlite_path)
        try:
            found, known = watched_changes.look(db, minimal.content_dir)
        finally:
            db.close()
    finally:
        watched_changes._channel = None
        ours.close()
    assert found.asked is None and found.watch is None  # a full scan, kept under no watch
    assert set(found.files) == set(scan(minimal.content_dir).files)
    assert known is not None and known.unchanged


def test_ingests_of_one_store_take_turns(warm, tmp_path):
    """An ingest waits while another of the same store runs (`ingest.ingest_lock`): else the
    older one's stats could be kept beside the newer one's watch mark, and a change between
    them never read."""
    import fcntl
    import subprocess
    import time

    from archive.settings import load_settings
    from ingest.ingest_lock import lock_path
    from tests.helpers.archives import RECKON

    home = home_with(tmp_path, "home")
    assert reckon(warm, "--home", str(home), "ingest", "--content", str(home / "content"), mode="off").returncode == 0
    path = lock_path(load_settings(home=home))
    assert path is not None
    with open(path, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another ingest, as far as the next one can tell
        second = subprocess.Popen([RECKON, "--home", str(home), "ingest", "--content", str(home / "content")],
                                  env={**warm, "RECKON_WARM": "off"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(3)
        assert second.poll() is None  # waiting for its turn
    out, err = second.communicate(timeout=120)  # the lock released: it runs
    assert second.returncode == 0, err
    assert b"ingested" in out
