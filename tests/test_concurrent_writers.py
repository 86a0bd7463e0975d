"""Many staff writing at once against a real server lose nothing and merge nothing silently.

`reckon serve` runs in its own process on a free loopback port (uvicorn, the real SQLite file);
threads sign in over HTTP with real passwords and CSRF tokens, and submit and edit at the same
moment. Every submission must be stored exactly once, of simultaneous edits made from the same
version exactly one may win and the others get the clear refusal, and no request may fail with
a server error (a SQLite "database is locked" would be one).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import threading
from collections import Counter

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.helpers.archives import RECKON, copy_home
from tests.helpers.racing import save_stale_edits_at_once, submit_at_once
from tests.helpers.servers import free_port, wait_until_answering
from tests.helpers.staff import (
    FORM,
    csrf_of,
    signed_in_over_http,
    submissions,
)

WRITERS = 12
EACH = 4
STALE_EDITORS = 6


def start_server(settings, port: int) -> subprocess.Popen:
    # One base URL for both processes, the one the site was built for (as operations.md advises
    # for several processes), and --no-ingest: the archive is published already; two processes
    # publishing one working folder at once would race each other, as the docs warn.
    env = dict(os.environ, RECKON_TODAY=settings.today().isoformat(), RECKON_SECRET_KEY="concurrency-test-key",
               RECKON_BASE_URL=settings.base_url, DATABASE_URL=settings.database_url)
    return subprocess.Popen([RECKON, "--home", str(settings.home), "serve", "--no-ingest", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def servers(staff_template, tmp_path_factory):
    """Two `reckon serve` processes on one store (as README advises, with one secret key), so
    writes really race in SQLite, not only in one event loop."""
    minimal = copy_home(staff_template, tmp_path_factory.mktemp("concurrent"))
    ports = [free_port(), free_port()]
    processes = [start_server(minimal, port) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for process, base in zip(processes, bases):
            wait_until_answering(base + "/staff/signin", process, "reckon serve")
        yield minimal, bases
    finally:
        logs = []
        for process in processes:
            process.terminate()
            logs.append(process.communicate(timeout=10)[1])
    for log in logs:
        assert "Traceback" not in log, log  # no unhandled error reached a server's log


def signed_in(base: str, username: str) -> httpx.Client:
    return signed_in_over_http(base, username, timeout=30)



@pytest.mark.slow
def test_simultaneous_submissions_are_all_kept_exactly_once(servers):
    settings, bases = servers
    sent, statuses = submit_at_once(lambda n: signed_in(bases[n % 2], "alice" if n % 4 < 2 else "bob"),
                                    WRITERS, EACH, "Concurrent testimony")
    assert statuses == Counter({200: WRITERS * EACH}), statuses
    kept = Counter(sub.title for sub in submissions(settings))
    assert {t: kept[t] for t in sent} == {t: 1 for t in sent}  # every one, each exactly once
    assert len({sub.id for sub in submissions(settings)}) == len(sent)


@pytest.mark.slow
def test_simultaneous_stale_edits_one_wins_the_others_are_refused(servers):
    settings, bases = servers
    editors = [signed_in(bases[0], "alice")] + [signed_in(bases[n % 2], "carol") for n in range(1, STALE_EDITORS)]
    sub_id, answers = save_stale_edits_at_once(editors, "Edited by editor")
    statuses = Counter(a.status_code for a in answers)
    assert statuses == Counter({200: 1, 409: STALE_EDITORS - 1}), statuses
    winner = next(n for n, a in enumerate(answers) if a.status_code == 200)
    for answer in answers:
        if answer.status_code == 409:
            assert "Your changes were NOT saved" in answer.text
            assert re.search(r'name="title"[^>]*value="Edited by editor \d"', answer.text)  # what was typed is kept
    (stored,) = [s for s in submissions(settings) if s.id == sub_id]
    assert stored.title == f"Edited by editor {winner}"
    for client in editors:
        client.close()


def write_lock_held(settings):
    """A connection of another process holding what a submission's save must wait for: SQLite's
    write lock, or on PostgreSQL a lock on the submissions' table (staff submissions are not in
    the change log, so a save does not wait for the writers' turn its triggers take)."""
    if settings.sqlite_path is not None:
        holder = sqlite3.connect(settings.sqlite_path, timeout=30, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        return holder
    holder = create_engine(settings.database_url, poolclass=NullPool).connect()
    holder.execute(text("LOCK TABLE submission IN EXCLUSIVE MODE"))
    return holder


@pytest.mark.slow
def test_a_store_held_by_another_writer_delays_a_submission_or_refuses_it_cleanly(servers):
    """Store busy: another process holding the write lock for a moment (a `reckon ingest`, a
    backup) makes a submission wait (busy or lock timeout) and succeed; held past the timeout,
    the answer is a clear 503 to retry, never a 500, and nothing half-written is left."""
    settings, bases = servers
    client = signed_in(bases[0], "bob")

    def submit_while_held(seconds: float, title: str) -> httpx.Response:
        token = csrf_of(client.get("/staff/narratives/new").text)
        holder = write_lock_held(settings)
        releaser = threading.Timer(seconds, holder.rollback)
        releaser.start()
        try:
            return client.post("/staff/narratives/new", data=FORM | {"title": title, "csrf_token": token,
                                                                    "then": "save"})
        finally:
            releaser.join()
            holder.close()

    waited = submit_while_held(1.5, "Held for a moment")
    assert waited.status_code == 200 and "Held for a moment" in waited.text
    refused = submit_while_held(7, "Held too long")
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "busy" and refused.headers["retry-after"]
    titles = [sub.title for sub in submissions(settings)]
    assert titles.count("Held for a moment") == 1 and "Held too long" not in titles
    client.close()
