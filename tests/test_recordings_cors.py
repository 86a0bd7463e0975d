"""Outside IIIF viewers can play a public narrative's recording: its AV manifest and its
recording files (copy, captions, chapters) carry open CORS from `reckon serve` and from the
rules the build writes for nginx, Apache and Netlify/Cloudflare, as the image files do; a
narrative the public may no longer hear answers 404 or 410 with no CORS at all."""

from __future__ import annotations

import sys

import pytest
from starlette.testclient import TestClient

from archive.access import Role, Viewer
from archive.db import store_transaction
from archive.models import Narrative
from archive.store_consent import withdraw_narrative
from publish.host_rules import HEADERS_FILE, NGINX_FILE
from server.app import create_app
from tests.helpers.archives import copy_home
from tests.helpers.media import make_archive
from tests.helpers.servers import APACHE, NGINX, apache_site, http_get, nginx_site

FOLDER = "/narratives/nar-rec/"
OPEN = ["manifest.json", "recording-1.m4a", "recording-1.captions.vtt", "recording-1.chapters.vtt"]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    home = tmp_path_factory.mktemp("cors")
    make_archive(home)
    return home


@pytest.fixture
def recorded(template, tmp_path):
    return copy_home(template, tmp_path)


def change_access(settings, access: str) -> None:
    """Narrow access in the store only: the built files stay on disk until the next publish."""
    with store_transaction(settings) as session:
        if access == "withdrawn":
            withdraw_narrative(session, Viewer(Role.CURATOR, "carol"), "nar-rec", settings.today())
        else:
            session.get(Narrative, "nar-rec").access = access


def test_reckon_serve_opens_a_public_recording_to_other_sites(recorded):
    with TestClient(create_app(recorded)) as client:
        for name in OPEN:
            answer = client.get(FOLDER + name, headers={"Origin": "https://viewer.example.org"})
            assert answer.status_code == 200, name
            assert answer.headers["access-control-allow-origin"] == "*", name
        ranged = client.get(FOLDER + "recording-1.m4a", headers={"Range": "bytes=0-99", "Origin": "https://x.org"})
        assert ranged.status_code == 206 and ranged.headers["access-control-allow-origin"] == "*"
        assert "Content-Range" in ranged.headers["access-control-expose-headers"]
        page = client.get(FOLDER)
        assert page.status_code == 200 and "access-control-allow-origin" not in page.headers


@pytest.mark.parametrize("access, status", [("staff", 404), ("withdrawn", 410)])
def test_a_recording_the_public_may_no_longer_hear_is_not_opened(recorded, access, status):
    change_access(recorded, access)
    assert (recorded.public_dir / "narratives" / "nar-rec" / "recording-1.m4a").exists()  # not yet published
    with TestClient(create_app(recorded)) as client:
        for name in OPEN:
            answer = client.get(FOLDER + name, headers={"Origin": "https://viewer.example.org"})
            assert answer.status_code == status, name
            assert "access-control-allow-origin" not in answer.headers, name


def test_the_build_writes_the_same_opening_for_static_hosts(recorded):
    headers = (recorded.public_dir / HEADERS_FILE).read_text()
    assert "/narratives/:id/manifest.json\n  Access-Control-Allow-Origin: *" in headers
    assert "/narratives/:id/recording-*\n  Access-Control-Allow-Origin: *" in headers


def _check_host(base: str) -> None:
    for name in OPEN:
        status, headers, _ = http_get(base + FOLDER + name)
        assert status == 200 and headers.get("Access-Control-Allow-Origin") == "*", (name, headers)
        assert headers.get("Cache-Control") == "no-cache", name
    status, headers, _ = http_get(base + FOLDER)
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    status, headers, _ = http_get(base + "/records/")
    assert status == 200 and "Access-Control-Allow-Origin" not in headers


@pytest.mark.skipif(NGINX is None, reason="nginx not installed")
def test_nginx_with_the_snippet_opens_the_recording_files(recorded, tmp_path):
    root = recorded.public_dir.resolve()
    with nginx_site(root, root / NGINX_FILE, tmp_path) as base:
        _check_host(base)


@pytest.mark.skipif(APACHE is None or sys.platform != "linux", reason="Apache not installed")
def test_apache_with_the_htaccess_opens_the_recording_files(recorded, tmp_path):
    with apache_site(recorded.public_dir.resolve(), tmp_path) as base:
        _check_host(base)


