"""Search benchmark: index build time, index size and query latency per query kind.

    python -m bench.search_bench --engine whoosh --n 10000
    python -m bench.search_bench --engine tantivy --n 100000
    python -m bench.search_bench --engine fts5 --n 100000      # SQLite FTS5, the baseline
    python -m bench.search_bench --engine postgres --n 100000  # PostgreSQL FTS, in a throwaway cluster

The engines run through the archive's own `search/` code (write_index, open_index, search),
so the figures include what users get: the manifest and "did you mean" vocabulary at
build time, snippets and facet counts at query time. FTS5 is driven directly with SQL over
the same documents as a yardstick. Prints one Markdown table row per query kind.

The postgres engine runs against `--database-url`, or else a throwaway cluster started here
(tests/helpers/postgres.py: a Unix socket, fsync off, 64 MB shared buffers). Its work is done
by the server, so its CPU figures add the server process's CPU time (read from /proc for the
connection's backend) to this process's; its index size is the tables' and indexes' on disk.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.corpus import HARM_TYPES, documents, query_words
from search.indexer import write_index
from search.language import FACETS
from search.query import open_index, search

KINDS = ("word", "two words", "phrase", "boolean", "fuzzy", "date range", "faceted")


def make_queries(count: int, docs: list[dict], seed: int = 1968) -> list[tuple[str, str, dict]]:
    """`count` queries spread evenly over the kinds: (kind, query, options)."""
    rng = random.Random(seed)
    words = query_words()
    queries = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        common, mid, rare = rng.choice(words["common"]), rng.choice(words["middling"]), rng.choice(words["rare"])
        options: dict = {"facets": ()}
        if kind == "word":
            query = rng.choice([mid, rare])
        elif kind == "two words":
            query = f"{common} {mid}"
        elif kind == "phrase":
            text = rng.choice(docs)["text"].lower().rstrip(".").split()
            start = rng.randrange(len(text) - 2)
            query = '"' + " ".join(text[start:start + 2]) + '"'
        elif kind == "boolean":
            query = f"({mid} OR {rare}) NOT {common}"
        elif kind == "fuzzy":
            query = mid[:-1] + ("a" if mid[-1] != "a" else "e") + "~"
        elif kind == "date range":
            start = rng.randint(1850, 2000)
            query, options = mid, {"facets": (), "date_from": str(start), "date_to": str(start + 20)}
        else:
            query, options = common, {"facets": FACETS, "filters": {"harm_type": [rng.choice(HARM_TYPES)]}}
        queries.append((kind, query, options))
    return queries


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Clock:
    """Wall-clock and CPU time of this process (all its threads) since `start`.

    On a shared machine the wall clock includes waiting for a core; the CPU time is what the
    work itself cost, close to what an idle machine's wall clock would show for single-threaded
    work. Both are reported."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


class ServerClock(Clock):
    """This process's CPU time plus that of the PostgreSQL backends serving `pids`."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        super().__init__()
        self.server = _server_cpu(pids)

    def stop(self) -> tuple[float, float]:
        wall, cpu = super().stop()
        return wall, cpu + _server_cpu(self.pids) - self.server


def _server_cpu(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_engine(name: str, docs: list[dict], folder: Path, queries, options: dict, reuse: bool = False,
               warm: list | None = None, database_url: str | None = None):
    clock = Clock()
    if not (reuse and (folder / "index").exists()):
        write_index(docs, folder / "index", name, {}, None, database_url=database_url, **options)
    build = clock.stop()
    ix = open_index(folder / "index", database_url)
    for _, query, opts in (queries[:10] if warm is None else warm):  # warm the caches, as a running server would be
        search(ix, query, 20, **opts)
    pids = _backends(ix)
    timings: dict[str, list[tuple[float, float]]] = {k: [] for k in KINDS}
    for kind, query, opts in queries:
        clock = ServerClock(pids) if pids else Clock()
        search(ix, query, 20, **opts)
        timings[kind].append(clock.stop())
    size = folder_size(folder / "index") + (_tables_size(ix) if pids else 0)
    ix.close()
    return build, size, timings


def _backends(ix) -> list[int]:
    """The server processes answering the postgres engine's queries (one here: queries run one
    at a time, so the reader's pool holds one connection)."""
    reader, _ = ix._current()
    connections = getattr(reader, "connections", None)
    return [conn.info.backend_pid for conn in connections._all] if connections is not None else []


def _tables_size(ix) -> int:
    reader, _ = ix._current()
    with reader.connections.connection() as conn:
        return sum(conn.execute("SELECT pg_total_relation_size(%s)", (name,)).fetchone()[0]
                   for name in (reader.table, f"{reader.table}_terms", f"{reader.table}_vocab"))


def throwaway_database() -> str:
    """A new database in a PostgreSQL cluster started for this run (stopped when it ends)."""
    from tests.helpers.postgres import Cluster

    cluster = Cluster.start()
    cluster.create("bench")
    return cluster.url("bench")


# -- SQLite FTS5, the baseline ----------------------------------------------------------------

def fts5_build(docs: list[dict], path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.executescript("""
        PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE VIRTUAL TABLE fts USING fts5(title, text, people, tokenize='porter unicode61');
        CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT, type TEXT, lower INT, upper INT);
        CREATE TABLE facet(rowid INT, name TEXT, value TEXT);
    """)
    with db:
        for rowid, d in enumerate(docs, 1):
            db.execute("INSERT INTO fts(rowid, title, text, people) VALUES (?,?,?,?)",
                       (rowid, d["title"], d["text"], d["people"]))
            db.execute("INSERT INTO docs VALUES (?,?,?,?,?)", (rowid, d["id"], d["type"], d["date_lower"], d["date_upper"]))
            db.executemany("INSERT INTO facet VALUES (?,?,?)",
                           [(rowid, f, v) for f in ("harm_type", "affected_group", "institution", "decade")
                            for v in d[f]] + [(rowid, "type", d["type"])])
        db.execute("CREATE INDEX facet_row ON facet(rowid)")
        db.execute("CREATE INDEX facet_value ON facet(name, value, rowid)")
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    return db


def fts5_query(db: sqlite3.Connection, query: str, opts: dict) -> None:
    match = query.replace("~", "*")  # FTS5 has no fuzzy terms: a prefix is the nearest it has
    where, args = "fts MATCH ?", [match]
    if "date_from" in opts:
        where += " AND docs.lower <= ? AND docs.upper >= ?"
        args += [int(opts["date_to"]) * 10000 + 1231, int(opts["date_from"]) * 10000 + 101]
    for name, values in opts.get("filters", {}).items():
        where += " AND fts.rowid IN (SELECT rowid FROM facet WHERE name = ? AND value = ?)"
        args += [name, values[0]]
    db.execute(f"SELECT docs.id, snippet(fts, 1, '<mark>', '</mark>', '…', 30) FROM fts "
               f"JOIN docs ON docs.rowid = fts.rowid WHERE {where} ORDER BY bm25(fts, 2.0, 1.0, 1.0) LIMIT 20",
               args).fetchall()
    db.execute(f"SELECT count(*) FROM fts JOIN docs ON docs.rowid = fts.rowid WHERE {where}", args).fetchone()
    if opts.get("facets"):
        db.execute(f"SELECT facet.name, facet.value, count(*) FROM facet WHERE facet.rowid IN "
                   f"(SELECT fts.rowid FROM fts JOIN docs ON docs.rowid = fts.rowid WHERE {where}) "
                   f"GROUP BY facet.name, facet.value", args).fetchall()


def run_fts5(docs: list[dict], folder: Path, queries):
    clock = Clock()
    db = fts5_build(docs, folder / "fts.db")
    build = clock.stop()
    timings: dict[str, list[tuple[float, float]]] = {k: [] for k in KINDS}
    for _, query, opts in queries[:10]:
        fts5_query(db, query, opts)
    for kind, query, opts in queries:
        clock = Clock()
        fts5_query(db, query, opts)
        timings[kind].append(clock.stop())
    db.close()
    return build, folder_size(folder), timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("whoosh", "tantivy", "postgres", "fts5"), required=True)
    parser.add_argument("--database-url", help="postgres: the store to index into (default: a throwaway cluster)")
    parser.add_argument("--n", type=int, default=10_000, help="records in the corpus")
    parser.add_argument("--queries", type=int, default=210, help="queries in the mix (30 per kind)")
    parser.add_argument("--procs", type=int, default=1, help="whoosh writer processes")
    parser.add_argument("--threads", type=int, default=1, help="tantivy writer threads")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the index in this folder and keep it; if it already holds one, "
                             "reuse it (no build: the build figure is then ~0)")
    parser.add_argument("--kind", choices=KINDS, default=None, help="run only this query kind")
    args = parser.parse_args()

    start = time.perf_counter()
    docs = list(documents(args.n))
    print(f"generated {len(docs)} documents in {time.perf_counter() - start:.1f} s")
    queries = make_queries(args.queries, docs)
    warm = queries[:10]  # the mix's first ten, also when only one kind is timed
    if args.kind is not None:
        queries = [q for q in queries if q[0] == args.kind]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="reckon-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if args.engine == "fts5":
            build, size, timings = run_fts5(docs, folder, queries)
        else:
            options = {"whoosh": {"procs": args.procs}, "tantivy": {"threads": args.threads}}.get(args.engine, {})
            url = args.database_url or (throwaway_database() if args.engine == "postgres" else None)
            build, size, timings = run_engine(args.engine, docs, folder, queries, options, args.keep is not None,
                                              warm, url)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    def ms(values: list[tuple[float, float]], which: int, q: float) -> str:
        return f"{percentile([v[which] for v in values], q) * 1000:.2f}"

    everything = [t for ts in timings.values() for t in ts]
    print(f"\n{args.engine}, {args.n:,} records: build {build[0]:.1f} s wall / {build[1]:.1f} s CPU, "
          f"index {size / 1e6:.0f} MB, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| engine | N | query kind | p50 ms wall | p95 ms wall | p50 ms CPU | p95 ms CPU |")
    print("|---|---|---|---|---|---|---|")
    for kind, ts in [*((k, t) for k, t in timings.items() if t), ("all", everything)]:
        print(f"| {args.engine} | {args.n:,} | {kind} | {ms(ts, 0, 0.5)} | {ms(ts, 0, 0.95)} | "
              f"{ms(ts, 1, 0.5)} | {ms(ts, 1, 0.95)} |")


if __name__ == "__main__":
    main()
