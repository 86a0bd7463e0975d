"""Withdrawing a narrative that came from a content file, from the staff app.

The consent log is append-only and the staff app's withdrawal outranks the file: a later
`reckon ingest` of the unchanged file, or of a changed one (even one adding a new grant),
never re-publishes the narrative. Real SQLite store, index, built site, app and OAI-PMH.
"""

from __future__ import annotations

from sqlmodel import select
from starlette.testclient import TestClient

from archive.db import store_transaction
from archive.models import AuditEvent, ConsentEntry, Narrative
from audit.leaks import audit
from ingest.pipeline import ingest
from server.app import create_app
from tests.helpers.content import sentence_in_nar_a
from tests.helpers.staff import csrf_of, sign_in, staff_fixtures

WORD = "Plovdivquench"  # in nar-a's text only
OAI = "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:reckoning.example.org:nar-a"


template, archive, _ = staff_fixtures("withdraw", sentence_in_nar_a(WORD))


def consent_log(settings) -> list[tuple]:
    with store_transaction(settings) as session:
        rows = session.exec(select(ConsentEntry).where(ConsentEntry.narrative_id == "nar-a")
                            .order_by(ConsentEntry.position))
        return [(c.date, c.use, c.granted) for c in rows]


def withdraw(client, confirm: bool = True):
    page = client.get("/staff/store/narratives")
    data = {"csrf_token": csrf_of(page.text)} | ({"confirm": "yes"} if confirm else {})
    return client.post("/staff/store/narratives/nar-a/withdraw", data=data)


def assert_gone(client) -> None:
    assert client.get("/api/narratives/nar-a").status_code == 410
    assert client.get(f"/api/search?q={WORD}").json()["total"] == 0
    oai = client.get(OAI).text
    assert 'status="deleted"' in oai and WORD not in oai


def test_a_withdrawn_file_narrative_never_comes_back_through_ingest(archive):
    with TestClient(create_app(archive)) as client:
        assert client.get("/api/narratives/nar-a").status_code == 200
        assert client.get(f"/api/search?q={WORD}").json()["total"] == 1
        sign_in(client, "carol")
        page = client.get("/staff/store/narratives")
        assert "narratives/nar-a.md" in page.text and 'id="withdraw-nar-a"' in page.text
        refused = withdraw(client, confirm=False)
        assert refused.status_code == 400 and "tick the box" in refused.text
        assert client.get("/api/narratives/nar-a").status_code == 200  # nothing changed

        done = withdraw(client)
        assert done.status_code == 200 and "Withdrew nar-a" in done.text
        assert_gone(client)
        log = consent_log(archive)
        assert log == [("2019-01-01", "publish-text", True), ("2026-11-23", "publish-text", False)]

        # 1. The unchanged file: nothing is written, the withdrawal stands, nothing to report.
        report = ingest(archive)
        assert not report.changed and not [w for w in report.warnings if w.field == "consent"]
        assert_gone(client)

        # 2. The file changed, and even grants consent again: the staff app's refusal stays last.
        path = archive.content_dir / "narratives" / "nar-a.md"
        text = path.read_text().replace(
            "  - {date: 2019-01-01, use: publish-text, granted: true}\n",
            "  - {date: 2019-01-01, use: publish-text, granted: true}\n"
            "  - {date: 2026-11-24, use: publish-text, granted: true}\n")
        path.write_text(text.replace("closed in 1962", "closed in 1963"))
        report = ingest(archive)
        assert report.updated["narrative"] == 1
        warning = [w for w in report.warnings if w.field == "consent"]
        assert len(warning) == 1 and warning[0].path == "content/narratives/nar-a.md"
        assert "withdrawn in the staff app" in warning[0].message
        assert consent_log(archive)[-1] == ("2026-11-23", "publish-text", False)
        assert_gone(client)

        # 3. Ingesting that changed file again: unchanged now, still withdrawn, no new warning.
        report = ingest(archive)
        assert not report.changed and not [w for w in report.warnings if w.field == "consent"]
        assert_gone(client)

        # 4. The file catches up and records the refusal itself: it agrees, so nothing to report.
        path.write_text(path.read_text().replace(
            "  - {date: 2026-11-24, use: publish-text, granted: true}\n",
            "  - {date: 2026-11-24, use: publish-text, granted: true}\n"
            "  - {date: 2026-11-25, use: publish-text, granted: false, note: Withdrawn again.}\n"))
        report = ingest(archive)
        assert report.updated["narrative"] == 1
        assert not [w for w in report.warnings if w.field == "consent"]
        assert consent_log(archive)[-1] == ("2026-11-25", "publish-text", False)
        assert_gone(client)

        # The next publish replaces the page with a tombstone and drops the words everywhere.
        assert client.post("/staff/publish", data={"csrf_token": csrf_of(client.get("/staff/").text)}
                           ).status_code == 200
    page = (archive.public_dir / "narratives" / "nar-a" / "index.html").read_text()
    assert "withdrawn at the narrator" in page
    site = "\n".join(p.read_text(errors="replace") for p in archive.public_dir.rglob("*") if p.is_file()
                     and p.suffix in (".html", ".json", ".xml", ".csv", ".jsonl", ".txt"))
    assert WORD not in site
    assert audit(archive).leaks == []  # the site, the public index and the anonymous API

    with store_transaction(archive) as session:
        row = session.get(Narrative, "nar-a")
        assert row.access == "withdrawn"
        withdrawals = [e for e in session.exec(select(AuditEvent).where(AuditEvent.object_id == "nar-a"))
                 if e.action == "withdraw"]
    assert [(e.actor, e.detail) for e in withdrawals] == [("carol", "consent withdrawn")]  # who and when, no content


def test_only_curators_withdraw_and_never_without_the_csrf_token(archive):
    with TestClient(create_app(archive)) as client:
        sign_in(client, "alice")
        assert client.get("/staff/store/narratives").status_code == 403
        page = client.get("/staff/")
        forbidden = client.post("/staff/store/narratives/nar-a/withdraw",
                                data={"csrf_token": csrf_of(page.text), "confirm": "yes"})
        assert forbidden.status_code == 403
        sign_in(client, "carol")
        forged = client.post("/staff/store/narratives/nar-a/withdraw", data={"confirm": "yes"})
        assert forged.status_code == 403 and "Form refused" in forged.text
        assert client.get("/api/narratives/nar-a").status_code == 200
        assert withdraw(client).status_code == 200
        again = withdraw(client)  # already withdrawn: the row offers no button, a replayed POST is refused
        assert again.status_code == 400 and "already withdrawn" in again.text
    assert [c[2] for c in consent_log(archive)] == [True, False]
