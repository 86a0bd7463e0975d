"""Incremental site builds: the record view cache and in-place updates must never differ from
a build from scratch, and above all must never keep showing what has become hidden."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import pytest

from ingest.pipeline import ingest
from web.build import build_site
from web.build_cache import cache_dir

MANY = 60  # above the Catalog's bulk threshold, so the bulk path and the cache are both used


def add_records(settings, count: int = MANY) -> None:
    folder = settings.content_dir / "records"
    for n in range(count):
        (folder / f"rec-gen-{n:03d}.md").write_text(
            f"---\nid: rec-gen-{n:03d}\ntitle: Generated minutes {n}\ndate: {1900 + n}-05\n"
            f"type: minutes\ncreators: [agent-ama]\nsource: Test.\n---\n"
            f"Minutes of meeting {n} about *membership* and word{n}x.\n", encoding="utf-8")


def edit(settings, relative: str, old: str, new: str) -> None:
    path = settings.content_dir / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def site_files(public_dir) -> dict[str, bytes]:
    return {p.relative_to(public_dir).as_posix(): p.read_bytes()
            for p in sorted(public_dir.rglob("*")) if p.is_file()}


def assert_same_as_fresh_build(settings, tmp_path, name: str = "fresh") -> dict[str, bytes]:
    """The incrementally built site equals, file by file, a full build from scratch."""
    fresh = replace(settings, public_dir=tmp_path / name)
    report = build_site(fresh)
    assert report.unchanged == 0
    built, expected = site_files(settings.public_dir), site_files(fresh.public_dir)
    assert sorted(built) == sorted(expected)
    for path in expected:
        assert built[path] == expected[path], path
    return built


def all_text(files: dict[str, bytes]) -> str:
    return "\n".join(f"{path}\n{data.decode('utf-8', 'replace')}" for path, data in files.items())


@pytest.fixture
def many(minimal):
    add_records(minimal)
    ingest(minimal)
    build_site(minimal)
    return minimal


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
    cached = b"".join(p.read_bytes() for p in cache_dir(many.public_dir).rglob("*") if p.is_file())
    assert b"zorblequant" not in cached  # the cache does not keep it either


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


def test_a_withdrawn_record_and_a_hidden_citing_harm_leave_every_page(many, tmp_path):
    assert "Exclusion of Black physicians" in (many.public_dir / "records/rec-2008-apology/index.html").read_text()
    edit(many, "harms/harm-exclusion.md", "title: Exclusion", "access: restricted\ntitle: Exclusion")
    edit(many, "records/rec-gen-030.md", "type: minutes", "type: minutes\naccess: withdrawn")
    ingest(many)
    report = build_site(many)
    assert report.records_made == 1  # rec-2008-apology: its "cited by" changed, its file did not
    text = all_text(assert_same_as_fresh_build(many, tmp_path))
    assert "Exclusion of Black physicians" not in text and "rec-gen-030" not in text


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


def test_a_build_stopped_half_way_leaves_the_live_site_alone_and_the_next_one_cleans_up(many, tmp_path):
    before = {p.relative_to(many.public_dir): p.read_bytes() for p in many.public_dir.rglob("*") if p.is_file()}
    # What a build killed while linking and rendering leaves: a half-made folder beside public/.
    leftover = many.public_dir.parent / f".{many.public_dir.name}.new-killed"
    (leftover / "records/rec-gen-005").mkdir(parents=True)
    (leftover / "records/rec-gen-005/index.html").write_text("half-made")
    after_kill = {p.relative_to(many.public_dir): p.read_bytes() for p in many.public_dir.rglob("*") if p.is_file()}
    assert after_kill == before  # the live site was never written into
    edit(many, "records/rec-gen-005.md", "word5x", "wordfive")
    ingest(many)
    build_site(many)
    assert not leftover.exists()
    assert_same_as_fresh_build(many, tmp_path)


def test_unchanged_files_are_shared_with_the_previous_build_not_copied(many):
    page = "records/rec-gen-007/index.html"
    old_inode = (many.public_dir / page).stat().st_ino
    edit(many, "records/rec-gen-006.md", "word6x", "wordsix")
    ingest(many)
    build_site(many)
    assert (many.public_dir / page).stat().st_ino == old_inode


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

    from tests.test_ingest_media import attach

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
