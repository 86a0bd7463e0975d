"""The map of places (publish/charts/places.py) and the coordinates it is made of: read from
front matter and CSV catalogues (bad values refused with the file, line and field), kept in the
store and the views, placed on the browse page's map with its list, in the downloads and the API;
and a place whose only object is hidden leaves every one of them, a patched rebuild equal to a
fresh build byte for byte.
"""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.errors import ContentError
from archive.urls import SiteUrls
from ingest.pipeline import ingest
from publish.build import build_site
from publish.charts.places import listed, places, places_spec
from publish.charts.specs import NARROW, WIDE
from publish.charts.svg import draw_all
from publish.charts.tables import csv_bytes, places_tables
from server.app import create_app
from tests.helpers.archives import TODAY
from tests.helpers.content import edit
from tests.helpers.sites import all_text, assert_same_as_fresh_build, site_files

QUILLHAVEN = 'coverage: "Quillhaven, Ohio"\nlatitude: 40.5\nlongitude: -83.25'
BRINDLECOMBE = 'coverage: "Brindlecombe, Indiana"\nlatitude: 41.1\nlongitude: -85.0'


def placed(settings) -> dict:
    return json.loads((settings.public_dir / "downloads" / "charts" / "places.json").read_text())


def summary(object_id: str, kind: str, name: str, latitude: float, longitude: float) -> dict:
    return {"id": object_id, "type": kind, "title": object_id, "url": f"/{kind}s/{object_id}/",
            "place": {"name": name, "latitude": latitude, "longitude": longitude}}


# -- the content format -------------------------------------------------------------------------
@pytest.mark.parametrize(("lines", "said"), [
    ("latitude: 95\nlongitude: 10", "field 'latitude': expected decimal degrees, a number from -90 to 90; got '95'"),
    ("latitude: 41.9\nlongitude: east", "field 'longitude': expected decimal degrees, a number from -180 to 180"),
    ("latitude: .nan\nlongitude: 10", "field 'latitude': expected decimal degrees"),
    ("latitude: 41.9", "latitude needs longitude too"),
])
def test_bad_coordinates_are_one_line_naming_the_file_line_and_field(minimal, lines, said):
    edit(minimal, "records/rec-2008-apology.md", "type: press-release", f"type: press-release\n{lines}")
    with pytest.raises(ContentError) as raised:
        ingest(minimal)
    problems = [str(p) for p in raised.value.problems]
    assert len(problems) == 1 and problems[0].startswith("content/records/rec-2008-apology.md:"), problems
    assert said in problems[0]


def test_a_collectionbuilder_catalogue_brings_its_latitude_and_longitude(minimal):
    folder = minimal.content_dir / "catalog"
    folder.mkdir(exist_ok=True)
    (folder / "cb.csv").write_text(
        "objectid,title,date,location,latitude,longitude\n"
        "cb-1,A mapped letter,1901,\"Quillhaven, Ohio\",40.5,-83.25\n"
        "cb-2,An unmapped letter,1902,,,\n", encoding="utf-8")
    (folder / "cb.mapping.yaml").write_text("extends: collectionbuilder\n", encoding="utf-8")
    ingest(minimal)
    with store_transaction(minimal) as session:
        catalog = Catalog(session, PUBLIC, TODAY)
        mapped, plain = catalog.record("rec-cb-1"), catalog.record("rec-cb-2")
        summaries = {s["id"]: s for s in catalog.summaries("record")}
    assert (mapped["coverage"], mapped["latitude"], mapped["longitude"]) == ("Quillhaven, Ohio", 40.5, -83.25)
    assert (plain["latitude"], plain["longitude"]) == (None, None)
    assert summaries["rec-cb-1"]["place"] == {"name": "Quillhaven, Ohio", "latitude": 40.5, "longitude": -83.25}
    assert "place" not in summaries["rec-cb-2"]
    (folder / "cb.csv").write_text("objectid,title,date,location,latitude,longitude\n"
                                   "cb-1,A mapped letter,1901,Quillhaven,40.5,far west\n", encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        ingest(minimal)
    problem = str(raised.value.problems[0])
    assert "cb.csv" in problem and ":2" in problem and "longitude" in problem and "far west" in problem


def test_a_redacted_place_keeps_its_coordinates_to_itself(minimal):
    edit(minimal, "narratives/nar-a.md", "date: 2019",
         'date: 2019\nplace: "Larkspur Hollow, Ohio"\nlatitude: 39.9\nlongitude: -82.9\n'
         'redact:\n  - {text: "Larkspur Hollow", category: "a place that names the narrator"}')
    ingest(minimal)
    with store_transaction(minimal) as session:
        catalog = Catalog(session, PUBLIC, TODAY)
        view = catalog.narrative("nar-a")
        brief = next(s for s in catalog.summaries("narrative") if s["id"] == "nar-a")
    assert "Larkspur" not in view["place"] and (view["latitude"], view["longitude"]) == (None, None)
    assert "place" not in brief


# -- the map's data and drawing -----------------------------------------------------------------
def test_places_group_objects_at_the_same_coordinates_under_the_name_most_give():
    chart = places([summary("rec-b", "record", "Chicago", 41.8781, -87.6298),
                    summary("rec-a", "record", "Chicago, Illinois", 41.87812, -87.62981),
                    summary("nar-a", "narrative", "Chicago, Illinois", 41.8781, -87.6298),
                    summary("rec-c", "record", "", 33.749, -84.388),
                    {"id": "rec-d", "type": "record", "title": "no place", "url": "/records/rec-d/"}])
    assert [(p["name"], p["records"], p["narratives"]) for p in chart["places"]] == [
        ("33.749°N, 84.388°W", 1, 0), ("Chicago, Illinois", 2, 1)]
    assert [o["id"] for o in chart["places"][1]["objects"]] == ["rec-a", "rec-b", "nar-a"]
    assert chart["facts"] == ["2 places on the map, from 3 records and 1 narrative", "Most at Chicago, Illinois (3)"]
    assert chart["basemap"] == "us"


def test_a_place_outside_the_united_states_draws_the_world():
    chart = places([summary("rec-a", "record", "Chicago", 41.88, -87.63),
                    summary("rec-b", "record", "Accra", 5.6037, -0.187)])
    assert chart["basemap"] == "world"
    wide, narrow = draw_all([places_spec(chart, WIDE), places_spec(chart, NARROW)], SiteUrls("http://127.0.0.1:8000/"))
    for svg in (wide, narrow):
        assert 'aria-label="Accra: 1 record"' in svg and 'aria-label="Chicago: 1 record"' in svg
    assert ">Accra<" in wide and ">Accra<" not in narrow  # a phone's map leaves the names to the list


def test_no_place_no_drawing():
    chart = places([])
    assert chart["facts"] == ["No published record or narrative has a place with coordinates yet"]
    assert places_spec(chart, WIDE) is None


# -- nothing hidden placed, patched rebuilds ------------------------------------------------------
def test_a_hidden_place_leaves_the_map_its_list_the_data_and_the_api(many, tmp_path):
    edit(many, "records/rec-gen-007.md", "type: minutes", f"type: minutes\n{QUILLHAVEN}")
    edit(many, "records/rec-gen-008.md", "type: minutes", f"type: minutes\n{BRINDLECOMBE}")
    ingest(many)
    report = build_site(many)
    assert report.records_made == 2, report  # patched: two records made, the charts with them
    assert [p["name"] for p in placed(many)["places"]] == ["Brindlecombe, Indiana", "Quillhaven, Ohio"]
    browse = (many.public_dir / "browse" / "index.html").read_text()
    assert "Quillhaven, Ohio" in browse and 'aria-label="Quillhaven, Ohio: 1 record"' in browse
    assert '<a href="/records/rec-gen-007/">Generated minutes 7</a>' in browse
    assert "Quillhaven" in (many.public_dir / "downloads" / "charts" / "places-places.csv").read_text()
    assert ",40.5,-83.25," in (many.public_dir / "downloads" / "records.csv").read_text()
    assert_same_as_fresh_build(many, tmp_path, "fresh-placed")

    # The place moves, its decade stays: the map is remade all the same.
    edit(many, "records/rec-gen-008.md", "latitude: 41.1", "latitude: 42.25")
    ingest(many)
    build_site(many)
    assert [p["latitude"] for p in placed(many)["places"]] == [42.25, 40.5]
    assert_same_as_fresh_build(many, tmp_path, "fresh-moved")

    edit(many, "records/rec-gen-007.md", "type: minutes", "type: minutes\naccess: restricted")
    ingest(many)
    build_site(many)
    files = assert_same_as_fresh_build(many, tmp_path, "fresh-hidden")
    assert [p for p, d in files.items() if b"Quillhaven" in d] == []
    assert b"-83.25" not in files["downloads/records.csv"] + files["downloads/charts/places.json"]
    assert [p["name"] for p in placed(many)["places"]] == ["Brindlecombe, Indiana"]
    with TestClient(create_app(many)) as client:
        answer = client.get("/api/charts/places").json()
        assert answer == placed(many) and "Quillhaven" not in json.dumps(answer)
        assert "Quillhaven" not in client.get("/api/records").text
    assert "Quillhaven" not in all_text(site_files(many.public_dir))


def test_the_places_table_keeps_numbers_and_defuses_formulas():
    chart = places([summary("rec-a", "record", "=HYPERLINK(\"http://evil.example\")", 41.8781, -87.6298)])
    data = csv_bytes(places_tables(chart)[0], SiteUrls("http://127.0.0.1:8000/")).decode()
    assert data.splitlines()[1].startswith('"\'=HYPERLINK') and ",41.878,-87.63,Record," in data


def test_a_crowded_place_lists_its_first_objects_and_how_many_more():
    chart = places([summary(f"rec-{n:03d}", "record", "Chicago", 41.88, -87.63) for n in range(25)])
    [shown] = listed(chart, 20)
    assert [o["id"] for o in shown["objects"]] == [f"rec-{n:03d}" for n in range(20)] and shown["more"] == 5
    assert len(chart["places"][0]["objects"]) == 25  # the data files keep them all


def test_an_object_page_says_where_its_place_is(sample):
    record = (sample.public_dir / "records" / "rec-1932-usphs-syphilis-study" / "index.html").read_text()
    assert "Macon County, Alabama <span class=\"coords\">(32.386°&nbsp;N, 85.693°&nbsp;W)</span>" in record
    narrative = (sample.public_dir / "narratives" / "nar-composite-03" / "index.html").read_text()
    assert "(41.8781°&nbsp;N, 87.6298°&nbsp;W)" in narrative
