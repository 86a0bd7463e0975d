"""Narrowing access is one action: the staff app's withdrawal, a narrative made staff-only or
embargoed again by editing it, and an approved redaction reach every public copy in the same
request (static pages, feed, sitemap, downloads, static search shards, both search indexes
and the anonymous API), with no Publish click; a failure to publish is loud and stays on
every staff page until a publish succeeds. Real store, indexes, site and staff app over HTTP.
"""

from __future__ import annotations

import os
import time

from starlette.testclient import TestClient

from archive import site_lag
from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.fork_safety import can_fork
from audit.leaks import audit
from publish import build as site_build
from publish import pipeline
from publish.pipeline import STAFF
from publish.pipeline import index_all as pipeline_index_all
from search.incremental import bring_up_to_date
from search.indexer import staff_index_dir
from server.app import create_app
from tests.helpers.content import sentence_in_nar_a
from tests.helpers.staff import (
    FORM,
    act,
    csrf_of,
    sign_in,
    staff_fixtures,
    submit,
    version_of,
)

WORD = "Plovdivquench"  # in nar-a's transcript only
SUB_WORD = "Zaraquindle"  # in the staff submission's transcript only
TEXT_SUFFIXES = (".html", ".json", ".xml", ".csv", ".jsonl", ".txt")


template, archive, _ = staff_fixtures("propagation", sentence_in_nar_a(WORD))


def public_files(settings) -> dict[str, str]:
    """Every text file of the published site (through the `public` symlink), by path."""
    root = settings.public_dir.resolve()
    return {p.relative_to(root).as_posix(): p.read_text(errors="replace") for p in root.rglob("*")
            if p.is_file() and p.suffix in TEXT_SUFFIXES and not p.relative_to(root).as_posix().startswith(".")}


def indexes_current(settings) -> bool:
    """Both search indexes already show the store as it is (an update finds nothing to write)."""
    with store_transaction(settings) as session:
        public = bring_up_to_date(Catalog(session, PUBLIC, settings.today()), settings.index_dir,
                                  settings.search_engine)
        staff = bring_up_to_date(Catalog(session, STAFF, settings.today()), staff_index_dir(settings),
                                 settings.search_engine)
    return not (public.added or public.deleted or public.rebuilt or staff.added or staff.deleted or staff.rebuilt)


def lag_rows(settings) -> list:
    with store_transaction(settings) as session:
        return site_lag.current(session).pending


def assert_everywhere_gone(client, settings, narrative_id: str, word: str, tombstone: bool) -> None:
    files = public_files(settings)
    page = f"narratives/{narrative_id}/index.html"
    if tombstone:
        assert "withdrawn at the narrator" in files[page]
    else:
        assert page not in files
    leaking = sorted(path for path, text in files.items() if word in text)
    assert leaking == [], f"{word} still in {leaking}"
    url = f"/narratives/{narrative_id}/"
    for name in ["feed.xml", "sitemap.xml", "downloads/narratives.csv", "downloads/narratives.jsonl"]:
        assert url not in files[name], name
    assert not any(url in text for path, text in files.items() if path.startswith("search/"))
    assert client.get(f"/api/search?q={word}").json()["total"] == 0
    assert word not in client.get("/api/search?q=ward").text  # no snippet keeps it either
    assert indexes_current(settings)
    assert lag_rows(settings) == []  # nothing left for a later publish
    assert audit(settings).leaks == []


def test_withdrawing_a_content_file_narrative_reaches_every_public_copy_at_once(archive, record_property):
    assert WORD in public_files(archive)["narratives/nar-a/index.html"]
    with TestClient(create_app(archive)) as client:
        assert client.get(f"/api/search?q={WORD}").json()["total"] == 1
        sign_in(client, "carol")
        page = client.get("/staff/store/narratives")
        started = time.perf_counter()
        done = client.post("/staff/store/narratives/nar-a/withdraw",
                           data={"csrf_token": csrf_of(page.text), "confirm": "yes"})
        seconds = time.perf_counter() - started
        assert done.status_code == 200 and "Withdrew nar-a" in done.text
        assert "public site, the feed, the downloads and both search indexes were updated" in done.text
        assert "Public site out of date" not in done.text
        assert_everywhere_gone(client, archive, "nar-a", WORD, tombstone=True)
    # A figure, not a limit (the machine is shared): bench/README.md has the measured ones.
    record_property("figure", f"withdrawal on the minimal archive reached every copy in {seconds:.2f} s")


def test_a_staff_submission_withdrawn_edited_to_staff_only_or_embargoed_leaves_every_copy(archive):
    body = f"## [00:00:00] Start\n**Narrator:** The {SUB_WORD} ward closed in 1962.\n"
    with TestClient(create_app(archive)) as client:
        sign_in(client, "carol")
        ids = []
        for title in ("First night ward", "Second night ward", "Third night ward"):
            sub_id = submit(client, title=title, body=body)
            assert act(client, sub_id, "publish").status_code == 200
            ids.append(sub_id)
        files = public_files(archive)
        assert all(SUB_WORD in files[f"narratives/{i}/index.html"] for i in ids)
        withdrawn, staff_only, embargoed = ids

        page = client.get(f"/staff/narratives/{withdrawn}")
        client.post(f"/staff/narratives/{withdrawn}/withdraw", data={"csrf_token": csrf_of(page.text),
                                                                      "confirm": "yes"})
        assert "withdrawn at the narrator" in public_files(archive)[f"narratives/{withdrawn}/index.html"]

        for sub_id, change in ((staff_only, {"scope": "staff"}), (embargoed, {"embargo_until": "2099-01-01"})):
            form = client.get(f"/staff/narratives/{sub_id}/edit")
            saved = client.post(f"/staff/narratives/{sub_id}/edit",
                                data=FORM | {"title": "x", "body": body} | change
                                | {"csrf_token": csrf_of(form.text), "version": version_of(form.text),
                                   "then": "save"})
            assert saved.status_code == 200 and "both search indexes were updated" in saved.text
            assert f"narratives/{sub_id}/index.html" not in public_files(archive)
        assert_everywhere_gone(client, archive, staff_only, SUB_WORD, tombstone=False)
        assert_everywhere_gone(client, archive, embargoed, SUB_WORD, tombstone=False)


def test_an_approved_redaction_leaves_every_copy_in_the_same_request(archive):
    with TestClient(create_app(archive)) as client:
        sign_in(client, "carol")
        page = client.get("/staff/redactions/nar-a")
        added = client.post("/staff/redactions/nar-a/add", data={"csrf_token": csrf_of(page.text), "text": WORD,
                                                                 "category": "name of a third party"})
        assert added.status_code == 200 and "both search indexes were updated" in added.text
        files = public_files(archive)
        assert "redacted: name of a third party" in files["narratives/nar-a/index.html"]
        assert client.get(f"/api/search?q={WORD}").json()["total"] == 0
        assert not [path for path, text in files.items() if WORD in text]
        assert indexes_current(archive) and lag_rows(archive) == []


def test_a_failed_publish_is_loud_and_stays_on_the_dashboard_until_one_succeeds(archive, monkeypatch):
    def broken(settings):
        raise OSError("No space left on device")

    with TestClient(create_app(archive)) as client:
        sign_in(client, "carol")
        page = client.get("/staff/store/narratives")
        with monkeypatch.context() as patched:
            patched.setattr(site_build, "build_site", broken)
            done = client.post("/staff/store/narratives/nar-a/withdraw",
                               data={"csrf_token": csrf_of(page.text), "confirm": "yes"})
        assert done.status_code == 200
        assert "PUBLIC SITE COULD NOT BE UPDATED" in done.text and "No space left on device" in done.text
        dashboard = client.get("/staff/")
        assert "Public site out of date" in dashboard.text and "withdrew nar-a" in dashboard.text
        assert 'role="alert"' in dashboard.text
        [row] = lag_rows(archive)
        assert row.failure == "OSError: No space left on device" and row.actor == "carol"
        # The API already refuses it; the static page is still the old one, and says so nowhere
        # else: hence the warning. The next successful publish clears it.
        assert client.get("/api/narratives/nar-a").status_code == 410
        published = client.post("/staff/publish", data={"csrf_token": csrf_of(dashboard.text)})
        assert published.status_code == 200 and "Public site out of date" not in published.text
        assert lag_rows(archive) == []
        assert_everywhere_gone(client, archive, "nar-a", WORD, tombstone=True)


def test_a_withdrawal_is_published_from_the_servers_thread_without_forking_it(archive, monkeypatch):
    """The staff server publishes on one of its worker threads: a fork there would copy one
    thread of many, and a child hung on a lock another thread held would leave the withdrawn
    page public. The indexes are updated in the server's own process instead."""
    where: list[tuple[int, bool]] = []

    def index_all_noting_its_process(settings):
        where.append((os.getpid(), can_fork()))
        return pipeline_index_all(settings)

    monkeypatch.setattr(pipeline, "index_all", index_all_noting_its_process)
    with TestClient(create_app(archive)) as client:
        sign_in(client, "carol")
        page = client.get("/staff/store/narratives")
        done = client.post("/staff/store/narratives/nar-a/withdraw",
                           data={"csrf_token": csrf_of(page.text), "confirm": "yes"})
        assert done.status_code == 200 and "Public site out of date" not in done.text
        assert_everywhere_gone(client, archive, "nar-a", WORD, tombstone=True)
    assert where == [(os.getpid(), False)]
