"""CSV catalogues on real files: the shipped tools' real exports, and broken spreadsheets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import func, select

from archive import models as m
from archive.errors import ContentError
from ingest.pipeline import ingest
from ingest.readers.csv_catalog import available_mappings
from reckon.cli import main

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples" / "csv"
ATOM = SAMPLES / "atom-example_information_objects_isad.csv"
WAX_VALID = SAMPLES / "wax_tasks-valid.csv"
WAX_DUPLICATE = SAMPLES / "wax_tasks-invalid-duplicate_pid.csv"
WAX_MALFORMED = SAMPLES / "wax_tasks-invalid-malformed.csv"
HEADER = "identifier,title,date,creator,description,subject,type,format,source,rights,language,coverage,access\n"


def counts(session) -> dict:
    return {name: session.exec(select(func.count()).select_from(table)).one()
            for name, table in m.OBJECT_TYPES.items()} | {
        "revisions": session.exec(select(func.count()).select_from(m.Revision)).one()}


def test_the_tools_mappings_are_shipped():
    assert {"dublin-core", "collectionbuilder", "omeka", "atom", "wax"} <= set(available_mappings())


def test_atom_isad_import_file_ingests_as_it_is(minimal, session_for):
    report = ingest(minimal, csv_sources=[(ATOM, "atom")])
    assert report.created["record"] == 1 + 2
    with session_for(minimal) as session:
        fonds = session.get(m.Record, "rec-f1")
        assert fonds.title == "Example fonds"
        # eventDates as the archivist wrote it, read into EDTF; the words are kept beside it
        assert fonds.date == "2015-01-01/2016-12-31"
        assert fonds.date_as_written == "January 1, 2015 - December 31, 2016"
        assert (fonds.date_lower, fonds.date_upper) == (20150101, 20161231)
        assert fonds.keywords[:2] == ["Subject access point 1", "Subject access point 2"]
        assert fonds.source == "Example Repository, F1" and fonds.language == "en"
        assert fonds.body.startswith("Example fonds Scope and content (ISAD 3.3.1)")
        creator = session.get(m.Agent, fonds.creators[0])
        assert creator.name == "Creator (ISAD 3.2.1)"
        item = session.get(m.Record, "rec-it-1")
        assert (item.date, item.date_as_written) == ("2015-01/2016-12", "January 2015 - December 2016")
        assert item.creators == []  # AtoM's NULL is an empty cell, not an agent called "NULL"


def test_wax_valid_file_ingests_as_it_is_keeping_every_column(minimal, session_for):
    report = ingest(minimal, csv_sources=[(WAX_VALID, "wax")])
    assert report.created["record"] == 1 + 4
    assert any("no date column" in str(w) for w in report.warnings)
    with session_for(minimal) as session:
        row = session.get(m.Record, "rec-img-item-2")
        assert row.title == "img_item_2" and row.date == "XXXX"
        assert "**furtive:** 崔泽洋" in row.body and "**gambrel:** Richesse" in row.body
        assert "null" not in session.get(m.Record, "rec-dir-imgs-item").body.split("gambrel")[0]


def test_strict_turns_the_missing_date_warning_into_an_error(minimal, session_for):
    with pytest.raises(ContentError) as info:
        ingest(minimal, strict=True, csv_sources=[(WAX_VALID, "wax")])
    assert "wax_tasks-valid.csv:1: column 'date': the spreadsheet has no date column" in str(info.value)
    with session_for(minimal) as session:
        assert counts(session)["record"] == 0


@pytest.mark.parametrize(("path", "expected"), [
    (WAX_DUPLICATE, (r"wax_tasks-invalid-duplicate_pid.csv:4: row 3, column 'pid': duplicate id 'rec-1': "
                    r"row 2 already has it")),
    (WAX_MALFORMED, r"wax_tasks-invalid-malformed.csv:3: row 2: malformed CSV \(unexpected end of data\)"),
])
def test_invalid_wax_files_fail_naming_file_row_and_column_and_write_nothing(minimal, session_for, path, expected):
    ingest(minimal)
    with session_for(minimal) as session:
        before = counts(session)
    with pytest.raises(ContentError) as info:
        ingest(minimal, csv_sources=[(path, "wax")])
    assert any(re.search(expected, str(p)) for p in info.value.problems), [str(p) for p in info.value.problems]
    with session_for(minimal) as session:
        assert counts(session) == before


def write_catalog(settings, text: str, name: str = "cat.csv") -> Path:
    folder = settings.content_dir / "catalog"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_dublin_core_catalog_in_the_content_folder(minimal, session_for):
    write_catalog(minimal, HEADER
                  + 'rec-1910-a,"A report",ca. 1910,agent-ama;american medical association,"First line,\nsecond line",'
                    'Exclusion from professional membership;Medical education,report,,"Cited source",,en,,public\n'
                  + ",,,,,,,,,,,,\n"
                  + "rec-1910-b,Another,1910s,,,,,,Cited source,,,,\n")
    report = ingest(minimal)
    assert report.created["record"] == 3 and report.skipped["record"] == 1  # the blank row
    with session_for(minimal) as session:
        first = session.get(m.Record, "rec-1910-a")
        assert (first.date, first.date_as_written) == ("1910~", "ca. 1910")
        assert first.body == "First line,\nsecond line"  # a multi-line cell stays one value
        assert first.creators == ["agent-ama"]  # matched by id and by name, not duplicated
        assert first.subjects == ["ht-exclusion"] and first.keywords == ["Medical education"]
        assert first.source_path == "content/catalog/cat.csv"
        second = session.get(m.Record, "rec-1910-b")
        assert (second.date, second.access, second.type) == ("191X", "public", "other")
    assert ingest(minimal).unchanged["record"] == 3


def test_every_bad_row_is_reported_together_and_nothing_is_written(minimal, session_for):
    ingest(minimal)
    with session_for(minimal) as session:
        before = counts(session)
    write_catalog(minimal, HEADER
                  + "rec-x-1,Fine,1910,,,,,,Cited,,,,public\n"
                  + "rec-x-2,Bad access,1910,,,,,,Cited,,,,secret\n"
                  + "rec-x-3,Too few cells,1910\n"
                  + ",No id,1910,,,,,,Cited,,,,\n"
                  + "rec-x-4,,1910,,,,,,Cited,,,,\n")
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    messages = [str(p) for p in info.value.problems]
    assert any(re.match(r"content/catalog/cat.csv:3: row 2, column 'access': Input should be 'public'", s)
               for s in messages), messages
    assert "content/catalog/cat.csv:4: row 3: found 3 cells, expected 13 (one per header column)" in messages
    assert any(s.startswith("content/catalog/cat.csv:5: row 4, column 'identifier': required") for s in messages)
    assert any(s.startswith("content/catalog/cat.csv:6: row 5, column 'title'") for s in messages)
    with session_for(minimal) as session:
        assert counts(session) == before


def test_an_unclear_date_is_a_warning_kept_as_written(minimal, session_for):
    write_catalog(minimal, HEADER + "rec-y-1,Letter,03/05/1910,,,,,,Cited,,,,\n")
    report = ingest(minimal)
    assert any(str(w).startswith("content/catalog/cat.csv:2: row 1, column 'date': '03/05/1910' could be "
                                 "day/month or month/day") for w in report.warnings)
    with session_for(minimal) as session:
        row = session.get(m.Record, "rec-y-1")
        assert (row.date, row.date_as_written) == ("XXXX", "03/05/1910")


def test_a_sidecar_mapping_file_imports_another_tools_spreadsheet(minimal, session_for):
    path = write_catalog(minimal, WAX_VALID.read_text(encoding="utf-8"), "wax.csv")
    path.with_suffix(".mapping.yaml").write_text("extends: wax\ncolumns:\n  title: [gambrel, pid]\n", encoding="utf-8")
    ingest(minimal)
    with session_for(minimal) as session:
        assert session.get(m.Record, "rec-img-item-1").title == "Geidi Prime"
        assert session.get(m.Record, "rec-dir-imgs-item").title == "dir_imgs_item"  # 'null' is blank


def test_unknown_mapping_and_bad_mapping_file_are_clear_errors(minimal, tmp_path):
    with pytest.raises(ContentError, match="unknown mapping; expected one of .*atom"):
        ingest(minimal, csv_sources=[(ATOM, "atomm")])
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  identifier: id\n  tittle: t\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"field .columns.tittle.: unknown field; expected one of identifier, title"):
        ingest(minimal, csv_sources=[(ATOM, str(bad))])


def test_cli_prints_the_summary_table_and_the_errors(minimal, capsys):
    home = ["--home", str(minimal.home)]
    assert main([*home, "ingest", "--csv", str(ATOM), "--mapping", "atom"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"records\s+3\s+0\s+0\s+0\s+0\s+0\s+0", out), out
    assert re.search(r"^total\s+", out, flags=re.MULTILINE)
    assert main([*home, "ingest", "--csv", str(WAX_DUPLICATE), "--mapping", "wax"]) == 1
    err = capsys.readouterr().err
    assert "row 3, column 'pid': duplicate id" in err and "nothing was written" in err
    assert re.search(r"records\s+0\s+0\s+0\s+0\s+0\s+0\s+1", err), err
    # a later run without the spreadsheet reports its records as missing and keeps them
    assert main([*home, "ingest"]) == 0
    captured = capsys.readouterr()
    assert "the source of record 'rec-f1' is gone; kept in the store (run with --prune" in captured.err
    assert re.search(r"records\s+0\s+0\s+1\s+0\s+2\s+0\s+0", captured.out), captured.out


def test_check_validates_a_spreadsheet_without_writing(minimal, capsys):
    assert main(["--home", str(minimal.home), "check", "--csv", str(WAX_MALFORMED), "--mapping", "wax"]) == 1
    assert "row 2: malformed CSV" in capsys.readouterr().err
    assert not (minimal.home / "reckon.db").exists()


def test_sample_catalog_in_the_bundled_content(sample, session_for):
    with session_for(sample) as session:
        row = session.get(m.Record, "rec-ama-race-chronology")
        assert (row.date, row.date_as_written, row.creators) == ("XXXX", "n.d.", ["agent-ama"])
    page = (sample.public_dir / "records" / "rec-ama-race-chronology" / "index.html").read_text()
    assert '<span class="when" data-edtf="XXXX">undated</span>' in page and "as written: “n.d.”" in page
    info = sample.public_dir / "iiif" / "rec-2007-morris-nma-founding-thesis-1" / "info.json"
    assert '"profile": "level0"' in info.read_text()


def test_a_spreadsheet_forty_thousand_columns_wide_is_refused_at_once(minimal, tmp_path):
    wide = tmp_path / "wide.csv"
    header = ["pid", "label"] + [f"c{i}" for i in range(40_000)]
    wide.write_text(",".join(header) + "\n" + ",".join(["rec-1", "x"] + [""] * 40_000) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        ingest(minimal, csv_sources=[(wide, "wax")])
    assert [str(p) for p in info.value.problems] == [
        f"{wide}:1: the header has 40,002 columns; expected at most 1,000"]
