"""The staff session cookie: HttpOnly and SameSite always, Secure whenever the archive is reached
over TLS, and a client that merely claims TLS without a trusted proxy does not make it so.

Real uvicorn (in a thread, with the same proxy options `reckon serve` gives it), real HTTP.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import httpx
import pytest

from tests.helpers.servers import live_server
from tests.helpers.staff import PASSWORD, add_users, csrf_of
from web.security import server_options


@contextmanager
def serving(settings):
    with live_server(settings, **server_options(settings)) as base:
        yield base


def sign_in_cookie(base: str, headers: dict | None = None) -> str:
    """The Set-Cookie header of a real sign-in as alice. The session cookie is sent back by hand:
    a client rightly keeps a Secure cookie from a plain-HTTP connection (here, the hop behind
    the proxy)."""
    headers = headers or {}
    page = httpx.get(base + "/staff/signin", headers=headers)
    session = page.headers["set-cookie"].split(";", 1)[0]
    answer = httpx.post(base + "/staff/signin", headers=headers | {"Cookie": session},
                        data={"csrf_token": csrf_of(page.text), "username": "alice", "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return answer.headers["set-cookie"].lower()


@pytest.fixture
def staff_archive(minimal):
    add_users(minimal)
    return minimal


def test_cookie_is_httponly_and_samesite_and_not_secure_over_plain_http(staff_archive):
    with serving(staff_archive) as base:
        cookie = sign_in_cookie(base)
    assert "reckon_staff=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "path=/staff" in cookie and "secure" not in cookie


def test_cookie_is_secure_behind_a_trusted_tls_proxy(staff_archive):
    # The test client connects from 127.0.0.1, a trusted proxy by default (RECKON_TRUSTED_PROXIES).
    with serving(staff_archive) as base:
        cookie = sign_in_cookie(base, {"X-Forwarded-Proto": "https"})
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_a_claim_of_tls_from_an_untrusted_address_is_ignored(staff_archive):
    elsewhere = dataclasses.replace(staff_archive, trusted_proxies="10.9.8.7")
    with serving(elsewhere) as base:
        cookie = sign_in_cookie(base, {"X-Forwarded-Proto": "https"})
    assert "secure" not in cookie and "httponly" in cookie


def test_cookie_is_always_secure_when_the_archive_lives_at_an_https_address(staff_archive):
    published = dataclasses.replace(staff_archive, base_url="https://archive.example.org/")
    with serving(published) as base:
        cookie = sign_in_cookie(base)  # even if a request reaches it over plain HTTP
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_the_trusted_proxies_setting_is_read_from_the_environment(tmp_path):
    from archive.settings import load_settings

    assert load_settings(home=tmp_path, environ={}).trusted_proxies == "127.0.0.1,::1"
    assert load_settings(home=tmp_path, environ={"RECKON_TRUSTED_PROXIES": "10.0.0.2"}).trusted_proxies == "10.0.0.2"
