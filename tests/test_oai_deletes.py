"""Persistent deletes: whatever a harvester once collected is reported as deleted when it
leaves the public, by every path (re-ingest with changed access, an embargo put back, prune,
a staff edit, a staff withdrawal), with the moment it left and nothing of its content.

A real harvester (Sickle) harvests over real HTTP from a uvicorn server; every answer read
directly is validated against the official OAI-PMH schemas (the `oai_schema` fixture).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from lxml import etree
from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch
from starlette.testclient import TestClient

from archive.access import Role, Viewer
from archive.db import open_engine, transaction
from archive.submissions import validate
from archive.workflow import act, create, save, withdraw
from ingest.pipeline import ingest
from server.app import create_app
from tests.helpers.archives import TODAY
from tests.helpers.oai import ID, NS, oai, texts
from tests.helpers.servers import live_server
from tests.helpers.staff import FORM

CURATOR = Viewer(Role.CURATOR, "carol")


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _next_second() -> None:
    """Wait until just past the next whole second of the clock."""
    time.sleep(1.02 - time.time() % 1)


def _a_second_later() -> str:
    """A `from` stamp in a later second than everything written so far and an earlier one than
    anything written next (datestamps have one-second granularity): waits 1 to 2 seconds."""
    _next_second()
    moment = datetime.now(UTC).replace(microsecond=0)
    _next_second()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _headers(sickle: Sickle, **params) -> dict[str, tuple[bool, str]]:
    try:
        return {h.identifier: (h.deleted, h.datestamp)
                for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False, **params)}
    except NoRecordsMatch:
        return {}


def test_a_harvested_record_made_restricted_is_harvested_as_deleted(minimal, oai_schema):
    ingest(minimal)
    with live_server(minimal) as base:
        sickle = Sickle(base + "/oai", max_retries=0, timeout=30)
        first = {r.header.identifier: r for r in sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False)}
        assert not first[ID + "rec-2008-apology"].header.deleted
        assert not first[ID + "tl-a"].header.deleted
        since = _a_second_later()
        record = minimal.content_dir / "records" / "rec-2008-apology.md"
        _edit(record, "type: press-release\n", "type: press-release\naccess: restricted\n")
        timeline = minimal.content_dir / "timelines" / "tl-a.md"
        _edit(timeline, "title: A timeline\n", "title: A timeline\naccess: embargoed\nembargo_until: 2099-01-01\n")
        ingest(minimal)
        changed = _headers(sickle, **{"from": since})
        assert set(changed) == {ID + "rec-2008-apology", ID + "tl-a"}
        assert all(deleted and stamp >= since for deleted, stamp in changed.values())
        records = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False, **{"from": since}))
        assert {r.header.identifier for r in records} == set(changed)
        assert all(r.header.deleted and r.xml.find(".//o:metadata", NS) is None for r in records)
        # Nothing new since the change: a later incremental harvest has nothing to report.
        assert _headers(sickle, **{"from": _a_second_later()}) == {}
        # A whole harvest still carries them, as deleted, with the same datestamps.
        everything = _headers(sickle)
        assert everything[ID + "rec-2008-apology"] == changed[ID + "rec-2008-apology"]

    with TestClient(create_app(minimal)) as client:
        doc = oai(client, oai_schema, verb="GetRecord", metadataPrefix="oai_dc", identifier=ID + "rec-2008-apology")
        header = doc.find(".//o:header", NS)
        assert header.get("status") == "deleted"
        assert doc.find(".//o:metadata", NS) is None
        assert [child.tag.split("}")[1] for child in header] == ["identifier", "datestamp", "setSpec"]
        assert "AMA apologizes" not in etree.tostring(doc, encoding="unicode")
        listed = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": since})
        assert [h.get("status") for h in listed.iterfind(".//o:header", NS)] == ["deleted", "deleted"]
        assert "A timeline" not in etree.tostring(listed, encoding="unicode")

    # Public again: live again, with the time it came back; not a deleted record any more.
    back = _a_second_later()
    _edit(record, "access: restricted\n", "")
    ingest(minimal)
    with TestClient(create_app(minimal)) as client:
        doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": back})
        assert [(h.findtext("o:identifier", namespaces=NS), h.get("status")) for h in doc.iterfind(".//o:header", NS)] \
            == [(ID + "rec-2008-apology", None)]


def test_an_embargo_that_had_lifted_counts_as_public_and_prune_keeps_the_first_departure(minimal, oai_schema):
    record = minimal.content_dir / "records" / "rec-2008-apology.md"
    _edit(record, "type: press-release\n", "type: press-release\naccess: embargoed\nembargo_until: 2001-01-01\n")
    ingest(minimal)
    since = _a_second_later()
    _edit(record, "access: embargoed\n", "access: staff\n")
    ingest(minimal)
    with TestClient(create_app(minimal)) as client:
        doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": since})
        assert [(h.findtext("o:identifier", namespaces=NS), h.get("status")) for h in doc.iterfind(".//o:header", NS)] \
            == [(ID + "rec-2008-apology", "deleted")]
        left = texts(doc, ".//o:datestamp")
        # Pruned later, while already hidden: it left the public when it was made staff-only.
        _a_second_later()
        record.unlink()
        for referring in ("timelines/tl-a.md", "harms/harm-exclusion.md"):  # they cite the record
            (minimal.content_dir / referring).unlink()
        ingest(minimal, prune=True)
        doc = oai(client, oai_schema, verb="GetRecord", metadataPrefix="oai_dc", identifier=ID + "rec-2008-apology")
        assert doc.find(".//o:header", NS).get("status") == "deleted"
        assert texts(doc, ".//o:datestamp") == left


def test_a_record_that_was_never_public_is_never_listed(minimal, oai_schema):
    record = minimal.content_dir / "records" / "rec-2008-apology.md"
    _edit(record, "type: press-release\n", "type: press-release\naccess: embargoed\nembargo_until: 2099-01-01\n")
    ingest(minimal)
    _edit(record, "access: embargoed\n", "access: restricted\n")
    ingest(minimal)
    record.unlink()
    for referring in ("timelines/tl-a.md", "harms/harm-exclusion.md"):
        (minimal.content_dir / referring).unlink()
    ingest(minimal, prune=True)
    with TestClient(create_app(minimal)) as client:
        doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc")
        assert ID + "rec-2008-apology" not in texts(doc, ".//o:identifier")
        doc = oai(client, oai_schema, verb="GetRecord", metadataPrefix="oai_dc", identifier=ID + "rec-2008-apology")
        assert doc.find("o:error", NS).get("code") == "idDoesNotExist"


def test_staff_edits_and_withdrawals_are_reported_as_deleted(minimal, oai_schema):
    ingest(minimal)
    engine = open_engine(minimal)
    try:
        with transaction(engine) as session:
            checked = validate(FORM | {"title": "Night ward", "narrator_review": "done"})
            assert checked.ok, checked.errors
            sub = create(session, CURATOR, checked.values)
            for action in ("submit", "publish"):
                sub = act(session, CURATOR, sub.id, action, sub.version, today=TODAY)
            second = create(session, CURATOR, checked.values | {"title": "Day ward"})
            for action in ("submit", "publish"):
                second = act(session, CURATOR, second.id, action, second.version, today=TODAY)
        with TestClient(create_app(minimal)) as client:
            doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", set="type:narrative")
            live = [h.findtext("o:identifier", namespaces=NS) for h in doc.iterfind(".//o:header", NS)
                    if h.get("status") is None]
            assert ID + sub.id in live and ID + second.id in live
            since = _a_second_later()
            with transaction(engine) as session:
                withdraw(session, CURATOR, sub.id, TODAY)  # the one-button withdrawal
                staff_only = validate(FORM | {"title": "Day ward", "narrator_review": "done", "scope": "staff"})
                save(session, CURATOR, second.id, second.version, staff_only.values)  # a curator's edit
            doc = oai(client, oai_schema, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": since})
            assert {(h.findtext("o:identifier", namespaces=NS), h.get("status")) for h in doc.iterfind(".//o:header", NS)} \
                == {(ID + sub.id, "deleted"), (ID + second.id, "deleted")}
            text = etree.tostring(doc, encoding="unicode")
            for word in ("Night ward", "Day ward", "R. M.", "Personname", "segregated"):
                assert word not in text, word
    finally:
        engine.dispose()
