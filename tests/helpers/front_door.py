"""nginx in front of `reckon serve`, configured by the very block docs/operations.md gives: for
tests/test_front_door.py and bench/front_door_bench.py."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.servers import wait_until_answering

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "operations.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def documented_block() -> str:
    return re.search(r"```nginx\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL).group(1)


def nginx_config(prefix: Path, port: int, public: Path, upstreams: list[int]) -> str:
    """The documented block with this port, site folder and processes (two upstream ports; the
    same port twice for one `--workers N` command), in the smallest whole nginx configuration
    around it, its logs and temporary files under `prefix`."""
    block = documented_block()
    for old, new in (("listen 80;", f"listen 127.0.0.1:{port};"), ("/srv/reckon/public", str(public)),
                     ("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}"),
                     ("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}")):
        assert old in block, f"docs/operations.md's nginx block no longer has {old!r}"
        block = block.replace(old, new)
    temp = " ".join(f"{kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                      "uwsgi", "scgi"))
    return f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    log_format front '$status $upstream_addr $request_method $uri';
    access_log {prefix / "access.log"} front;
    {temp}
{block}
}}
"""


@contextmanager
def nginx_in_front(prefix: Path, port: int, public: Path, upstreams: list[int]) -> Iterator[str]:
    """nginx running the documented configuration; yields its base URL, stops it gracefully."""
    assert Path(NGINX).exists(), "nginx is not installed: apt-get install nginx"
    (prefix / "nginx.conf").write_text(nginx_config(prefix, port, public, upstreams))
    nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base + "/healthz", nginx, "nginx")
        yield base
    finally:
        nginx.send_signal(signal.SIGQUIT)  # nginx's graceful stop
        nginx.communicate(timeout=30)


def served(prefix: Path) -> list[tuple[int, str]]:
    """Every answer nginx logged: (status, the process that made it, or '-' for a file from disk)."""
    lines = (prefix / "access.log").read_text().splitlines()
    return [(int(line.split()[0]), line.split()[1]) for line in lines]
