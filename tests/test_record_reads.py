"""A record read by id (archive/record_reads.py: its row and one UNION ALL, no ORM objects) is
the same view the site build makes in bulk from ORM rows, on the sample collection with images,
records cited by harms, timelines and the ledger, and accepted tag suggestions."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import Session, select

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import open_engine
from archive.record_reads import ledger_citing
from archive.tag_suggestions import ACCEPTED, TagSuggestion
from archive.transaction import transaction
from tests.helpers.archives import TODAY, copy_home

LEDGER_TABLES = ("attributionstage", "commitment")  # `ledger_citations` reads the other two by LIKE


def test_a_record_read_by_id_is_the_view_made_in_bulk(sample, tmp_path):
    settings = copy_home(sample.home, tmp_path)
    engine = open_engine(settings)
    try:
        with transaction(engine) as session:  # the sample's suggestions are unreviewed: accept some
            accepted = session.exec(select(TagSuggestion).where(TagSuggestion.object_type == "record")).all()[:4]
            for suggestion in accepted:
                suggestion.status = ACCEPTED
            tagged = {(s.object_id, s.concept_id) for s in accepted}
        with Session(engine) as session:
            in_bulk = {view["id"]: view for view in Catalog(session, PUBLIC, TODAY).all("record")}
        by_id, with_ledger_read_once = {}, {}
        for record_id in in_bulk:
            with Session(engine) as session:
                by_id[record_id] = Catalog(session, PUBLIC, TODAY).record(record_id)
        # A server reads the ledger's links once per store generation: the same views, and a
        # record's read asks nothing of the ledger's tables (four statements a record before).
        with Session(engine) as session:
            citing, authorities = ledger_citing(session), Catalog(session, PUBLIC, TODAY).authorities
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        for record_id in in_bulk:
            with Session(engine) as session:
                catalog = Catalog(session, PUBLIC, TODAY, authorities, ledger_citing=citing)
                with_ledger_read_once[record_id] = catalog.record(record_id)
    finally:
        engine.dispose()
    assert len(in_bulk) >= 50  # enough for Catalog._views to read them in bulk
    assert by_id == in_bulk
    assert with_ledger_read_once == in_bulk
    ledger_reads = [s for s in statements if " LIKE " in s or any(f"{t}.source_record_id = " in s for t in LEDGER_TABLES)]
    assert statements and not ledger_reads
    # Every branch of the UNION ALL had rows to read.
    assert any(view["images"] for view in by_id.values())
    # Cited by harms and timelines, and by the ledger: commitments made in a record or showing progress.
    assert {"harm", "timeline", "commitment"} <= {ref["type"] for view in by_id.values() for ref in view["cited_by"]}
    assert any(image["alt"] for view in by_id.values() for image in view["images"])  # as the content says
    assert tagged and all(concept in [c["id"] for c in by_id[record]["subjects"]] for record, concept in tagged)
