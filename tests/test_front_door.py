"""The front door of docs/operations.md, run: Debian's nginx on loopback, with the very nginx
block the docs give, in front of two `reckon serve --no-ingest` processes sharing one PostgreSQL.

Signed-in staff submit and edit at the same moment through nginx: every submission is kept
exactly once, of simultaneous edits from one version one wins and the others get 409, and no
answer is a 5xx. nginx serves the site from disk with the app's security headers, hands the
app's paths to both processes, and sets the forwarded headers itself.

Under `pytest --postgres` only (it needs the cluster, and Debian's nginx: see .ci/run).
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter

import httpx
import pytest

from tests.helpers import postgres
from tests.helpers.archives import RECKON, copy_home
from tests.helpers.front_door import nginx_in_front, served
from tests.helpers.racing import save_stale_edits_at_once, submit_at_once
from tests.helpers.servers import free_port, wait_until_answering
from tests.helpers.staff import (
    signed_in_over_http,
    submissions,
)
from web.security import HEADERS

pytestmark = [pytest.mark.skipif(not postgres.in_use(), reason="runs with `pytest --postgres`"),
              pytest.mark.slow]

WRITERS = 8
EACH = 4
STALE_EDITORS = 6


@pytest.fixture(scope="module")
def front_door(staff_template, tmp_path_factory):
    """nginx on a free port in front of two `reckon serve --no-ingest` processes, one store."""
    archive = copy_home(staff_template, tmp_path_factory.mktemp("front-door"))
    ports = [free_port(), free_port()]
    env = dict(os.environ, DATABASE_URL=archive.database_url, RECKON_TODAY=archive.today().isoformat(),
               RECKON_SECRET_KEY="front-door-test-key")
    servers = [subprocess.Popen([RECKON, "--home", str(archive.home), "serve", "--no-ingest", "--port", str(port)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for port in ports]
    prefix = tmp_path_factory.mktemp("nginx")
    try:
        for server, upstream in zip(servers, ports):
            wait_until_answering(f"http://127.0.0.1:{upstream}/healthz", server, "reckon serve")
        with nginx_in_front(prefix, free_port(), archive.public_dir, ports) as base:
            yield archive, base, prefix, ports
    finally:
        logs = []
        for server in servers:
            server.terminate()
            logs.append(server.communicate(timeout=40)[1])
    for log in logs:
        assert "Traceback" not in log, log  # no unhandled error reached a server's log


def signed_in(base: str, username: str) -> httpx.Client:
    return signed_in_over_http(base, username, timeout=60)


def test_the_site_comes_from_disk_with_the_apps_headers_and_the_app_from_both_processes(front_door):
    _, base, prefix, ports = front_door
    page = httpx.get(base + "/records/rec-2008-apology/")
    assert page.status_code == 200 and "The AMA apologizes" in page.text
    app_answer = httpx.get(base + "/api/records/rec-2008-apology")
    assert app_answer.status_code == 200
    for name, value in HEADERS:  # the same security headers, whoever made the answer
        assert page.headers[name.decode()] == app_answer.headers[name.decode()] == value.decode(), name
    missing = httpx.get(base + "/records/no-such-record/")
    assert missing.status_code == 404 and "content-security-policy" in missing.headers
    download = httpx.get(base + "/downloads/records.jsonl")  # the media type the app gives it too
    assert download.status_code == 200 and download.headers["content-type"] == "application/jsonl"
    assert download.headers["x-frame-options"] == "DENY" and download.headers["cache-control"] == "no-cache"
    with_etag = httpx.get(base + "/records/rec-2008-apology/", headers={"If-None-Match": page.headers["etag"]})
    assert with_etag.status_code == 304  # revalidated, not sent again
    for _ in range(6):
        assert httpx.get(base + "/api/records/rec-2008-apology").status_code == 200
    upstreams = {where for _, where in served(prefix)}
    assert {f"127.0.0.1:{port}" for port in ports} <= upstreams  # both processes answered
    assert "-" in upstreams  # and the page came from disk


def test_forwarded_headers_are_nginxs_not_the_clients(front_door):
    """A client claiming TLS through plain-HTTP nginx gets no Secure cookie: nginx replaced the
    header, and reckon believes it only from nginx's address."""
    _, base, _, _ = front_door
    page = httpx.get(base + "/staff/signin", headers={"X-Forwarded-Proto": "https"})
    assert page.status_code == 200
    assert "secure" not in page.headers.get("set-cookie", "").lower()


def test_simultaneous_submissions_through_nginx_are_all_kept_exactly_once(front_door):
    archive, base, prefix, _ = front_door
    sent, statuses = submit_at_once(lambda n: signed_in(base, "alice" if n % 2 else "bob"),
                                    WRITERS, EACH, "Front door testimony")
    assert statuses == Counter({200: WRITERS * EACH}), statuses
    kept = Counter(sub.title for sub in submissions(archive))
    assert {t: kept[t] for t in sent} == {t: 1 for t in sent}  # every one, each exactly once
    assert not [status for status, _ in served(prefix) if status >= 500]


def test_simultaneous_stale_edits_through_nginx_one_wins_the_others_get_409(front_door):
    archive, base, prefix, _ = front_door
    editors = [signed_in(base, "alice")] + [signed_in(base, "carol") for _ in range(1, STALE_EDITORS)]
    sub_id, answers = save_stale_edits_at_once(editors, "Edited at the front door by")
    assert Counter(a.status_code for a in answers) == Counter({200: 1, 409: STALE_EDITORS - 1})
    winner = next(n for n, a in enumerate(answers) if a.status_code == 200)
    (stored,) = [s for s in submissions(archive) if s.id == sub_id]
    assert stored.title == f"Edited at the front door by {winner}"
    for client in editors:
        client.close()
    assert not [status for status, _ in served(prefix) if status >= 500]
