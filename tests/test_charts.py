"""Charts (publish/charts/, publish/pages/charts.py, web/api/charts.py) on the built sample.

Their numbers match the ledger and the downloads; a hidden object (restricted, embargoed or
withdrawn narrative, staff-only harm, restricted record, timeline or commitment) changes no
chart; the API answers each chart's data exactly as the downloads hold it, in the shape the
OpenAPI document gives; uncertain ends are drawn as such; and a drawing is a plain drawing
whose links stay on the site.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections import Counter

import pytest
import schemathesis
from starlette.testclient import TestClient

from archive.access import Role, Viewer
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.ledger import ATTRIBUTION
from archive.urls import SiteUrls
from ingest.pipeline import ingest
from publish.charts import data as charts
from publish.charts import drawn, specs
from publish.charts import svg as svg_module
from publish.charts.lookup import collection
from publish.charts.svg import ChartError, Drawings, checked, draw_all, linked
from publish.pipeline import publish
from server.app import create_app
from tests.helpers.archives import SAMPLE, TODAY, make_settings
from web.openapi.document import openapi_document

FIGURE = re.compile(r'<figure class="chart".*?</figure>', re.DOTALL)
CHART_PAGES = ["index.html", "harms/index.html", "browse/index.html", "institutions/agent-ama/index.html",
               "institutions/agent-ama-house-of-delegates/index.html", "downloads/index.html"]


def chart_file(settings, name: str) -> dict:
    return json.loads((settings.public_dir / "downloads" / "charts" / name).read_text())


def rows(settings, path: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO((settings.public_dir / path).read_text())))


def jsonl(settings, path: str) -> list[dict]:
    return [json.loads(line) for line in (settings.public_dir / path).read_text().splitlines()]


# -- the numbers ---------------------------------------------------------------------------------
def test_the_chronology_says_when_the_exclusion_ran_and_the_apology_came(sample):
    chronology = chart_file(sample, "chronology.json")
    assert "Exclusion and resistance: 1846–1968" in chronology["facts"]
    assert any(fact.startswith("Apologies:") and "2008 (6 harms)" in fact for fact in chronology["facts"])
    home = (sample.public_dir / "index.html").read_text()
    assert "Exclusion and resistance: 1846–1968" in home and "2008 (6 harms)" in home
    assert home.index('<figure class="chart"') < home.index('<p class="lede">')  # seen before any paragraph
    assert "Exclusion and resistance 1846–1968" in FIGURE.search(home).group(0)  # in the drawing too


def test_chronology_numbers_match_the_ledger_and_its_downloads(sample):
    chronology = chart_file(sample, "chronology.json")
    harms = {h["id"]: h for h in jsonl(sample, "downloads/harms.jsonl")}
    assert sorted(h["id"] for h in chronology["harms"]) == sorted(harms) == sorted(r["id"] for r in rows(sample, "downloads/harms.csv"))
    for span in chronology["harms"]:
        assert span["date"] == harms[span["id"]]["date"]
        assert span["status"] == harms[span["id"]]["status"]
    events = [(h["id"], e["status"], e["date"]["edtf"]) for h in harms.values() for e in h["accountability"]]
    assert sorted((e["harm"]["id"], e["status"], e["date"]["edtf"]) for e in chronology["events"]) == sorted(events)
    apologies = Counter(int(e[2][:4]) for e in events if e[1] == "apologized")
    assert {a["year"]: a["count"] for a in chronology["apologies"]} == apologies
    timelines = {t["id"] for t in jsonl(sample, "downloads/timelines.jsonl")}
    assert {p["id"] for p in chronology["periods"]} == timelines
    ledger = (sample.public_dir / "harms" / "index.html").read_text()
    assert f"{len(harms)} harms, in date order" in ledger and FIGURE.search(ledger)
    table = rows(sample, "downloads/charts/chronology-harms.csv")
    assert [r["Harm"] for r in table] == [h["title"] for h in chronology["harms"]]


def test_collection_numbers_match_the_downloads(sample):
    decades = chart_file(sample, "decades.json")
    for kind in ("records", "narratives"):
        # A narrative counts in the decade of the period it is about where it gives one.
        found = Counter(int(r.get("coverage_lower") or r["date_lower"]) // 100000 * 10
                        for r in rows(sample, f"downloads/{kind}.csv") if int(r["date_lower"]))
        assert {d["decade"]: d[kind] for d in decades["items"] if d[kind]} == found
        assert decades[kind] == len(rows(sample, f"downloads/{kind}.csv"))
    harms = rows(sample, "downloads/harms.csv")
    for name, column in (("harm-types.json", "harm_types"), ("affected-groups.json", "affected_groups")):
        terms = chart_file(sample, name)
        counted = Counter(term for r in harms for term in r[column].split("; ") if term)
        assert {t["id"]: t["count"] for t in terms["items"]} == counted
        assert terms["harms"] == len(harms)
    browse = (sample.public_dir / "browse" / "index.html").read_text()
    assert len(FIGURE.findall(browse)) == 4


def test_the_map_places_what_the_downloads_place_and_nothing_hidden(sample):
    mapped = chart_file(sample, "places.json")
    on_map = {(o["id"], p["name"]) for p in mapped["places"] for o in p["objects"]}
    downloaded = {(r["id"], r.get("coverage") or r.get("place")) for kind in ("records", "narratives")
                  for r in rows(sample, f"downloads/{kind}.csv") if r["latitude"]}
    assert on_map == downloaded and len(on_map) == mapped["records"] + mapped["narratives"] == 10
    assert "Chicago, Illinois" in mapped["facts"][1] and mapped["basemap"] == "us"
    browse = (sample.public_dir / "browse" / "index.html").read_text()
    assert 'aria-label="Washington, D.C.: 2 records"' in browse  # on the drawing, for a screen reader
    # The sample's hidden narratives carry coordinates too (embargoed, staff, restricted, withdrawn).
    for hidden in ("Montgomery", "Nashville", "Savannah", "Columbia, South", "32.3668", "36.1627", "32.0809", "34.0007"):
        assert hidden not in json.dumps(mapped) and hidden not in browse, hidden


def test_an_institutions_reckoning_matches_its_ledger(sample):
    reckoning = chart_file(sample, "reckoning-agent-ama.json")
    with TestClient(create_app(sample)) as client:
        ledger = client.get("/api/institutions/agent-ama").json()
    assert {s["status"]: s["count"] for s in reckoning["status_counts"]} == ledger["status_counts"]
    assert [c["id"] for c in reckoning["commitments"]] == [c["id"] for c in ledger["commitments"]]
    statuses = {r["id"]: r["status"] for r in rows(sample, "commitments/commitments.csv")}
    assert all(statuses[c["id"]] == c["status"] for c in reckoning["commitments"])
    positions = sorted((a["harm"]["id"], s["stage"], s["date"]["edtf"]) for a in ledger["admitted"] for s in a["history"])
    assert sorted((s["about"]["id"], s["stage"], s["date"]["edtf"]) for s in reckoning["path"]
                  if s["stage"] != "repair") == positions
    assert len([s for s in reckoning["path"] if s["stage"] == "repair"]) == len(ledger["delivered"])
    assert "Apologized for 6 harms, first in 2008" in reckoning["facts"]
    page = (sample.public_dir / "institutions" / "agent-ama" / "index.html").read_text()
    figures = FIGURE.findall(page)
    assert len(figures) == 2 and "Apologized for 6 harms, first in 2008" in figures[0]
    assert 'href="/commitments/com-2021-plan-upstream/"' in figures[1]  # a unit of the bar links to it


def test_every_chart_has_its_downloads_listed_and_its_tables_on_its_page(sample):
    downloads = (sample.public_dir / "downloads" / "index.html").read_text()
    files = sorted(p.name for p in (sample.public_dir / "downloads" / "charts").iterdir())
    assert files and all(f"/downloads/charts/{name}" in downloads for name in files)
    for page in CHART_PAGES[:-1]:
        for figure in FIGURE.findall((sample.public_dir / page).read_text()):
            assert figure.count("<svg") == 2  # a desktop and a phone drawing
            assert '<details class="chart-data">' in figure and "<table" in figure
            assert "<script" not in figure and "style=" not in figure


# -- nothing hidden -------------------------------------------------------------------------------
HIDDEN = {
    "narratives/nar-hidden-restricted.md": """---
id: nar-hidden-restricted
title: Restricted Hushwillow story
fictional: true
narrator: {name: Legal Hushwillow, display_name: Hushwillow}
date: 1931
place: "Hushwillow, Ohio"
latitude: 40.1234
longitude: -82.5678
access: restricted
harm_types: [ht-exclusion-from-membership]
consent:
  - {date: 2019-01-01, use: publish-text, granted: true}
release: {signed: 2019-01-01}
---
Hushwillow words.
""",
    "narratives/nar-hidden-embargoed.md": """---
id: nar-hidden-embargoed
title: Embargoed Hushwillow story
fictional: true
narrator: {name: Legal Embargo, display_name: Embargo}
date: 1801
access: embargoed
embargo_until: 2045-01-01
consent:
  - {date: 2019-01-01, use: publish-text, granted: true}
release: {signed: 2019-01-01}
---
Embargoed words.
""",
    "narratives/nar-hidden-withdrawn.md": """---
id: nar-hidden-withdrawn
title: Withdrawn Hushwillow story
fictional: true
narrator: {name: Legal Withdrawn, display_name: Withdrawn}
date: 1802
access: withdrawn
consent:
  - {date: 2019-01-01, use: publish-text, granted: true}
release: {signed: 2019-01-01}
---
Withdrawn words.
""",
    "harms/harm-hidden-staff.md": """---
id: harm-hidden-staff
title: "A staff-only Hushwillow harm"
date: "1801/1805?"
harm_types: [ht-exclusion-from-membership, ht-segregated-care]
affected_groups: [ag-black-physicians]
responsible: [agent-ama]
evidence:
  - record: rec-1895-nma-founded
    quote: "The founders were barred from local and national medical organizations and could not obtain hospital privileges."
accountability:
  - status: apologized
    date: "1999-01-01"
    source: rec-1895-nma-founded
attribution:
  - agent: agent-ama
    stage: denies-act
    date: "1990"
    source: rec-1895-nma-founded
access: staff
---
Hushwillow harm.
""",
    "records/rec-hidden-restricted.md": """---
id: rec-hidden-restricted
title: "A restricted Hushwillow record"
date: "1777"
type: other
creators: [agent-ama]
subjects: [ht-exclusion-from-membership]
language: en
source: "Hushwillow archive."
rights: "Hushwillow."
coverage: "Hushwillow Falls, Ohio"
latitude: 39.4321
longitude: -83.8765
access: restricted
---
Hushwillow record.
""",
    "timelines/tl-hidden.md": """---
id: tl-hidden
title: "Hushwillow years: 1700-1720"
summary: "Hidden."
access: restricted
entries:
  - date: "1700"
    title: "Hushwillow begins"
    text: "Hidden."
  - date: "1720"
    title: "Hushwillow ends"
    text: "Hidden."
---
Hidden timeline.
""",
    "commitments/com-hidden.md": """---
id: com-hidden
title: "A restricted Hushwillow promise"
promise: "Hushwillow."
made_by: agent-ama
date: "2010"
due: "2012"
answers: [harm-society-exclusion-1872-1968]
status: met
access: restricted
---
Hidden promise.
""",
}


@pytest.fixture(scope="module")
def with_hidden(tmp_path_factory):
    """The sample with hidden objects of every kind added, ingested and published."""
    home = tmp_path_factory.mktemp("sample-hidden")
    shutil.copytree(SAMPLE, home / "content")
    for path, text in HIDDEN.items():
        (home / "content" / path).write_text(text)
    settings = make_settings(home, home / "content")
    ingest(settings)
    publish(settings)
    return settings


def chart_outputs(settings) -> dict[str, str]:
    found = {p.name: p.read_text() for p in (settings.public_dir / "downloads" / "charts").iterdir()}
    for page in CHART_PAGES[:-1]:
        found[page] = "\n".join(FIGURE.findall((settings.public_dir / page).read_text()))
    return found


def test_a_hidden_object_changes_no_chart(sample, with_hidden):
    assert (with_hidden.public_dir / "narratives" / "nar-hidden-withdrawn" / "index.html").is_file()  # a tombstone
    hidden, plain = chart_outputs(with_hidden), chart_outputs(sample)
    assert sorted(hidden) == sorted(plain)
    assert [name for name in plain if hidden[name] != plain[name]] == []
    assert all("Hushwillow" not in text for text in hidden.values())
    with store_transaction(with_hidden) as session:  # counted, they would show: a curator's charts differ
        seen = collection(Catalog(session, Viewer(Role.CURATOR, "test"), TODAY))
    assert "harm-hidden-staff" in [h["id"] for h in seen["chronology"]["harms"]] and seen["chronology"]["start"] == 1700
    assert seen["decades"] != json.loads(plain["decades.json"])
    with TestClient(create_app(with_hidden)) as client:
        for item in client.get("/api/charts").json()["items"]:
            assert client.get(item["api_url"]).json() == chart_file(sample, item["download"].rsplit("/", 1)[1])


# -- the API --------------------------------------------------------------------------------------
def test_the_api_answers_each_chart_as_the_downloads_hold_it(sample):
    schema = schemathesis.openapi.from_dict(openapi_document())
    with TestClient(create_app(sample)) as client:
        listing = client.get("/api/charts")
        schema["/api/charts"]["GET"].validate_response(listing)
        items = listing.json()["items"]
        assert {i["id"] for i in items} == {p.stem for p in (sample.public_dir / "downloads" / "charts").glob("*.json")}
        for item in items:
            answer = client.get(item["api_url"])
            schema["/api/charts/{id}"]["GET"].validate_response(answer)
            assert answer.json() == chart_file(sample, f"{item['id']}.json")
            assert answer.headers["etag"] and answer.headers["access-control-allow-origin"] == "*"
        for unknown in ("nope", "reckoning-agent-nope", "reckoning-agent-writing-group"):
            missing = client.get(f"/api/charts/{unknown}")
            assert missing.status_code == 404
            assert missing.json() == {"error": "not_found", "detail": f"no chart '{unknown}'"}


# -- dates, drawings ------------------------------------------------------------------------------
def harm_view(harm_id: str, edtf: str, lower: int, upper: int) -> dict:
    return {"id": harm_id, "title": harm_id, "url": f"/harms/{harm_id}/", "status": "documented",
            "status_label": "Documented", "harm_types": [], "affected_groups": [], "accountability": [],
            "date": {"edtf": edtf, "display": edtf, "lower": lower, "upper": upper}}


def test_uncertain_ends_are_kept_apart_from_the_sure_span():
    chronology = charts.chronology([harm_view("harm-a", "1872?/1968~", 18710101, 19691231),
                                    harm_view("harm-b", "1900/1910", 19000101, 19101231)], [])
    fuzzy, sure = chronology["harms"]
    assert fuzzy["start_uncertain"] and fuzzy["end_uncertain"]
    assert (fuzzy["start"], fuzzy["start_sure"]) == (1871.0, 1872.0)
    assert (fuzzy["end_sure"], fuzzy["end"]) == (1969.0, 1970.0)
    assert not (sure["start_uncertain"] or sure["end_uncertain"])
    assert (sure["start"], sure["end"]) == (sure["start_sure"], sure["end_sure"]) == (1900.0, 1911.0)
    assert (chronology["start"], chronology["end"]) == (1870, 1980)
    spec = specs.chronology_spec(chronology, specs.NARROW)
    drawn = [layer for layer in spec["layer"] if layer["mark"].get("strokeDash") and layer["mark"]["type"] == "bar"]
    assert drawn[0]["data"]["values"] == [{"row": "harm-a", "from": 1871.0, "to": 1872.0},
                                          {"row": "harm-a", "from": 1969.0, "to": 1970.0}]
    assert charts.year_at(19681231, end=True) == 1969.0 and charts.year_at(0) is None


def test_drawings_are_kept_by_spec_read_back_without_drawing_and_checked_again(tmp_path, monkeypatch):
    """A patched rebuild runs in a process of its own: drawings made before from the same
    spec come back from the cache folder (`publish.charts.drawn`), not from the engine, and a
    kept file that is no longer a plain drawing fails as a fresh one would."""
    urls = SiteUrls("https://example.org/")
    one = {"width": 120, "height": 30, "data": {"values": [{"t": "kept"}]}, "mark": "text",
           "encoding": {"text": {"field": "t"}}}
    two = {**one, "data": {"values": [{"t": "other"}]}}
    first = Drawings([one, two], urls, tmp_path)
    assert first._side is not None
    made = first.result()
    assert len(list((tmp_path / drawn.FOLDER).glob("*.svg"))) == 2
    monkeypatch.setattr(svg_module, "_KEPT", {})  # as in a new process
    again = Drawings([two, one], urls, tmp_path)
    assert again._side is None and again.result() == [made[1], made[0]]
    three = {**one, "data": {"values": [{"t": "new"}]}}
    monkeypatch.setattr(svg_module, "_KEPT", {})
    mixed = Drawings([one, three], urls, tmp_path)
    assert mixed._side is not None and mixed.result()[0] == made[0] and "new" in mixed.result()[1]
    for path in (tmp_path / drawn.FOLDER).glob("*.svg"):
        path.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    monkeypatch.setattr(svg_module, "_KEPT", {})
    with pytest.raises(ChartError):
        Drawings([one], urls, tmp_path)


def test_a_drawing_is_plain_links_into_the_site_and_escapes_its_text():
    spec = {"width": 200, "height": 40, "data": {"values": [{"t": "<script>alert(1)</script> & co", "u": "/harms/x/"}]},
            "mark": "text", "encoding": {"text": {"field": "t"}, "href": {"field": "u"}}}
    svg, = draw_all([spec], SiteUrls("https://example.org/"))
    assert "<script" not in svg and "&lt;script&gt;" in svg and "&amp; co" in svg
    assert 'href="/harms/x/"' in svg and "xlink" not in svg
    under, = draw_all([spec], SiteUrls("https://example.org/archive/"))
    assert 'href="/archive/harms/x/"' in under and linked(svg, SiteUrls("https://example.org/")) == svg
    plain = '<svg xmlns="http://www.w3.org/2000/svg"><g><text>x</text></g></svg>'
    assert "chart-svg" in checked(plain)
    for bad in ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><g onclick="x()"/></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><g style="fill:red"/></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><g id="clip1"/></svg>',
                ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                 '<a xlink:href="https://elsewhere.example/"><text>x</text></a></svg>')):
        with pytest.raises(ChartError):
            checked(bad)


def test_every_attribution_stage_has_a_rung_and_a_style():
    assert list(charts.STAGES) == [*ATTRIBUTION, "repair"] == list(specs.STAGE_STYLE)
    assert set(ATTRIBUTION) == set(charts.STAGE_VERBS)


def test_an_archive_with_nothing_public_yet_has_facts_and_no_drawing():
    whole = charts.collection_charts([], [], [], [])
    assert whole["chronology"]["facts"] == ["No harm is published yet"]
    assert whole["decades"]["facts"] == ["No record or narrative is published yet"]
    assert whole["harm_types"]["facts"] == ["No harm is published with a harm type yet"]
    assert specs.chronology_spec(whole["chronology"], specs.WIDE) is None
    assert specs.decades_spec(whole["decades"], specs.NARROW) is None
    assert specs.terms_spec(whole["affected_groups"], specs.WIDE) is None
