"""The old versions a patch replaces in the buffer it retires (`publish.spent`): held under a
second name so the rename frees nothing, then deleted by a detached process, and never left
behind by a patch (nor by a killed one, once the next build clears leftovers)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ingest.pipeline import ingest
from publish import spent
from publish.buffers import clear_leftovers, replace_from
from publish.build import build_site
from tests.helpers.content import edit


def _gone_soon(folder: Path, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(folder.glob("patch-*/*")):
            return True
        time.sleep(0.05)
    return False


def test_replaced_files_are_held_not_freed_then_deleted_by_a_detached_process(tmp_path):
    public = tmp_path / "public"
    live, retired = tmp_path / ".public.a", tmp_path / ".public.b"
    for buffer, text in ((live, "new"), (retired, "old")):
        (buffer / "records" / "r1").mkdir(parents=True)
        (buffer / "records" / "r1" / "index.html").write_text(f"{text} page")
    (live / "feed.xml").write_text("a file the retired buffer lacked")
    old_inode = (retired / "records" / "r1" / "index.html").stat().st_ino
    holder = spent.hold(public)
    replace_from(live, retired, ["records/r1/index.html", "feed.xml"], holder)
    assert (retired / "records" / "r1" / "index.html").read_text() == "new page"
    assert (retired / "feed.xml").stat().st_ino == (live / "feed.xml").stat().st_ino
    held = list(holder.iterdir())
    assert [p.stat().st_ino for p in held] == [old_inode]  # the old self, its last name here: not freed yet
    assert held[0].read_text() == "old page" and held[0].stat().st_nlink == 1
    started = time.monotonic()
    spent.empty_later(public)
    assert time.monotonic() - started < 1.0  # the caller does not wait for the deleting
    assert _gone_soon(spent.spent_folder(public))


def test_a_patch_leaves_no_old_version_held_and_a_build_clears_what_a_killed_one_left(many_ingested):
    build_site(many_ingested)
    edit(many_ingested, "records/rec-gen-003.md", "word3x", "heldword")
    ingest(many_ingested)
    assert build_site(many_ingested).patched
    folder = spent.spent_folder(many_ingested.public_dir)
    assert folder.is_dir() and _gone_soon(folder)
    left = spent.hold(many_ingested.public_dir)  # as a process killed before deleting would leave it
    (left / "0").write_text("an old page")
    clear_leftovers(many_ingested.public_dir)
    assert not left.exists() and os.listdir(folder) == []
