"""Requests per second and p95 latency of the API on one uvicorn worker, driven by wrk.

    .venv/bin/python bench/api_bench.py [--seconds 10] [--connections 32] [--content content]

Ingests and publishes the content into a temporary home, starts one uvicorn worker on a
free loopback port, then runs wrk (Debian: `apt-get install -y wrk`) for each scenario:
one record GET over and over, GETs rotating over every public record, a collection page
with a facet filter, and a search. wrk and the server share this machine's two cores.
Prints one line per scenario and exits; nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.settings import load_settings
from ingest.pipeline import ingest
from publish.pipeline import publish
from search.indexer import read_manifest

# wrk's Lua hooks: rotate over a list of paths, and print p95 and totals as JSON at the end.
LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%f, "p50_ms": %%f, "p95_ms": %%f, "p99_ms": %%f, "errors": %%d, "non2xx": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


DISTINCT_SEARCHES = 1500
# Each word asked with several page sizes: 7,500 distinct searches in rotation, so a 10 s run
# below 750 req/s never asks one twice and every request misses the answer cache (32 MB holds
# all 1,500 of the words alone).
PAGE_SIZES = (18, 19, 20, 21, 22)


def search_words(settings, count: int) -> list[str]:
    """Words the public index holds ("did you mean" vocabulary), the commonest first."""
    vocabulary = read_manifest(settings.index_dir)["vocabulary"]
    words = sorted((w for w in vocabulary if w.isascii() and w.isalpha()), key=lambda w: (-vocabulary[w], w))
    return words[:count]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_wrk(base: str, paths: list[str], seconds: int, connections: int, workdir: Path) -> dict:
    script = workdir / "rotate.lua"
    script.write_text(LUA % ", ".join(json.dumps(p) for p in paths))
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--content", default=str(REPO / "content"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory(prefix="reckon-bench-") as tmp:
        home = Path(tmp)
        settings = load_settings(home=home, environ={}, content_dir=args.content)
        ingest(settings)
        publish(settings)
        port = free_port()
        env = {**os.environ, "RECKON_HOME": str(home), "RECKON_CONTENT": args.content,
               "PYTHONPATH": str(REPO)}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.api_serve:app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"],
            cwd=REPO, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    records = httpx.get(base + "/api/records?limit=100", timeout=5).json()["items"]
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit("the server did not start")
                    time.sleep(0.2)
            record_paths = [r["api_url"] for r in records]
            distinct = [f"/api/search?q={word}&limit={size}" for size in PAGE_SIZES
                        for word in search_words(settings, DISTINCT_SEARCHES)]
            facet = records[0]["harm_types"][0] if records[0]["harm_types"] else "ht-exclusion-from-membership"
            scenarios = {
                "one record GET": [record_paths[0]],
                f"record GETs over {len(record_paths)} records": record_paths,
                "collection page with a facet filter": [f"/api/records?harm_type={facet}&limit=20"],
                "search": ["/api/search?q=apology", "/api/search?q=exclusion", "/api/search?q=hospital"],
                # More distinct searches than the answer cache holds, asked in rotation: every
                # request misses the cache and runs the engine (the honest cost of a search).
                f"search, {len(distinct)} distinct queries (no cache hits)": distinct,
            }
            print(f"one uvicorn worker, wrk -t1 -c{args.connections} -d{args.seconds}s, {os.cpu_count()} cores")
            for name, paths in scenarios.items():
                for path in paths:  # warm the view cache, as a running server would be
                    httpx.get(base + path, timeout=10).raise_for_status()
                r = run_wrk(base, paths, args.seconds, args.connections, home)
                print(f"{name:45s} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms"
                      f"  p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}  non-2xx {r['non2xx']}")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
