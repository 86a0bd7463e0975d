"""The sample collection's ledger, read as a journalist would: from the built site alone,
what did the AMA do, what has it admitted, what did it promise, and what has it delivered,
with every answer linked to evidence that is itself on the site."""

from __future__ import annotations

import csv
import html
import json
import re

from starlette.testclient import TestClient

from server.app import create_app

AMA = "institutions/agent-ama/index.html"
SECTIONS = ("did", "admitted", "promised", "delivered")
PLAN_APPROACHES = (
    "Embed racial justice and equity throughout the AMA",
    "Build alliances and share power with marginalized physicians",
    "Ensure equity in innovation",
    "Push upstream to address all determinants of health",
    "Foster truth, reconciliation, racial healing and transformation",
)


def read(sample, path: str) -> str:
    return html.unescape((sample.public_dir / path).read_text())


def sections(markup: str) -> dict[str, str]:
    """The page cut at its four question headings (h2 ids), in order."""
    starts = [markup.index(f'<h2 id="{name}">') for name in SECTIONS]
    assert starts == sorted(starts)
    ends = starts[1:] + [markup.index("</article>")]
    return {name: markup[s:e] for name, s, e in zip(SECTIONS, starts, ends, strict=True)}


def text(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", markup))


def test_every_answer_on_the_ama_ledger_links_to_evidence_on_the_site(sample):
    markup = read(sample, AMA)
    links = set(re.findall(r'href="(/[^"#]*)"', markup))
    missing = [u for u in links if not (sample.public_dir / u.strip("/") / "index.html").exists()
               and not (sample.public_dir / u.strip("/")).is_file()]
    assert not missing, missing
    parts = sections(markup)
    for name, part in parts.items():
        assert 'href="/records/' in part, name
    # what it did: each harm comes with quoted evidence and how far to trust it
    did = parts["did"]
    for harm in re.findall(r'<section class="ledger-harm" id="([^"]+)">(.*?)</section>', did, re.DOTALL):
        assert 'href="/records/' in harm[1], harm[0]
    assert "Tolerated it in affiliates" in text(did) and "Failed to act (inaction in policy-making)" in text(did)
    assert "Primary source" in did and "Later secondary account" in did


def test_what_the_ama_has_admitted_is_grouped_by_harm_with_each_statement_once(sample):
    markup = sections(read(sample, AMA))["admitted"]
    admitted = text(markup)
    assert "AMA House of Delegates: Acknowledges the act, denies responsibility" in admitted
    assert "1939 · AMA House of Delegates · Acknowledges the act, denies responsibility" in admitted
    assert "right of self-governance in local matters, including membership." in admitted
    assert "American Medical Association: Apologizes" in admitted
    assert "No recorded position" in admitted  # harms with no recorded position are named too
    assert 'href="/records/rec-2008-ama-apology-press-release/"' in markup
    assert 'href="/records/rec-1939-hod-local-autonomy/"' in markup
    # One row per harm, however many bodies answered for it ...
    rows = re.findall(r'<th scope="row"><a href="(/harms/[^"]+)"', markup)
    assert len(rows) == len(set(rows)) == 8
    # ... and the 2008 apology once, with each harm it is recorded against and what it said of each.
    apology = [s for s in re.findall(r'<li id="statement-\d+">(.*?)</li>\s*(?=<li id="statement|</ol>)', markup, re.DOTALL)
               if "rec-2008-ama-apology-press-release" in s]
    assert len(apology) == 1
    assert "Recorded against 6 harms" in text(apology[0]) and "it does not name the 1870 vote" in apology[0]


def test_what_the_ama_promised_and_delivered(sample):
    parts = sections(read(sample, AMA))
    promised = text(parts["promised"])
    for title in PLAN_APPROACHES:
        assert title in promised, title
    assert promised.count("Lapsed (by rule)") == 3
    assert "Create an AMA Center for Health Equity" in promised and "Met" in promised
    delivered = parts["delivered"]
    assert 'href="/records/rec-2019-chief-health-equity-officer/"' in delivered
    assert 'href="/records/rec-2021-nkf-asn-final-report/"' in delivered
    assert "(by National Kidney Foundation)" in text(delivered)  # whose action it was is never blurred


def test_harm_pages_show_involvement_attribution_and_the_commitments_answering_them(sample):
    page = text(read(sample, "harms/harm-hod-local-autonomy-1939-1950/index.html"))
    assert "AMA Board of Trustees: Authored the policy" in page
    assert "AMA House of Delegates: Supported its passage" in page
    assert "What the responsible bodies have admitted" in page
    assert "Ensure equity in innovation" in page and "Lapsed (by rule)" in page


def test_the_fictional_reply_is_marked_and_sits_beside_the_commitment(sample):
    page = read(sample, "commitments/com-2020-race-adjusted-algorithms/index.html")
    words = text(page)
    assert words.index("Reject racial essentialism") < words.index("Right of reply")
    assert "Right of reply · Community organisation · Fictional example" in words
    assert "No real organisation wrote it." in words
    assert "Disputed The AMA did nothing about race in clinical algorithms." in words


def test_commitments_table_works_without_a_server_or_javascript(sample):
    page = read(sample, "commitments/index.html")
    rows = re.findall(r'<tr data-status="([a-z-]+)" data-body="([a-z-]+)"', page)
    assert len(rows) == 8
    assert sorted(s for s, _ in rows).count("lapsed") == 3
    assert re.search(r'<form class="filters" id="commitment-filters" [^>]*\bhidden>', page)  # shown only by the script
    assert (sample.public_dir / "static/filter-table.js").is_file()
    with (sample.public_dir / "commitments/commitments.csv").open(newline="") as f:
        table = list(csv.DictReader(f))
    assert [r["id"] for r in table] == [r["id"] for r in json.loads(
        (sample.public_dir / "commitments/commitments.json").read_text())["items"]]
    upstream = next(r for r in table if r["id"] == "com-2021-plan-upstream")
    assert (upstream["status"], upstream["by_rule"], upstream["due"]) == ("lapsed", "yes", "2023")
    assert 'href="/commitments/commitments.csv"' in page
    timeline = read(sample, "timelines/tl-acknowledgement-1997-2022/index.html")
    assert 'href="/commitments/com-2020-dismantle-racist-policies/"' in timeline


def test_the_api_gives_the_same_ledger(sample):
    with TestClient(create_app(sample)) as client:
        listing = client.get("/api/commitments").json()
        assert listing["total"] == 8
        assert {c["status"] for c in listing["items"]} == {"met", "in-progress", "lapsed"}
        ama = client.get("/api/institutions/agent-ama/ledger").json()
        assert len(ama["commitments"]) == 8 and ama["status_counts"] == {"in-progress": 4, "met": 1, "lapsed": 3}
        assert ama["responses"][0]["fictional"] is True
