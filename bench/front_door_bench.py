"""Record GETs and searches through nginx, in front of 1, 2 and 4 `reckon serve` processes, on
SQLite and on PostgreSQL: requests per second, p50 and p99.

    .venv/bin/python bench/front_door_bench.py [--records 20000] [--seconds 10] [--connections 32]

Generates N records (words from bench/corpus.py, kept in bench/.corpus-words-N/), ingests them
once into a SQLite store and once into a PostgreSQL store (a throwaway cluster of Debian's
postgresql, as the tests start: fsync off, which changes nothing for reads), then for each
store and each process count starts `reckon serve --no-ingest --workers N` behind nginx with
docs/operations.md's configuration and drives it with wrk for each scenario:

- record GETs rotating over every record: more distinct ids than a process's answer cache
  holds (10,000), so every answer is read from the store (the honest cost);
- searches rotating over 1,500 distinct words (more than the search answer cache holds).

wrk, nginx, PostgreSQL and the processes all share this machine's cores. Prints one line per
run; nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.settings import load_settings
from bench.api_bench import DISTINCT_SEARCHES, free_port, run_wrk, search_words
from bench.corpus import documents
from ingest.pipeline import ingest
from publish.pipeline import index_all
from tests.helpers.front_door import nginx_in_front
from tests.helpers.postgres import Cluster
from tests.helpers.servers import wait_until_answering

RECKON = str(Path(sys.executable).parent / "reckon")


def generate(folder: Path, count: int) -> Path:
    """A content folder of `count` records of ~150 words drawn from bench/corpus.py's 30,000-word
    vocabulary (so there are thousands of distinct words to search for), made once."""
    if (folder / ".complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "records").mkdir(parents=True)
    (folder / "taxonomy.yaml").write_text(
        "harm_types:\n  - id: ht-exclusion\n    label: Exclusion from membership\n"
        "affected_groups:\n  - id: ag-black-physicians\n    label: Black physicians\n", encoding="utf-8")
    for doc in documents(count, words_per_doc=150):
        (folder / "records" / f"{doc['id']}.md").write_text(
            f"---\nid: {doc['id']}\ntitle: {json.dumps(doc['title'])}\ndate: {json.dumps(doc['date'])}\n"
            f"type: minutes\nsource: \"Generated benchmark source\"\n---\n{doc['text']}\n", encoding="utf-8")
    (folder / ".complete").write_text("ok")
    return folder


def prepared(store: str, content: Path, home: Path, cluster: Cluster | None):
    home.mkdir(parents=True)
    database = {}
    if cluster is not None:
        cluster.create("bench")
        database = {"database_url": cluster.url("bench")}
    settings = load_settings(home=home, environ={}, content_dir=content, **database)
    started = time.perf_counter()
    ingest(settings)
    index_all(settings)
    (home / "public").mkdir(exist_ok=True)  # the site itself is not measured: API and search only
    print(f"{store}: ingested and indexed {content.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return settings


def measure(store: str, settings, workers: int, scenarios: dict[str, list[str]], args, work: Path) -> None:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=settings.database_url, RECKON_SECRET_KEY="bench")
    server = subprocess.Popen([RECKON, "--home", str(settings.home), "serve", "--no-ingest", "--port", str(port),
                               "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    prefix = Path(tempfile.mkdtemp(prefix="nginx-", dir=work))
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/healthz", server, "reckon serve", seconds=120)
        with nginx_in_front(prefix, free_port(), settings.public_dir, [port, port]) as base:
            for name, paths in scenarios.items():
                for path in paths[:200]:  # every process warmed a little, as a running server is
                    httpx.get(base + path, timeout=30).raise_for_status()
                load = os.getloadavg()[0]
                r = run_wrk(base, paths, args.seconds, args.connections, prefix)
                print(f"{store:10s} {workers} proc  {name:34s} {r['rps']:7.0f} req/s  p50 {r['p50_ms']:6.1f} ms"
                      f"  p99 {r['p99_ms']:7.1f} ms  errors {r['errors']}  non-2xx {r['non2xx']}"
                      f"  (load before {load:.1f})", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    content = generate(REPO / "bench" / f".corpus-words-{args.records}", args.records)
    ids = sorted(p.stem for p in (content / "records").glob("*.md"))
    print(f"{args.records} records, wrk -t1 -c{args.connections} -d{args.seconds}s, {os.cpu_count()} cores",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="reckon-front-bench-") as tmp:
        work = Path(tmp)
        for store in args.stores.split(","):
            cluster = Cluster.start() if store == "postgresql" else None
            try:
                settings = prepared(store, content, work / store, cluster)
                scenarios = {
                    f"record GETs over {len(ids)} ids": [f"/api/records/{i}" for i in ids],
                    f"searches, {DISTINCT_SEARCHES} distinct words": [
                        f"/api/search?q={w}" for w in search_words(settings, DISTINCT_SEARCHES)],
                }
                for workers in (int(n) for n in args.workers.split(",")):
                    measure(store, settings, workers, scenarios, args, work)
            finally:
                if cluster is not None:
                    cluster.stop()


if __name__ == "__main__":
    main()
