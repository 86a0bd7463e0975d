"""`reckon ingest` on content that did not change is told without loading the store's code
(ingest/unchanged_content.py), and says exactly what the full path says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from archive import models as m
from archive.source_files import SourceFile
from ingest import pipeline
from ingest.changed_files import scan
from ingest.stored_objects import KIND_ORDER, SOURCE_FILES
from ingest.unchanged_content import look
from tests.helpers.archives import MINIMAL, make_settings

# The command as a user runs it, in a process of its own; it then says whether SQLAlchemy was loaded.
EXTRA = """---
id: rec-extra
title: "An extra record"
date: "1950"
type: minutes
creators: [agent-ama]
source: "Extra source"
---
Minutes of a meeting.
"""
COMMAND = ("import sys; from reckon.cli import main; code = main(sys.argv[1:]); "
           "print('store code loaded:', 'sqlalchemy' in sys.modules); sys.exit(code)")


def reckon(home, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RECKON_SEARCH_ENGINE": "whoosh", "RECKON_TODAY": "2026-12-06"}  # one day, run at midnight too
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-c", COMMAND, "--home", str(home), *args],
                          capture_output=True, text=True, env=env, check=True)


def test_the_tables_named_here_are_the_stores_own():
    import ingest.pipeline  # noqa: F401  (registers every object table, the ledger's included)

    assert set(m.OBJECT_TYPES) == set(KIND_ORDER)
    assert {kind: m.OBJECT_TYPES[kind].__table__.name for kind in KIND_ORDER} == {kind: kind for kind in KIND_ORDER}
    assert SourceFile.__table__.name == SOURCE_FILES


def test_an_unchanged_tree_is_told_without_the_stores_code_and_reads_as_the_full_path(tmp_path):
    home = tmp_path / "home"
    shutil.copytree(MINIMAL, home / "content")
    (home / "content" / "records" / "rec-extra.md").write_text(EXTRA)
    first = reckon(home, "ingest")
    assert "store code loaded: True" in first.stdout  # something to write: the full path
    (home / "content" / "records" / "rec-extra.md").unlink()  # kept in the store, reported missing
    reckon(home, "ingest")
    reckon(home, "build")
    quick = reckon(home, "ingest")
    assert "store code loaded: False" in quick.stdout
    assert "records " in quick.stdout and "indexed " in quick.stdout
    assert "missing: content/records/rec-extra.md: the source of record 'rec-extra' is gone" in quick.stderr
    # `--strict` always takes the full path: the same words, line for line.
    full = reckon(home, "ingest", "--strict")
    assert "store code loaded: True" in full.stdout
    assert (quick.stdout.replace("False", "True"), quick.stderr) == (full.stdout, full.stderr)


def test_a_change_or_a_site_not_yet_published_takes_the_full_path(tmp_path):
    home = tmp_path / "home"
    shutil.copytree(MINIMAL, home / "content")
    reckon(home, "ingest")
    # Ingested, never published: the indexes and the site have work to do.
    assert "store code loaded: True" in reckon(home, "ingest").stdout
    reckon(home, "build")
    path = home / "content" / "records" / "rec-2008-apology.md"
    path.write_text(path.read_text().replace("apologizes", "apologised"))
    changed = reckon(home, "ingest")
    assert "store code loaded: True" in changed.stdout and "published the change" in changed.stdout
    reckon(home, "build")
    assert "store code loaded: False" in reckon(home, "ingest").stdout


def test_the_look_is_the_full_paths_report_or_what_changed(minimal):
    pipeline.ingest(minimal)
    found, known, quick = look(minimal)
    assert found is not None and set(found.files) == set(scan(minimal.content_dir).files)
    assert known is not None and known.unchanged
    assert quick is not None and quick == pipeline.ingest(minimal)
    path = minimal.content_dir / "records" / "rec-2008-apology.md"
    path.write_text(path.read_text() + "\n")
    _, known, quick = look(minimal)  # its stat changed
    assert quick is None and known is not None and known.modified == [str(path)]
    pipeline.ingest(minimal)
    (minimal.content_dir / "records" / "new.txt").write_text("not content, but a new file")
    _, known, quick = look(minimal)
    assert quick is None and known is not None and known.added == [str(minimal.content_dir / "records" / "new.txt")]
    # A store that is not there (or not SQLite) cannot be told from here.
    assert look(make_settings(minimal.home / "elsewhere", minimal.content_dir)) == (None, None, None)
