"""The staff app in the tests: four accounts on a real archive, signed in over HTTP with real
passwords and CSRF tokens, and the submission form filled in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from archive.db import open_engine, transaction
from archive.submissions import Submission
from archive.users import create_user
from server.app import create_app
from tests.helpers.archives import copy_home, published_minimal

PASSWORD = "correct horse battery"
USERS = {"alice": "contributor", "bob": "contributor", "carol": "curator", "dana": "admin"}
FORM = {
    "title": "Working the night ward", "narrator_display": "R. M.", "narrator_name": "Private Personname",
    "anonymize": "1", "interviewer": "J. Interviewer", "date": "2019-03-14", "place": "Chicago",
    "language": "en", "summary": "A nurse remembers the segregated night ward.",
    "body": "## [00:00:00] Beginning\n**Narrator:** I started on the ward in 1961.\n",
    "content_note": "", "release_signed": "1", "release_date": "2019-03-14",
    "release_licence": "CC BY-NC 4.0", "scope": "public", "embargo_until": "", "narrator_review": "done",
}


def add_users(settings) -> None:
    engine = open_engine(settings)
    try:
        with transaction(engine) as session:
            for name, role in USERS.items():
                create_user(session, name, PASSWORD, role)
    finally:
        engine.dispose()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def sign_in(client, username: str, password: str = PASSWORD):
    client.cookies.clear()
    page = client.get("/staff/signin")
    return client.post("/staff/signin", data={"csrf_token": csrf_of(page.text), "username": username,
                                              "password": password})


def submit(client, then: str = "submit", **changes) -> str:
    """Fill in and send the submission form; returns the new narrative's id."""
    page = client.get("/staff/narratives/new")
    response = client.post("/staff/narratives/new",
                           data=FORM | changes | {"csrf_token": csrf_of(page.text), "then": then})
    assert response.status_code == 200, response.text
    return str(response.url).rstrip("/").rsplit("/", 1)[-1]


def act(client, sub_id: str, action: str, **extra):
    page = client.get(f"/staff/narratives/{sub_id}")
    return client.post(f"/staff/narratives/{sub_id}/act",
                       data={"csrf_token": csrf_of(page.text), "version": version_of(page.text),
                             "action": action, **extra})


def stored(settings, sub_id: str) -> Submission | None:
    engine = open_engine(settings)
    try:
        with Session(engine) as session:
            return session.exec(select(Submission).where(Submission.id == sub_id)).first()
    finally:
        engine.dispose()


def submissions(settings) -> list[Submission]:
    """Every submission in the store, read with a connection of its own."""
    engine = open_engine(settings)
    try:
        with Session(engine) as session:
            return list(session.exec(select(Submission)))
    finally:
        engine.dispose()


def staff_archive_template(home: Path, prepare: Callable[[Path], None] | None = None) -> Path:
    """The published minimal archive (see `published_minimal`) with the four accounts, in `home`.
    Unchanged it is the session's `staff_template` (tests/conftest.py); a module whose content
    differs (`prepare`) makes its own once, then copies it for each test."""
    add_users(published_minimal(home, prepare))
    return home


def staff_fixtures(name: str, prepare: Callable[[Path], None] | None = None):
    """The `template`, `archive` and `client` fixtures most staff test modules share: the staff
    archive (the session's `staff_template`, or, with `prepare`, one made once for the module),
    each test's own copy of it, and the real app over that copy. Assigned at module level:
    `template, archive, client = staff_fixtures("ledger")`."""
    if prepare is None:
        @pytest.fixture(scope="module")
        def template(staff_template: Path) -> Path:
            return staff_template
    else:
        @pytest.fixture(scope="module")
        def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
            return staff_archive_template(tmp_path_factory.mktemp(f"{name}-template"), prepare)

    @pytest.fixture
    def archive(template: Path, tmp_path: Path):
        return copy_home(template, tmp_path)

    @pytest.fixture
    def client(archive) -> Iterator[TestClient]:
        with TestClient(create_app(archive)) as test_client:
            yield test_client

    return template, archive, client


def signed_in_over_http(base: str, username: str, timeout: float = 30) -> httpx.Client:
    """An HTTP client signed in to the staff app of a running server at `base` (a real
    `reckon serve`, or nginx in front of several), as `username`."""
    client = httpx.Client(base_url=base, timeout=timeout, follow_redirects=True)
    page = client.get("/staff/signin")
    answer = client.post("/staff/signin", data={"csrf_token": csrf_of(page.text), "username": username,
                                                "password": PASSWORD})
    assert answer.status_code == 200 and "Signed in as" in answer.text, answer.text
    return client
