"""Curator screens for the harm ledger: evidence links and accountability events.

Real app (TestClient), real SQLite store, real ingest of real files, real publish.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from archive.db import store_transaction
from archive.ledger_edits import IN_FILE, LedgerEdit
from archive.models import AuditEvent, Evidence, Revision
from ingest.pipeline import ingest
from server.app import create_app
from tests.helpers.archives import copy_home
from tests.helpers.staff import csrf_of, sign_in

HARM = "/staff/harms/harm-exclusion"
NARRATIVE_QUOTE = "I remember the apology."


@pytest.fixture
def archive(staff_template, tmp_path):
    return copy_home(staff_template, tmp_path)


@pytest.fixture
def client(archive):
    with TestClient(create_app(archive)) as test_client:
        sign_in(test_client, "carol")
        yield test_client


def version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def post(client, what: str, page: str | None = None, **values):
    page = page or client.get(HARM).text
    return client.post(f"{HARM}/{what}", data={"csrf_token": csrf_of(page), "version": version_of(page)} | values)


def stored_evidence(settings) -> list[tuple]:
    with store_transaction(settings) as session:
        rows = session.exec(select(Evidence).where(Evidence.harm_id == "harm-exclusion").order_by(Evidence.position))
        return [(r.record_id or r.narrative_id, r.quote, r.locator) for r in rows]


def test_a_curator_links_a_narrative_as_evidence_and_the_harm_shows_it(client, archive):
    linked = post(client, "evidence", source_kind="narrative", source_id="nar-a", quote=NARRATIVE_QUOTE,
                  note="The narrator's memory of 2008.", reliability="secondary")
    assert linked.status_code == 200 and "Linked the evidence" in linked.text
    evidence = client.get("/api/harms/harm-exclusion").json()["evidence"]
    assert [(e["source"]["id"], e["quote"]) for e in evidence][-1] == ("nar-a", NARRATIVE_QUOTE)
    assert evidence[-1]["reliability"] == "secondary"
    assert "added here by carol" in linked.text

    with store_transaction(archive) as session:
        revision = session.exec(select(Revision).where(Revision.object_id == "harm-exclusion")
                                .order_by(Revision.id.desc())).first()
        audit = session.exec(select(AuditEvent).where(AuditEvent.object_id == "harm-exclusion")
                             .order_by(AuditEvent.id.desc())).first()
    assert (revision.action, revision.actor) == ("link-evidence", "carol")
    assert revision.changes["evidence"][1]["quote"] == NARRATIVE_QUOTE
    assert (audit.action, audit.actor, audit.detail) == ("link-evidence", "carol", "evidence from narrative nar-a")
    assert NARRATIVE_QUOTE not in audit.detail  # the audit line never holds content

    assert "I remember the apology" not in (archive.public_dir / "harms" / "harm-exclusion" / "index.html").read_text()
    client.post("/staff/publish", data={"csrf_token": csrf_of(client.get("/staff/").text)})
    assert NARRATIVE_QUOTE in (archive.public_dir / "harms" / "harm-exclusion" / "index.html").read_text()


def test_a_segment_is_linked_by_its_time_and_quotations_are_checked_word_for_word(client, archive):
    wrong_time = post(client, "evidence", source_kind="segment", source_id="nar-a", segment="00:04:00",
                      quote=NARRATIVE_QUOTE)
    assert wrong_time.status_code == 400
    assert "is not the time of a segment of nar-a (expected HH:MM:SS, one of 00:00:00)" in wrong_time.text
    assert 'id="ev-segment-error"' in wrong_time.text

    misquoted = post(client, "evidence", source_kind="record", source_id="rec-2008-apology",
                     quote="The AMA failed, over a century", locator="para. 2", note="typed note kept")
    assert misquoted.status_code == 400
    error = re.search(r'id="ev-quote-error">([^<]+)<', misquoted.text).group(1)
    assert "quotation not found word for word in record rec-2008-apology" in error
    assert "The AMA failed, over a century</textarea>" in misquoted.text and 'value="typed note kept"' in misquoted.text
    unknown = post(client, "evidence", source_kind="record", source_id="rec-nope", quote="x")
    assert "'rec-nope' is not a known record id" in unknown.text.replace("&#39;", "'")
    before = stored_evidence(archive)

    segment = post(client, "evidence", source_kind="segment", source_id="nar-a", segment="00:00:00",
                   quote="I remember   the apology")  # whitespace aside, as ingest checks
    assert segment.status_code == 200
    record = post(client, "evidence", source_kind="record", source_id="rec-2008-apology",
                  quote="The AMA failed, across the span of a century, to live up", locator="para. 2")
    assert record.status_code == 200
    assert stored_evidence(archive) == before + [("nar-a", "I remember   the apology", "segment at 00:00:00"),
                                                 ("rec-2008-apology", ("The AMA failed, across the span of a "
                                                  "century, to live up"), "para. 2")]


def test_evidence_from_a_staff_only_narrative_never_reaches_the_public(client, archive):
    linked = post(client, "evidence", source_kind="narrative", source_id="nar-d",
                  quote="The word Morvendale belongs to this narrative only.")
    assert linked.status_code == 200
    client.post("/staff/publish", data={"csrf_token": csrf_of(client.get("/staff/").text)})
    assert "Morvendale" not in client.get("/api/harms/harm-exclusion").text
    assert "Morvendale" not in (archive.public_dir / "harms" / "harm-exclusion" / "index.html").read_text()
    assert "Morvendale" in client.get(HARM).text  # curators see it on the staff page


def test_a_curator_adds_an_accountability_event_and_the_status_follows(client, archive):
    bad = post(client, "events", status="repair-committed", date="next spring", source="", note="Kept note")
    assert bad.status_code == 400
    assert 'id="evt-date-error"' in bad.text and "is not an EDTF date" in bad.text
    assert "name the record that shows this step" in bad.text
    assert 'value="Kept note"' in bad.text and 'value="next spring"' in bad.text
    unknown = post(client, "events", status="sorry", date="2020", source="rec-2008-apology")
    assert "expected one of documented, acknowledged, apologized, repair-committed, repaired" in unknown.text

    added = post(client, "events", status="repair-committed", date="2021-05", source="rec-2008-apology",
                 note="Equity plan announced.")
    assert added.status_code == 200 and "Added the accountability event" in added.text
    harm = client.get("/api/harms/harm-exclusion").json()
    assert harm["status"] == "repair-committed"
    assert harm["accountability"][-1]["status"] == "repair-committed"
    assert harm["accountability"][-1]["note"] == "Equity plan announced."
    assert harm["accountability"][-1]["source"]["id"] == "rec-2008-apology"
    # An earlier stage added later does not lower the status: the furthest stage reached counts.
    post(client, "events", status="acknowledged", date="1990", source="rec-2008-apology")
    assert client.get("/api/harms/harm-exclusion").json()["status"] == "repair-committed"


def test_a_stale_edit_is_refused_and_what_was_typed_is_kept(client, archive):
    opened = client.get(HARM).text
    assert post(client, "events", status="documented", date="1950",
                source="rec-2008-apology").status_code == 200  # a colleague saves first
    stale = post(client, "evidence", page=opened, source_kind="narrative", source_id="nar-a",
                 quote=NARRATIVE_QUOTE, note="my careful note")
    assert stale.status_code == 409
    assert "was changed by carol" in stale.text and "Nothing was saved" in stale.text
    assert 'value="my careful note"' in stale.text
    assert ("nar-a", NARRATIVE_QUOTE, "") not in stored_evidence(archive)


def test_contributors_are_refused_and_a_post_without_csrf_is_refused(archive):
    with TestClient(create_app(archive)) as client:
        sign_in(client, "alice")
        assert client.get(HARM).status_code == 403
        assert client.get("/staff/harms/").status_code == 403
        page = client.get("/staff/").text
        refused = client.post(f"{HARM}/evidence", data={"csrf_token": csrf_of(page), "version": "1",
                                                        "source_kind": "narrative", "source_id": "nar-a",
                                                        "quote": NARRATIVE_QUOTE})
        assert refused.status_code == 403
        sign_in(client, "carol")
        version = version_of(client.get(HARM).text)
        forged = client.post(f"{HARM}/events", data={"version": version, "status": "repaired", "date": "2024",
                                                     "source": "rec-2008-apology"})
        assert forged.status_code == 403 and "Form refused" in forged.text
    assert ("nar-a", NARRATIVE_QUOTE, "") not in stored_evidence(archive)
    assert all(e["status"] != "repaired" for e in _api_harm(archive)["accountability"])


def _api_harm(settings) -> dict:
    with TestClient(create_app(settings)) as client:
        return client.get("/api/harms/harm-exclusion").json()


def test_a_web_edit_and_the_next_ingest_of_the_harms_file(client, archive):
    opened = client.get(HARM).text
    assert post(client, "evidence", source_kind="narrative", source_id="nar-a", quote=NARRATIVE_QUOTE
                ).status_code == 200
    assert post(client, "events", status="repair-committed", date="2021", source="rec-2008-apology"
                ).status_code == 200

    # The file unchanged: nothing is written, both additions stay, nothing to report.
    report = ingest(archive)
    assert not report.changed and not [w for w in report.warnings if "staff app" in w.message]
    assert ("nar-a", NARRATIVE_QUOTE, "") in stored_evidence(archive)

    # The file changed: its entries replace the harm's, the app's additions are put back after
    # them, and the ingest says so, naming the file, the addition, who and when.
    opened = client.get(HARM).text
    path = archive.content_dir / "harms" / "harm-exclusion.md"
    path.write_text(path.read_text().replace("For a century.", "For more than a century."))
    report = ingest(archive)
    notes = [w for w in report.warnings if "staff app" in w.message]
    assert [(w.path, w.field) for w in notes] == [("content/harms/harm-exclusion.md", "evidence"),
                                                  ("content/harms/harm-exclusion.md", "accountability")]
    assert "evidence from narrative nar-a, added in the staff app by carol on" in notes[0].message
    evidence = stored_evidence(archive)
    assert evidence[0][0] == "rec-2008-apology" and evidence[-1] == ("nar-a", NARRATIVE_QUOTE, "")
    harm = _api_harm(archive)
    assert harm["status"] == "repair-committed" and harm["description_html"].count("more than a century") == 1

    # A form opened before that ingest is stale now: the curator sees the file's change first.
    stale = post(client, "evidence", page=opened, source_kind="record", source_id="rec-2008-apology",
                 quote="The AMA apologized.")
    assert stale.status_code == 409 and "was changed by ingest" in stale.text

    # Once the file holds the same evidence, the file is its record: no more warnings, no duplicate.
    text = path.read_text().replace("evidence:\n", f"evidence:\n  - narrative: nar-a\n    quote: \"{NARRATIVE_QUOTE}\"\n")
    path.write_text(text)
    report = ingest(archive)
    notes = [w for w in report.warnings if "staff app" in w.message]
    assert [w.field for w in notes] == ["accountability"]  # the event is still only in the app
    assert [e for e in stored_evidence(archive) if e[0] == "nar-a"] == [("nar-a", NARRATIVE_QUOTE, "")]
    with store_transaction(archive) as session:
        states = {e.kind: e.state for e in session.exec(select(LedgerEdit))}
    assert states == {"evidence": IN_FILE, "event": "active"}
