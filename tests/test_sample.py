"""The bundled sample collection, end to end: content → store → index → site → app.

The sample is what a new user first sees, so its promises are tested on it directly: its
size, evidence that is really in its sources, and no word of a non-public narrative in any
public output.
"""

from __future__ import annotations

import html
import re

import pytest
import yaml
from starlette.testclient import TestClient

from search.query import open_index, search
from server.app import create_app
from tests.helpers.archives import REPO, SAMPLE
from tests.helpers.sample import hidden_vocabulary, is_public, narratives


def test_sample_is_big_enough_to_show_the_product():
    assert len(list((SAMPLE / "records").glob("*.md"))) >= 30
    assert len(list((SAMPLE / "harms").glob("*.md"))) >= 12
    assert len(list((SAMPLE / "timelines").glob("*.md"))) >= 2
    taxonomy = yaml.safe_load((SAMPLE / "taxonomy.yaml").read_text())
    assert len(taxonomy["harm_types"]) >= 12 and taxonomy["affected_groups"]
    states = {meta.get("access", "public") for meta, _ in narratives().values()}
    assert len(narratives()) >= 6
    assert {"public", "staff", "restricted", "embargoed", "withdrawn"} <= states
    assert any(meta["narrator"]["name_policy"] in ("pseudonym", "anonymous") and is_public(meta)
               for meta, _ in narratives().values())


def test_every_sample_narrative_is_labelled_a_fictional_composite():
    for object_id, (meta, body) in narratives().items():
        assert meta["fictional"] is True, object_id
        assert "fictional composite" in body.lower(), object_id
        assert "fictional composite" in meta["summary"].lower(), object_id


def theme_copy(sample, path) -> bool:
    """Whether a public file is a byte-for-byte copy of the theme's own static files (site/static:
    scripts, style sheets, the vendored OpenSeadragon): written before any content existed, it
    cannot hold a narrative's words, and third-party code is full of common English ones."""
    relative = path.relative_to(sample.public_dir).as_posix()
    theme = REPO / "site" / relative
    return relative.startswith("static/") and theme.is_file() and theme.read_bytes() == path.read_bytes()


def test_no_word_of_a_non_public_narrative_reaches_any_public_output(sample):
    hidden = hidden_vocabulary()
    assert len(hidden) >= 4 and all(len(words) >= 5 for words in hidden.values()), hidden
    site = "\n".join(html.unescape(p.read_text(errors="replace")).lower()
                     for p in sample.public_dir.rglob("*") if p.is_file() and not theme_copy(sample, p))
    ix = open_index(sample.index_dir)
    stored = " ".join(str(f) for f in ix.stored_documents()).lower()
    with TestClient(create_app(sample)) as client:
        api = " ".join(client.get(f"/api/{kind}").text for kind in ("records", "narratives", "harms", "timelines"))
        for object_id, words in hidden.items():
            answer = client.get(f"/api/narratives/{object_id}")
            assert answer.status_code in (404, 410)
            for word in words:
                # The plain substring test first: the word-boundary regex over the whole site
                # (megabytes) is only needed where the word occurs at all (4 s -> 0.1 s).
                assert word.lower() not in site or not re.search(
                    rf"\b{re.escape(word.lower())}\b", site), (object_id, word)
                assert word.lower() not in stored, (object_id, word)
                assert word.lower() not in answer.text.lower() and word.lower() not in api.lower()
                assert search(ix, word).total == 0, (object_id, word)


def test_private_names_of_public_narrators_stay_private(sample):
    site = "\n".join(html.unescape(p.read_text()) for p in sample.public_dir.rglob("*.html"))
    for object_id, (meta, _) in narratives().items():
        narrator = meta["narrator"]
        if narrator["name_policy"] != "full" and narrator["name"]:
            assert narrator["name"] not in site, object_id


@pytest.mark.parametrize("path", ["/", "/harms/", "/timelines/", "/records/", "/narratives/", "/search/"])
def test_section_pages_answer(sample, path):
    with TestClient(create_app(sample)) as client:
        assert client.get(path).status_code == 200


def test_a_harm_page_shows_its_evidence_linked_to_the_source(sample):
    with TestClient(create_app(sample)) as client:
        harms = client.get("/api/harms").json()["items"]
        assert len(harms) >= 12
        for item in harms:
            harm = client.get(f"/api/harms/{item['id']}").json()
            assert harm["evidence"], item["id"]
            page = html.unescape(client.get(harm["url"]).text)
            for ev in harm["evidence"]:
                assert ev["quote"] in page and f'href="{ev["source"]["url"]}"' in page
                source = client.get(f"/api/{ev['source']['type']}s/{ev['source']['id']}").json()
                assert " ".join(ev["quote"].split()) in source["text"]


def test_a_timeline_page_lists_its_entries_in_order(sample):
    with TestClient(create_app(sample)) as client:
        for item in client.get("/api/timelines").json()["items"]:
            timeline = client.get(f"/api/timelines/{item['id']}").json()
            lowers = [e["date"]["lower"] for e in timeline["entries"]]
            assert len(lowers) >= 8 and lowers == sorted(lowers)
            page = html.unescape(client.get(timeline["url"]).text)
            assert all(e["title"] in page for e in timeline["entries"])


def test_search_for_apology_finds_the_2008_apology(sample):
    with TestClient(create_app(sample)) as client:
        results = client.get("/api/search", params={"q": "apology"}).json()
    assert results["total"] >= 3
    assert any("2008" in hit["date"] for hit in results["hits"][:5])
    assert all("<mark>" in hit["snippet"] or "apolog" in hit["title"].lower() for hit in results["hits"][:3])


def test_dates_read_as_people_write_them_with_the_edtf_kept(sample):
    """A reader sees "3–6 May 1870"; a machine reads the EDTF from `<time datetime>` when it is an
    HTML date, from `data-edtf` otherwise, and from the API always."""
    page = (sample.public_dir / "timelines" / "tl-exclusion-1846-1968" / "index.html").read_text()
    assert '<span class="when" data-edtf="1870-05-03/1870-05-06">3–6 May 1870</span>' in page
    assert '<time datetime="1932-10">October 1932</time>' in page
    assert not re.search(r"<time>[^<]*</time>", page)  # a bare <time> must hold a valid date itself
    ledger = (sample.public_dir / "harms" / "index.html").read_text()
    assert '<span class="when" data-edtf="1932-10/1972">October 1932 – 1972</span>' in ledger
    with TestClient(create_app(sample)) as client:
        entries = client.get("/api/timelines/tl-exclusion-1846-1968").json()["entries"]
    assert {"edtf": "1870-05-03/1870-05-06", "display": "3–6 May 1870"}.items() <= \
        next(e["date"] for e in entries if e["date"]["edtf"] == "1870-05-03/1870-05-06").items()


def test_a_harms_history_says_how_its_status_was_reached(sample):
    """Repaired (1963), then Repair committed twice, then Repaired: each event says whether it
    raised the status or left it, so the badge and the list never seem to disagree."""
    page = html.unescape((sample.public_dir / "harms" / "harm-hill-burton-segregated-hospitals" / "index.html").read_text())
    steps = re.findall(r'<span class="step[^"]*">([^<]+)</span>', page)
    assert steps == ["Status: Documented", "Status raised to Repaired", "Status stays Repaired",
                     "Status stays Repaired", "Status stays Repaired"]
    assert "The status, <span class=\"status status-repaired\">Repaired</span>, is the furthest stage" in page


def test_a_scan_has_alt_text_naming_its_record_and_a_caption(sample):
    page = html.unescape((sample.public_dir / "records" / "rec-2007-morris-nma-founding-thesis" / "index.html").read_text())
    alt = re.search(r'<figure class="scan"[^>]*>.*?alt="([^"]+)"', page, re.DOTALL).group(1)
    assert alt.startswith("An illustration drawn for this sample collection, not a scan: ") and "Image 1" not in page
    assert "Open it full size" in page and "info.json\">image information" not in page  # no raw link
