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


@pytest.mark.slow
def test_serve_builds_a_fresh_checkout_then_answers(tmp_path):
    shutil.copytree(MINIMAL, tmp_path / "content")
    port = free_port()
    reckon = os.path.join(os.path.dirname(sys.executable), "reckon")
    server = subprocess.Popen([reckon, "serve", "--port", str(port)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                home = httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "server did not start within 60 s"
                time.sleep(0.3)
        assert home.status_code == 200 and "Reckoning" in home.text
        assert httpx.get(base + "/harms/harm-exclusion/").status_code == 200
        assert httpx.get(base + "/api/search", params={"q": "apology"}).json()["total"] >= 1
        assert (tmp_path / "reckon.db").exists() and (tmp_path / "public" / "index.html").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
