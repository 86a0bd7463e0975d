"""The downloads are also a Frictionless Data Package (downloads/datapackage.json), valid to
the `frictionless` library, with typed columns and the licences stated; JSON Lines files are
served as application/jsonl (issue 17)."""

from __future__ import annotations

import json

import pytest
from frictionless import validate
from starlette.testclient import TestClient

from ingest.pipeline import ingest
from publish.build import build_site
from publish.downloads import COLUMNS
from server.app import create_app
from tests.helpers.archives import copy_home
from tests.helpers.content import edit
from tests.helpers.sites import assert_same_as_fresh_build


@pytest.fixture(scope="module")
def built(published_template, tmp_path_factory):
    return copy_home(published_template, tmp_path_factory.mktemp("package"))


def test_the_data_package_is_valid_and_describes_every_download(sample):
    folder = sample.public_dir / "downloads"
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["title", "message"])
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    paths = {r["path"] for r in package["resources"]}
    assert paths == {p.name for p in folder.iterdir() if p.suffix in (".csv", ".jsonl")}
    records = next(r for r in package["resources"] if r["path"] == "records.csv")
    assert [f["name"] for f in records["schema"]["fields"]] == [name for name, _, _ in COLUMNS["record"]]
    assert {f["name"]: f["type"] for f in records["schema"]["fields"]}["date_lower"] == "integer"
    assert next(r for r in package["resources"] if r["path"] == "records.jsonl")["mediatype"] == "application/jsonl"
    assert {licence["name"]: licence["path"] for licence in package["licenses"]} == {
        "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
        "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
        "CC-BY-NC-4.0": "https://creativecommons.org/licenses/by-nc/4.0/"}


def test_a_package_whose_objects_name_no_licence_lists_none(built):
    package = json.loads((built.public_dir / "downloads" / "datapackage.json").read_text("utf-8"))
    assert "licenses" not in package and "all rights reserved" in package["description"]


def test_jsonl_is_served_as_application_jsonl(built):
    with TestClient(create_app(built)) as client:
        answer = client.get("/downloads/records.jsonl")
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/jsonl"
        assert client.get("/downloads/records.csv").headers["content-type"].startswith("text/csv")
        assert client.get("/downloads/datapackage.json").headers["content-type"] == "application/json"


def test_csv_downloads_can_carry_a_bom_for_spreadsheets(built):
    from dataclasses import replace

    from publish.build import build_site

    downloads = built.public_dir / "downloads"
    assert not (downloads / "records.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    marked = replace(built, csv_bom=True)
    build_site(marked)
    assert (downloads / "records.csv").read_bytes().startswith(b"\xef\xbb\xbfid,url,title")
    assert not (downloads / "records.jsonl").read_bytes().startswith(b"\xef\xbb\xbf")
    assert validate(str(downloads / "datapackage.json")).valid
    # A record's body edited since (what a one-record rebuild patches): the mark stays, as a
    # marked part is left to the full build.
    record = built.content_dir / "records" / "rec-2008-apology.md"
    record.write_text(record.read_text("utf-8") + "\nThe AMA apologises.\n", "utf-8")
    from ingest.pipeline import ingest

    ingest(marked)
    build_site(marked)
    data = (downloads / "records.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,") and b"The AMA apologises" in data
    build_site(built)  # and off again
    assert (downloads / "records.csv").read_bytes().startswith(b"id,url,title")


def test_a_narratives_new_licence_reaches_the_patched_package(many, tmp_path):
    """The patch keeps the narratives' rights statements between builds that remake no
    narrative; one whose licence changed is remade, and its licence is in the package."""
    edit(many, "narratives/nar-a.md", "release: {signed: 2019-01-01}", 'release: {signed: 2019-01-01, licence: "CC BY-NC 4.0"}')
    ingest(many)
    report = build_site(many)
    assert 0 < report.written < 100, report  # patched, not built again
    package = json.loads((many.public_dir / "downloads" / "datapackage.json").read_text("utf-8"))
    assert [licence["name"] for licence in package["licenses"]] == ["CC-BY-NC-4.0"]
    assert_same_as_fresh_build(many, tmp_path)
