"""Killing `reckon build` or `reckon ingest` at any moment loses nothing.

Real processes, really killed (SIGKILL) at spread-out moments of their run: the previous site
must stay whole and the store must stay consistent, with each object all there or not at all.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest

from ingest.pipeline import ingest
from publish.pipeline import publish
from reckon.cli import main
from tests.helpers.archives import RECKON

KILL_AFTER = [0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3]


def run_and_kill(settings, command: str, delay: float) -> None:
    env = dict(os.environ, RECKON_TODAY=settings.today().isoformat())
    process = subprocess.Popen([RECKON, "--home", str(settings.home), command], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()


def site_files(public_dir) -> dict[str, bytes]:
    return {str(p.relative_to(public_dir)): p.read_bytes() for p in sorted(public_dir.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_killed_build_leaves_the_previous_site_whole(published_copy):
    minimal = published_copy  # the minimal archive, ingested and published
    before = site_files(minimal.public_dir)
    for delay in KILL_AFTER:
        run_and_kill(minimal, "build", delay)
        after = site_files(minimal.public_dir)
        # Either the old site, or (if the build won the race) a complete new one: same pages.
        assert after.keys() == before.keys(), delay
        assert all(after[name] for name in after), delay
    publish(minimal)
    assert not list(minimal.home.glob(".public.new-*"))


@pytest.mark.slow
def test_a_killed_ingest_leaves_the_store_consistent(minimal):
    ingest(minimal)
    path = minimal.content_dir / "records/rec-2008-apology.md"
    path.write_text(path.read_text().replace("The AMA apologizes", "The AMA apologises"))
    for delay in KILL_AFTER:
        run_and_kill(minimal, "ingest", delay)
        with sqlite3.connect(minimal.sqlite_path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
            title = db.execute("SELECT title FROM record WHERE id = 'rec-2008-apology'").fetchone()[0]
            updates = db.execute("SELECT count(*) FROM revision WHERE object_id = 'rec-2008-apology' "
                                 "AND action = 'update'").fetchone()[0]
        # The change and its revision land together or not at all.
        assert (title, updates) in (("The AMA apologizes", 0), ("The AMA apologises", 1)), delay


def test_an_unwritable_output_folder_is_a_clear_error(published_copy, capsys):
    minimal = published_copy  # the minimal archive, ingested and published
    before = site_files(minimal.public_dir)
    blocker = minimal.home / "blocked"
    blocker.write_text("a file where the working folder should be")
    assert main(["--home", str(blocker), "build"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write or read") and "blocked" in err and err.count("\n") == 1
    assert site_files(minimal.public_dir) == before
