"""An ingest reads only the content files whose stat changed since the last one (ingest/changed_files.py),
and reads everything whenever only the whole content can tell: the result is always what a
full read would give."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import update
from sqlmodel import select

from archive import models as m
from archive.db import open_engine, store_transaction, transaction
from archive.errors import ContentError
from archive.source_files import SourceFile
from ingest import pipeline
from ingest.changed_files import CODE_ROW
from ingest.readers import markdown_folders, yaml_source
from tests.helpers.archives import make_settings

RECORD = """---
id: rec-stat-{n:03d}
title: "Stat record {n}"
date: "19{n:02d}"
type: minutes
creators: [agent-ama]
source: "Stat source {n}"
---
Minutes of meeting {n}.
"""


@pytest.fixture
def archive(minimal):
    for n in range(30):
        (minimal.content_dir / "records" / f"rec-stat-{n:03d}.md").write_text(RECORD.format(n=n))
    pipeline.ingest(minimal)
    return minimal


@pytest.fixture
def reads(monkeypatch):
    """The Markdown files each ingest reads, by name."""
    seen: list[str] = []
    real = yaml_source.read_markdown_file

    def counting(path, display):
        seen.append(os.path.basename(path))
        return real(path, display)

    monkeypatch.setattr(markdown_folders, "read_markdown_file", counting)
    return seen


def stored(settings, record_id: str) -> m.Record:
    with store_transaction(settings) as session:
        return session.get(m.Record, record_id)


def test_an_unchanged_tree_reads_nothing_and_reports_every_object_unchanged(archive, reads):
    report = pipeline.ingest(archive)
    assert reads == [] and not report.changed
    assert report.unchanged["record"] == 31 and report.unchanged["narrative"] == 7 and report.unchanged["agent"] > 0


def test_one_changed_record_file_is_all_that_is_read(archive, reads):
    path = archive.content_dir / "records" / "rec-stat-007.md"
    path.write_text(path.read_text().replace("Stat record 7", "Stat record seven"))
    report = pipeline.ingest(archive)
    assert reads == ["rec-stat-007.md"]
    assert (report.updated["record"], report.unchanged["record"]) == (1, 30)
    assert stored(archive, "rec-stat-007").title == "Stat record seven"
    # A new file and a removed one: read the one, report the other missing, as a full read does.
    (archive.content_dir / "records" / "rec-stat-100.md").write_text(RECORD.format(n=100).replace("19100", "1999"))
    (archive.content_dir / "records" / "rec-stat-003.md").unlink()
    reads.clear()
    report = pipeline.ingest(archive)
    assert reads == ["rec-stat-100.md"] and report.created["record"] == 1
    assert report.missing["record"] == [("rec-stat-003", "content/records/rec-stat-003.md")]
    assert report.unchanged["record"] == 30



def test_a_file_removed_earlier_is_still_reported_missing_whatever_is_read(archive, reads):
    """Missing objects are told from the files the ingest keeps, in the store: an unchanged tree,
    a changed record and a full read report the same ones."""
    (archive.content_dir / "records" / "rec-stat-004.md").unlink()
    (archive.content_dir / "narratives" / "nar-a.md").unlink()
    gone = {"record": [("rec-stat-004", "content/records/rec-stat-004.md")],
            "narrative": [("nar-a", "content/narratives/nar-a.md")]}
    assert pipeline.ingest(archive).missing == gone  # a narrative went: everything read
    reads.clear()
    assert pipeline.ingest(archive).missing == gone and reads == []  # nothing changed: nothing read
    path = archive.content_dir / "records" / "rec-stat-005.md"
    path.write_text(path.read_text().replace("meeting 5", "meeting five"))
    report = pipeline.ingest(archive)
    assert reads == ["rec-stat-005.md"] and report.missing == gone
    assert (report.updated["record"], report.unchanged["record"], report.unchanged["narrative"]) == (1, 29, 6)

def test_a_changed_record_still_gets_every_check_against_what_it_refers_to(archive, reads):
    path = archive.content_dir / "records" / "rec-stat-008.md"
    path.write_text(path.read_text().replace("creators: [agent-ama]", "creators: [agent-nobody]"))
    with pytest.raises(ContentError, match="agent-nobody"):
        pipeline.ingest(archive)
    path.write_text(path.read_text().replace("agent-nobody", "agent-ama").replace("meeting 8", "meeting eight"))
    pipeline.ingest(archive)  # the refused run wrote nothing, so the file is read again
    assert "rec-stat-008.md" in reads


def test_any_other_change_reads_everything(archive, reads):
    agents = archive.content_dir / "agents.yaml"
    agents.write_text(agents.read_text() + "\n")
    pipeline.ingest(archive)
    assert len(reads) > 30  # every Markdown file


def test_a_record_another_object_cites_is_read_with_everything(archive, reads):
    """Its quotation must be found again in the new text: only a full read checks that."""
    cited = "rec-2008-apology"
    path = next((archive.content_dir / "records").glob(f"{cited}*.md"))
    harm = (archive.content_dir / "harms" / "harm-exclusion.md").read_text()
    assert cited in harm
    path.write_text(path.read_text() + "\nOne more sentence.\n")
    pipeline.ingest(archive)
    assert len(reads) > 30


def test_a_file_whose_stat_cannot_be_trusted_is_compared_by_its_bytes(archive, reads):
    """Racily clean (modified in the instant it was read): its digest decides."""
    path = archive.content_dir / "records" / "rec-stat-009.md"
    path.write_text(path.read_text().replace("meeting 9", "meeting nine"))
    st = path.stat()
    engine = open_engine(archive)
    try:
        with transaction(engine) as session:  # the stored row: this very stat, and the old bytes' digest
            session.exec(update(SourceFile).where(SourceFile.path == str(path)).values(
                size=st.st_size, mtime_ns=st.st_mtime_ns, ino=st.st_ino, ctime_ns=st.st_ctime_ns,
                digest="0" * 32))
    finally:
        engine.dispose()
    pipeline.ingest(archive)
    assert reads == ["rec-stat-009.md"] and "meeting nine" in stored(archive, "rec-stat-009").body
    reads.clear()
    pipeline.ingest(archive)
    assert reads == []


def test_other_ingest_code_or_a_store_without_the_record_reads_everything(archive, reads, tmp_path):
    with store_transaction(archive) as session:
        session.exec(update(SourceFile).where(SourceFile.path == CODE_ROW).values(digest="older code"))
    pipeline.ingest(archive)
    assert len(reads) > 30
    reads.clear()
    pipeline.ingest(archive)
    assert reads == []
    fresh = make_settings(tmp_path / "other", archive.content_dir)  # another store, same files
    pipeline.ingest(fresh)
    assert len(reads) > 30
    with store_transaction(fresh) as session:
        assert session.exec(select(SourceFile).where(SourceFile.path == CODE_ROW)).first() is not None


@pytest.mark.parametrize("cold_seconds", [-1.0, 60.0], ids=["cold-cache-threads", "warm-cache-one-thread"])
def test_a_folder_stat_on_threads_finds_every_file_with_its_own_stat(tmp_path, monkeypatch, cold_seconds):
    """More files than one thread stats at a time: each path keeps its own stat, whichever
    thread took it (threads are used when the first chunk was slow: here forced, or never),
    and a version-control folder is still skipped."""
    from ingest import changed_files
    from ingest.changed_files import STAT_CHUNK, scan

    monkeypatch.setattr(changed_files, "COLD_SECONDS", cold_seconds)

    count = STAT_CHUNK * 2 + 7
    folder = tmp_path / "content" / "records"
    folder.mkdir(parents=True)
    for n in range(count):
        (folder / f"r{n}.md").write_bytes(b"x" * (n % 97))
    (tmp_path / "content" / ".git").mkdir()
    (tmp_path / "content" / ".git" / "HEAD").write_text("ref")
    found = scan(tmp_path / "content")
    assert len(found.files) == count
    for path, (size, mtime_ns, ino, ctime_ns) in found.files.items():
        st = os.stat(path)
        assert (size, mtime_ns, ino, ctime_ns) == (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def test_the_store_is_looked_through_for_missing_objects_only_when_one_may_be(archive, reads, monkeypatch):
    """Every stored object's file is looked up (~90 ms at 100,000 records) only when an object
    may be missing: a file removed, one that now holds another id, or some missing last time.
    Otherwise none is, and the report says so without the look."""
    looks: list[int] = []
    real = pipeline.report_missing

    def looking(*args):
        looks.append(1)
        return real(*args)

    monkeypatch.setattr(pipeline, "report_missing", looking)

    def edit(n: int, new: str) -> None:
        path = archive.content_dir / "records" / f"rec-stat-{n:03d}.md"
        path.write_text(path.read_text().replace(f"meeting {n}.", f"meeting {new}."))

    edit(5, "five")
    report = pipeline.ingest(archive)
    assert (report.updated["record"], report.missing, looks) == (1, {}, [])  # none before, none removed
    holder = archive.content_dir / "records" / "rec-stat-008.md"  # the file now holds another id
    holder.write_text(RECORD.format(n=208).replace("19208", "1998"))
    assert pipeline.ingest(archive).missing == {"record": [("rec-stat-008", "content/records/rec-stat-008.md")]}
    assert looks == [1]
    (archive.content_dir / "records" / "rec-stat-009.md").unlink()  # a file removed
    gone = {"record": [("rec-stat-009", "content/records/rec-stat-009.md")]}
    edit(5, "5")
    assert pipeline.ingest(archive).missing == gone and looks == [1, 1]
    edit(6, "six")
    assert pipeline.ingest(archive).missing == gone and looks == [1, 1, 1]  # missing last time: looked again
    # Pruned (a full read): it goes, and so does rec-stat-008, whose file holds another id; none missing now.
    assert pipeline.ingest(archive, prune=True).deleted["record"] == 2
    edit(7, "seven")
    report = pipeline.ingest(archive)
    assert (report.updated["record"], report.missing, len(looks)) == (1, {}, 3)
