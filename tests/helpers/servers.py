"""Servers for clients that need real HTTP: the app in uvicorn on a thread of this process,
`reckon serve` as a process of its own, or the built site behind real nginx or Apache with the
rules the build writes for them (`nginx_site`, `apache_site`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
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


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
APACHE = "/usr/sbin/apache2" if Path("/usr/sbin/apache2").exists() else None


def http_get(url: str) -> tuple[int, dict, str]:
    """Status, headers and body of a plain GET (an error status is an answer, not an exception)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, dict(answer.headers), answer.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def _wait_for(url: str) -> None:
    for _ in range(100):
        try:
            http_get(url)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


@contextmanager
def _running(command: list[str], base: str) -> Iterator[str]:
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(base + "/")
        yield base
    finally:
        server.terminate()
        server.wait()


@contextmanager
def nginx_site(root: Path, snippet: Path, scratch: Path) -> Iterator[str]:
    """nginx serving the published folder `root` with the build's `snippet` included; yields its URL."""
    port = free_port()
    conf = scratch / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""  # workers must read the test's private folder
    conf.write_text(f"""{user} daemon off; pid {scratch}/nginx.pid; error_log {scratch}/error.log;
events {{}}
http {{
  access_log off; client_body_temp_path {scratch}; proxy_temp_path {scratch}; fastcgi_temp_path {scratch};
  uwsgi_temp_path {scratch}; scgi_temp_path {scratch};
  include /etc/nginx/mime.types;
  server {{ listen 127.0.0.1:{port}; root {root}; include {snippet}; }}
}}
""")
    with _running([NGINX or "nginx", "-c", str(conf), "-p", str(scratch)], f"http://127.0.0.1:{port}") as base:
        yield base


@contextmanager
def apache_site(root: Path, scratch: Path) -> Iterator[str]:
    """Apache serving the published folder `root`, reading its `.htaccess`; yields its URL."""
    port = free_port()
    modules = "/usr/lib/apache2/modules"
    conf = scratch / "apache.conf"
    conf.write_text(f"""ServerRoot {scratch}
PidFile {scratch}/apache.pid
ErrorLog {scratch}/error.log
Listen 127.0.0.1:{port}
ServerName localhost
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule dir_module {modules}/mod_dir.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule headers_module {modules}/mod_headers.so
LoadModule rewrite_module {modules}/mod_rewrite.so
TypesConfig /etc/mime.types
DocumentRoot {root}
DirectoryIndex index.html
<Directory {root}>
  AllowOverride FileInfo
  Require all granted
</Directory>
""")
    with _running([APACHE or "apache2", "-X", "-f", str(conf)], f"http://127.0.0.1:{port}") as base:
        yield base


def wait_until_answering(url: str, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    """Wait for a started server process to answer `url` with 200; kill it and raise with its output if it
    exits or `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{what} did not start: {process.communicate()}")
        time.sleep(0.1)
