"""`reckon serve --no-ingest --workers N`: only serving, from several processes that all answer
alike at once after a write; `/healthz` for a load balancer; a graceful stop on SIGTERM.

Real `reckon` processes on free loopback ports, sharing one store (SQLite here, PostgreSQL under
`pytest --postgres`) and one working folder.
"""

from __future__ import annotations

import os
import signal
import subprocess

import httpx
import pytest
from sqlalchemy import create_engine
from starlette.testclient import TestClient

from ingest.pipeline import ingest
from server.app import create_app
from tests.helpers.archives import RECKON, copy_home
from tests.helpers.servers import free_port, wait_until_answering

RECORD = "/api/records/rec-2008-apology"


def start(settings, *options: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=settings.database_url, RECKON_TODAY=settings.today().isoformat())
    process = subprocess.Popen([RECKON, "--home", str(settings.home), "serve", "--no-ingest", "--port", str(port),
                                *options], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    wait_until_answering(base + "/healthz", process, "reckon serve")
    return process, base


def stop(process: subprocess.Popen) -> str:
    """SIGTERM, as a service manager stops it: the process must end by itself, cleanly (uvicorn
    raises the signal again once it has shut down, so the exit tells what stopped it)."""
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=40)
    assert process.returncode in (0, -signal.SIGTERM), err
    assert "Traceback" not in err, err
    return out + err


@pytest.fixture(scope="module")
def archive(published_template, tmp_path_factory):
    return copy_home(published_template, tmp_path_factory.mktemp("serve-workers"))


@pytest.mark.slow
def test_processes_that_share_a_store_all_answer_a_write_at_once(archive):
    """Each process keeps answers until the store's generation moves; a write made elsewhere (an
    ingest, in this test's process) moves it for all of them before their next answer. Started
    with --no-ingest, they leave the store alone: content added before is not read."""
    unread = archive.content_dir / "records" / "rec-2099-unread.md"
    unread.write_text("---\nid: rec-2099-unread\ntitle: Not ingested yet\ndate: 2001\nsource: A test.\n---\nUnread.\n")
    servers = [start(archive, "--workers", "2"), start(archive)]
    try:
        bases = [base for _, base in servers]
        before = {}
        for base in bases:
            assert httpx.get(base + "/api/records/rec-2099-unread").status_code == 404
            health = httpx.get(base + "/healthz")
            assert health.json() == {"status": "ok"} and health.headers["cache-control"] == "no-store"
            for _ in range(6):  # every worker of the first process has the answer kept
                answer = httpx.get(base + RECORD)
                assert answer.status_code == 200 and answer.json()["title"] == "The AMA apologizes"
                before[base] = answer.headers["etag"]
        assert len(set(before.values())) == 1  # the same bytes from every process: the same ETag

        page = archive.content_dir / "records" / "rec-2008-apology.md"
        page.write_text(page.read_text().replace("title: The AMA apologizes", "title: The AMA apologises"))
        assert ingest(archive).changed

        for base in bases:
            for _ in range(6):
                answer = httpx.get(base + RECORD, headers={"If-None-Match": before[base]})
                assert answer.status_code == 200 and answer.json()["title"] == "The AMA apologises", base
                assert answer.headers["etag"] != before[base]
            assert httpx.get(base + "/api/records/rec-2099-unread").status_code == 200
    finally:
        logs = [stop(process) for process, _ in servers]
    assert "with 2 processes" in logs[0]


def test_health_is_503_in_the_error_shape_when_the_store_does_not_answer(archive):
    with TestClient(create_app(archive)) as client:
        assert client.get("/healthz").status_code == 200
        engine = client.app.state.engine
        client.app.state.engine = create_engine("sqlite:////nonexistent-folder/reckon.db")
        try:
            answer = client.get("/healthz")
        finally:
            client.app.state.engine.dispose()
            client.app.state.engine = engine
    assert answer.status_code == 503 and answer.headers["cache-control"] == "no-store"
    assert answer.json()["error"] == "unavailable"
