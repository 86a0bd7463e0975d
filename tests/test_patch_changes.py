"""Patched rebuilds beyond one record's own outputs (publish/patch_changes.py, patch_outputs.py):
narrowing and widening access, titles and dates that move objects between list pages, records
that come and go, the small kinds remade whole. Each must be patched, not rebuilt, and equal a
build from scratch file for file. Lists are paginated small here, so pages shift."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import Session

from archive import redactions
from archive.access import Role, Viewer
from archive.db import store_transaction
from archive.models import Narrative
from archive.store_consent import withdraw_narrative
from ingest.pipeline import ingest
from publish import downloads, patch_outputs
from publish.build import build_site
from publish.pages import listings
from tests.helpers.content import add_records, edit
from tests.helpers.sites import all_text, assert_same_as_fresh_build

CAROL = Viewer(Role.CURATOR, "carol")


@pytest.fixture
def site(minimal, monkeypatch):
    """The minimal archive with 60 more records, lists of 7 a page and downloads of 25 a part."""
    monkeypatch.setattr(listings, "LIST_PAGE_SIZE", 7)
    monkeypatch.setattr(downloads, "PART_SIZE", 25)
    monkeypatch.setattr(patch_outputs, "PART_SIZE", 25)
    add_records(minimal)
    ingest(minimal)
    assert not build_site(minimal).patched
    return minimal


def patched(settings, tmp_path, name: str = "fresh") -> str:
    report = build_site(settings)
    assert report.patched, report
    return all_text(assert_same_as_fresh_build(settings, tmp_path, name))


def write(settings, change) -> None:
    with store_transaction(settings) as session:
        change(session)


def test_a_withdrawn_narrative_is_patched_to_its_tombstone_everywhere(site, tmp_path):
    write(site, lambda session: withdraw_narrative(session, CAROL, "nar-a", site.today()))
    text = patched(site, tmp_path)
    assert "I remember the apology" not in text
    page = (site.public_dir / "narratives/nar-a/index.html").read_text()
    assert "withdrawn at the narrator" in page
    assert "/narratives/nar-a/" in (site.public_dir / "_redirects").read_text()


def test_a_narrative_made_staff_only_or_embargoed_again_leaves_every_page(site, tmp_path):
    edit(site, "narratives/nar-a.md", "date: 2019\n", "date: 2019\naccess: staff\n")
    ingest(site)
    text = patched(site, tmp_path, "fresh-1")
    assert "/narratives/nar-a/" not in text and not (site.public_dir / "narratives/nar-a").exists()
    edit(site, "narratives/nar-a.md", "access: staff\n", "access: public\n")  # widening, published by a build
    ingest(site)
    assert "/narratives/nar-a/" in patched(site, tmp_path, "fresh-2")


def test_an_approved_redaction_is_patched(site, tmp_path):
    write(site, lambda session: redactions.add_span(session, "nar-a", "carol", redactions.THIRD_PARTY,
                                                    text="the apology"))
    text = patched(site, tmp_path)
    assert "I remember the apology" not in text


def test_titles_and_dates_move_records_between_list_pages(site, tmp_path):
    edit(site, "records/rec-gen-009.md", "title: Generated minutes 9", "title: Renamed minutes 9")
    edit(site, "records/rec-gen-010.md", "date: 1910-05", "date: 1949-05")  # across several pages
    ingest(site)
    text = patched(site, tmp_path)
    assert "Renamed minutes 9" in text and "Generated minutes 9<" not in text


def test_records_losing_the_same_common_word_in_one_rebuild_count_it_as_a_fresh_build_does(site, tmp_path):
    """The static search index is patched record by record: the second record's change to a
    word of the vocabulary must start from the count the first left, not the published one."""
    for n in (3, 4, 5):
        edit(site, f"records/rec-gen-{n:03d}.md", "*membership*", "*fellowship*")
    ingest(site)
    patched(site, tmp_path)


def test_a_narrative_given_a_coverage_date_moves_decades_and_is_patched_like_a_fresh_build(site, tmp_path):
    edit(site, "narratives/nar-a.md", "date: 2019\n", 'date: 2019\ncoverage_date: "1950/1970"\n')
    ingest(site)
    patched(site, tmp_path)
    def decade(year: int) -> str:  # every page of a decade's list
        return "".join(p.read_text() for p in sorted((site.public_dir / f"browse/decades/{year}").rglob("*.html")))

    assert "/narratives/nar-a/" in decade(1950)
    assert "About</dt>" in (site.public_dir / "narratives/nar-a/index.html").read_text()
    edit(site, "narratives/nar-a.md", 'coverage_date: "1950/1970"\n', 'coverage_date: "1771/1774"\n')
    ingest(site)
    patched(site, tmp_path, "fresh-again")  # out of the 1950s, into a decade of its own
    assert "/narratives/nar-a/" in decade(1770) and "/narratives/nar-a/" not in decade(1950)


def test_records_that_come_and_go_shift_lists_parts_and_the_search_index(site, tmp_path):
    (site.content_dir / "records" / "rec-gen-new.md").write_text(
        "---\nid: rec-gen-new\ntitle: A newer record\ndate: 1930-01\ntype: minutes\ncreators: [agent-ama]\n"
        "source: Test.\n---\nMinutes about quillwort.\n")
    ingest(site)
    assert "quillwort" in patched(site, tmp_path, "fresh-1")
    (site.content_dir / "records" / "rec-gen-020.md").unlink()
    ingest(site, prune=True)
    text = patched(site, tmp_path, "fresh-2")
    assert "rec-gen-020" not in text and "word20x" not in text


def test_a_record_made_restricted_leaves_lists_and_an_agent_with_no_public_record_leaves_too(site, tmp_path):
    edit(site, "records/rec-gen-030.md", "type: minutes", "type: minutes\naccess: restricted")
    ingest(site)
    text = patched(site, tmp_path)
    assert "rec-gen-030" not in text and "word30x" not in text


def test_a_harm_and_the_record_it_cites_change_together(site, tmp_path):
    edit(site, "harms/harm-exclusion.md", "title: ", "title: Renamed ")
    ingest(site)
    text = patched(site, tmp_path, "fresh-1")
    assert "Renamed " in (site.public_dir / "records/rec-2008-apology/index.html").read_text()  # its "cited by"
    edit(site, "records/rec-2008-apology.md", "title: ", "title: Retitled ")
    ingest(site)
    text = patched(site, tmp_path, "fresh-2")
    assert "Retitled " in (site.public_dir / "harms/harm-exclusion/index.html").read_text() and text


def test_changes_to_records_and_narratives_at_once(site, tmp_path):
    edit(site, "records/rec-gen-041.md", "word41x", "bothword")
    edit(site, "timelines/tl-a.md", "title: ", "title: Retitled ")
    write(site, lambda session: withdraw_narrative(session, CAROL, "nar-a", site.today()))
    ingest(site)
    text = patched(site, tmp_path)
    assert "bothword" in text and "Retitled " in text


def test_nothing_public_changed_writes_nothing(site):
    def hide_more(session: Session) -> None:
        row = session.get(Narrative, "nar-d")  # staff-only already: hidden before and after
        row.summary = "Changed where no one sees it."

    write(site, hide_more)
    report = build_site(site)
    assert report.patched and report.written == 0


def test_the_sitemap_written_as_text_is_what_elementtree_writes():
    from xml.etree import ElementTree as ET

    from archive.urls import SiteUrls
    from publish.feeds import SITEMAP, _xml, sitemaps

    urls = SiteUrls("https://example.org/a&b/")
    paths = sorted(["/records/x/", "/r/<y>&z/", "/ü/"] + [f"/records/rec-{i}/" for i in range(20)])
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for path in paths:
        ET.SubElement(ET.SubElement(root, f"{{{SITEMAP}}}url"), f"{{{SITEMAP}}}loc").text = urls.absolute(path)
    assert sitemaps(paths, urls)["sitemap.xml"] == _xml(root)


def test_a_full_build_that_writes_nothing_still_leaves_the_next_change_patched(site, monkeypatch):
    """New code (or templates) making the same files: the full comparison writes nothing, and
    the live build's state says it is this code's, so the next change is patched again."""
    from publish import incremental

    monkeypatch.setattr(incremental, "site_code_digest", lambda: "other code")
    monkeypatch.setattr("publish.build.build_state",
                        lambda *a: {**incremental.build_state(*a), "code": "other code"})
    assert build_site(site).written == 0
    edit(site, "records/rec-gen-009.md", "word9x", "wordnine")
    ingest(site)
    assert build_site(site).patched


COMMITMENT = """---
id: com-scholarships
title: Fund scholarships
promise: "We will fund scholarships."
made_by: agent-ama
date: 2008-07-10
source: rec-gen-010
status: in-progress
progress:
  - date: "2009"
    text: "The first scholarships were awarded."
    evidence:
      - record: rec-gen-020
        reliability: primary
---
Scholarships.
"""


def test_records_link_back_to_the_commitments_citing_them_and_stop_when_they_no_longer_do(site, tmp_path):
    link = '<a href="/commitments/com-scholarships/">Fund scholarships</a>'
    (site.content_dir / "commitments").mkdir()
    (site.content_dir / "commitments/com-scholarships.md").write_text(COMMITMENT)
    ingest(site)
    patched(site, tmp_path, "fresh-1")
    for record in ("rec-gen-010", "rec-gen-020"):  # made in it, and evidence of its progress
        assert link in (site.public_dir / f"records/{record}/index.html").read_text(), record
    assert link not in (site.public_dir / "records/rec-gen-030/index.html").read_text()
    edit(site, "commitments/com-scholarships.md", "record: rec-gen-020", "record: rec-gen-030")
    ingest(site)
    patched(site, tmp_path, "fresh-2")  # the progress's evidence moved: both records follow
    assert link not in (site.public_dir / "records/rec-gen-020/index.html").read_text()
    assert link in (site.public_dir / "records/rec-gen-030/index.html").read_text()
    edit(site, "commitments/com-scholarships.md", "status: in-progress", "status: in-progress\naccess: staff")
    ingest(site)
    text = patched(site, tmp_path, "fresh-3")  # hidden: no record links to it any more
    assert "com-scholarships" not in text and "Fund scholarships" not in text


def _lists(settings) -> dict[str, tuple[int, int, bytes]]:
    """The kept site index's lists: each one's row id (a new one each time it is written), size and members."""
    import sqlite3

    with sqlite3.connect(settings.build_cache_dir / "views.sqlite") as db:
        return {name: (rowid, size, members) for rowid, name, size, members in
                db.execute("SELECT rowid, name, size, members FROM lists")}


def test_a_patch_writes_back_only_the_lists_whose_members_changed_and_they_equal_a_fresh_builds(site, tmp_path):
    before = _lists(site)
    edit(site, "records/rec-gen-009.md", "title: Generated minutes 9", "title: Renamed minutes 9")  # keeps its places
    ingest(site)
    patched(site, tmp_path, "fresh-1")
    assert _lists(site) == before  # not one list written again
    edit(site, "records/rec-gen-010.md", "date: 1910-05", "date: 1949-05")  # a new place, a new decade
    ingest(site)
    patched(site, tmp_path, "fresh-2")
    after = _lists(site)
    rewritten = {name for name in before if after.get(name, (None,))[0] != before[name][0]}
    assert "s\0record" in rewritten and any("decade" in name for name in rewritten)
    assert rewritten < set(before)  # the lists the record is not in were left alone
    fresh = _lists(replace(site, public_dir=tmp_path / "fresh-2"))
    assert {n: v[1:] for n, v in after.items()} == {n: v[1:] for n, v in fresh.items()}
