"""The static site's outputs for readers' tools: citations, feed, sitemap, downloads, the
search fallback index, timelines as TimelineJS, browse and agents pages; and how it is built:
under a sub-path, incrementally, reproducibly, and never with hidden material.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from xml.etree import ElementTree as ET

import pytest

from ingest.pipeline import ingest
from publish.build import build_site
from publish.site_manifest import read_pages
from tests.helpers.archives import HIDDEN_WORDS, PRIVATE_NAME, copy_home, make_settings
from tests.helpers.sample import hidden_vocabulary

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def built(published_template, tmp_path_factory):
    """The minimal archive, published once for the tests that only read its outputs."""
    return copy_home(published_template, tmp_path_factory.mktemp("site"))


@pytest.fixture
def published(published_copy):
    return published_copy


def read(settings, path: str) -> str:
    return (settings.public_dir / path).read_text(encoding="utf-8")


def test_record_page_carries_citation_meta_tags_json_ld_and_a_cite_box(built):
    page = read(built, "records/rec-2008-apology/index.html")
    assert '<meta name="citation_title" content="The AMA apologizes">' in page
    assert '<meta name="citation_author" content="American Medical Association">' in page
    assert '<meta name="citation_publication_date" content="2008/07/10">' in page
    assert '<meta name="DC.identifier" content="http://127.0.0.1:8000/records/rec-2008-apology/">' in page
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL).group(1))
    assert ld["@type"] == "ArchiveComponent" and ld["dateCreated"] == "2008-07-10"
    assert ld["creator"] == [{"@type": "Organization", "name": "American Medical Association"}]
    text = html.unescape(page)
    assert ("American Medical Association. “The AMA apologizes.” Press release, July 10, 2008. "
            "AMA press release, July 10, 2008. Reckoning archive. Page built November 23, 2026. "
            "http://127.0.0.1:8000/records/rec-2008-apology/.") in text
    assert "@misc{rec_2008_apology," in text and "author = {{American Medical Association}}" in text
    csl = json.loads(read(built, "records/rec-2008-apology/citation.json"))
    assert csl["issued"] == {"date-parts": [[2008, 7, 10]]} and csl["type"] == "report"
    assert csl["author"] == [{"literal": "American Medical Association"}]


def test_narrative_page_has_segment_anchors_content_note_and_credit(built):
    page = html.unescape(read(built, "narratives/nar-a/index.html"))
    assert 'id="t-00-00-00"' in page and "I remember the apology." in page
    assert "published with the narrator's consent" in page
    assert '<meta name="citation_author" content="Dr. Q (pseudonym)">' in page
    assert PRIVATE_NAME not in page


def test_timeline_downloads_as_timelinejs_json(built):
    data = json.loads(read(built, "timelines/tl-a/timeline.json"))
    assert data["title"]["text"]["headline"] == "A timeline"
    assert [e["text"]["headline"] for e in data["events"]] == ["Apology"]  # the hidden entry is left out
    assert data["events"][0]["start_date"] == {"year": 2008, "month": 7, "day": 10, "display_date": "10 July 2008"}
    assert 'href="/timelines/tl-a/timeline.json"' in read(built, "timelines/tl-a/index.html")


def test_feed_and_sitemap_are_valid_xml_listing_only_public_pages(built):
    feed = ET.fromstring((built.public_dir / "feed.xml").read_bytes())
    links = [e.find(f"{ATOM}id").text for e in feed.findall(f"{ATOM}entry")]
    assert "http://127.0.0.1:8000/records/rec-2008-apology/" in links
    assert "http://127.0.0.1:8000/narratives/nar-a/" in links
    assert not any(f"nar-{x}" in link for link in links for x in "bcdefg")
    sitemap = ET.fromstring((built.public_dir / "sitemap.xml").read_bytes())
    locs = {e.text for e in sitemap.iter(f"{SITEMAP}loc")}
    assert {"http://127.0.0.1:8000/", "http://127.0.0.1:8000/harms/harm-exclusion/",
            "http://127.0.0.1:8000/about/", "http://127.0.0.1:8000/agents/agent-ama/"} <= locs
    assert not any(f"/nar-{x}/" in loc for loc in locs for x in "bcdefg")  # not even tombstones
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in read(built, "robots.txt")


def test_bulk_downloads_hold_public_data_described_by_the_dictionary(built):
    lines = [json.loads(line) for line in read(built, "downloads/narratives.jsonl").splitlines()]
    assert [n["id"] for n in lines] == ["nar-a"] and "consent" not in lines[0]
    rows = list(csv.DictReader(io.StringIO(read(built, "downloads/records.csv"))))
    assert rows[0]["id"] == "rec-2008-apology" and rows[0]["creators"] == "agent-ama"
    assert rows[0]["date_lower"] == "20080710"
    dictionary = html.unescape(read(built, "downloads/index.html"))
    for column in rows[0]:
        assert f"<code>{column}</code>" in dictionary
    harms = list(csv.DictReader(io.StringIO(read(built, "downloads/harms.csv"))))
    assert harms[0]["evidence_sources"] == "rec-2008-apology"


def test_static_search_index_is_sharded_and_holds_only_public_words(built):
    public = built.public_dir / "search"
    meta = json.loads((public / "meta.json").read_text())
    assert meta["docs"] >= 4
    terms = json.loads((public / "terms/ap.json").read_text())
    per = meta["docs_per_shard"]

    def url_of(number: int) -> str:
        return json.loads((public / f"docs/{number // per}.json").read_text())[number % per][2]

    hits = {url_of(d) for term, postings in terms.items() if term.startswith("apolog") for d, _ in postings}
    assert "/records/rec-2008-apology/" in hits and "/narratives/nar-a/#t-00-00-00" in hits
    everything = " ".join(p.read_text() for p in public.rglob("*.json")).lower()
    for word in [*HIDDEN_WORDS.values(), "legalname"]:
        assert word.lower() not in everything


def test_no_hidden_material_in_any_new_output(built):
    outputs = ["feed.xml", "sitemap.xml", "robots.txt", "downloads/index.html", "browse/index.html",
               "agents/index.html", *[f"downloads/{k}.{e}" for k in ("records", "narratives", "harms", "timelines")
                                      for e in ("jsonl", "csv")]]
    for path in outputs:
        text = read(built, path)
        assert text, path
        for word in [*HIDDEN_WORDS.values(), PRIVATE_NAME]:
            assert word not in text, (path, word)


def test_browse_and_agent_pages_list_what_is_public(built):
    page = html.unescape(read(built, "agents/agent-ama/index.html"))
    assert "American Medical Association" in page and 'href="/records/rec-2008-apology/"' in page
    decade = html.unescape(read(built, "browse/decades/2000/index.html"))
    assert "The AMA apologizes" in decade
    browse = read(built, "browse/index.html")
    assert 'href="/browse/harm-types/' in browse and 'href="/browse/decades/2010/"' in browse
    harm = read(built, "harms/harm-exclusion/index.html")
    assert 'href="/agents/agent-ama/"' in harm and "#:~:text=" in harm  # evidence links to its passage


def test_site_can_live_under_a_sub_path(minimal):
    ingest(minimal)
    settings = make_settings(minimal.home, minimal.content_dir)
    settings = type(settings)(**{**settings.__dict__, "base_url": "https://example.org/archive/"})
    build_site(settings)
    page = read(settings, "harms/harm-exclusion/index.html")
    assert 'href="/archive/records/rec-2008-apology/"' in page
    assert 'href="/archive/static/style.css"' in page
    assert not re.search(r'(href|src)="/(?!archive/)', page)
    assert "https://example.org/archive/harms/harm-exclusion/" in page  # canonical URL in citations
    search = read(settings, "search/index.html")
    assert 'data-index="/archive/search/"' in search
    assert "<loc>https://example.org/archive/</loc>" in read(settings, "sitemap.xml")


def test_a_base_url_that_is_not_absolute_is_refused_before_anything_is_written(published):
    before = read(published, "index.html")
    bad = type(published)(**{**published.__dict__, "base_url": "archive/"})
    with pytest.raises(ValueError, match="RECKON_BASE_URL: expected an absolute http"):
        build_site(bad)
    assert read(published, "index.html") == before


def test_rebuild_reuses_unchanged_pages_and_rewrites_only_what_changed(published):
    first = build_site(published)
    assert first.written == 0 and first.unchanged == first.pages  # publish already built it
    harm_page = published.public_dir / "harms/harm-exclusion/index.html"
    inode = harm_page.stat().st_ino
    narrative = published.content_dir / "narratives/nar-a.md"
    narrative.write_text(narrative.read_text().replace("I remember the apology.", "I remember the apology well."))
    ingest(published)
    second = build_site(published)
    assert 0 < second.written < 40, second
    assert "I remember the apology well." in read(published, "narratives/nar-a/index.html")
    narrative.write_text(narrative.read_text().replace("the apology well.", "the apology very well."))
    ingest(published)
    third = build_site(published)  # back to the first buffer (double buffering), updated in place
    assert 0 < third.written < 40 and third.applied < 80, third
    assert "I remember the apology very well." in read(published, "narratives/nar-a/index.html")
    assert harm_page.stat().st_ino == inode  # not rewritten: the very same file
    assert set(read_pages(published.public_dir)) >= {"index.html", "narratives/nar-a/index.html"}


def test_builds_are_reproducible(minimal, tmp_path):
    ingest(minimal)
    one = make_settings(minimal.home, minimal.content_dir)
    one = type(one)(**{**one.__dict__, "source_date_epoch": 1700000000})
    build_site(one)
    other = type(one)(**{**one.__dict__, "public_dir": tmp_path / "other"})
    build_site(other)
    files = sorted(p.relative_to(one.public_dir) for p in one.public_dir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(other.public_dir) for p in other.public_dir.rglob("*") if p.is_file())
    for path in files:
        assert (one.public_dir / path).read_bytes() == (other.public_dir / path).read_bytes(), path
    assert "Built 2023-11-14" in read(one, "index.html")


def test_sample_leak_check_covers_every_new_output(sample):
    """tests/test_sample.py reads every file in public/; these are the new ones it must meet."""
    public = sample.public_dir
    new_outputs = ["feed.xml", "sitemap.xml", "robots.txt", "downloads/narratives.jsonl",
                   "downloads/narratives.csv", "search/meta.json", "search/docs/0.json",
                   "timelines/tl-exclusion-1846-1968/timeline.json",
                   "narratives/nar-composite-01/citation.json", "agents/index.html", "browse/index.html"]
    for path in new_outputs:
        assert (public / path).is_file(), path
    indexed = {term for shard in (public / "search/terms").glob("*.json")
               for term in json.loads(shard.read_text())}
    assert "apology" in indexed
    for object_id, words in hidden_vocabulary().items():
        for word in words:
            assert word.lower() not in indexed, (object_id, word)


def test_withheld_text_shows_as_a_redaction_mark(minimal):
    narrative = minimal.content_dir / "narratives/nar-a.md"
    narrative.write_text(narrative.read_text().replace("I remember the apology.",
                                                       "I remember [redacted: a name] and the apology."))
    ingest(minimal)
    build_site(minimal)
    page = read(minimal, "narratives/nar-a/index.html")
    assert '<span class="redacted">[redacted: a name]</span>' in page


def test_csv_cells_a_spreadsheet_would_run_are_written_as_text(minimal):
    record = minimal.content_dir / "records" / "rec-2008-apology.md"
    formula = '=HYPERLINK("http://evil.example","click")'
    record.write_text(re.sub(r"^title: .*$", f"title: '{formula}'", record.read_text(), count=1, flags=re.MULTILINE))
    ingest(minimal)
    build_site(minimal)
    rows = list(csv.DictReader(io.StringIO(read(minimal, "downloads/records.csv"))))
    assert [r["title"] for r in rows if r["id"] == "rec-2008-apology"] == ["'" + formula]
    jsonl = [json.loads(line) for line in read(minimal, "downloads/records.jsonl").splitlines()]
    assert [r["title"] for r in jsonl if r["id"] == "rec-2008-apology"] == [formula]  # exact in JSON
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
