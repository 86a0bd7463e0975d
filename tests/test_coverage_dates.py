"""Coverage dates: the period a narrative's testimony is about, beside the interview date.

Built from a real ingest of the minimal archive in which the public nar-a (interviewed in 2019)
is about 1950–1970 and the restricted nar-e is about 1771–1774, a decade nothing public has:
date filters find nar-a by its coverage, and nar-e's coverage is never counted anywhere public.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import re
from pathlib import Path

import pytest
from lxml import etree
from sqlmodel import Session
from starlette.testclient import TestClient

from archive import models as m
from archive import workflow
from archive.access import Role, Viewer
from archive.db import open_engine, store_transaction, transaction
from archive.errors import ContentError
from archive.submissions import validate
from ingest.changed_files import CODE_ROW
from ingest.pipeline import ingest
from publish.pipeline import index_all
from server.app import create_app
from tests.helpers.archives import copy_home, published_minimal
from tests.helpers.staff import FORM

ABOUT = "1950/1970"
HIDDEN_ABOUT = "1771/1774"  # nar-e (restricted): the 1770s are no public object's decade


def _prepare(content: Path) -> None:
    for name, about in (("nar-a", ABOUT), ("nar-e", HIDDEN_ABOUT)):
        path = content / "narratives" / f"{name}.md"
        path.write_text(path.read_text().replace("date: 2019\n", f'date: 2019\ncoverage_date: "{about}"\n', 1))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("coverage")
    published_minimal(home, _prepare)
    return home


@pytest.fixture
def archive(template: Path, tmp_path: Path):
    return copy_home(template, tmp_path)


def test_ingest_stores_the_coverage_and_its_bounds_beside_the_interview_date(archive):
    with store_transaction(archive) as session:
        row = session.get(m.Narrative, "nar-a")
        other = session.get(m.Narrative, "nar-g")
    assert (row.date, row.coverage_date, row.coverage_lower, row.coverage_upper) == ("2019", ABOUT, 19500101, 19701231)
    assert (other.coverage_date, other.coverage_lower, other.coverage_upper) == ("", 0, 99991231)


def test_a_bad_coverage_date_names_file_line_and_field(archive):
    path = archive.content_dir / "narratives" / "nar-a.md"
    path.write_text(path.read_text().replace(ABOUT, "1950-1970"))
    with pytest.raises(ContentError) as info:
        ingest(archive)
    assert any(re.fullmatch(r"content/narratives/nar-a\.md:7: field 'coverage_date': '1950-1970' is not an EDTF "
                            r"date .*", str(p)) for p in info.value.problems), [str(p) for p in info.value.problems]


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_a_search_of_1950_to_1970_finds_the_2019_interview_about_that_time(archive, engine_name):
    settings = dataclasses.replace(archive, search_engine=engine_name)
    if engine_name != "whoosh":
        index_all(settings, rebuild=True)
    with TestClient(create_app(settings)) as client:
        about = client.get("/api/search", params={"from": "1950", "to": "1970", "type": "narrative"}).json()
        recorded = client.get("/api/search", params={"from": "2019", "to": "2019", "type": "narrative"}).json()
        hidden = client.get("/api/search", params={"from": "1771", "to": "1774"}).json()
    assert [h["id"] for h in about["hits"]] == ["nar-a"]
    assert "nar-a" not in [h["id"] for h in recorded["hits"]]  # found by what it is about, not when recorded
    assert hidden["hits"] == [] and all(e["value"] != "1770" for e in hidden["facets"].get("decade", []))


def test_the_decade_facet_follows_coverage_and_a_hidden_coverage_is_never_counted(archive):
    with TestClient(create_app(archive)) as client:
        fifties = client.get("/api/narratives", params={"decade": "1950"}).json()
        seventies = client.get("/api/narratives", params={"decade": "1770"}).json()
        recorded = client.get("/api/narratives", params={"decade": "2010"}).json()
        everything = [("type", t) for t in ("record", "narrative", "segment", "harm", "timeline")]
        facets = client.get("/api/search", params=everything).json()["facets"]
        chart = client.get("/api/charts/decades").json()
    assert [n["id"] for n in fifties["items"]] == ["nar-a"]
    assert seventies["items"] == [] and "nar-a" not in [n["id"] for n in recorded["items"]]
    assert {e["value"] for e in facets["decade"]} >= {"1950"} and "1770" not in {e["value"] for e in facets["decade"]}
    by_decade = {item["decade"]: item["narratives"] for item in chart["items"]}
    assert by_decade.get(1950) == 1 and 1770 not in by_decade and by_decade.get(2010, 0) == 0
    public = archive.public_dir
    assert (public / "browse" / "decades" / "1950").is_dir()
    assert not (public / "browse" / "decades" / "1770").exists()
    served = " ".join(p.read_text() for p in (public / "search").rglob("*.json"))
    assert "1770" not in served and "17710101" not in served
    assert "1771" not in " ".join(p.read_text() for p in (public / "downloads").rglob("*.*sv"))


def test_the_static_search_dates_a_narrative_and_its_passages_by_coverage(archive):
    search = archive.public_dir / "search"
    meta = json.loads((search / "meta.json").read_text())
    numbers = [n for start, end in meta["blocks"] for n in range(start, end)]

    def entry(folder: str, n: int, per_shard: int):
        return json.loads((search / folder / f"{n // per_shard}.json").read_text())[n % per_shard]

    by_url = {entry("docs", n, meta["docs_per_shard"])[2]: entry("attrs", n, meta["attrs_per_shard"]) for n in numbers
              if entry("docs", n, meta["docs_per_shard"]) is not None}  # null: an empty slot
    assert by_url["/narratives/nar-a/"][:2] == [19500101, 19701231]
    passages = [url for url in by_url if url.startswith("/narratives/nar-a/#t-")]
    assert passages and all(by_url[url][:2] == [19500101, 19701231] for url in passages)


def test_the_page_api_downloads_and_dublin_core_carry_the_coverage(archive):
    page = (archive.public_dir / "narratives" / "nar-a" / "index.html").read_text()
    assert re.search(r'<dt>About</dt><dd><time datetime="1950">1950</time>–<time datetime="1970">1970</time></dd>',
                     page)
    assert '<time datetime="2019">2019</time>' in page  # the interview date stays
    with TestClient(create_app(archive)) as client:
        view = client.get("/api/narratives/nar-a").json()
        oai = client.get("/oai", params={"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                         "identifier": f"oai:{archive.oai_repository_id}:nar-a"})
    assert view["coverage_date"] == {"edtf": ABOUT, "display": "1950–1970", "lower": 19500101, "upper": 19701231}
    assert view["date"]["edtf"] == "2019"
    coverage = etree.fromstring(oai.content).findall(".//{http://purl.org/dc/elements/1.1/}coverage")
    assert ABOUT in [c.text for c in coverage]
    rows = list(csv.DictReader(io.StringIO((archive.public_dir / "downloads" / "narratives.csv").read_text())))
    [row] = [r for r in rows if r["id"] == "nar-a"]
    assert (row["coverage_edtf"], row["coverage_lower"], row["coverage_upper"]) == (ABOUT, "19500101", "19701231")


def test_an_older_store_gains_empty_coverage_columns(archive, caplog):
    engine = open_engine(archive)
    try:
        with engine.begin() as db:
            for index in ("ix_narrative_coverage_lower", "ix_narrative_coverage_upper"):
                db.exec_driver_sql(f"DROP INDEX {index}")
            for column in ("coverage_date", "coverage_lower", "coverage_upper"):
                db.exec_driver_sql(f"ALTER TABLE narrative DROP COLUMN {column}")
            db.exec_driver_sql("DELETE FROM store_schema")
            # As an older version left it: its code digest and its narratives' hashes are not this code's.
            db.exec_driver_sql("UPDATE narrative SET content_hash = 'older'")
            db.exec_driver_sql(f"DELETE FROM sourcefile WHERE path = '{CODE_ROW}'")
    finally:
        engine.dispose()
    caplog.set_level(logging.WARNING, logger="reckoning")
    with TestClient(create_app(archive)) as client:
        view = client.get("/api/narratives/nar-a").json()
    assert view["coverage_date"] is None and view["date"]["edtf"] == "2019"
    for column in ("coverage_date", "coverage_lower", "coverage_upper"):
        assert f"added column narrative.{column}" in caplog.text
    ingest(archive)  # the next ingest (new code: it reads everything) fills them from the files
    with store_transaction(archive) as session:
        assert session.get(m.Narrative, "nar-a").coverage_lower == 19500101


def test_the_staff_form_takes_a_coverage_date_and_says_when_it_is_not_edtf(archive):
    assert validate(FORM | {"coverage_date": "fifties"}).errors.keys() == {"coverage_date"}
    assert validate(FORM | {"coverage_date": ""}).ok
    author, curator = Viewer(Role.CONTRIBUTOR, "alice"), Viewer(Role.CURATOR, "carol")
    engine = open_engine(archive)
    try:
        with transaction(engine) as session:
            sub = workflow.create(session, author, validate(FORM | {"coverage_date": "195X"}).values)
            workflow.act(session, author, sub.id, "submit", 1)
            workflow.act(session, curator, sub.id, "publish", 2)
        with Session(engine) as session:
            row = session.get(m.Narrative, sub.id)
    finally:
        engine.dispose()
    assert (row.coverage_date, row.coverage_lower, row.coverage_upper) == ("195X", 19500101, 19591231)
