"""A site served on another address than it was built for (`reckon serve --port` after a build
for another port) answers with the served address in every absolute link, from the files as
they are (web/site_base.py), instead of rebuilding every page for the new address."""

from __future__ import annotations

import dataclasses

from starlette.testclient import TestClient

from publish.pipeline import built_for, outputs_missing, publishing_settings
from server.app import create_app

SERVED = "http://127.0.0.1:9917/"
RECORD = "/records/rec-2008-ama-apology-press-release/"


def test_the_built_address_is_answered_as_the_served_one(sample):
    built = built_for(sample)
    assert built and built != SERVED
    page_on_disk = (sample.public_dir / RECORD.strip("/") / "index.html").read_text()
    assert built + RECORD.lstrip("/") in page_on_disk
    served = dataclasses.replace(sample, base_url=SERVED)
    assert not outputs_missing(served)  # no build for a new port: the same files, answered so
    assert publishing_settings(served).base_url == built  # a publish before serving keeps its keys
    with TestClient(create_app(served)) as client:
        for path in (RECORD, RECORD + "citation.json", "/sitemap.xml", "/feed.xml", "/robots.txt"):
            answer = client.get(path)
            assert answer.status_code == 200, path
            assert built not in answer.text and SERVED in answer.text, path
        assert f'content="{SERVED}{RECORD.lstrip("/")}"' in client.get(RECORD).text
        # Revalidated by the bytes sent, not by the file's own validators.
        first = client.get(RECORD)
        assert client.get(RECORD, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
        assert client.get("/no-such-page/").status_code == 404
    assert (sample.public_dir / RECORD.strip("/") / "index.html").read_text() == page_on_disk  # untouched


def test_a_base_url_set_or_under_another_path_is_published_afresh(sample):
    chosen = dataclasses.replace(sample, base_url="https://example.org/", base_url_set=True)
    assert outputs_missing(chosen) and publishing_settings(chosen) == chosen
    moved = dataclasses.replace(sample, base_url="http://127.0.0.1:9917/archive/")
    assert outputs_missing(moved) and publishing_settings(moved) == moved
