"""Record pages rendered early by forked workers (publish/render_workers.py) give the same site as
pages written one by one, and a failure in a worker fails the build and leaves the previous
site whole with nothing left behind.

The workers start only from `PARALLEL_FROM` pages or texts (thousands): these tests lower
those tuning constants, so a small archive takes the path a big one takes."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from dataclasses import replace

import pytest
from jinja2 import UndefinedError

from archive import markup
from ingest.pipeline import ingest
from publish import render_workers
from publish.buffers import buffers, live_buffer
from publish.build import build_site
from publish.build_cache import RecordViews
from tests.helpers.content import edit
from tests.helpers.sites import assert_same_as_fresh_build, site_files, tree

pytestmark = pytest.mark.forks  # what it checks happens where the archive forks (tests/conftest.py)


def leftovers(settings) -> list[str]:
    return sorted(p.name for p in settings.public_dir.parent.iterdir() if "prerender" in p.name)


def test_early_workers_build_the_same_site_as_one_process(many_ingested, tmp_path, monkeypatch):
    serial = replace(many_ingested, public_dir=tmp_path / "serial")
    build_site(serial)  # few pages: written in this process, after everything else
    monkeypatch.setattr(render_workers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(markup, "PARALLEL_FROM", 1)  # and the records' Markdown on two cores
    report = build_site(many_ingested)  # record pages by forked workers while the rest is made
    assert report.written == report.pages
    built, expected = site_files(many_ingested.public_dir), site_files(serial.public_dir)
    assert sorted(built) == sorted(expected)
    assert all(built[path] == expected[path] for path in expected)
    assert b"Generated minutes 7" in built["records/rec-gen-007/index.html"]
    assert b'"title": "Generated minutes 7"' in built["records/rec-gen-007/citation.json"]
    assert leftovers(many_ingested) == []

    # A rebuild after an edit (the standby is made whole: early workers again), then an
    # update in place: each equals a build from scratch.
    edit(many_ingested, "records/rec-gen-007.md", "Generated minutes 7", "Renamed minutes 7")
    ingest(many_ingested)
    build_site(many_ingested)
    files = assert_same_as_fresh_build(many_ingested, tmp_path, "fresh-1")
    assert b"Renamed minutes 7" in files["records/rec-gen-007/index.html"]
    build_site(many_ingested)
    assert_same_as_fresh_build(many_ingested, tmp_path, "fresh-2")
    assert leftovers(many_ingested) == []


def test_a_first_build_leaves_the_other_buffer_a_mirror_linked_by_the_workers(many_ingested, monkeypatch):
    """The workers link each record page into the start of the other buffer as they write it
    (`EarlyRecords.take_twin`); the rest is linked after the flip. The other buffer is the live
    site file for file, every file the same inode, its manifest saying it lacks nothing, so
    the next change is patched."""
    monkeypatch.setattr(render_workers, "PARALLEL_FROM", 1)
    build_site(many_ingested)
    live = live_buffer(many_ingested.public_dir)
    other = next(buffer for buffer in buffers(many_ingested.public_dir) if buffer != live)
    served, mirrored = tree(live), tree(other)
    assert "records/rec-gen-007/index.html" in served and "records/rec-gen-007/citation.json" in served
    content = {path for path in served if not path.startswith(".manifest")}
    assert content == {path for path in mirrored if not path.startswith(".manifest")}
    assert all(served[path][0] == mirrored[path][0] for path in content)  # links, not copies
    header = json.loads((other / ".manifest.json").read_text())
    assert header["missing"] == [] and not header.get("applying")
    # No folder is left empty in either buffer (an empty `records/<id>/` would still name its
    # record), and the mirror has the live buffer's folders, no other.
    for buffer in (live, other):
        assert [path for path, dirs, files in os.walk(buffer) if not dirs and not files] == []
    assert {os.path.dirname(p) for p in served} == {os.path.dirname(p) for p in mirrored}
    assert leftovers(many_ingested) == []
    edit(many_ingested, "records/rec-gen-007.md", "Generated minutes 7", "Renamed minutes 7")
    ingest(many_ingested)
    report = build_site(many_ingested)
    assert report.patched and b"Renamed minutes 7" in (many_ingested.public_dir / "records/rec-gen-007/index.html").read_bytes()


def test_a_whole_build_lets_go_of_the_record_downloads_as_it_makes_them(many_ingested, monkeypatch):
    """With early workers, each download part is written at once and its records' lines go into
    the cache file being made (publish/record_downloads.py): by the end of the build no record
    still holds its lines in memory, and the cache holds every one of them."""
    held: dict[str, dict] = {}
    save = RecordViews.save

    def saving(self, *args, **kwargs):
        held.update({record_id: dict(entry.parts) for record_id, entry in self.fresh.items()})
        return save(self, *args, **kwargs)

    monkeypatch.setattr(RecordViews, "save", saving)
    monkeypatch.setattr(render_workers, "PARALLEL_FROM", 1)
    build_site(many_ingested)
    assert held and not any(held.values())
    with sqlite3.connect(many_ingested.build_cache_dir / "views.sqlite") as db:
        lines = db.execute("SELECT COUNT(*) FROM records WHERE jsonl LIKE '{%' AND csv LIKE 'rec-%'").fetchone()[0]
    assert lines == len(held)
    part = (many_ingested.public_dir / "downloads" / "records.jsonl").read_text()
    assert part.count("\n") == len(held)


def test_a_failing_worker_fails_the_build_and_leaves_the_previous_site(many_ingested, monkeypatch):
    build_site(many_ingested)
    before = site_files(many_ingested.public_dir)
    theme = many_ingested.home / "broken-site"
    shutil.copytree(many_ingested.site_dir, theme)
    record = theme / "templates" / "record.html"
    record.write_text(record.read_text().replace("{{ item.title }}</h1>", "{{ item.no_such_field }}</h1>"))
    monkeypatch.setattr(render_workers, "PARALLEL_FROM", 1)
    with pytest.raises(UndefinedError, match="no_such_field"):
        build_site(replace(many_ingested, site_dir=theme))
    assert site_files(many_ingested.public_dir) == before
    assert leftovers(many_ingested) == []


def test_markdown_on_two_cores_gives_what_one_gives(monkeypatch):
    texts = [f"Minutes {n} about *membership*.\n\n> quoted {n}\n\n- a\n- b <script>x</script>" for n in range(9)]
    texts += ["", "plain words only", "# Heading\n\ntext & more"]
    expected = [markup.to_html_and_text(text) for text in texts]
    monkeypatch.setattr(markup, "PARALLEL_FROM", 1)
    monkeypatch.setattr(markup, "CHUNK", 2)  # chunks parsed here and in the forked process in turn
    assert markup.to_html_and_text_many(texts) == expected
    assert "<em>membership</em>" in expected[0][0] and "&lt;script&gt;" in expected[0][0]
