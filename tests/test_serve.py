"""`reckon serve` on a fresh folder: ingests, builds, and answers over real HTTP."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.helpers.archives import MINIMAL


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(tmp_path, port: int) -> subprocess.Popen:
    reckon = os.path.join(os.path.dirname(sys.executable), "reckon")
    env = {k: v for k, v in os.environ.items() if k != "RECKON_BASE_URL"}
    return subprocess.Popen([reckon, "serve", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(server: subprocess.Popen, base: str) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(base + "/", timeout=2)
        except httpx.TransportError:
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "server did not start within 60 s"
            time.sleep(0.3)


def stop(server: subprocess.Popen) -> str:
    server.terminate()
    server.wait(timeout=10)
    said = server.stdout.read()
    server.stdout.close()
    return said


def assert_links_use(base: str) -> None:
    """Every absolute link a reader's tool copies names the address being served."""
    cite = httpx.get(base + "/records/rec-2008-apology/citation.json").json()
    assert cite["URL"] == base + "/records/rec-2008-apology/"
    assert f"<loc>{base}/records/rec-2008-apology/</loc>" in httpx.get(base + "/sitemap.xml").text
    assert f"{base}/records/rec-2008-apology/" in httpx.get(base + "/downloads/records.csv").text
    page = httpx.get(base + "/records/rec-2008-apology/").text
    assert f'content="{base}/records/rec-2008-apology/"' in page


@pytest.mark.slow
def test_serve_builds_a_fresh_checkout_then_answers(tmp_path):
    shutil.copytree(MINIMAL, tmp_path / "content")
    port = free_port()
    server = serve(tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"
        home = wait_for(server, base)
        assert home.status_code == 200 and "Reckoning" in home.text
        assert httpx.get(base + "/harms/harm-exclusion/").status_code == 200
        assert httpx.get(base + "/api/search", params={"q": "apology"}).json()["total"] >= 1
        assert (tmp_path / "reckon.db").exists() and (tmp_path / "public" / "index.html").exists()
        assert_links_use(base)
    finally:
        said = stop(server)
    assert f"absolute links use the base URL {base}/ (the served address" in said

    # Served again on another port, nothing else changed: the site is not rebuilt for that
    # address (every page's key holds the base URL), its links are answered with it (web/site_base.py).
    page = tmp_path / "public" / "records" / "rec-2008-apology" / "index.html"
    built = page.read_bytes()
    other = free_port()
    server = serve(tmp_path, other)
    try:
        wait_for(server, f"http://127.0.0.1:{other}")
        assert_links_use(f"http://127.0.0.1:{other}")
    finally:
        said = stop(server)
    assert "built the site" not in said
    assert page.read_bytes() == built and f"{base}/records/rec-2008-apology/".encode() in built


def test_the_base_url_is_the_served_address_unless_one_is_set(tmp_path):
    from archive.settings import load_settings

    assert load_settings(home=tmp_path, environ={}, port=8123).base_url == "http://127.0.0.1:8123/"
    assert load_settings(home=tmp_path, environ={}, host="0.0.0.0", port=9).base_url == "http://127.0.0.1:9/"
    assert load_settings(home=tmp_path, environ={}, host="::1", port=9).base_url == "http://[::1]:9/"
    chosen = load_settings(home=tmp_path, environ={"RECKON_BASE_URL": "https://example.org/a/"}, port=8123)
    assert chosen.base_url == "https://example.org/a/" and chosen.base_url_set
