"""Benchmark: one-record site rebuilds on a site `build_bench.py` already built (no full build).

    PYTHONPATH=. .venv/bin/python bench/onerecord_bench.py --home DIR [--runs 5] [--profile FILE]
    PYTHONPATH=. .venv/bin/python bench/onerecord_bench.py --home DIR --fresh-process

`build_bench.py --home DIR` leaves a store and a double-buffered site in DIR. This changes one
record at a time (a random one each run, so most likely one still holding all its generated
words, whose removal patches ~20 search shards) and times `build_site`:

- in this process (imports done and the first build's warm-up excluded, as `build_bench.py`
  times it): wall and CPU of the call;
- with `--fresh-process`, what a user's `reckon build` pays for its site part: a new Python
  process that imports `publish.build`, loads the settings and runs `build_site`, and ends as
  `reckon` does (`gc.freeze()`, so no final collection), timed from outside (wall, and the child's CPU from `getrusage`), and inside (the `build_site` call alone).

Each figure comes with the load average, since the machine is shared. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_bench import change_one_record, cpu_seconds

from archive.settings import load_settings

CHILD = """
import gc, resource, sys, time
started = time.perf_counter()
from archive.settings import load_settings
from publish.build import build_site
settings = load_settings(home=sys.argv[1], environ={"SOURCE_DATE_EPOCH": "1700000000"}, today_override=None)
call = time.perf_counter()
report = build_site(settings)
done = time.perf_counter()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(f"{done - started:.3f} {done - call:.3f} {usage.ru_utime + usage.ru_stime:.3f} {int(report.patched)} {report.written}")
gc.freeze()  # as `reckon` ends (reckon/cli.py): no final collection over every object
"""


def fresh_process(home: Path) -> str:
    """`build_site` in a new interpreter, as `reckon build` runs it (its site part)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(home)], check=True, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    inside, call, _, patched, written = out.stdout.split()
    return (f"process {wall:.2f} s wall / {cpu:.2f} s CPU (after start {float(inside):.2f} s, "
            f"build_site {float(call):.2f} s; {'patched' if patched == '1' else 'FULL'}, {written} written)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", type=Path, help="write a cProfile (CPU time) of the last run here (and print its top)")
    parser.add_argument("--fresh-process", action="store_true", help="each rebuild in a new Python process")
    args = parser.parse_args()
    settings = load_settings(home=args.home, environ={"SOURCE_DATE_EPOCH": "1700000000"}, today_override=None)
    from publish.build import build_site

    count = int(os.environ.get("BENCH_RECORDS", "0")) or _record_count(settings)
    if not args.fresh_process:
        build_site(settings)  # warm-up: imports, mapper configuration (as after build_bench's full build)
    rng = random.Random(time.time_ns())
    for run in range(args.runs):
        change_one_record(settings, rng.randrange(count))  # most likely one never changed before
        if args.fresh_process:
            print(f"run {run + 1}: {fresh_process(args.home)}; load {os.getloadavg()[0]:.1f}", flush=True)
            continue
        profile = cProfile.Profile(time.process_time) if args.profile and run == args.runs - 1 else None
        cpu, wall = cpu_seconds(), time.perf_counter()
        if profile:
            profile.enable()
        report = build_site(settings)
        if profile:
            profile.disable()
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        print(f"run {run + 1}: {wall:.3f} s wall / {cpu:.3f} s CPU ({report.written} written, "
              f"{'patched' if report.patched else 'FULL'}){' [profiled]' if profile else ''}; "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
        if profile:
            profile.dump_stats(args.profile)
            pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(40)


def _record_count(settings) -> int:
    import sqlite3

    with sqlite3.connect(settings.sqlite_path) as db:
        return db.execute("SELECT COUNT(*) FROM record").fetchone()[0]


if __name__ == "__main__":
    main()
