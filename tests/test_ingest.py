"""Ingest on real files into a real SQLite store: upserts, revisions, and refusals."""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from archive import models as m
from archive.errors import ContentError
from ingest.pipeline import ingest

RECORD = "records/rec-2008-apology.md"


def counts(session) -> dict:
    return {name: session.exec(select(func.count()).select_from(table)).one()
            for name, table in m.OBJECT_TYPES.items()} | {
        "revisions": session.exec(select(func.count()).select_from(m.Revision)).one()}


def test_first_ingest_creates_every_object_with_a_revision(minimal, session_for):
    report = ingest(minimal)
    assert report.created["record"] == 1 and report.created["narrative"] == 7
    with session_for(minimal) as session:
        record = session.get(m.Record, "rec-2008-apology")
        assert record.date == "2008-07-10" and record.date_lower == record.date_upper == 20080710
        revision = session.exec(select(m.Revision).where(m.Revision.object_id == "rec-2008-apology")).one()
        assert revision.action == "create" and revision.actor == "ingest"
        harm = session.get(m.Harm, "harm-exclusion")
        assert harm.status == "apologized"  # derived from the latest accountability event


def test_rerunning_on_unchanged_content_changes_nothing(minimal, session_for):
    ingest(minimal)
    with session_for(minimal) as session:
        before = counts(session)
    report = ingest(minimal)
    assert not report.changed
    with session_for(minimal) as session:
        assert counts(session) == before


def test_an_edit_is_an_update_whose_revision_keeps_the_old_value(minimal, session_for):
    ingest(minimal)
    path = minimal.content_dir / RECORD
    path.write_text(path.read_text().replace("title: The AMA apologizes", "title: The AMA apologises"))
    report = ingest(minimal)
    assert report.updated["record"] == 1 and sum(report.unchanged.values()) > 0
    with session_for(minimal) as session:
        revision = session.exec(select(m.Revision).where(m.Revision.action == "update")).one()
        assert revision.changes["title"] == ["The AMA apologizes", "The AMA apologises"]


def test_a_removed_file_is_reported_and_kept_unless_pruned(minimal, session_for):
    ingest(minimal)
    (minimal.content_dir / "narratives/nar-a.md").unlink()
    report = ingest(minimal)
    assert report.deleted["narrative"] == 0
    assert report.missing["narrative"] == [("nar-a", "content/narratives/nar-a.md")]
    with session_for(minimal) as session:
        assert not session.get(m.Narrative, "nar-a").deleted
    assert ingest(minimal, prune=True).deleted["narrative"] == 1
    with session_for(minimal) as session:
        assert session.get(m.Narrative, "nar-a").deleted
        revision = session.exec(select(m.Revision).where(m.Revision.action == "delete")).one()
        assert revision.object_id == "nar-a" and revision.changes == {"deleted": [False, True]}


def break_and_ingest(settings, relpath: str, old: str, new: str) -> ContentError:
    path = settings.content_dir / relpath
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    with pytest.raises(ContentError) as info:
        ingest(settings)
    return info.value


@pytest.mark.parametrize(
    ("relpath", "old", "new", "expected"),
    [
        (RECORD, "title: The AMA apologizes", "title: [unclosed",
         (r"^content/records/rec-2008-apology.md:4: field 'front matter': invalid YAML: .* "
          r"\(in the value that starts on line 3\)")),
        (RECORD, "date: 2008-07-10", "date: 2008-13-45",
         r"^content/records/rec-2008-apology.md:4: field 'date': '2008-13-45' is not an EDTF date"),
        ("harms/harm-exclusion.md", 'quote: "failed, across', 'quote: "succeeded, across',
         r"^content/harms/harm-exclusion.md:10: field 'evidence\[0\].quote': quotation not found word for word"),
        ("narratives/nar-b.md", "id: nar-b", "id: nar-a",
         r"^content/narratives/nar-b.md:2: field 'id': duplicate id 'nar-a': already used in content/narratives/nar-a.md"),
        ("harms/harm-exclusion.md", "responsible: [agent-ama]", "responsible: [agent-nobody]",
         r"^content/harms/harm-exclusion.md:7: field 'responsible\[0\]': 'agent-nobody' is not a known agent id"),
        ("narratives/nar-c.md", "access: embargoed", "acess: embargoed",
         r"field 'acess': unknown field"),
        ("narratives/nar-c.md", "embargo_until: 2045-01-01", "",
         r"embargoes are never open-ended"),
    ],
)
def test_bad_content_names_file_line_and_field_and_writes_nothing(minimal, session_for, relpath, old, new, expected):
    ingest(minimal)
    with session_for(minimal) as session:
        before = counts(session)
        title = session.get(m.Record, "rec-2008-apology").title
    error = break_and_ingest(minimal, relpath, old, new)
    assert any(re.search(expected, str(p)) for p in error.problems), [str(p) for p in error.problems]
    with session_for(minimal) as session:
        assert counts(session) == before
        assert session.get(m.Record, "rec-2008-apology").title == title


def test_consent_is_append_only(minimal):
    ingest(minimal)
    error = break_and_ingest(minimal, "narratives/nar-a.md", "use: publish-text, granted: true",
                             "use: publish-text, granted: false")
    assert "append-only" in str(error)


def test_withdrawing_by_appending_to_the_consent_log_is_accepted(minimal, session_for):
    ingest(minimal)
    path = minimal.content_dir / "narratives/nar-a.md"
    path.write_text(path.read_text().replace(
        "release:", "  - {date: 2024-01-01, use: publish-text, granted: false}\nrelease:"))
    assert ingest(minimal).updated["narrative"] == 1
    with session_for(minimal) as session:
        entries = session.exec(select(m.ConsentEntry).where(m.ConsentEntry.narrative_id == "nar-a")).all()
        assert [e.granted for e in sorted(entries, key=lambda e: e.position)] == [True, False]


def test_a_harms_status_is_the_furthest_stage_reached(minimal, session_for):
    path = minimal.content_dir / "harms/harm-exclusion.md"
    path.write_text(path.read_text().replace("    source: rec-2008-apology\n---", (
        "    source: rec-2008-apology\n  - status: acknowledged\n    date: 2021-02-17\n"
        "    source: rec-2008-apology\n---")))
    ingest(minimal)
    with session_for(minimal) as session:
        assert session.get(m.Harm, "harm-exclusion").status == "apologized"
