"""Building the staff and public indexes in one pass (search.shared_build) makes each index
exactly what a build of its own makes: the same stored documents, manifest, state entries and
common stems, with small batches so the leader runs ahead, waits and is caught up many times."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from publish.pipeline import STAFF
from search import engine as engines
from search import shared_build
from search.incremental import state_meta
from search.index_state import IndexState
from search.indexer import MANIFEST, build_index
from search.shared_build import Target, build_together
from search.tantivy.pairs import COMMON_FILE
from tests.helpers.search_corpus import IN_STORE, built_engines

pytestmark = pytest.mark.slow  # eight index builds of the sample


def contents(folder: Path, name: str, database_url: str) -> dict:
    """What an index holds, engine files aside: its stored documents, manifest, state entries
    and (tantivy) common stems."""
    reader = engines.open_reader(name, folder, database_url)
    try:
        stored = sorted(reader.stored_documents(), key=lambda d: json.dumps(d, sort_keys=True))
    finally:
        reader.close()
    state = IndexState.open(folder)
    assert state is not None
    try:
        entries = state.documents_of(sorted(state.fingerprints()))
    finally:
        state.close()
    common = folder / COMMON_FILE
    return {"stored": stored, "manifest": json.loads((folder / MANIFEST).read_text()), "entries": entries,
            "common": common.read_text() if common.exists() else None}


@pytest.mark.parametrize("name", [n for n in built_engines() if n not in IN_STORE])
def test_one_pass_builds_what_two_builds_make(corpus, tmp_path, monkeypatch, name):
    settings = corpus["settings"]
    # Batches of 7 and a leader at most 10 documents ahead: the pass takes many turns.
    monkeypatch.setattr("search.indexer.BATCH", 7)
    monkeypatch.setattr(shared_build, "AHEAD", 10)
    with store_transaction(settings) as session:
        public, staff = Catalog(session, PUBLIC, settings.today()), Catalog(session, STAFF, settings.today())
        metas = {c.viewer: state_meta(c, name) for c in (public, staff)}
        counts = build_together(Target(staff, tmp_path / "staff-together", metas[staff.viewer]),
                                Target(public, tmp_path / "public-together", metas[public.viewer]), name)
        for catalog, folder in ((public, "public-alone"), (staff, "staff-alone")):
            build_index(catalog, tmp_path / folder, name, state_meta=metas[catalog.viewer])
    url = settings.database_url
    public_alone = contents(tmp_path / "public-alone", name, url)
    staff_alone = contents(tmp_path / "staff-alone", name, url)
    assert contents(tmp_path / "public-together", name, url) == public_alone
    assert contents(tmp_path / "staff-together", name, url) == staff_alone
    assert counts == (len(staff_alone["stored"]), len(public_alone["stored"]))
    # The sample hides narratives from the public and shows others differently (a narrator's
    # private name, redactions): the pass had documents to share and documents to tell apart.
    public_entries, staff_entries = public_alone["entries"], staff_alone["entries"]
    assert public_entries.keys() < staff_entries.keys()
    assert any(entry != staff_entries[i] for i, entry in public_entries.items())
