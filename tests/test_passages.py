"""A narrative's timed passages: their labels (a cue's first words, redacted, never a bare time),
their locators, and the "Cite this passage" the page offers and search hits carry.

A real archive with a recorded narrative (tests/helpers/media.py): a typed `## [00:00:00] Start`
section and four WebVTT cues with no titles, one naming a third party listed for redaction.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from starlette.testclient import TestClient

from archive.passages import FOLDED, label_of, locator
from publish.media.levels import peaks
from server.app import create_app
from tests.helpers.media import NARRATIVE, make_archive

TOKEN = "[redacted: name of a third party]"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    settings, _ = make_archive(tmp_path_factory.mktemp("passages"))
    return settings


def page_of(settings) -> str:
    return (settings.public_dir / "narratives" / "nar-rec" / "index.html").read_text()


def segment_html(page: str, anchor: str) -> str:
    start = page.index(f'<section class="segment" id="{anchor}"')
    return page[start:page.index("</section>", start)]


# -- labels -------------------------------------------------------------------------------------

def test_a_label_is_the_title_or_the_first_words_with_a_redaction_kept_whole():
    seg = {"title": "", "speaker": "Narrator", "text": f"Narrator: Her name was {TOKEN}, and she ran the floor."}
    assert label_of(seg) == f"Her name was {TOKEN}, and she ran the…"
    assert label_of(seg | {"title": "The night ward"}) == "The night ward"
    assert label_of({"title": "", "speaker": "", "text": "Yes."}) == "Yes."
    assert locator(4500, 8000) == "00:00:04–00:00:08" and locator(4500, None) == "00:00:04"
    assert locator(4200, 4900) == "00:00:04"  # the same second: no empty stretch
    # Words behind a content note stay there until the reader opens it.
    assert label_of(seg | {"content_note": {"key": "n1", "notes": ["Violence"]}}) == FOLDED
    assert label_of(seg, folded=True) == FOLDED and label_of(seg | {"title": "Ward"}, folded=True) == "Ward"


def test_the_sections_list_names_cues_by_their_first_words_never_a_bare_time(recorded):
    page = page_of(recorded)
    nav = page[page.index('<nav class="segments"'):page.index("</nav>", page.index('<nav class="segments"'))]
    items = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", li)).split()) for li in re.findall(r"<li>(.*?)</li>", nav)]
    assert items == ["00:00:00 Start", "00:00:00 I worked on the east wing.",
                     f"00:00:02 Her name was {TOKEN}, and she ran the…",
                     f"00:00:04 Then one night {TOKEN} called me by name.",
                     "00:00:08 That is all."]
    assert "Coyle" not in nav
    chapters = (recorded.public_dir / "narratives" / "nar-rec" / "recording-1.chapters.vtt").read_text()
    # Chapters are the titled sections where there are any (here, the typed one).
    assert chapters == "WEBVTT\n\n00:00:00.000 --> 00:00:10.000\nStart\n", chapters
    manifest = json.loads((recorded.public_dir / "narratives" / "nar-rec" / "manifest.json").read_text())
    labels = [r["label"]["none"][0] if "none" in r["label"] else next(iter(r["label"].values()))[0]
              for r in manifest["structures"]]
    assert labels[2] == f"00:00:02 Her name was {TOKEN}, and she ran the…"
    assert not any(re.fullmatch(r"\d\d:\d\d:\d\d\s*", label) for label in labels)


def test_a_content_note_keeps_the_first_words_out_of_the_sections_list(tmp_path):
    noted = NARRATIVE.replace("release: {signed: 2019-01-01}", "content_note: Describes an assault.\n"
                                                               "release: {signed: 2019-01-01}")
    settings, _ = make_archive(tmp_path, narrative=noted)
    page = page_of(settings)
    nav = page[page.index('<nav class="segments"'):page.index("</nav>", page.index('<nav class="segments"'))]
    assert "east wing" not in nav and "one night" not in nav and nav.count(FOLDED) == 4
    folded = page.index('<details class="content-note">')
    assert page.index("I worked on the east wing.", folded) > folded  # the words are behind the note


# -- citing a passage -----------------------------------------------------------------------------

def test_each_timed_passage_offers_its_citation_with_its_locator_and_moment(recorded):
    page = page_of(recorded)
    passage = segment_html(page, "t-00-00-04")
    base = recorded.base_url.rstrip("/")
    assert "Cite this passage (00:00:04–00:00:08)" in passage
    chicago = html.unescape(re.search(r'<p class="chicago">(.*?)</p>', passage).group(1))
    assert chicago.startswith("Dr. Q (pseudonym). “Recorded story.” Oral-history interview, 2019, 00:00:04–00:00:08. ")
    assert chicago.endswith(f"{base}/narratives/nar-rec/#t-00-00-04.")
    assert f'href="{base}/narratives/nar-rec/recording-1.m4a#t=4.5,8"' in passage
    bib = html.unescape(re.search(r'<pre class="bibtex"[^>]*><code>(.*?)</code>', passage, re.DOTALL).group(1))
    assert "note = {00:00:04–00:00:08}" in bib and f"url = {{{base}/narratives/nar-rec/\\#t-00-00-04}}" not in bib
    assert f"url = {{{base}/narratives/nar-rec/#t-00-00-04}}" in bib
    csl = json.loads(html.unescape(re.search(r'<pre class="csl"[^>]*><code>(.*?)</code>', passage, re.DOTALL).group(1)))
    assert (csl["locator"], csl["label"]) == ("00:00:04–00:00:08", "timestamp")
    assert csl["item"]["URL"] == f"{base}/narratives/nar-rec/#t-00-00-04" and csl["item"]["type"] == "interview"
    # The permalink's passage starts where the locator and the media fragment say.
    assert 'data-start="4500"' in passage
    assert "Coyle" not in passage and "Secret Legalname" not in page


def test_the_cited_moment_of_the_recording_is_the_passage_as_heard(recorded):
    """The cue at 00:00:02 names the third party: its media fragment opens on silence."""
    passage = segment_html(page_of(recorded), "t-00-00-02")
    start, end = (float(x) for x in re.search(r'recording-1\.m4a#t=([\d.]+),([\d.]+)"', passage).groups())
    assert (start, end) == (2.0, 4.5)
    silent, _ = peaks(recorded.public_dir / "narratives" / "nar-rec" / "recording-1.m4a",
                      [(int(start * 1000), int(end * 1000))])
    assert silent == [0]


def test_a_search_hit_inside_a_transcript_carries_the_passages_locator(recorded):
    with TestClient(create_app(recorded)) as client:
        found = client.get("/api/search", params={"q": "night"}).json()
    hits = [h for h in found["hits"] if h["type"] == "segment" and h["parent"] == "nar-rec"]
    assert hits, found
    hit = hits[0]
    assert (hit["time"], hit["locator"]) == ("00:00:04", "00:00:04–00:00:08")
    assert hit["url"].endswith("/narratives/nar-rec/#t-00-00-04")
    assert hit["title"].endswith("[00:00:04] Then one night [redacted: name of a third party] called me by name.")
