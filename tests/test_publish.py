"""The published outputs (site, index, API) of a small archive holding every consent state.

Each hidden narrative in the fixture carries one invented word used nowhere else; none of
those words, nor an anonymized narrator's private name, may reach any public output.
"""

from __future__ import annotations

import errno
import html
import os
from datetime import date

import pytest
from jinja2 import UndefinedError
from starlette.testclient import TestClient

from archive import site_lag
from archive.db import store_transaction
from ingest.pipeline import ingest
from publish import pipeline, up_to_date
from publish.build import build_site
from publish.pipeline import index_all as pipeline_index_all
from publish.pipeline import publish, publish_if_patchable
from search.indexer import staff_index_dir
from search.query import open_index, search
from server.app import create_app
from tests.helpers.archives import HIDDEN_WORDS, PRIVATE_NAME, make_settings
from tests.helpers.content import edit
from tests.helpers.postgres import in_use as postgres_in_use
from tests.helpers.sites import assert_same_as_fresh_build


@pytest.fixture
def published(published_copy):
    return published_copy


def public_text(settings) -> str:
    return "\n".join(p.read_text(errors="replace") for p in settings.public_dir.rglob("*") if p.is_file())


def test_site_has_a_page_per_public_object_and_an_index_per_section(published):
    public = published.public_dir
    for page in ["index.html", "records/index.html", "records/rec-2008-apology/index.html",
                 "harms/index.html", "harms/harm-exclusion/index.html", "narratives/index.html",
                 "narratives/nar-a/index.html", "timelines/index.html", "timelines/tl-a/index.html",
                 "404.html", "search/index.html", "static/style.css"]:
        assert (public / page).is_file(), page
    harm = (public / "harms/harm-exclusion/index.html").read_text()
    assert "failed, across the span of a century" in harm
    assert 'href="/records/rec-2008-apology/"' in harm


def test_no_hidden_narrative_reaches_the_site(published):
    text = public_text(published)
    for object_id, word in HIDDEN_WORDS.items():
        assert word not in text, object_id
        assert not (published.public_dir / "narratives" / object_id / "index.html").exists() or \
            object_id in ("nar-b", "nar-g")
    assert PRIVATE_NAME not in text
    assert "Shown Zanzibarquux" not in text


def test_withdrawn_narratives_leave_a_tombstone_without_content(published):
    for object_id in ("nar-b", "nar-g"):
        page = html.unescape((published.public_dir / "narratives" / object_id / "index.html").read_text())
        assert "withdrawn at the narrator's request" in page


def test_timeline_entries_about_hidden_objects_are_left_out(published):
    page = (published.public_dir / "timelines/tl-a/index.html").read_text()
    assert "Apology" in page and "Withdrawn thing" not in page


def test_no_hidden_narrative_reaches_the_index(published):
    ix = open_index(published.index_dir)
    for word in list(HIDDEN_WORDS.values()) + ["Legalname"]:
        assert search(ix, word).total == 0, word
    stored = " ".join(str(fields) for fields in ix.stored_documents())
    for word in HIDDEN_WORDS.values():
        assert word not in stored
    assert search(ix, "apology").total >= 1


def test_api_shows_anonymous_callers_only_what_the_site_shows(published):
    with TestClient(create_app(published)) as client:
        assert client.get("/api/records/rec-2008-apology").json()["title"] == "The AMA apologizes"
        narrative = client.get("/api/narratives/nar-a").json()
        assert narrative["narrator"] == "Shown Q (pseudonym)" or "pseudonym" in narrative["narrator"]
        assert PRIVATE_NAME not in str(narrative) and "consent" not in narrative
        for object_id in ("nar-c", "nar-d", "nar-e", "nar-f"):
            response = client.get(f"/api/narratives/{object_id}")
            assert response.status_code == 404
            assert response.json() == {"error": "not_found", "detail": f"no narrative '{object_id}'"}
        for object_id in ("nar-b", "nar-g"):
            response = client.get(f"/api/narratives/{object_id}")
            assert response.status_code == 410
            assert HIDDEN_WORDS[object_id] not in response.text
        listing = client.get("/api/narratives").json()
        assert [i["id"] for i in listing["items"]] == ["nar-a"]
        for word in HIDDEN_WORDS.values():
            assert client.get("/api/search", params={"q": word}).json()["total"] == 0


def test_embargo_opens_at_the_next_build_after_its_date(published, tmp_path):
    later = make_settings(published.home, published.content_dir, today=date(2045, 1, 2))
    publish(later)
    assert "Quillobard" in public_text(later)
    hits = search(open_index(later.index_dir), "Quillobard").hits  # the narrative and its segment
    assert hits and {h.parent or h.id for h in hits} == {"nar-c"}
    assert "Morvendale" not in public_text(later)


def test_markdown_never_passes_raw_html(minimal):
    path = minimal.content_dir / "records/rec-2008-apology.md"
    path.write_text(path.read_text() + "\n<script>alert('x')</script>\n")
    ingest(minimal)
    build_site(minimal)
    page = (minimal.public_dir / "records/rec-2008-apology/index.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_a_failed_build_leaves_the_previous_site_in_place(published):
    before = (published.public_dir / "index.html").read_text()
    # A theme folder in the working directory overrides the shipped one: break a copy of it.
    theme = published.home / "site"
    (theme / "templates").mkdir(parents=True)
    for template in (published.site_dir / "templates").iterdir():
        if template.is_dir():  # e.g. staff/: not used by the public build
            continue
        (theme / "templates" / template.name).write_text(template.read_text())
    (theme / "templates" / "record.html").write_text("{% extends 'base.html' %}{% block main %}{{ item.nope.deeper }}{% endblock %}")
    broken = make_settings(published.home, published.content_dir)
    assert broken.site_dir == theme
    with pytest.raises(UndefinedError):
        build_site(broken)
    assert (published.public_dir / "index.html").read_text() == before
    assert not list(published.home.glob(".public.new-*"))


def test_api_errors_have_one_shape(published):
    with TestClient(create_app(published)) as client:
        assert client.get("/api/harms/harm-nope").json() == {"error": "not_found", "detail": "no harm 'harm-nope'"}
        assert client.get("/api/nothing").json()["error"] == "not_found"
        bad = client.get("/api/search", params={"q": "apology", "limit": "many"})
        assert bad.status_code == 400 and set(bad.json()) == {"error", "detail"}
        assert client.get("/no-such-page/").status_code == 404


@pytest.mark.forks
def test_an_ingests_patch_is_made_while_a_forked_process_updates_both_indexes(published, tmp_path, monkeypatch):
    publish(published)  # a whole publish: the site can be patched from here
    where = tmp_path / "indexed-by"

    def index_all_noting_its_process(settings):
        where.write_text(str(os.getpid()))
        return pipeline_index_all(settings)

    monkeypatch.setattr(pipeline, "index_all", index_all_noting_its_process)
    edit(published, "records/rec-2008-apology.md", "The AMA apologized.", "The AMA apologized to Quenterby.")
    ingest(published)
    public, site = publish_if_patchable(published)
    assert int(where.read_text()) != os.getpid()  # another process updated the indexes
    assert site is not None and site.patched and public.added == 1  # its report came back
    assert "Quenterby" in (published.public_dir / "records/rec-2008-apology/index.html").read_text()
    assert [h.id for h in search(open_index(published.index_dir), "Quenterby").hits] == ["rec-2008-apology"]
    assert [h.id for h in search(open_index(staff_index_dir(published)), "Quenterby").hits] == ["rec-2008-apology"]
    # Both done: the stamp says so, where there is one (a SQLite store; PostgreSQL never gets one).
    assert (up_to_date.current(published) is not None) == (not postgres_in_use())
    assert_same_as_fresh_build(published, tmp_path)


def test_an_index_failing_in_the_forked_process_fails_the_publish_as_itself(published, monkeypatch):
    publish(published)

    def full_disk(settings):
        raise OSError(errno.ENOSPC, "No space left on device", str(settings.index_dir))

    monkeypatch.setattr(pipeline, "index_all", full_disk)
    edit(published, "records/rec-2008-apology.md", "The AMA apologized.", "The AMA apologized again.")
    ingest(published)
    with pytest.raises(OSError, match="No space left") as raised:
        publish_if_patchable(published)
    assert raised.value.filename == str(published.index_dir)  # the CLI names the folder
    assert up_to_date.current(published) is None  # no stamp: `reckon build` publishes again
    with store_transaction(published) as session:
        assert "OSError" in site_lag.current(session).failed[0].failure  # the staff pages say so
