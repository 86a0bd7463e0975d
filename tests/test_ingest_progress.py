"""Progress lines on long runs, and the other tools' mappings on spreadsheets shaped like theirs."""

from __future__ import annotations

import io

from sqlmodel import select

from archive import models as m
from ingest.pipeline import ingest
from ingest.progress import Progress


def test_progress_reports_reading_and_writing_with_counts(minimal):
    stream = io.StringIO()
    ingest(minimal, progress=Progress(stream, min_items=1, interval=0))
    lines = stream.getvalue().splitlines()
    assert any(line.startswith("reading ") for line in lines), lines
    assert any(line.startswith("narratives [") and "7/7" in line for line in lines), lines
    # Each stage ends with one line of its time and CPU time: where a long run went.
    assert any(line.startswith("reading done: ") and " s CPU" in line for line in lines), lines
    assert any(line.startswith("narratives done: 7 in ") for line in lines), lines


def test_small_runs_print_no_progress(minimal):
    stream = io.StringIO()
    ingest(minimal, progress=Progress(stream))
    assert stream.getvalue() == ""


def test_collectionbuilder_and_omeka_exports_import_with_their_mappings(minimal, tmp_path, session_for):
    cb = tmp_path / "cb.csv"
    cb.write_text("objectid,title,creator,date,description,subject,location,rightsstatement,format\n"
                  "demo_001,Minutes of the meeting,American Medical Association,ca. 1870,Minutes.,"
                  "Medical societies;Race,\"Washington, D.C.\",http://rightsstatements.org/vocab/NoC-US/1.0/,"
                  "application/pdf\n", encoding="utf-8")
    omeka = tmp_path / "omeka.csv"
    omeka.write_text('"Dublin Core:Identifier","Dublin Core:Title","Dublin Core:Date","Dublin Core:Subject",'
                     '"Dublin Core:Source"\n'
                     '"om-7","A photograph","1960s","Hospitals^^Integration","Box 3, folder 2"\n', encoding="utf-8")
    ingest(minimal, csv_sources=[(cb, "collectionbuilder"), (omeka, "omeka")])
    with session_for(minimal) as session:
        row = session.get(m.Record, "rec-demo-001")
        assert (row.date, row.date_as_written, row.creators) == ("1870~", "ca. 1870", ["agent-ama"])
        assert (row.coverage, row.keywords) == ("Washington, D.C.", ["Medical societies", "Race"])
        assert row.rights.startswith("http://rightsstatements.org/")
        photo = session.get(m.Record, "rec-om-7")
        assert (photo.date, photo.keywords, photo.source) == ("196X", ["Hospitals", "Integration"], "Box 3, folder 2")
        assert session.exec(select(m.Agent).where(m.Agent.id.like("agent-american%"))).all() == []
