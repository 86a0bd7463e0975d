"""One-record rebuilds that patch the site (publish/incremental.py): they must equal a build from
scratch file for file, show nothing hidden, and fall back to the full comparison whenever
the change reaches beyond the record's own outputs."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess

import pytest
from sqlalchemy import create_engine

from ingest.pipeline import ingest
from publish import downloads as exports
from publish import patch_outputs
from publish.buffers import buffers, live_buffer
from publish.build import MANIFEST, build_site
from publish.patch_outputs import splice_lines
from publish.site_manifest import MANIFEST_VERSION, SHARDS, is_manifest, read_pages, shard_of, write
from publish.site_manifest import read as read_manifest
from tests.helpers.archives import RECKON
from tests.helpers.content import edit
from tests.helpers.sites import (
    all_text,
    assert_same_as_fresh_build,
    read_or_empty,
    site_files,
    tree,
)


@pytest.fixture
def patched_site(many):
    """Both buffers built, so the next one-record change takes the patched path."""
    edit(many, "records/rec-gen-001.md", "word1x", "wordonex")
    ingest(many)
    # The full build left the second buffer a mirror of the first: even the first rebuild is patched.
    assert build_site(many).patched
    return many


def test_an_edited_body_is_patched_and_equals_a_fresh_build_twice_over(patched_site, tmp_path):
    site = patched_site
    edit(site, "records/rec-gen-007.md", "word7x", "freshlyeditedword")
    ingest(site)
    report = build_site(site)
    assert report.patched and report.records_made == 1 and 0 < report.written < 20, report
    assert "freshlyeditedword" in (site.public_dir / "records/rec-gen-007/index.html").read_text()
    files = assert_same_as_fresh_build(site, tmp_path, "fresh-1")
    assert b"freshlyeditedword" in files["downloads/records.jsonl"] and b"freshlyeditedword" in files["downloads/records.csv"]
    assert b'"freshlyeditedword"' in files["search/terms/fr.json"] and b'"word7x"' not in files["search/terms/wo.json"]
    # Again: the standby, two builds behind, gets both changes (its own missing files too).
    edit(site, "records/rec-gen-007.md", "freshlyeditedword", "secondwordedit")
    edit(site, "records/rec-gen-012.md", "word12x", "anotherchange")
    ingest(site)
    again = build_site(site)
    assert again.patched and again.records_made == 2, again
    files = assert_same_as_fresh_build(site, tmp_path, "fresh-2")
    assert "freshlyeditedword" not in all_text(files)
    for buffer in buffers(site.public_dir):  # the retired buffer: a subset of the live site
        kept = site_files(buffer)
        assert all(kept[p] == files[p] for p in kept if not is_manifest(p)), buffer
    nothing = build_site(site)
    assert nothing.patched and (nothing.records_made, nothing.written) == (0, 0)


def test_a_record_among_the_newest_patches_the_feed(patched_site, tmp_path):
    site = patched_site
    newest = json.loads((site.public_dir / MANIFEST).read_bytes())["state"]["recent"]
    record = min(i for i in newest if i.startswith("rec-gen-"))
    number = int(record.rsplit("-", 1)[1])
    edit(site, f"records/{record}.md", f"word{number}x", "feedworthyword")
    ingest(site)
    report = build_site(site)
    assert report.patched, report
    files = assert_same_as_fresh_build(site, tmp_path)
    assert b"feedworthyword" in files["feed.xml"]


@pytest.mark.parametrize("change", [
    ("records/rec-gen-009.md", "title: Generated minutes 9", "title: Renamed minutes 9"),  # lists show titles
    ("records/rec-gen-009.md", "date: 1909-05", "date: 1911-05"),  # lists are sorted by date
    ("records/rec-gen-009.md", "type: minutes", "type: minutes\naccess: restricted"),  # hidden
    ("agents.yaml", "name: American Medical Association", "name: The AMA"),  # another table
])
def test_changes_beyond_the_record_are_patched_or_take_the_full_path(patched_site, tmp_path, change):
    """What lists, browse pages, the feed and the indexes show of a record is patched too;
    agents (every view names them) still take the full path."""
    site = patched_site
    edit(site, *change)
    ingest(site)
    report = build_site(site)
    assert report.patched == (change[0] != "agents.yaml"), report
    text = all_text(assert_same_as_fresh_build(site, tmp_path))
    if "restricted" in change[2]:
        assert "rec-gen-009" not in text and "word9x" not in text


def test_a_change_written_straight_into_the_store_is_seen(patched_site, tmp_path):
    """The change log is kept by triggers, so even a hand-made SQL update is found (one that
    moves the content hash, as every write must: the view cache is keyed by it)."""
    site = patched_site
    engine = create_engine(site.database_url)  # SQLite or PostgreSQL: the triggers are the store's own
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE record SET body = 'Rewritten by hand, sqlword.', "
                                   "content_hash = 'by-hand' WHERE id = 'rec-gen-020'")
    engine.dispose()
    report = build_site(site)
    assert report.patched and report.records_made == 1, report
    files = assert_same_as_fresh_build(site, tmp_path)
    assert b"sqlword" in files["records/rec-gen-020/index.html"] and b"word20x" not in files["downloads/records.csv"]


def test_downloads_in_parts_are_patched_one_part_at_a_time(many_ingested, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "PART_SIZE", 25)
    monkeypatch.setattr(patch_outputs, "PART_SIZE", 25)
    build_site(many_ingested)
    edit(many_ingested, "records/rec-gen-001.md", "word1x", "wordonex")
    ingest(many_ingested)
    build_site(many_ingested)
    live = site_files(many_ingested.public_dir)
    parts = sorted(p for p in live if p.startswith("downloads/records-"))
    assert parts[0] == "downloads/records-001.csv" and len(parts) == 2 * 3  # 60-odd records, 25 a part
    assert all(p in live["downloads/index.html"].decode() for p in (x.split("/")[1] for x in parts))
    edit(many_ingested, "records/rec-gen-040.md", "word40x", "partedword")
    ingest(many_ingested)
    report = build_site(many_ingested)
    assert report.patched, report
    files = assert_same_as_fresh_build(many_ingested, tmp_path)
    changed = [p for p in parts if files[p] != live[p]]
    assert len(changed) == 2 and all(b"partedword" in files[p] for p in changed)  # its part's .jsonl and .csv


def test_a_manifest_is_kept_in_shards_by_folder_and_read_back_whole(tmp_path):
    pages = {f"records/rec-{n}/{name}": f"k{n}{name}" for n in range(300) for name in ("index.html", "citation.json")}
    pages.update({"index.html": "home", "search/terms/ab.json": "t1", "search/terms/cd.json": "t2"})
    write(tmp_path, {"version": MANIFEST_VERSION, "state": {"token": "x"}, "pages": pages})
    assert read_manifest(tmp_path) == {"version": MANIFEST_VERSION, "state": {"token": "x"}, "pages": pages}
    assert shard_of("records/rec-7/index.html") == shard_of("records/rec-7/citation.json")
    assert shard_of("search/terms/ab.json") == shard_of("search/terms/cd.json")
    shards = sorted(p.name for p in (tmp_path / ".manifest").iterdir())
    assert 100 < len(shards) <= SHARDS and all(is_manifest(f".manifest/{name}") for name in shards)
    assert b'"pages"' not in (tmp_path / MANIFEST).read_bytes()  # the header stays small
    write(tmp_path, {"version": MANIFEST_VERSION, "pages": {"index.html": "home"}})  # shards no longer used are removed
    assert read_pages(tmp_path) == {"index.html": "home"} and len(list((tmp_path / ".manifest").iterdir())) == 1
    (tmp_path / ".manifest" / f"{shard_of('index.html')}.json").write_text("{not json")
    assert read_manifest(tmp_path) is None  # an unreadable shard: the buffer is written afresh
    shutil.rmtree(tmp_path / ".manifest")
    assert read_manifest(tmp_path) is None  # a header without its shards: the same
    write(tmp_path, {"version": MANIFEST_VERSION, "applying": True, "pages": {}})
    assert read_manifest(tmp_path) is None


def test_a_download_part_is_spliced_only_where_the_old_line_stands_alone():
    header = b"id,title\r\n"
    part = header + b"a,one\r\nb,two\r\nc,three\r\n"
    assert splice_lines(part, header, [("b,two\r\n", "b,TWO\r\n")]) == header + b"a,one\r\nb,TWO\r\nc,three\r\n"
    assert splice_lines(part, header, [("a,one\r\n", "a,1\r\n"), ("c,three\r\n", "c,3\r\n")]) == \
        header + b"a,1\r\nb,two\r\nc,3\r\n"
    assert splice_lines(part, header, [("x,four\r\n", "x\r\n")]) is None  # not there: the full build decides
    assert splice_lines(part, header, [("two\r\n", "2\r\n")]) is None  # only inside another line
    assert splice_lines(part + b"b,two\r\n", header, [("b,two\r\n", "b\r\n")]) is None  # twice
    assert splice_lines(part, b"other\r\n", [("b,two\r\n", "b\r\n")]) is None and splice_lines(None, b"", []) is None
    assert splice_lines(b'{"id":"a"}\n{"id":"b"}\n', b"", [('{"id":"a"}\n', '{"id":"A"}\n')]) == b'{"id":"A"}\n{"id":"b"}\n'


@pytest.mark.slow
def test_a_patched_build_killed_mid_way_leaves_a_whole_site(patched_site, tmp_path):
    """SIGKILL while a patched build writes the standby (or scrubs the retired buffer): the
    site served is the previous one byte for byte, or, past the flip, the new one whole; the
    next build then equals a fresh one."""
    site = patched_site
    env = dict(os.environ, RECKON_TODAY=site.today().isoformat(), DATABASE_URL=site.database_url)
    env.pop("SOURCE_DATE_EPOCH", None)
    killed = 0
    for number in (31, 32, 33):
        edit(site, f"records/rec-gen-{number:03d}.md", f"word{number}x", f"killedword{number}")
        ingest(site)
        live, before = live_buffer(site.public_dir), tree(site.public_dir)
        process = subprocess.Popen([RECKON, "--home", str(site.home), "build"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while process.poll() is None:
            if list(site.home.glob(".public.*.stage-*")) or any(
                    b'"applying"' in read_or_empty(buffer / MANIFEST) for buffer in buffers(site.public_dir)):
                process.send_signal(signal.SIGKILL)
                process.wait()
                killed += 1
                break
        if live_buffer(site.public_dir) == live:
            assert tree(site.public_dir) == before, number  # same files, bytes and inodes
        else:  # killed after the flip: the new site is whole
            assert_same_as_fresh_build(site, tmp_path, f"fresh-{number}")
    assert killed >= 1
    build_site(site)
    files = assert_same_as_fresh_build(site, tmp_path)
    assert all(f"killedword{n}".encode() in files[f"records/rec-gen-{n:03d}/index.html"] for n in (31, 32, 33))


def test_a_patched_build_after_the_base_url_changed_links_its_pages_to_the_new_base(patched_site, tmp_path):
    """The frame's links are written into compiled templates (publish/jinja/frame_inline.py), and a patched
    build keeps compiled templates between builds: they must not carry the old base URL."""
    site = patched_site
    edit(site, "records/rec-gen-007.md", "word7x", "underoldbase")
    ingest(site)
    assert build_site(site).patched  # compiles and keeps the templates with the old links
    moved = dataclasses.replace(site, base_url="https://example.org/moved/")
    assert not build_site(moved).patched  # a new base URL rewrites every page
    edit(site, "records/rec-gen-007.md", "underoldbase", "undernewbase")
    ingest(site)
    assert build_site(moved).patched
    page = (site.public_dir / "records/rec-gen-007/index.html").read_text()
    assert "undernewbase" in page and 'href="/moved/about/"' in page
    assert_same_as_fresh_build(moved, tmp_path, "fresh-moved")


def test_a_view_cache_of_the_older_entries_layout_is_started_afresh(patched_site, tmp_path):
    """A cache whose site index keeps the entries' summary and listing beside their data (made
    before they had tables of their own) is not patched from: the build starts it afresh, the
    same site results."""
    import sqlite3

    db = sqlite3.connect(patched_site.build_cache_dir / "views.sqlite")
    db.execute("ALTER TABLE entries ADD COLUMN summary BLOB")
    db.execute("ALTER TABLE entries ADD COLUMN listing BLOB")
    db.execute("DROP TABLE summaries")
    db.execute("DROP TABLE listings")
    db.commit()
    db.close()
    edit(patched_site, "records/rec-gen-007.md", "word7x", "afterthelayout")
    ingest(patched_site)
    report = build_site(patched_site)
    assert not report.patched
    assert "afterthelayout" in (patched_site.public_dir / "records/rec-gen-007/index.html").read_text()
    assert_same_as_fresh_build(patched_site, tmp_path, "fresh")
    edit(patched_site, "records/rec-gen-012.md", "word12x", "patchedagain")
    ingest(patched_site)
    assert build_site(patched_site).patched  # and the next change is patched from the new cache
    assert_same_as_fresh_build(patched_site, tmp_path, "fresh-2")


@pytest.mark.forks
def test_a_patch_rendered_by_forked_workers_equals_a_fresh_build_in_both_buffers(patched_site, tmp_path, monkeypatch):
    """A patch of many pages renders them on every core (`apply_patch.PARALLEL_FROM`), and the
    retired buffer takes the standby's manifest shards as links: both buffers must still be the
    build, file for file, and the next patch must start from them."""
    from publish import apply_patch

    site = patched_site
    monkeypatch.setattr(apply_patch, "PARALLEL_FROM", 2)  # this small archive's patch: workers render it
    for number in (3, 7, 12):
        edit(site, f"records/rec-gen-{number:03d}.md", f"word{number}x", f"forkedworkerword{number}")
    ingest(site)
    report = build_site(site)
    assert report.patched and report.records_made == 3 and report.written > 2, report
    files = assert_same_as_fresh_build(site, tmp_path, "fresh-1")
    assert b"forkedworkerword7" in files["records/rec-gen-007/index.html"]
    live = live_buffer(site.public_dir)
    retired = next(b for b in buffers(site.public_dir) if b != live)
    live_shards, retired_shards = site_files(live / ".manifest"), site_files(retired / ".manifest")
    assert live_shards == retired_shards  # the same keys in both, the retired one's linked
    touched = {shard_of(p) for p in report.changed}
    assert touched and all((live / ".manifest" / f"{n}.json").stat().st_ino == (retired / ".manifest" / f"{n}.json").stat().st_ino
                           for n in touched if (live / ".manifest" / f"{n}.json").exists())
    # The next patch starts from both buffers as they are: still the build, file for file.
    edit(site, "records/rec-gen-003.md", "forkedworkerword3", "secondforkedword")
    ingest(site)
    again = build_site(site)
    assert again.patched and again.records_made == 1, again
    assert b"secondforkedword" in assert_same_as_fresh_build(site, tmp_path, "fresh-2")["records/rec-gen-003/index.html"]


def test_after_an_upgrade_that_changes_no_file_the_next_change_is_still_patched(patched_site, tmp_path):
    """New code that makes the same files (an upgrade): the full comparison writes nothing and
    takes the new code into the live build's state, keeping the live token the retired buffer
    names as its base, so the next change is patched again (and `reckon ingest` publishes it)."""
    live = live_buffer(patched_site.public_dir)
    header = json.loads((live / MANIFEST).read_bytes())
    header["state"]["code"] = "the code of an older release"
    (live / MANIFEST).write_bytes(json.dumps(header).encode())
    compared = build_site(patched_site)
    assert not compared.patched and compared.written == 0, compared
    edit(patched_site, "records/rec-gen-009.md", "word9x", "afteranupgradeword")
    ingest(patched_site)
    report = build_site(patched_site)
    assert report.patched and report.records_made == 1, report
    files = assert_same_as_fresh_build(patched_site, tmp_path)
    assert b"afteranupgradeword" in files["records/rec-gen-009/index.html"]
