"""`/api/search` by who asks: curators get the staff index, everyone else the public one.

Real parts: the sample collection ingested and published (both indexes on disk), accounts and
API tokens in the real store, the real app with the staff app's session cookie. Nothing a
parameter says can move an anonymous caller onto the staff index.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from archive.db import open_engine, transaction
from archive.users import create_user, get_user, issue_token
from server.app import create_app
from tests.helpers.archives import SAMPLE, copy_home
from tests.helpers.staff import PASSWORD, sign_in

ACCOUNTS = {"search-curator": "curator", "search-admin": "admin", "search-contrib": "contributor"}
REDACTED = "Coyle"  # a third party's name redacted from nar-composite-02's public form
HIDDEN = ("nar-composite-05", "nar-composite-06")  # staff-only and restricted narratives


@pytest.fixture(scope="module")
def archive(sample, tmp_path_factory):
    """The module's own copy of the sample: its accounts and tokens go into this store, not the
    session's."""
    return copy_home(sample.home, tmp_path_factory.mktemp("search-staff"), content=SAMPLE)


@pytest.fixture(scope="module")
def tokens(archive) -> dict[str, str]:
    """An API token for each account, made once for the module."""
    engine = open_engine(archive)
    made = {}
    try:
        with transaction(engine) as session:
            for name, role in ACCOUNTS.items():
                user = get_user(session, name) or create_user(session, name, PASSWORD, role)
                made[role] = issue_token(session, user, "search tests", "test")
    finally:
        engine.dispose()
    return made


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_curator_token_searches_the_staff_index_with_its_facets(archive, tokens):
    with TestClient(create_app(archive)) as client:
        public = client.get("/api/search", params={"q": "type:narrative"})
        staff = client.get("/api/search", params={"q": "type:narrative"}, headers=bearer(tokens["curator"]))
    assert public.status_code == staff.status_code == 200
    public_ids = {h["id"] for h in public.json()["hits"]}
    staff_ids = {h["id"] for h in staff.json()["hits"]}
    assert public.json()["index"] == "public" and staff.json()["index"] == "staff"
    assert set(HIDDEN) <= staff_ids and not set(HIDDEN) & public_ids and public_ids < staff_ids
    count = {f["value"]: f["count"] for f in staff.json()["facets"]["type"]}
    assert count["narrative"] == staff.json()["total"] > public.json()["total"]
    # A staff answer is nobody else's: never stored by a shared cache, not readable cross-origin.
    assert staff.headers["cache-control"] == "private, no-store"
    assert "access-control-allow-origin" not in staff.headers
    assert public.headers["access-control-allow-origin"] == "*" and "Authorization" in public.headers["vary"]


def test_staff_answers_show_the_unredacted_text(archive, tokens):
    with TestClient(create_app(archive)) as client:
        public = client.get("/api/search", params={"q": REDACTED}).json()
        for role in ("curator", "admin"):
            staff = client.get("/api/search", params={"q": REDACTED}, headers=bearer(tokens[role])).json()
            assert staff["total"] >= 1 and any(f"<mark>{REDACTED}</mark>" in h["snippet"] for h in staff["hits"])
    assert public["total"] == 0 and public["hits"] == []


def test_the_staff_session_cookie_works_inside_the_staff_app(archive, tokens):
    with TestClient(create_app(archive)) as client:
        assert client.get("/staff/api/search", params={"q": REDACTED}).status_code == 401
        sign_in(client, "search-curator")
        signed_in = client.get("/staff/api/search", params={"q": REDACTED})
        assert signed_in.status_code == 200 and signed_in.json()["index"] == "staff"
        assert signed_in.json()["total"] >= 1
        # The cookie is scoped to /staff: the public endpoint stays public for this browser.
        assert client.get("/api/search", params={"q": REDACTED}).json()["total"] == 0
        sign_in(client, "search-contrib")  # contributors may not see restricted material
        contributor = client.get("/staff/api/search", params={"q": "type:narrative"}).json()
    assert contributor["index"] == "public" and not set(HIDDEN) & {h["id"] for h in contributor["hits"]}


def test_a_contributor_token_gets_the_public_index(archive, tokens):
    with TestClient(create_app(archive)) as client:
        answer = client.get("/api/search", params={"q": REDACTED}, headers=bearer(tokens["contributor"])).json()
    assert answer["index"] == "public" and answer["total"] == 0


@pytest.mark.parametrize("params", [
    {"q": REDACTED, "index": "staff"}, {"q": REDACTED, "staff": "1"}, {"q": REDACTED, "viewer": "curator"},
    {"q": REDACTED, "role": "admin"}, {"q": f"{REDACTED} OR type:narrative", "type": "narrative"},
    {"q": "*:*", "type": "narrative", "limit": "100"}, {"q": REDACTED, "token": "x"},
])
def test_no_parameter_takes_an_anonymous_caller_to_staff_results(archive, params):
    with TestClient(create_app(archive)) as client:
        answer = client.get("/api/search", params=params)
    body = answer.json()
    assert answer.status_code == 200 and body["index"] == "public"
    assert not set(HIDDEN) & {h["id"] for h in body["hits"]}
    assert all(REDACTED not in h["snippet"] and REDACTED not in h["title"] for h in body["hits"])


@pytest.mark.parametrize("header", ["Bearer rk_not-a-real-token", "Basic c2VhcmNoOnNlYXJjaA==", "Bearer "])
def test_an_unrecognised_authorization_is_a_401_not_a_quiet_answer(archive, header):
    with TestClient(create_app(archive)) as client:
        answer = client.get("/api/search", params={"q": REDACTED}, headers={"Authorization": header})
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    assert answer.headers["www-authenticate"] == "Bearer"


def test_a_repeated_search_is_answered_again_the_same_and_kept_apart_per_index(archive, tokens):
    with TestClient(create_app(archive)) as client:
        first = client.get("/api/search", params={"q": "hospital", "limit": "5"})
        again = client.get("/api/search", params={"q": "hospital", "limit": "5"})
        staff = client.get("/api/search", params={"q": "hospital", "limit": "5"}, headers=bearer(tokens["curator"]))
        assert first.content == again.content and first.headers["etag"] == again.headers["etag"]
        assert staff.json()["index"] == "staff"  # the public answer kept is never handed to staff
        assert client.get("/api/search", params={"q": "hospital", "limit": "5"},
                          headers={"If-None-Match": first.headers["etag"]}).status_code == 304
