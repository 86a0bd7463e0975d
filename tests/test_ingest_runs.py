"""A whole ingest run as an archivist meets it: every problem of every file in one report,
warnings shown even when the run is refused, `--strict`, and one transaction for the run.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from archive import models as m
from archive.errors import ContentError
from ingest.pipeline import ingest
from reckon.cli import main

FAKE_JPEG = b"\xff\xd8\xff\xe0 this is not really a JPEG"


def edit(settings, relpath: str, old: str, new: str) -> None:
    path = settings.content_dir / relpath
    text = path.read_text()
    assert old in text, (relpath, old)
    path.write_text(text.replace(old, new))


def add_record(settings, name: str, text: str) -> None:
    (settings.content_dir / "records" / name).write_text(text)


RECORD = """---
id: {id}
title: {title}
date: "1910"
type: minutes
source: Minutes of the council
---
The council met.
"""


def store_counts(session) -> dict:
    return {name: session.exec(select(func.count()).select_from(table)).one()
            for name, table in m.OBJECT_TYPES.items()} | {
        "revisions": session.exec(select(func.count()).select_from(m.Revision)).one()}


def break_several_files(settings) -> None:
    """Five problems of different kinds, in four files of three formats, plus two warnings."""
    add_record(settings, "rec-1910-broken-yaml.md", RECORD.format(id="rec-1910-broken-yaml", title="[unclosed"))
    add_record(settings, "rec-1910-bad-date.md",
               RECORD.format(id="rec-1910-bad-date", title="Bad date").replace('"1910"', '"1910-13-45"'))
    add_record(settings, "rec-1910-scan.md",
               RECORD.format(id="rec-1910-scan", title="A scan").replace("type: minutes", "type: minutes\nimages: [scan.jpg]"))
    (settings.content_dir / "records" / "scan.jpg").write_bytes(FAKE_JPEG)
    edit(settings, "harms/harm-exclusion.md", "responsible:", "responsibel:")
    (settings.content_dir / "catalog").mkdir(exist_ok=True)
    (settings.content_dir / "catalog" / "extra.csv").write_text(
        "identifier,title,date,source\n"
        "rec-csv-one,A catalogued letter,ca. 1910,Letters box 3\n"
        "rec-csv-two,,1911,Letters box 3\n"
        "rec-csv-three,An undated note,sometime,Letters box 4\n")
    (settings.content_dir / "narratives" / "stray.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nhello\n")


def test_every_problem_of_the_run_is_reported_together_and_nothing_is_written(minimal, session_for):
    ingest(minimal)
    with session_for(minimal) as session:
        before = store_counts(session)
    edit(minimal, "records/rec-2008-apology.md", "title: The AMA apologizes", "title: The AMA apologises")
    break_several_files(minimal)
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    problems = [str(p) for p in info.value.problems]
    expected = [
        r"^content/records/rec-1910-broken-yaml\.md:4: field 'front matter': invalid YAML: .*line 3",
        r"^content/records/rec-1910-bad-date\.md:4: field 'date': '1910-13-45' is not an EDTF date",
        r"^content/catalog/extra\.csv:3: row 2, column 'title'",
        r"^content/harms/harm-exclusion\.md:7: field 'responsibel': unknown field",
        r"^content/records/rec-1910-scan\.md:6: field 'images\[0\]': 'scan\.jpg' is damaged or truncated",
    ]
    assert len(problems) == len(expected), problems
    for pattern in expected:
        assert any(re.search(pattern, p) for p in problems), (pattern, problems)
    # the warnings of the refused run travel with it
    warnings = [str(w) for w in info.value.warnings]
    assert any("extra.csv:4: row 3, column 'date': 'sometime'" in w for w in warnings), warnings
    assert any("stray.srt: no narrative names this transcript" in w for w in warnings), warnings
    with session_for(minimal) as session:
        assert store_counts(session) == before
        assert session.get(m.Record, "rec-2008-apology").title == "The AMA apologizes"


def test_an_unreadable_scan_is_reported_with_the_other_files_problems(minimal):
    break_several_files(minimal)
    (minimal.content_dir / "records/rec-1910-broken-yaml.md").unlink()
    (minimal.content_dir / "records/rec-1910-bad-date.md").unlink()
    edit(minimal, "harms/harm-exclusion.md", "responsibel:", "responsible:")
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    problems = [str(p) for p in info.value.problems]
    assert any(p.startswith("content/records/rec-1910-scan.md:6: field 'images[0]': 'scan.jpg'") for p in problems), problems
    assert any("extra.csv:3: row 2, column 'title'" in p for p in problems), problems


def test_strict_lists_warnings_as_errors_beside_the_errors_in_one_run(minimal, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", minimal.database_url)
    break_several_files(minimal)
    home = ["--home", str(minimal.home), "ingest", "--content", str(minimal.content_dir)]
    assert main(home) == 1
    err = capsys.readouterr().err
    assert re.search(r"^warning: content/narratives/stray\.srt: no narrative names", err, re.MULTILINE), err
    assert re.search(r"^error: content/records/rec-1910-bad-date\.md:4:", err, re.MULTILINE), err
    errors_without_strict = len(re.findall(r"^error: ", err, re.MULTILINE))
    assert main([*home, "--strict"]) == 1
    err = capsys.readouterr().err
    assert "warning: " not in err
    assert re.search(r"^error: content/narratives/stray\.srt: no narrative names", err, re.MULTILINE), err
    assert re.search(r"^error: .*extra\.csv:4: row 3, column 'date'", err, re.MULTILINE), err
    assert len(re.findall(r"^error: ", err, re.MULTILINE)) == errors_without_strict + 2
    assert f"{errors_without_strict + 2} errors; nothing was written" in err
    assert main(["--home", str(minimal.home), "check", "--content", str(minimal.content_dir), "--strict"]) == 1
    assert "error: content/narratives/stray.srt" in capsys.readouterr().err


def test_consent_edits_in_several_narratives_are_all_reported_and_the_run_is_one_transaction(minimal, session_for):
    ingest(minimal)
    with session_for(minimal) as session:
        before = store_counts(session)
    # a record and an agent change in the same run: written before narratives, then rolled back
    edit(minimal, "records/rec-2008-apology.md", "title: The AMA apologizes", "title: The AMA apologises")
    add_record(minimal, "rec-1910-new.md", RECORD.format(id="rec-1910-new", title="A new record"))
    edit(minimal, "narratives/nar-a.md", "use: publish-text, granted: true", "use: publish-text, granted: false")
    edit(minimal, "narratives/nar-b.md", "{date: 2019-01-01, use: publish-text", "{date: 2019-01-02, use: publish-text")
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 2, problems
    assert problems[0].startswith("content/narratives/nar-a.md:8: field 'consent[0]': consent is an append-only log")
    assert problems[1].startswith("content/narratives/nar-b.md:9: field 'consent[0]': consent is an append-only log: "
                                  "the recorded decision of 2019-01-01")
    with session_for(minimal) as session:
        assert store_counts(session) == before
        assert session.get(m.Record, "rec-2008-apology").title == "The AMA apologizes"
        assert session.get(m.Record, "rec-1910-new") is None


def test_the_summary_table_counts_each_column(minimal, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", minimal.database_url)
    home = ["--home", str(minimal.home), "ingest", "--content", str(minimal.content_dir)]
    assert main(home) == 0
    add_record(minimal, "rec-1910-new.md", RECORD.format(id="rec-1910-new", title="A new record"))
    edit(minimal, "records/rec-2008-apology.md", "title: The AMA apologizes", "title: The AMA apologises")
    (minimal.content_dir / "narratives/nar-g.md").unlink()
    capsys.readouterr()
    assert main(home) == 0
    out = capsys.readouterr().out
    #                          kind        added updated unchanged skipped missing removed errors
    assert re.search(r"^records\s+1\s+1\s+0\s+0\s+0\s+0\s+0$", out, re.MULTILINE), out
    assert re.search(r"^narratives\s+0\s+0\s+6\s+0\s+1\s+0\s+0$", out, re.MULTILINE), out
    assert main([*home, "--prune"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^narratives\s+0\s+0\s+6\s+0\s+0\s+1\s+0$", out, re.MULTILINE), out
