"""Servers for clients that need real HTTP: the app in uvicorn on a thread of this process, or
`reckon serve` as a process of its own."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from archive.db import store_transaction
from archive.settings import Settings, load_settings
from archive.users import create_user
from server.app import create_app
from tests.helpers.archives import RECKON


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(settings: Settings, **options) -> Iterator[str]:
    """Serve `create_app(settings)` (lifespan and all) and yield its base URL; `options` go to
    uvicorn (e.g. the proxy settings `reckon serve` passes)."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def reckon_serve(home: Path, users: dict[str, str], password: str) -> Iterator[str]:
    """`reckon serve` as a real process in `home` (its content/ already there, ingested and
    published or not), with these staff accounts added first, in this process, by the call
    `reckon user add` makes (tests/test_staff_cli.py runs the command itself); yields the base
    URL once it answers."""
    settings = load_settings(home=home, environ={}, content_dir=home / "content")
    with store_transaction(settings) as session:
        for name, role in users.items():
            create_user(session, name, password, role, actor="cli")
    port = free_port()
    process = subprocess.Popen([RECKON, "serve", "--port", str(port)], cwd=home,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "server did not start within 60 s"
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
