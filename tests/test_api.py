"""The JSON API: collections, filters, cursors, caching headers, CORS, errors, and the promise
that no parameter reaches what the public site does not show."""

from __future__ import annotations

from datetime import date
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ingest.pipeline import ingest
from server.app import create_app
from tests.helpers.archives import make_settings, published_minimal

HIDDEN = {"nar-b": "Zanzibarquux", "nar-c": "Quillobard", "nar-d": "Morvendale", "nar-e": "Tessarine",
          "nar-f": "Plumcourt", "nar-g": "Vantribble"}
PRIVATE_NAME = "Legalname"
COLLECTIONS = ("records", "narratives", "harms", "timelines", "agents", "concepts")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The minimal archive with every narrative, hidden or not, tagged with the harm type."""
    def tag_every_narrative(content: Path) -> None:
        for path in (content / "narratives").glob("*.md"):
            path.write_text(path.read_text().replace("\ntitle:", "\nharm_types: [ht-exclusion]\ntitle:", 1))

    return published_minimal(tmp_path_factory.mktemp("api"), tag_every_narrative)


@pytest.fixture(scope="module")
def client(archive):
    with TestClient(create_app(archive)) as client:
        yield client


def ids(page: dict) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_collections_list_what_the_site_shows(client):
    assert ids(client.get("/api/records").json()) == ["rec-2008-apology"]
    assert ids(client.get("/api/narratives").json()) == ["nar-a"]
    assert ids(client.get("/api/harms").json()) == ["harm-exclusion"]
    assert ids(client.get("/api/timelines").json()) == ["tl-a"]
    assert ids(client.get("/api/agents").json()) == ["agent-ama"]
    assert set(ids(client.get("/api/concepts").json())) == {"ht-exclusion", "ag-black-physicians"}
    page = client.get("/api/records").json()
    assert page["total"] == 1 and page["limit"] == 50 and page["next_cursor"] is None and page["next"] is None
    item = page["items"][0]
    assert item["url"] == "/records/rec-2008-apology/" and item["api_url"] == "/api/records/rec-2008-apology"
    assert item["institutions"] == ["agent-ama"] and item["date"]["edtf"] and item["decade"] == 2000


def test_items_carry_evidence_accountability_and_links(client):
    harm = client.get("/api/harms/harm-exclusion").json()
    assert harm["evidence"][0]["source"]["id"] == "rec-2008-apology"
    assert harm["evidence"][0]["quote"] == "failed, across the span of a century"
    assert [e["status"] for e in harm["accountability"]] == ["apologized"]
    agent = client.get("/api/agents/agent-ama").json()
    assert agent["name"] == "American Medical Association"
    assert [r["id"] for r in agent["records"]] == ["rec-2008-apology"]
    assert [h["id"] for h in agent["harms"]] == ["harm-exclusion"]
    concept = client.get("/api/concepts/ht-exclusion").json()
    assert concept["scheme"] == "harm-type" and concept["label"] == "Exclusion from professional membership"
    # Every narrative carries this harm type; only the public one may be named.
    assert sorted(t["id"] for t in concept["tagged"]) == ["harm-exclusion", "nar-a"]


@pytest.mark.parametrize(("query", "expected"), [
    ("/api/harms?harm_type=ht-exclusion", ["harm-exclusion"]),
    ("/api/harms?harm_type=ht-other", []),
    ("/api/harms?harm_type=ht-other&harm_type=ht-exclusion", ["harm-exclusion"]),
    ("/api/harms?affected_group=ag-black-physicians&institution=agent-ama", ["harm-exclusion"]),
    ("/api/harms?affected_group=ag-black-physicians&institution=agent-nobody", []),
    ("/api/harms?decade=1870", ["harm-exclusion"]),
    ("/api/harms?decade=1880", []),
    ("/api/records?institution=agent-ama&decade=2000", ["rec-2008-apology"]),
    ("/api/narratives?harm_type=ht-exclusion", ["nar-a"]),
    ("/api/narratives?decade=2010&decade=2020", ["nar-a"]),
    ("/api/concepts?scheme=affected-group", ["ag-black-physicians"]),
    ("/api/agents?kind=institution", ["agent-ama"]),
    ("/api/objects?type=narrative", ["nar-a"]),
    ("/api/objects?harm_type=ht-exclusion", ["harm-exclusion", "nar-a"]),
    ("/api/objects?type=record&type=timeline", ["tl-a", "rec-2008-apology"]),
    ("/api/objects", ["tl-a", "harm-exclusion", "rec-2008-apology", "nar-a"]),
])
def test_filters_match_the_site_facets(client, query, expected):
    response = client.get(query)
    assert response.status_code == 200, response.text
    assert ids(response.json()) == expected


@pytest.mark.parametrize(("query", "detail"), [
    ("/api/records?limit=0", "limit must be a whole number from 1 to 100; got '0'"),
    ("/api/records?limit=101", "limit must be a whole number from 1 to 100; got '101'"),
    ("/api/records?decade=1875", "decade must be a year ending in 0, such as 1870; got '1875'"),
    ("/api/records?decade=1870²", "decade must be a year ending in 0, such as 1870; got '1870²'"),
    ("/api/records?limit=²", "limit must be a whole number from 1 to 100; got '²'"),
    ("/api/records?cursor=bm9wZQ", "cursor 'bm9wZQ' is not one this API gave out; start again without it"),
    ("/api/timelines?harm_type=ht-exclusion",
     "unknown parameter 'harm_type' for /api/timelines; accepted: limit, cursor"),
    ("/api/narratives?access=staff",
     "unknown parameter 'access' for /api/narratives; accepted: harm_type, decade, limit, cursor"),
    ("/api/objects?type=segment", "type must be one of record, narrative, harm, timeline; got 'segment'"),
    ("/api/narratives/nar-a?viewer=admin", "/api/narratives/nar-a takes no query parameters; got 'viewer'"),
])
def test_bad_parameters_are_400_with_what_was_expected(client, query, detail):
    response = client.get(query)
    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "detail": detail}
    assert response.headers["access-control-allow-origin"] == "*"


def test_cursor_pages_walk_a_collection_once_in_a_stable_order(sample):
    with TestClient(create_app(sample)) as client:
        whole = client.get("/api/records", params={"limit": 100}).json()
        assert whole["total"] > 40 and whole["next_cursor"] is None
        keys = [((i["date"] or {}).get("lower") or 0, i["id"]) for i in whole["items"]]
        assert keys == sorted(keys)
        walked, url = [], "/api/records?limit=7"
        while url:
            page = client.get(url).json()
            assert page["total"] == whole["total"]
            walked += ids(page)
            url = page["next"]
        assert walked == ids(whole)
        filtered = client.get("/api/records", params={"harm_type": "ht-exclusion-from-membership", "limit": 2}).json()
        assert filtered["next"].startswith("/api/records?harm_type=ht-exclusion-from-membership&limit=2&cursor=")
        second = client.get(filtered["next"]).json()
        assert not set(ids(second)) & set(ids(filtered)) and second["total"] == filtered["total"]


def test_hidden_narratives_are_unreachable_by_any_parameter(client):
    for object_id in ("nar-c", "nar-d", "nar-e", "nar-f"):
        response = client.get(f"/api/narratives/{object_id}")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": f"no narrative '{object_id}'"}
        assert response.json() == {**client.get("/api/narratives/nar-zzz").json(),
                                   "detail": f"no narrative '{object_id}'"}
    for object_id in ("nar-b", "nar-g"):
        response = client.get(f"/api/narratives/{object_id}")
        assert response.status_code == 410
        body = response.json()
        assert body["error"] == "withdrawn" and body["tombstone"]["id"] == object_id
        assert set(body["tombstone"]) == {"id", "type", "withdrawn", "message", "url"}
        assert HIDDEN[object_id] not in response.text and "Story" not in response.text
    probes = [f"/api/{c}" for c in COLLECTIONS]
    probes += ["/api/objects?type=narrative&limit=100", "/api/objects?harm_type=ht-exclusion",
               "/api/narratives?harm_type=ht-exclusion&limit=100", "/api/narratives?decade=2010",
               "/api/concepts/ht-exclusion", "/api/agents/agent-ama", "/api/harms/harm-exclusion",
               "/api/narratives/nar-a", "/api/openapi.json"]
    probes += [f"/api/{kind}/{object_id}" for kind in ("records", "harms", "timelines", "agents", "concepts")
               for object_id in HIDDEN]
    everything = " ".join(client.get(p).text for p in probes)
    for object_id, word in HIDDEN.items():
        assert word not in everything, object_id
    assert PRIVATE_NAME not in everything
    for object_id in ("nar-c", "nar-d", "nar-e", "nar-f"):
        assert f'"{object_id}"' not in everything


def test_gets_carry_validators_and_answer_304(client):
    first = client.get("/api/records/rec-2008-apology")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and first.headers["cache-control"] == "no-cache"
    assert first.headers["access-control-allow-origin"] == "*"
    assert parsedate_to_datetime(modified).tzinfo is not None
    again = client.get("/api/records/rec-2008-apology", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get("/api/records/rec-2008-apology", headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert client.get("/api/records/rec-2008-apology", headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get("/api/records/rec-2008-apology", headers={"If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2000), usegmt=True)
    assert client.get("/api/records/rec-2008-apology", headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get("/api/records/rec-2008-apology", headers={"If-Modified-Since": "garbage"}).status_code == 200
    listing = client.get("/api/harms?harm_type=ht-exclusion")
    assert client.get("/api/harms?harm_type=ht-exclusion",
                      headers={"If-None-Match": listing.headers["etag"]}).status_code == 304
    search = client.get("/api/search", params={"q": "apology"})
    assert search.headers["access-control-allow-origin"] == "*" and search.headers["etag"]
    assert client.get("/api/search", params={"q": "apology"},
                      headers={"If-None-Match": search.headers["etag"]}).status_code == 304


def test_cors_preflight_is_open_for_reading(client):
    response = client.options("/api/records", headers={"Origin": "https://example.net",
                                                        "Access-Control-Request-Method": "GET"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "If-None-Match" in response.headers["access-control-allow-headers"]
    assert client.post("/api/records").status_code == 405


def test_errors_are_one_shape_never_a_traceback(client):
    for url, status in (("/api/harms/harm-nope", 404), ("/api/nothing/at/all", 404),
                        ("/api/records?limit=x", 400), ("/api/narratives/nar-b", 410)):
        response = client.get(url)
        assert response.status_code == status
        assert {"error", "detail"} <= set(response.json())
        assert "Traceback" not in response.text


def test_answers_follow_the_store_at_once(minimal):
    ingest(minimal)
    with TestClient(create_app(minimal)) as client:
        assert client.get("/api/narratives/nar-a").status_code == 200
        etag = client.get("/api/narratives").headers["etag"]
        path = minimal.content_dir / "narratives" / "nar-a.md"
        path.write_text(path.read_text().replace(
            "granted: true}", "granted: true}\n  - {date: 2024-01-01, use: publish-text, granted: false}", 1))
        ingest(minimal)  # the narrator withdraws while the server runs
        gone = client.get("/api/narratives/nar-a")
        assert gone.status_code == 410 and "Shown" not in gone.text
        listing = client.get("/api/narratives", headers={"If-None-Match": etag})
        assert listing.status_code == 200 and listing.json()["items"] == []


def test_a_new_day_can_open_an_embargo(archive):
    later = make_settings(archive.home, archive.content_dir, today=date(2045, 1, 2))
    with TestClient(create_app(later)) as client:
        assert client.get("/api/narratives/nar-c").status_code == 200
        assert "nar-c" in ids(client.get("/api/narratives").json())
