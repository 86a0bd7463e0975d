"""Publishing updates both search indexes from the store's change log, and the answers equal a
fresh build's: after a record is edited, hidden, deleted or its embargo ends by date, on both
engines. Real store, real indexes on disk; the fresh build is made beside the updated index
from the same store, and the two are asked the same known questions."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from archive import models as m
from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from publish.pipeline import STAFF, index_all, publish
from reckon.cli import main
from search.incremental import PAIR_FILES
from search.index_state import STATE_FILE, IndexState
from search.indexer import MANIFEST, build_index, read_manifest
from search.query import open_index, search
from tests.helpers.archives import REPO, copy_home, published_minimal
from tests.helpers.search_corpus import ENGINES, skip_unless_available

RECORDS = {
    "rec-edit": ("Minutes of the Pellbrook committee", "public", None,
                 "The Pellbrook committee met and recorded its exclusion of physicians."),
    "rec-hide": ("The Quorndash letter", "public", None,
                 "Quorndash wrote to the society about membership and exclusion."),
    "rec-embargo": ("The Fenwhistle report", "embargoed", "2027-01-01",
                    "Fenwhistle reported on the hospital wards and their segregation."),
    "rec-delete": ("The Glimmerholt minutes", "public", None,
                   "Glimmerholt minutes of the county society on exclusion."),
}
QUERIES = ["exclusion", "pellbrook", "quorndash", "fenwhistle", "glimmerholt", "society", "\"county society\"",
           "", "apology OR minutes", "hospitl", "pellbrok", "quorndesh", "fenwhistel", "glimerholt"]
LOG = "search.incremental"


def _prepare(content: Path) -> None:
    for record_id, (title, access, embargo, body) in RECORDS.items():
        extra = f"access: {access}\n" + (f"embargo_until: {embargo}\n" if embargo else "")
        (content / "records" / f"{record_id}.md").write_text(
            f"---\nid: {record_id}\ntitle: {title}\ndate: 1921-03\ntype: minutes\ncreators: [agent-ama]\n"
            f"subjects: [ht-exclusion]\nsource: Test.\n{extra}---\n{body}\n", encoding="utf-8")
    (content / "timelines" / "tl-b.md").write_text(
        "---\nid: tl-b\ntitle: Letters\nentries:\n  - {date: 1921, title: Quorndash wrote, ref: rec-hide}\n---\n"
        "Letters.\n", encoding="utf-8")


@pytest.fixture(scope="module", params=ENGINES)
def template(request, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The minimal archive plus four records and a timeline, published once per engine
    (postgres under --postgres only)."""
    skip_unless_available(request.param)
    home = tmp_path_factory.mktemp(f"incremental-{request.param}")
    settings = published_minimal(home, _prepare)
    if request.param != "whoosh":
        index_all(dataclasses.replace(settings, search_engine=request.param), rebuild=True)
    return home, request.param


@pytest.fixture
def archive(template, tmp_path):
    home, engine_name = template
    return dataclasses.replace(copy_home(home, tmp_path), search_engine=engine_name)


def _write(settings, change) -> None:
    with store_transaction(settings) as session:
        change(session)
        session.commit()


def _set(settings, record_id: str, **values) -> None:
    def change(session):
        row = session.get(m.Record, record_id)
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
    _write(settings, change)


def _fresh(settings, viewer, tmp_path: Path) -> Path:
    folder = tmp_path / f"fresh-{viewer.role}"
    with store_transaction(settings) as session:
        build_index(Catalog(session, viewer, settings.today()), folder, settings.search_engine)
    return folder


def _answers(folder: Path, database_url: str) -> list:
    """What a user sees for the known questions: hits (id, title, url, snippet, date), totals,
    facets with labels and counts, suggestions, in date order as given. Relevance scores (and
    so the order of hits by relevance) are not compared: both engines keep a deleted or
    replaced document's term statistics (document frequencies, field lengths) until its
    segment is merged away, so BM25 scores after an update differ slightly from a fresh
    build's, and two near-equal hits can swap places (seen here: "apology OR minutes" on
    whoosh after a record was deleted). The hits themselves are the same."""
    ix = open_index(folder, database_url)
    try:
        found = []
        for query in QUERIES:
            for sort in ("relevance", "date"):
                r = search(ix, query, limit=50, sort=sort)
                hits = [(h.id, h.title, h.url, h.snippet, h.date, h.parent, h.time) for h in r.hits]
                found.append((query, sort, r.total, r.suggestion, r.facets, sorted(hits) if sort == "relevance" else hits))
        found.append(("labels", ix.labels()))
        found.append(("stored", sorted((d.get("id"), str(d.get("title"))) for d in ix.stored_documents())))
        return found
    finally:
        ix.close()


def _same_as_fresh(settings, tmp_path: Path) -> None:
    for viewer, folder in ((PUBLIC, settings.index_dir), (STAFF, settings.home / "staff-index")):
        fresh = _fresh(settings, viewer, tmp_path)
        assert _answers(folder, settings.database_url) == _answers(fresh, settings.database_url)
        assert read_manifest(folder)["vocabulary"] == read_manifest(fresh)["vocabulary"]


def _public_ids(settings) -> set[str]:
    ix = open_index(settings.index_dir, settings.database_url)
    try:
        return {str(d["id"][0] if isinstance(d["id"], list) else d["id"]) for d in ix.stored_documents()}
    finally:
        ix.close()


def test_an_edited_record_is_rewritten_alone_and_answers_equal_a_fresh_build(archive, tmp_path, caplog):
    _set(archive, "rec-edit", title="Minutes of the Pellbrook board",
         body="The Pellbrook board met at the county hospital and voted on the apology.")
    folder_before = archive.index_dir.stat().st_ino
    with caplog.at_level(logging.INFO, logger=LOG):
        public, staff = index_all(archive)
    assert not public.rebuilt and not staff.rebuilt
    assert (public.added, public.deleted, staff.added) == (1, 0, 1)
    assert not [r for r in caplog.records if r.name == LOG], "the change log path said it could not tell"
    assert archive.index_dir.stat().st_ino == folder_before  # updated in place, not swapped
    ix = open_index(archive.index_dir, archive.database_url)
    try:
        assert [h.id for h in search(ix, "board pellbrook").hits] == ["rec-edit"]
        assert search(ix, "committee pellbrook").total == 0
        assert search(ix, "pellbrok").suggestion == "pellbrook"
    finally:
        ix.close()
    _same_as_fresh(archive, tmp_path)


def test_a_record_made_restricted_leaves_the_public_index_only(archive, tmp_path, caplog):
    _set(archive, "rec-hide", access="restricted")
    with caplog.at_level(logging.INFO, logger=LOG):
        public, _ = index_all(archive)
    assert not [r for r in caplog.records if r.name == LOG]
    assert (public.added, public.deleted) == (1, 1)  # the record gone; the timeline remade without its entry
    assert "rec-hide" not in _public_ids(archive)
    ix = open_index(archive.index_dir, archive.database_url)
    try:
        assert search(ix, "quorndash").total == 0
        assert search(ix, "quorndesh").suggestion is None  # the word left the vocabulary too
        assert "quorndash" not in read_manifest(archive.index_dir)["vocabulary"]
        assert search(ix, "exclusion", facets=("institution", "harm_type")).total == \
            search(ix, "exclusion").total
        assert "Quorndash" not in str(search(ix, "letters").as_dict())
    finally:
        ix.close()
    staff_ix = open_index(archive.home / "staff-index", archive.database_url)
    try:
        assert [h.id for h in search(staff_ix, "quorndash", facets=()).hits] == ["rec-hide", "tl-b"]
    finally:
        staff_ix.close()
    _same_as_fresh(archive, tmp_path)
    # Edited while hidden: still nowhere in public.
    _set(archive, "rec-hide", body="Quorndash wrote again, louder.")
    index_all(archive)
    assert "rec-hide" not in _public_ids(archive)
    _same_as_fresh(archive, tmp_path)
    # Made public again: back in, through the log as well.
    caplog.clear()
    _set(archive, "rec-hide", access="public")
    with caplog.at_level(logging.INFO, logger=LOG):
        public, _ = index_all(archive)
    assert not [r for r in caplog.records if r.name == LOG] and public.added == 2
    assert "rec-hide" in _public_ids(archive)
    _same_as_fresh(archive, tmp_path)


def test_reckon_index_reports_the_update(archive, monkeypatch, capsys):
    monkeypatch.setenv("RECKON_SEARCH_ENGINE", archive.search_engine)
    monkeypatch.setenv("DATABASE_URL", archive.database_url)
    _set(archive, "rec-edit", body="The Pellbrook committee met once more.")
    assert main(["--home", str(archive.home), "index"]) == 0
    out = capsys.readouterr().out
    assert f"public index updated (1 written, 0 removed): 9 documents [{archive.search_engine}]" in out
    assert "staff index updated (1 written, 0 removed)" in out


def test_an_embargo_ending_by_date_opens_the_record_in_search(archive, tmp_path, caplog):
    """A new day is a change like a write (archive.embargo_days): the record whose embargo
    ended is the one document made, with no comparison of every document (which made the first
    publish of every day cost tens of seconds at 100,000 records)."""
    assert "rec-embargo" not in _public_ids(archive)
    later = dataclasses.replace(archive, today_override=date(2027, 2, 1))
    with caplog.at_level(logging.INFO, logger=LOG):
        public, staff = index_all(later)
    assert not [r for r in caplog.records if r.name == LOG]  # the change log, not the comparison
    assert (public.added, public.deleted, staff.added) == (1, 0, 0), (public, staff)
    assert "rec-embargo" in _public_ids(later) and not public.rebuilt
    _same_as_fresh(later, tmp_path)
    # A preview date set back closes it again, the same way.
    with caplog.at_level(logging.INFO, logger=LOG):
        public, _ = index_all(archive)
    assert not [r for r in caplog.records if r.name == LOG] and public.deleted == 1, public
    assert "rec-embargo" not in _public_ids(archive)
    _same_as_fresh(archive, tmp_path)
    index_all(later)
    # The next update of the same day is back on the change log.
    caplog.clear()
    _set(later, "rec-embargo", body="Fenwhistle reported once more.")
    with caplog.at_level(logging.INFO, logger=LOG):
        public, _ = index_all(later)
    assert public.added == 1 and not [r for r in caplog.records if r.name == LOG]
    _same_as_fresh(later, tmp_path)


def test_a_deleted_record_leaves_both_indexes(archive, tmp_path):
    _write(archive, lambda s: s.delete(s.get(m.Record, "rec-delete")))
    public, staff = index_all(archive)
    assert (public.deleted, staff.deleted) == (1, 1)
    assert "rec-delete" not in _public_ids(archive)
    _same_as_fresh(archive, tmp_path)


def test_other_tables_written_take_the_full_comparison(archive, tmp_path, caplog):
    def rename(session):
        agent = session.get(m.Agent, "agent-ama")
        agent.name = "American Medical Association (renamed)"
        session.add(agent)
    _write(archive, rename)
    with caplog.at_level(logging.INFO, logger=LOG):
        index_all(archive)
    assert any("agent" in r.getMessage() for r in caplog.records if r.name == LOG)
    ix = open_index(archive.index_dir, archive.database_url)
    try:
        assert "American Medical Association (renamed)" in ix.labels().values()
    finally:
        ix.close()
    _same_as_fresh(archive, tmp_path)


def test_publish_updates_instead_of_rebuilding(archive, tmp_path, caplog):
    _set(archive, "rec-edit", body="The Pellbrook committee adjourned.")
    folders = [archive.index_dir.stat().st_ino, (archive.home / "staff-index").stat().st_ino]
    with caplog.at_level(logging.INFO, logger=LOG):
        publish(archive)
    assert not [r for r in caplog.records if r.name == LOG]
    assert [archive.index_dir.stat().st_ino, (archive.home / "staff-index").stat().st_ino] == folders
    _same_as_fresh(archive, tmp_path)


@pytest.mark.parametrize("damage", ["state", "pairs", "manifest"])
def test_an_index_lacking_what_updates_need_is_rebuilt_with_a_reason(archive, tmp_path, caplog, damage):
    pairs = PAIR_FILES[archive.search_engine]
    if damage == "state":  # an index made before the state file existed
        (archive.index_dir / STATE_FILE).unlink()
        expected = STATE_FILE
    elif damage == "pairs":
        (archive.index_dir / pairs).unlink()
        expected = pairs
    else:
        shutil.rmtree(archive.index_dir)
        expected = "no index yet"
    with caplog.at_level(logging.INFO, logger=LOG):
        public, staff = index_all(archive)
    assert public.rebuilt and not staff.rebuilt
    messages = [r.getMessage() for r in caplog.records if r.name == LOG]
    assert len(messages) == 1 and expected in messages[0] and str(archive.index_dir) in messages[0]
    assert (archive.index_dir / pairs).exists() and (archive.index_dir / STATE_FILE).exists()
    _same_as_fresh(archive, tmp_path)


def test_a_format_1_manifest_is_still_read_and_then_rebuilt(archive, tmp_path):
    manifest = read_manifest(archive.index_dir)
    old = {**manifest, "format": 1, "documents": {"rec-edit": "0" * 16}}
    (archive.index_dir / MANIFEST).write_text(__import__("json").dumps(old), encoding="utf-8")
    (archive.index_dir / STATE_FILE).unlink()
    ix = open_index(archive.index_dir, archive.database_url)
    try:
        assert search(ix, "pellbrook").total == 1  # an old index still answers
    finally:
        ix.close()
    public, _ = index_all(archive)
    assert public.rebuilt and read_manifest(archive.index_dir)["format"] == 2
    _same_as_fresh(archive, tmp_path)


KILL_AT_STATE = """
import dataclasses, os, signal, sys
from search.index_state import IndexState
from tests.helpers.archives import make_settings
from publish.pipeline import index_public

def die(*args, **kwargs):  # the process is killed after the engine's commit and the manifest
    os.kill(os.getpid(), signal.SIGKILL)

IndexState.apply = die
home = sys.argv[1]
settings = dataclasses.replace(make_settings(__import__('pathlib').Path(home), __import__('pathlib').Path(home) / 'content'),
                               search_engine=sys.argv[2])
index_public(settings, rebuild=False)
"""


def test_an_update_killed_half_way_leaves_an_answering_index_that_the_next_update_repairs(archive, tmp_path,
                                                                                        caplog):
    _set(archive, "rec-hide", access="restricted")
    _set(archive, "rec-edit", body="The Pellbrook committee was dissolved.")
    killed = subprocess.run([sys.executable, "-c", KILL_AT_STATE, str(archive.home), archive.search_engine],
                            check=False, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True)
    assert killed.returncode == -9, killed.stderr.decode()
    state = IndexState.open(archive.index_dir)
    assert state is not None and state.meta()["applying"] is True
    state.close()
    ix = open_index(archive.index_dir, archive.database_url)
    try:
        assert search(ix, "quorndash").total == 0  # the engine's commit was done: still answering
    finally:
        ix.close()
    with caplog.at_level(logging.INFO, logger=LOG):
        index_all(archive)
    assert any("did not finish" in r.getMessage() for r in caplog.records if r.name == LOG)
    _same_as_fresh(archive, tmp_path)


def test_nothing_changed_writes_nothing(archive):
    before = {p.name: p.stat().st_mtime_ns for p in archive.index_dir.iterdir() if p.name != STATE_FILE}
    public, staff = index_all(archive)
    assert (public.added, public.deleted, staff.added, staff.deleted) == (0, 0, 0, 0)
    assert {p.name: p.stat().st_mtime_ns for p in archive.index_dir.iterdir() if p.name != STATE_FILE} == before


def test_hidden_records_never_reach_the_public_index_state_or_manifest(archive):
    _set(archive, "rec-hide", access="restricted")
    index_all(archive)
    for path in archive.index_dir.rglob("*"):
        if path.is_file() and path.name in (STATE_FILE, MANIFEST):
            assert b"rec-hide" not in path.read_bytes() and b"uorndash" not in path.read_bytes()
    state = IndexState.open(archive.index_dir)
    try:
        assert not state.documents_of(["rec-hide", "rec-embargo"])
    finally:
        state.close()


def test_an_index_of_the_other_engine_is_rebuilt_and_other_code_compares_all(archive, tmp_path, caplog):
    other = "tantivy" if archive.search_engine == "whoosh" else "whoosh"
    switched = dataclasses.replace(archive, search_engine=other)
    with caplog.at_level(logging.INFO, logger=LOG):
        public, _ = index_all(switched)
    assert public.rebuilt and read_manifest(archive.index_dir)["engine"] == other
    assert any(f"made by {archive.search_engine}" in r.getMessage() for r in caplog.records if r.name == LOG)
    _same_as_fresh(switched, tmp_path)
    # Documents made by other code (an upgrade): every document is compared once.
    state = IndexState.open(archive.index_dir)
    state.set_meta(code="made-by-an-older-version")
    state.close()
    caplog.clear()
    _set(switched, "rec-edit", body="The Pellbrook committee met after the upgrade.")
    with caplog.at_level(logging.INFO, logger=LOG):
        public, _ = index_all(switched)
    assert not public.rebuilt and public.added == 1
    assert any("code" in r.getMessage() for r in caplog.records if r.name == LOG)
    _same_as_fresh(switched, tmp_path)


def test_a_withdrawn_narrative_leaves_through_the_change_log_alone(archive, tmp_path, caplog):
    """A withdrawal writes the narrative and its consent log: the change log names the narrative,
    so only its documents (and its segments') are rewritten, never every document."""
    from archive.access import Role, Viewer
    from archive.store_consent import withdraw_narrative

    assert "nar-a" in _public_ids(archive)
    _write(archive, lambda session: withdraw_narrative(session, Viewer(Role.CURATOR, "carol"), "nar-a",
                                                       archive.today()))
    with caplog.at_level(logging.INFO, logger=LOG):
        public, _ = index_all(archive)
    assert not [r for r in caplog.records if r.name == LOG], "the change log path said it could not tell"
    assert not public.rebuilt and public.deleted >= 1 and "nar-a" not in _public_ids(archive)
    _same_as_fresh(archive, tmp_path)
