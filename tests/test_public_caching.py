"""Served copies never outlive consent: every public answer of `reckon serve` forces
revalidation (with its ETag), a withdrawn narrative's page answers 410 with its tombstone and
a hidden object's files 404 as soon as the store says so, the build writes the same rules for
static hosts (checked with real nginx and Apache when installed), and a purge command hears
of every changed URL."""

from __future__ import annotations

import dataclasses
import sys
import time

import pytest
from starlette.testclient import TestClient

from archive import site_lag
from archive.access import Role, Viewer
from archive.db import store_transaction
from archive.models import Record
from archive.store_consent import withdraw_narrative
from publish import pipeline
from publish.host_rules import HEADERS_FILE, HTACCESS_FILE, NGINX_FILE, REDIRECTS_FILE
from publish.pipeline import publish
from publish.purge import PENDING
from server.app import create_app
from tests.helpers.archives import copy_home
from tests.helpers.servers import APACHE, NGINX, apache_site, http_get, nginx_site

CAROL = Viewer(Role.CURATOR, "carol")


@pytest.fixture
def archive(published_copy):
    return published_copy


def withdraw(settings, narrative_id: str = "nar-a") -> None:
    with store_transaction(settings) as session:
        withdraw_narrative(session, CAROL, narrative_id, settings.today())


def set_access(settings, record_id: str, access: str) -> None:
    with store_transaction(settings) as session:
        session.get(Record, record_id).access = access


def test_every_public_answer_is_revalidated_and_carries_its_etag(archive):
    with TestClient(create_app(archive)) as client:
        for path in ("/", "/narratives/nar-a/", "/records/", "/static/style.css", "/feed.xml", "/sitemap.xml",
                     "/search/meta.json", "/api/narratives/nar-a", "/api/search?q=apology",
                     "/oai?verb=Identify", "/downloads/narratives.csv"):
            answer = client.get(path)
            assert answer.status_code == 200, path
            assert answer.headers["cache-control"] == "no-cache", path
            etag = answer.headers["etag"]
            again = client.get(path, headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.headers["cache-control"] == "no-cache", path
        assert client.get("/no/such/page/").headers["cache-control"] == "no-cache"
        assert client.get("/staff/signin").headers["cache-control"] == "no-store"  # staff: never kept


def test_a_withdrawn_narrative_answers_410_with_its_tombstone_before_and_after_the_publish(archive):
    old_page = (archive.public_dir / "narratives" / "nar-a" / "index.html").read_text()
    with TestClient(create_app(archive)) as client:
        etag = client.get("/narratives/nar-a/").headers["etag"]
        withdraw(archive)  # committed; the files on disk are still the old ones
        assert (archive.public_dir / "narratives" / "nar-a" / "index.html").read_text() == old_page
        for path in ("/narratives/nar-a/", "/narratives/nar-a/index.html"):
            gone = client.get(path, headers={"If-None-Match": etag})  # a browser's kept copy is not confirmed
            assert gone.status_code == 410, path
            assert "Testimony withdrawn" in gone.text and "apology" not in gone.text
            assert gone.headers["cache-control"] == "no-cache" and gone.headers["x-robots-tag"] == "noindex"
        publish(archive)
        built = (archive.public_dir / "narratives" / "nar-a" / "index.html").read_text()
        gone = client.get("/narratives/nar-a/")
        assert gone.status_code == 410 and gone.text == built  # the same page the build wrote
        # Made staff-only: not even a tombstone, though its old files are still on disk.
        set_access(archive, "rec-2008-apology", "staff")
        assert (archive.public_dir / "records" / "rec-2008-apology" / "citation.json").exists()
        for path in ("/records/rec-2008-apology/", "/records/rec-2008-apology/citation.json"):
            hidden = client.get(path)
            assert hidden.status_code == 404 and "apology" not in hidden.text.lower(), path
        assert client.get("/records/").status_code == 200  # a section's list is not an object's file


def test_the_build_writes_the_same_rules_for_static_hosts(archive):
    withdraw(archive)
    publish(archive)
    public = archive.public_dir
    headers = (public / HEADERS_FILE).read_text()
    assert "/*\n  Cache-Control: no-cache" in headers and "/narratives/nar-a/\n  X-Robots-Tag: noindex" in headers
    assert "/narratives/nar-a/  /narratives/nar-a/index.html  410!" in (public / REDIRECTS_FILE).read_text()
    assert "RewriteRule ^narratives/nar\\-a/(index\\.html)?$ - [G]" in (public / HTACCESS_FILE).read_text()
    assert "location = /narratives/nar-a/ {" in (public / NGINX_FILE).read_text()
    nginx = (public / NGINX_FILE).read_text()
    assert "/narratives/nar-b/" in nginx and "/narratives/nar-g/" in nginx  # withdrawn in their files
    assert "nar-c" not in nginx and "nar-d" not in nginx  # only tombstones are named, never hidden ones


def _check_host(base: str) -> None:
    status, headers, body = http_get(base + "/records/")
    assert status == 200 and headers["Cache-Control"] == "no-cache"
    for path in ("/narratives/nar-a/", "/narratives/nar-a/index.html"):
        status, headers, body = http_get(base + path)
        assert status == 410, path
        assert "Testimony withdrawn" in body and headers["Cache-Control"] == "no-cache", path
        assert headers["X-Robots-Tag"] == "noindex", path
    assert http_get(base + "/records/rec-2008-apology/")[0] == 200


@pytest.fixture
def withdrawn_site(archive):
    withdraw(archive)
    publish(archive)
    return archive.public_dir.resolve()


@pytest.mark.skipif(NGINX is None, reason="nginx not installed")
def test_nginx_with_the_snippet_answers_as_reckon_serve_does(withdrawn_site, tmp_path):
    with nginx_site(withdrawn_site, withdrawn_site / NGINX_FILE, tmp_path) as base:
        _check_host(base)


@pytest.mark.skipif(APACHE is None or sys.platform != "linux", reason="Apache not installed")
def test_apache_with_the_htaccess_answers_as_reckon_serve_does(withdrawn_site, tmp_path):
    with apache_site(withdrawn_site, tmp_path) as base:
        _check_host(base)


def test_the_purge_command_hears_every_changed_url_and_a_failed_one_is_retried(published_template, tmp_path):
    heard = tmp_path / "purged.txt"
    script = tmp_path / "purge.py"
    script.write_text("import sys, pathlib\n"
                      f"p = pathlib.Path({str(heard)!r})\n"
                      "if pathlib.Path(p.parent / 'fail').exists(): sys.exit('CDN says no')\n"
                      "p.write_text(p.read_text() + '\\n'.join(sys.argv[1:]) + '\\n' if p.exists() else "
                      "'\\n'.join(sys.argv[1:]) + '\\n')\n")
    settings = dataclasses.replace(copy_home(published_template, tmp_path),
                                   purge_command=f"{sys.executable} {script}")
    (tmp_path / "fail").write_text("")
    withdraw(settings)
    with pytest.raises(Exception, match="CDN says no"):
        publish(settings)
    with store_transaction(settings) as session:
        [row] = site_lag.current(session).pending
    assert "purge command" in row.failure and "CDN says no" in row.failure
    assert "http://127.0.0.1:8000/narratives/nar-a/" in (settings.build_cache_dir / PENDING).read_text()
    (tmp_path / "fail").unlink()
    report = pipeline.publish(settings)  # nothing changed since; the pending URLs are purged now
    urls = heard.read_text().split()
    assert "http://127.0.0.1:8000/narratives/nar-a/" in urls and "http://127.0.0.1:8000/feed.xml" in urls
    assert "http://127.0.0.1:8000/narratives/nar-a/index.html" in urls and report.purged == len(set(urls))
    assert not (settings.build_cache_dir / PENDING).exists()


def test_the_purge_command_is_a_setting_read_from_the_environment():
    from archive.settings import load_settings

    assert load_settings(environ={"RECKON_PURGE_COMMAND": "purge-cdn --zone a"}).purge_command == "purge-cdn --zone a"
    assert load_settings(environ={}).purge_command is None


def test_an_oai_answer_made_a_second_later_still_revalidates(archive):
    # Its only difference is the responseDate, so a harvester's kept copy is still good (a weak ETag).
    with TestClient(create_app(archive)) as client:
        first = client.get("/oai?verb=Identify")
        time.sleep(1.1)
        later = client.get("/oai?verb=Identify", headers={"If-None-Match": first.headers["etag"]})
        assert first.headers["etag"].startswith('W/"') and later.status_code == 304
        changed = client.get("/oai?verb=ListSets", headers={"If-None-Match": first.headers["etag"]})
        assert changed.status_code == 200 and changed.headers["etag"] != first.headers["etag"]
