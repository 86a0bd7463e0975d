"""Incremental site builds: the record view cache and in-place updates must never differ from
a build from scratch, and above all must never keep showing what has become hidden."""

from __future__ import annotations

import os
import shutil
import signal
import time
from dataclasses import replace
from datetime import date, timedelta

import pytest

from ingest.pipeline import ingest
from publish.buffers import buffers, live_buffer
from publish.build import MANIFEST_VERSION, build_site
from publish.site_manifest import is_manifest
from tests.helpers.archives import TODAY
from tests.helpers.content import MANY, attach, edit
from tests.helpers.sites import (
    all_text,
    assert_same_as_fresh_build,
    read_or_empty,
    site_files,
    tree,
)


def test_a_rebuild_reads_only_the_changed_record_and_equals_a_fresh_build(many, tmp_path):
    edit(many, "records/rec-gen-007.md", "word7x", "freshlyeditedword")
    ingest(many)
    report = build_site(many)
    assert report.records_made == 1 and 0 < report.written < 30, report
    page = (many.public_dir / "records/rec-gen-007/index.html").read_text()
    assert "freshlyeditedword" in page
    files = assert_same_as_fresh_build(many, tmp_path)
    assert b"freshlyeditedword" in files["downloads/records.jsonl"]
    nothing = build_site(many)
    assert (nothing.records_made, nothing.written) == (0, 0)


def test_a_record_made_restricted_disappears_from_every_output_on_rebuild(many, tmp_path):
    edit(many, "records/rec-gen-011.md", "word11x", "zorblequant")
    ingest(many)
    build_site(many)
    assert "zorblequant" in all_text(site_files(many.public_dir))
    edit(many, "records/rec-gen-011.md", "type: minutes", "type: minutes\naccess: restricted")
    ingest(many)
    build_site(many)
    files = assert_same_as_fresh_build(many, tmp_path)
    text = all_text(files)
    for trace in ("zorblequant", "rec-gen-011", "Generated minutes 11\n", "Generated minutes 11<"):
        assert trace not in text, trace
    assert not (many.public_dir / "records/rec-gen-011").exists()  # not even an empty folder
    cached = b"".join(p.read_bytes() for p in many.build_cache_dir.rglob("*") if p.is_file())
    assert b"zorblequant" not in cached  # the cache does not keep it either
    for buffer in buffers(many.public_dir):  # nor the retired buffer, though it is never served
        kept = all_text(site_files(buffer))
        assert "zorblequant" not in kept and "rec-gen-011" not in kept, buffer


@pytest.mark.slow
def test_an_embargo_ending_publishes_with_no_change_to_the_store(many, tmp_path):
    edit(many, "records/rec-gen-023.md", "type: minutes", "type: minutes\naccess: embargoed\nembargo_until: 2030-01-01")
    ingest(many)
    build_site(many)
    assert "rec-gen-023" not in all_text(site_files(many.public_dir))
    assert "Quillobard" not in all_text(site_files(many.public_dir))  # nar-c: embargoed until 2045
    later = replace(many, today_override=date(2030, 1, 1))
    report = build_site(later)
    assert report.records_made == 1
    files = assert_same_as_fresh_build(later, tmp_path, "fresh-2030")
    assert "records/rec-gen-023/index.html" in files and b"rec-gen-023" in files["sitemap.xml"]
    assert b"word23x" in files["downloads/records.jsonl"]
    much_later = replace(many, today_override=date(2045, 1, 1))
    build_site(much_later)
    files = assert_same_as_fresh_build(much_later, tmp_path, "fresh-2045")
    assert "narratives/nar-c/index.html" in files and "Quillobard" in all_text(files)
    # Back to today (a clock set right again): both disappear.
    build_site(many)
    text = all_text(assert_same_as_fresh_build(many, tmp_path, "fresh-today"))
    assert "rec-gen-023" not in text and "Quillobard" not in text


def test_a_new_day_is_patched_its_embargo_ends_and_other_pages_keep_the_build_date(many, tmp_path):
    """The first build of each day used to compare in full, because the access rule's date
    and the date every page prints had both moved: at 100,000 records the day's first edit or
    withdrawal waited minutes. Now the day is a change like any other: the embargoes ending
    are found, and pages keep the live build's date."""
    next_day = TODAY + timedelta(days=1)
    edit(many, "records/rec-gen-023.md", "type: minutes", f"type: minutes\naccess: embargoed\nembargo_until: {next_day}")
    ingest(many)
    build_site(many)
    assert "rec-gen-023" not in all_text(site_files(many.public_dir))
    untouched = (many.public_dir / "records/rec-gen-005/index.html").read_bytes()
    assert f"Built {TODAY.isoformat()}.".encode() in untouched
    tomorrow = replace(many, today_override=next_day)
    report = build_site(tomorrow)
    assert report.patched and report.records_made == 1 and 0 < report.written < report.pages // 4, report
    files = assert_same_as_fresh_build(tomorrow, tmp_path, "fresh-tomorrow")
    assert "records/rec-gen-023/index.html" in files and b"rec-gen-023" in files["sitemap.xml"]
    assert files["records/rec-gen-005/index.html"] == untouched
    # The day's later builds find nothing more to do.
    again = build_site(tomorrow)
    assert again.patched and (again.records_made, again.written) == (0, 0), again


def test_a_withdrawn_record_and_a_hidden_citing_harm_leave_every_page(many, tmp_path):
    assert "Exclusion of Black physicians" in (many.public_dir / "records/rec-2008-apology/index.html").read_text()
    edit(many, "harms/harm-exclusion.md", "title: Exclusion", "access: restricted\ntitle: Exclusion")
    edit(many, "records/rec-gen-030.md", "type: minutes", "type: minutes\naccess: withdrawn")
    ingest(many)
    report = build_site(many)
    assert report.records_made == 1  # rec-2008-apology: its "cited by" changed, its file did not
    text = all_text(assert_same_as_fresh_build(many, tmp_path))
    assert "Exclusion of Black physicians" not in text and "rec-gen-030" not in text


def test_a_record_links_back_to_a_timeline_that_starts_citing_it(many, tmp_path):
    page = (many.public_dir / "records/rec-gen-007/index.html").read_text()
    assert "A timeline" not in page
    edit(many, "timelines/tl-a.md", "  - {date: 2019,", "  - {date: 1990, title: Minutes, ref: rec-gen-007}\n  - {date: 2019,")
    ingest(many)
    report = build_site(many)
    # Patched: the records the timeline's entries name are made again (its file did not change)
    # and rec-gen-007's page is rewritten with the link back.
    assert report.patched and "records/rec-gen-007/index.html" in report.changed, report
    files = assert_same_as_fresh_build(many, tmp_path)
    assert b'<a href="/timelines/tl-a/">A timeline</a>' in files["records/rec-gen-007/index.html"]
    assert b'<a href="/timelines/tl-a/">A timeline</a>' in files["records/rec-2008-apology/index.html"]


@pytest.mark.slow
def test_templates_and_base_url_changes_rebuild_like_a_fresh_build(many, tmp_path):
    moved = replace(many, base_url="https://example.org/archive/")
    report = build_site(moved)
    assert report.records_made == 0 and report.written > MANY  # views reused, pages re-rendered
    files = assert_same_as_fresh_build(moved, tmp_path, "fresh-moved")
    assert b'href="/archive/records/rec-gen-001/"' in files["records/index.html"]
    assert b"https://example.org/archive/records/rec-gen-001/" in files["records/rec-gen-001/citation.json"]
    theme = many.home / "site"
    shutil.copytree(many.site_dir, theme)
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text().replace("</body>", "<p>Theme marker 42</p></body>"))
    themed = replace(moved, site_dir=theme)
    build_site(themed)
    files = assert_same_as_fresh_build(themed, tmp_path, "fresh-themed")
    assert b"Theme marker 42" in files["records/rec-gen-001/index.html"]


def test_the_site_is_a_symlink_flipped_between_two_buffers(many, tmp_path):
    public = many.public_dir
    first, second = buffers(public)
    assert public.is_symlink() and live_buffer(public) == first
    edit(many, "records/rec-gen-005.md", "word5x", "wordfive")
    ingest(many)
    build_site(many)  # into the second buffer, then flipped to it
    assert live_buffer(public) == second
    # The retired buffer keeps no stale copy of what changed: after the flip it was brought to
    # the new build too (the new file linked over the old one).
    assert b"wordfive" in (first / "records/rec-gen-005/index.html").read_bytes()
    assert (first / "records/rec-gen-040/index.html").exists()
    assert_same_as_fresh_build(many, tmp_path, "fresh-1")
    edit(many, "records/rec-gen-006.md", "word6x", "wordsix")
    ingest(many)
    build_site(many)  # the first buffer again, brought up to date from two builds ago
    assert live_buffer(public) == first
    files = assert_same_as_fresh_build(many, tmp_path, "fresh-2")
    assert b"wordfive" in files["records/rec-gen-005/index.html"]
    assert b"wordsix" in files["records/rec-gen-006/index.html"]
    assert not [p.name for p in many.home.iterdir() if ".stage-" in p.name or ".link-" in p.name]


def test_a_rebuild_writes_only_changed_files_into_the_standby_and_never_the_live_tree(many, tmp_path):
    edit(many, "records/rec-gen-005.md", "word5x", "wordfive")
    ingest(many)
    build_site(many)  # now the second buffer is live and the first is the standby
    first, second = buffers(many.public_dir)
    live_before, standby_before = tree(second), tree(first)
    edit(many, "records/rec-gen-006.md", "word6x", "wordsix")
    ingest(many)
    report = build_site(many)
    # The old live tree: nothing was written through; after the flip, each file the new live
    # site changed was replaced by a link to the new one (no stale copy of anything stays on
    # disk), the rest left alone.
    retired, live_now = tree(second), tree(first)
    assert {p: v[1] for p, v in retired.items() if not is_manifest(p)} == \
        {p: v[1] for p, v in live_now.items() if not is_manifest(p)}
    replaced = {p for p in live_before if not is_manifest(p) and retired[p][0] != live_before[p][0]}
    assert "records/rec-gen-006/index.html" in replaced and "records/rec-gen-040/index.html" not in replaced
    standby_after = tree(first)
    rewritten = {path for path in standby_after if standby_after[path][0] != standby_before.get(path, (None,))[0]
                 and not is_manifest(path)}
    # (at most, since a freed inode number may be handed out again)
    assert 0 < report.applied < 60 and len(rewritten) <= report.applied, (report, sorted(rewritten))
    # The standby got the last build's change when that build retired it: only this one's now.
    assert "records/rec-gen-006/index.html" in rewritten and "records/rec-gen-005/index.html" not in rewritten
    assert "records/rec-gen-040/index.html" not in rewritten
    assert 0 < report.written <= report.applied
    assert_same_as_fresh_build(many, tmp_path)


def test_a_standby_left_half_updated_is_rebuilt_whole(many, tmp_path):
    edit(many, "records/rec-gen-005.md", "word5x", "wordfive")
    ingest(many)
    build_site(many)
    first, _second = buffers(many.public_dir)
    # What a build killed while moving files into the standby leaves: a mixed standby saying so.
    (first / ".manifest.json").write_text(f'{{"version": {MANIFEST_VERSION}, "applying": true}}')
    (first / "records/rec-gen-007/index.html").write_text("half-moved")
    (first / "records/rec-gen-stray").mkdir()
    (first / "records/rec-gen-stray/index.html").write_text("left behind")
    leftover = many.home / f".{first.name}.stage-killed"
    (leftover / "records").mkdir(parents=True)
    live = tree(many.public_dir)
    edit(many, "records/rec-gen-006.md", "word6x", "wordsix")
    ingest(many)
    report = build_site(many)
    assert report.applied == report.pages and not leftover.exists()
    assert live_buffer(many.public_dir) == first
    # The buffer just retired is made the new live site by hard links (publish.buffers.mirror):
    # the same files, so the next publish patches a standby that lacks nothing.
    retired, now = tree(_second), tree(first)
    assert {p: v[1] for p, v in retired.items() if not is_manifest(p)} == \
        {p: v[1] for p, v in now.items() if not is_manifest(p)}
    assert live["records/rec-gen-040/index.html"] == retired["records/rec-gen-040/index.html"]  # left alone
    assert_same_as_fresh_build(many, tmp_path)


def test_a_site_of_the_older_layout_is_converted_once(many, tmp_path):
    public = many.public_dir
    target = live_buffer(public)
    public.unlink()
    shutil.copytree(target, public)  # a real folder, as builds before double buffering made
    shutil.rmtree(target)
    build_site(many)
    assert public.is_symlink() and live_buffer(public) is not None
    assert_same_as_fresh_build(many, tmp_path)


def test_the_running_app_serves_the_new_pages_after_a_flip(many):
    from starlette.testclient import TestClient

    from server.app import create_app

    with TestClient(create_app(many)) as client:
        assert "word7x" in client.get("/records/rec-gen-007/").text
        for word in ("secondword", "thirdword"):  # both buffers, in turn
            edit(many, "records/rec-gen-007.md", "word7x" if word == "secondword" else "secondword", word)
            ingest(many)
            build_site(many)
            page = client.get("/records/rec-gen-007/")
            assert page.status_code == 200 and word in page.text
        edit(many, "records/rec-gen-008.md", "type: minutes", "type: minutes\naccess: withdrawn")
        ingest(many)
        build_site(many)
        assert client.get("/records/rec-gen-008/").status_code == 404


@pytest.mark.slow
def test_a_build_killed_mid_way_leaves_the_live_site_byte_identical(many, tmp_path):
    edit(many, "records/rec-gen-005.md", "word5x", "wordfive")
    ingest(many)
    build_site(many)  # both buffers made: the killed builds below are updates in place
    first, _second = buffers(many.public_dir)
    before = tree(many.public_dir)
    later = replace(many, source_date_epoch=1000000000)  # every page changes: a full update of the standby
    killed = 0
    for moment in ("stage", "applying", "stage"):  # rendering into staging; moving files into the standby
        child = _build_in_child(later)
        while _running(child):
            if moment == "stage" and list(many.home.glob(f".{first.name}.stage-*")):
                break
            if moment == "applying" and b"applying" in read_or_empty(first / ".manifest.json"):
                break
            time.sleep(0.002)  # not a busy loop: it would take a core from the build it watches
        if _running(child):
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
            killed += 1
            assert tree(many.public_dir) == before, moment  # same files, bytes and inodes
            assert live_buffer(many.public_dir) == _second
    assert killed >= 2
    report = build_site(replace(many, source_date_epoch=1000000000))
    assert live_buffer(many.public_dir) == first and report.written > 0
    assert_same_as_fresh_build(replace(many, source_date_epoch=1000000000), tmp_path)


def _build_in_child(settings) -> int:
    """`build_site` in a forked child of this process, to be killed with SIGKILL as a real
    build would be: a fork has everything imported already, so it is building within
    milliseconds instead of after the ~2 s a new `reckon` process takes to start."""
    pid = os.fork()
    if pid == 0:  # the child: build, then leave at once (never back into pytest)
        code = 1
        try:
            build_site(settings)
            code = 0
        finally:
            os._exit(code)
    return pid


def _running(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return False  # finished, and already reaped


def test_renaming_an_agent_remakes_the_records_that_name_it(many, tmp_path):
    edit(many, "agents.yaml", "name: American Medical Association", "name: The Renamed Association")
    ingest(many)
    report = build_site(many)
    assert report.records_made == MANY + 1  # agents and terms are the cache's generation
    files = assert_same_as_fresh_build(many, tmp_path)
    assert b"The Renamed Association" in files["records/rec-gen-004/index.html"]
    assert b"American Medical Association" not in files["downloads/records.jsonl"]


def test_an_image_of_a_record_made_restricted_is_removed_in_place(many, tmp_path):
    from PIL import Image

    Image.new("RGB", (300, 200), (10, 20, 30)).save(many.content_dir / "records" / "scan.png")
    attach(many, "images: [scan.png]")
    ingest(many)
    build_site(many)
    assert (many.public_dir / "iiif/rec-2008-apology-1/info.json").is_file()
    edit(many, "records/rec-2008-apology.md", "images: [scan.png]", "images: [scan.png]\naccess: restricted")
    ingest(many)
    build_site(many)
    assert not (many.public_dir / "iiif").exists()  # the folder and the emptied iiif/ are gone
    assert_same_as_fresh_build(many, tmp_path)
