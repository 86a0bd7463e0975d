"""The accountability ledger: the lapsed rule, ingest of commitments and responses, the
ledger pages and API of a small real archive, and the access rule on all of them.

The ledger fixture (tests/fixtures/ledger) is laid over the minimal archive. Everything
that must stay hidden there carries the invented word "Glimmerfrost" (or cites a hidden
narrative of the minimal fixture), so one search of every public output proves it stays out.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from archive.access import Role, Viewer
from archive.catalog import Catalog
from archive.dates import parse_date
from archive.db import store_transaction
from archive.errors import ContentError
from archive.ledger import Commitment, commitment_state
from archive.ledger_views import commitment, institution_ledger
from ingest.pipeline import ingest
from publish.build import build_site
from server.app import create_app
from tests.helpers.archives import TODAY, copy_home
from tests.helpers.sites import assert_same_as_fresh_build

HIDDEN = "Glimmerfrost"


def day(text: str) -> int:
    return parse_date(text).lower


# -- the lapsed rule, as a pure function ----------------------------------------------------
DUE_2023 = parse_date("2023").upper  # an uncertain due date counts until its last possible day


@pytest.mark.parametrize(
    ("declared", "due", "progress", "today", "status", "by_rule", "overdue"),
    [
        ("announced", DUE_2023, [], date(2023, 12, 31), "announced", False, None),
        ("announced", DUE_2023, [], date(2024, 1, 1), "lapsed", True, 1),
        ("in-progress", DUE_2023, [], date(2026, 11, 23), "lapsed", True, 1058),
        ("in-progress", DUE_2023, [day("2021-10-28")], date(2026, 11, 23), "in-progress", False, 1058),
        # progress dated after today is not yet evidence of anything
        ("in-progress", DUE_2023, [day("2027")], date(2026, 11, 23), "lapsed", True, 1058),
        ("met", DUE_2023, [], date(2026, 11, 23), "met", False, None),
        ("partly-met", DUE_2023, [], date(2026, 11, 23), "partly-met", False, None),
        ("withdrawn", DUE_2023, [], date(2026, 11, 23), "withdrawn", False, None),
        ("announced", None, [], date(2099, 1, 1), "announced", False, None),
    ],
)
def test_a_commitment_lapses_by_rule_only_past_due_and_without_evidenced_progress(
        declared, due, progress, today, status, by_rule, overdue):
    state = commitment_state(declared, due, progress, today)
    assert (state.status, state.by_rule, state.overdue_days) == (status, by_rule, overdue)
    assert state.label == {"lapsed": "Lapsed", "announced": "Announced", "in-progress": "In progress",
                           "met": "Met", "partly-met": "Partly met", "withdrawn": "Withdrawn"}[status]


# -- a small real archive with a ledger -----------------------------------------------------
@pytest.fixture(scope="module")
def ledger_site(ledger_template, tmp_path_factory):
    """The minimal archive with the harm ledger, published: the module's own copy."""
    return copy_home(ledger_template, tmp_path_factory.mktemp("ledger"))


def page(settings, url: str) -> str:
    return html.unescape((settings.public_dir / url.strip("/") / "index.html").read_text())


def text_of(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", markup))


def test_the_lapsed_rule_is_computed_against_today_not_stored(ledger_site):
    with store_transaction(ledger_site) as session:
        assert session.get(Commitment, "com-lapsing").status == "announced"  # as written
        now = commitment(Catalog(session, today=TODAY), "com-lapsing")
        then = commitment(Catalog(session, today=date(2009, 6, 1)), "com-lapsing")
    assert (now["status"], now["by_rule"], now["declared_status"]) == ("lapsed", True, "announced")
    assert now["lateness"] == "Lapsed by rule: due 2010, and this archive holds no evidence of progress."
    assert (then["status"], then["by_rule"], then["lateness"]) == ("announced", False, "")
    built = text_of(page(ledger_site, "/commitments/com-lapsing/"))
    assert "Lapsed (by rule) (recorded as Announced)" in built
    assert "This archive holds no evidence of progress." in built


def test_progress_resting_only_on_hidden_evidence_does_not_count_for_the_public(ledger_site):
    with store_transaction(ledger_site) as session:
        public = commitment(Catalog(session, today=TODAY), "com-hidden-progress")
        staff = commitment(Catalog(session, Viewer(Role.CURATOR), TODAY), "com-hidden-progress")
    assert public["progress"] == [] and public["status"] == "lapsed"
    assert [p["text"] for p in staff["progress"]] == ["Glimmerfrost names were gathered."]
    assert staff["status"] == "in-progress" and not staff["by_rule"]


def test_harm_page_shows_involvement_and_attribution_history_with_sources(ledger_site):
    markup = page(ledger_site, "/harms/harm-exclusion/")
    text = text_of(markup)
    assert "Example County Medical Society: Implemented it. Refused the applications." in text
    assert "American Medical Association: Tolerated it in affiliates" in text
    assert "Example County Medical Society: Denies the act" in text
    assert "1950 Denies the act No physician has been refused membership on account of race." in text
    assert "American Medical Association: Apologizes" in text
    history = text[text.index("American Medical Association: Apologizes"):]
    assert history.index("1960 Acknowledges the act, denies responsibility") < history.index("10 July 2008 Apologizes")
    assert 'href="/records/rec-1960-acknowledgement/"' in markup
    assert 'href="/records/rec-1950-denial/"' in markup
    assert "Primary source" in text and "Contemporaneous report" in text  # evidence reliability
    # the commitments that answer the harm sit beside it, with their status
    assert 'href="/commitments/com-lapsing/"' in markup and "Lapsed" in text


def test_right_of_reply_is_shown_beside_the_commitment_and_never_edits_it(ledger_site):
    markup = page(ledger_site, "/commitments/com-progressing/")
    text = text_of(markup)
    promise, reply = text.index("We will fund scholarships."), text.index("The descendants reply")
    assert promise < reply
    assert "Right of reply · Descendant · Fictional example" in text
    assert "Corroborated The association apologized in 2008." in text
    assert "Disputed The county society never excluded anyone." in text
    disputed = markup[markup.index("The county society never excluded anyone."):]
    assert disputed.index("Evidence for:") < disputed.index('href="/records/rec-1950-denial/"') \
        < disputed.index("Evidence against:") < disputed.index('href="/records/rec-2008-apology/"')
    # the response has its own page too, linking back to what it answers
    own = page(ledger_site, "/responses/resp-descendants/")
    assert 'href="/commitments/com-progressing/"' in own and "Fictional example" in own


def test_a_record_links_back_to_the_commitments_progress_stages_and_replies_citing_it(ledger_site):
    cited = page(ledger_site, "/records/rec-2008-apology/")
    section = cited[cited.index('id="cited-h"'):]
    assert '<a href="/commitments/com-lapsing/">' in section  # the promise was made in it
    assert '<a href="/commitments/com-progressing/">' in section  # evidence of its progress
    assert '<a href="/responses/resp-descendants/">' in section  # cited in a reply's claims
    assert "<h3>Commitments</h3>" in section and "<h3>Rights of reply</h3>" in section
    denial = page(ledger_site, "/records/rec-1950-denial/")  # the source of an attribution stage only
    assert '<a href="/harms/harm-exclusion/">' in denial[denial.index('id="cited-h"'):]
    with TestClient(create_app(ledger_site)) as client:
        api = client.get("/api/records/rec-2008-apology").json()
    assert {"com-lapsing", "com-progressing", "resp-descendants"} <= {r["id"] for r in api["cited_by"]}


def test_nothing_hidden_reaches_the_ledger_pages(ledger_site):
    public = ledger_site.public_dir
    site = "\n".join(p.read_text(errors="replace") for p in public.rglob("*") if p.is_file())
    for word in (HIDDEN, "Morvendale", "Quillobard", "Tessarine"):
        assert word not in site, word
    for gone in ("commitments/com-staff", "responses/resp-hidden", "responses/resp-to-staff"):
        assert not (public / gone).exists(), gone
    assert 'href="/records/rec-2009-staff-memo/"' not in site


def test_ledger_api_answers_as_the_pages_do(ledger_site):
    with TestClient(create_app(ledger_site)) as client:
        listing = client.get("/api/commitments").json()
        assert [c["id"] for c in listing["items"]] == ["com-hidden-progress", "com-lapsing", "com-progressing"]
        assert listing["total"] == 3
        lapsing = client.get("/api/commitments/com-lapsing").json()
        assert (lapsing["status"], lapsing["by_rule"], lapsing["overdue_days"]) == ("lapsed", True, 5806)
        progressing = client.get("/api/commitments/com-progressing").json()
        assert [p["text"] for p in progressing["progress"]] == ["The first scholarships were awarded."]
        assert progressing["progress"][0]["evidence"][0]["reliability"] == "primary"
        reply = progressing["responses"][0]
        assert reply["fictional"] is True and [c["mark"] for c in reply["claims"]] == ["corroborated", "disputed"]
        assert reply["claims"][1]["evidence_against"][0]["source"]["id"] == "rec-2008-apology"
        harm = client.get("/api/harms/harm-exclusion").json()
        assert [a["body"]["id"] for a in harm["ledger"]["attribution"]] == ["agent-county-society", "agent-ama"]
        assert harm["ledger"]["responses"] == []  # the reply resting on an embargoed narrative
        ama = client.get("/api/institutions/agent-ama/ledger").json()
        assert ama == client.get("/api/institutions/agent-ama").json()
        assert [b["id"] for b in ama["sub_bodies"]] == ["agent-county-society"]
        assert {c["id"] for c in ama["commitments"]} == {"com-hidden-progress", "com-lapsing", "com-progressing"}
        for url, detail in [("/api/commitments/com-staff", "no commitment 'com-staff'"),
                            ("/api/responses/resp-hidden", "no response 'resp-hidden'"),
                            ("/api/responses/resp-to-staff", "no response 'resp-to-staff'"),
                            ("/api/institutions/agent-nobody", "no institution 'agent-nobody' in the ledger")]:
            answer = client.get(url)
            assert answer.status_code == 404 and answer.json() == {"error": "not_found", "detail": detail}
        every = " ".join(client.get(u).text for u in (
            "/api/commitments", "/api/institutions", "/api/institutions/agent-ama",
            "/api/institutions/agent-county-society", "/api/harms/harm-exclusion"))
        assert HIDDEN not in every and "Morvendale" not in every and "Quillobard" not in every


def test_institution_page_gathers_the_bodies_nested_under_it(ledger_site):
    with store_transaction(ledger_site) as session:
        county = institution_ledger(Catalog(session, today=TODAY), "agent-county-society")
    assert [p["id"] for p in county["parents"]] == ["agent-ama"]
    assert [c["id"] for c in county["commitments"]] == ["com-hidden-progress", "com-lapsing"]  # made or owned
    text = text_of(page(ledger_site, "/institutions/agent-ama/"))
    assert "This page includes the bodies nested under it: Example County Medical Society." in text


# -- ingest refuses bad ledger files, naming file, line and field ---------------------------
def counts(settings) -> tuple[int, int]:
    with store_transaction(settings) as session:
        return (session.exec(select(func.count()).select_from(Commitment)).one(),
                session.exec(select(func.count()).select_from(Commitment).where(Commitment.deleted)).one())


@pytest.mark.parametrize(
    ("relpath", "old", "new", "expected"),
    [
        ("commitments/com-lapsing.md", "status: announced", "status: lapsed",
         r"^content/commitments/com-lapsing.md:11: field 'status': 'lapsed' is never set by hand"),
        ("commitments/com-lapsing.md", "status: announced", "status: done",
         r"^content/commitments/com-lapsing.md:11: field 'status': expected one of announced, in-progress"),
        ("commitments/com-lapsing.md", "made_by: agent-ama", "made_by: agent-nobody",
         r"^content/commitments/com-lapsing.md:5: field 'made_by': 'agent-nobody' is not a known agent id"),
        ("commitments/com-lapsing.md", "answers: [harm-exclusion]", "answers: [harm-nope]",
         r"^content/commitments/com-lapsing.md:10: field 'answers\[0\]': 'harm-nope' is not a known harm id"),
        ("commitments/com-lapsing.md", 'due: "2010"', 'due: "soon"',
         r"^content/commitments/com-lapsing.md:8: field 'due': 'soon' is not an EDTF date"),
        ("commitments/com-progressing.md", "        reliability: primary\n  - date", "  - date",
         (r"^content/commitments/com-progressing.md:14: field 'progress\[0\].evidence\[0\].reliability': "
         r"required field is missing")),
        ("commitments/com-progressing.md", 'quote: "The AMA apologized."', 'quote: "The AMA refused."',
         (r"^content/commitments/com-progressing.md:15: field 'progress\[0\].evidence\[0\].quote': "
         r"quotation not found word for word in content/records/rec-2008-apology.md")),
        ("commitments/com-progressing.md", 'date: "2012"', 'date: "2001"',
         r"^content/commitments/com-progressing.md:10: field 'progress': progress entries are a dated log"),
        ("harms/harm-exclusion.md", "kind: tolerated-in-affiliates", "kind: looked-away",
         r"^content/harms/harm-exclusion.md:\d+: field 'involvement\[1\].kind': Input should be 'authored-policy'"),
        ("harms/harm-exclusion.md", "responsible: [agent-ama, agent-county-society]", "responsible: [agent-ama]",
         (r"^content/harms/harm-exclusion.md:20: field 'involvement\[0\].agent': 'agent-county-society' is not "
         r"in this harm's 'responsible' list")),
        ("responses/resp-descendants.md", ("    evidence_against:\n      - record: rec-2008-apology\n"
         "        reliability: primary\n"), "",
         (r"^content/responses/resp-descendants.md:16: field 'claims\[1\]': a disputed claim needs the evidence "
         r"for each side")),
        ("harms/harm-exclusion.md", 'date: "1960"', 'date: "2010"',
         (r"^content/harms/harm-exclusion.md:37: field 'attribution\[2\].date': attribution is a dated history: "
         r"list agent-ama's stages oldest first")),
        ("harms/harm-exclusion.md", "stage: denies-act", "stage: denied",
         r"^content/harms/harm-exclusion.md:27: field 'attribution\[0\].stage': Input should be 'denies-act'"),
        ("harms/harm-exclusion.md", "source: rec-1960-acknowledgement", "source: nar-a",
         r"^content/harms/harm-exclusion.md:34: field 'attribution\[1\].source': 'nar-a' is not a known record id"),
        ("responses/resp-descendants.md", "responds_to: com-progressing", "responds_to: rec-2008-apology",
         (r"^content/responses/resp-descendants.md:7: field 'responds_to': 'rec-2008-apology' is not a known "
         r"harm or commitment id")),
    ],
)
def test_bad_ledger_content_names_file_line_and_field_and_writes_nothing(
        ledger_template, tmp_path, relpath, old, new, expected):
    settings = copy_home(ledger_template, tmp_path)  # a copy of a real ingested archive: store and content
    before = counts(settings)
    assert before == (4, 0)
    path = settings.content_dir / relpath
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(ContentError) as info:
        ingest(settings)
    problems = [str(p) for p in info.value.problems]
    assert any(re.search(expected, p) for p in problems), problems
    assert counts(settings) == before


def test_the_next_day_counts_one_more_overdue_day_through_a_patch(ledger_template, tmp_path):
    """The lapsed rule is judged on the day the site is published: the next day's first build
    patches the ledger (an overdue day more in its table and API files) without comparing
    the whole site, and equals a fresh build of the same edition."""
    site = copy_home(ledger_template, tmp_path / "home")
    before = (site.public_dir / "commitments/commitments.csv").read_text()
    assert ",lapsed,yes,5806," in before and f"({TODAY.isoformat()})" in page(site, "/commitments/")
    tomorrow = replace(site, today_override=TODAY + timedelta(days=1))
    report = build_site(tomorrow)
    assert report.patched and 0 < report.written < report.pages // 4, report
    files = assert_same_as_fresh_build(tomorrow, tmp_path, "fresh-tomorrow")
    assert b",lapsed,yes,5807," in files["commitments/commitments.csv"]
    assert f"({(TODAY + timedelta(days=1)).isoformat()})".encode() in files["commitments/index.html"]
    assert f"Built {TODAY.isoformat()}.".encode() in files["commitments/index.html"]
