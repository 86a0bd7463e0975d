"""Benchmark: the whole `reckon build` (both search index updates + the site) after one record
changed, in a fresh process, as a user runs it.

    PYTHONPATH=. .venv/bin/python bench/reckon_build_bench.py --home DIR [--runs 3] [--engine tantivy]

DIR must hold a store and a site a full `reckon build` already made (e.g. `build_bench.py
--home DIR --full-only`, then `reckon --home DIR build`). Each run changes one random generated
record's row (as the other benches do, `build_bench.change_one_record`) and runs `reckon build`
as a subprocess, timed from outside: wall, and the child's CPU (user + system, from
`getrusage(RUSAGE_CHILDREN)`, so render workers count too). With `--importtime` it also prints
the import cost of the CLI's modules in a fresh interpreter. Each figure comes with the load
average, since the machine is shared. Not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_bench import change_one_record

from archive.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def reckon_build(home: Path, engine: str, code: Path = ROOT) -> tuple[float, float, str]:
    """`reckon build` in a new interpreter: wall, CPU of it and its children, its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "reckon.cli", "--home", str(home), "build"], check=True,
                         capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(code), RECKON_SEARCH_ENGINE=engine,
                                  SOURCE_DATE_EPOCH="1700000000"))
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, (out.stdout + out.stderr).strip().replace("\n", " | ")[:160]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", default="whoosh", choices=["whoosh", "tantivy"])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose `reckon build` runs (default: this one), for before/after figures")
    parser.add_argument("--records", type=int, help="how many generated records the store holds (default: count them)")
    args = parser.parse_args()
    settings = load_settings(home=args.home, environ={"SOURCE_DATE_EPOCH": "1700000000",
                                                      "RECKON_SEARCH_ENGINE": args.engine}, today_override=None)
    count = args.records or _record_count(settings)
    rng = random.Random(time.time_ns())
    for run in range(args.runs):
        change_one_record(settings, rng.randrange(count))
        wall, cpu, output = reckon_build(args.home, args.engine, args.code)
        print(f"run {run + 1}: reckon build {wall:.2f} s wall / {cpu:.2f} s CPU; "
              f"load {os.getloadavg()[0]:.1f}  [{output}]", flush=True)


def _record_count(settings) -> int:
    import sqlite3

    with sqlite3.connect(settings.sqlite_path) as conn:
        return conn.execute("SELECT count(*) FROM record WHERE id LIKE 'rec-gen-%'").fetchone()[0]


if __name__ == "__main__":
    main()
