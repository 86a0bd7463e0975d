"""The sign-in rate limit lives in the store: shared by server processes, kept over restarts.

Two app instances (as two uvicorn workers would be) on one real SQLite file.
"""

from __future__ import annotations

import shutil

import pytest
from starlette.testclient import TestClient

from archive.db import open_engine
from archive.signin_limits import StoreSignInLimiter, failures_stored
from server.app import create_app
from tests.helpers.archives import MINIMAL, make_settings
from tests.helpers.staff import PASSWORD, add_users, sign_in


@pytest.fixture
def archive(tmp_path):
    shutil.copytree(MINIMAL, tmp_path / "content")
    settings = make_settings(tmp_path, tmp_path / "content")
    add_users(settings)
    return settings


def test_failures_on_two_workers_add_up_and_the_lock_survives_a_restart(archive):
    with TestClient(create_app(archive)) as one, TestClient(create_app(archive)) as two:
        for client in (one, two, one, two):
            response = sign_in(client, "alice", "wrong password")
            assert response.status_code == 401 and "Wrong username or password." in response.text
        fifth = sign_in(two, "alice", "wrong password")
        assert fifth.status_code == 401
        for client in (one, two):  # five failures over two processes: both refuse, even the right password
            locked = sign_in(client, "alice", PASSWORD)
            assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
            assert int(locked.headers["retry-after"]) > 800
        assert sign_in(one, "bob").status_code == 200  # another name is not locked out
    with TestClient(create_app(archive)) as restarted:  # a fresh process: the store remembers
        locked = sign_in(restarted, "alice", PASSWORD)
        assert locked.status_code == 429


def test_a_success_clears_the_count_and_old_failures_leave_the_window(archive):
    engine = open_engine(archive)
    now = [1_000_000.0]
    limiter = StoreSignInLimiter(clock=lambda: now[0])
    key = ("alice", "10.0.0.1")
    try:
        delays = [limiter.failed(engine, key) for _ in range(4)]
        assert delays == pytest.approx([0.2, 0.4, 0.6, 0.8])  # each failure answered more slowly
        assert limiter.retry_after(engine, key) == 0
        limiter.succeeded(engine, key)
        assert failures_stored(engine) == 0
        for _ in range(5):
            limiter.failed(engine, key)
        assert limiter.retry_after(engine, key) == 900
        assert limiter.retry_after(engine, ("alice", "10.0.0.2")) == 0  # another address
        now[0] += 600
        assert limiter.retry_after(engine, key) == 300
        now[0] += 301
        assert limiter.retry_after(engine, key) == 0
        limiter.failed(engine, ("bob", "10.0.0.1"))  # a new failure sweeps out the expired rows
        assert failures_stored(engine) == 1
    finally:
        engine.dispose()
