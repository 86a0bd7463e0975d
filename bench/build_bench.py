"""Benchmark: full static-site build of N generated records, then one-record rebuilds.

    .venv/bin/python bench/build_bench.py --records 10000
    .venv/bin/python bench/build_bench.py --records 100000

Generates a store of N public records (plus a few agents, terms, harms citing records, and a
timeline) straight into SQLite with bulk inserts (ingest speed is not what is measured here),
then times `build_site`: a full build into an empty `public/` with no view cache, a rebuild
after one record changed, and a rebuild with nothing changed. Prints pages (files) per second,
wall and CPU time (this process and its render workers) and the load average. Not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update

from archive import models as m
from archive.db import open_engine
from archive.settings import load_settings
from publish.buffers import buffers
from publish.build import build_site

WORDS = ["society", "membership", "physicians", "hospital", "county", "exclusion", "delegates", "resolution", "bylaws", "segregation", "wards", "meeting", "apology", "council", "minutes", "report", "letter", "committee", "association", "national", "medical", "record", "practice", "patients", "staff", "privileges", "journal", "protest"]


def generate(settings, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    engine = open_engine(settings)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(m.Agent), [{"id": f"agent-gen-{i}", "name": f"Generated institution {i}",
                                        "kind": "institution", "description": "A generated body."}
                                       for i in range(20)])
        conn.execute(insert(m.Concept), [{"id": f"ht-gen-{i}", "scheme": "harm-type", "label": f"Harm type {i}",
                                          "alt_labels": []} for i in range(12)]
                     + [{"id": f"ag-gen-{i}", "scheme": "affected-group", "label": f"Group {i}", "alt_labels": []}
                        for i in range(6)])
        rows = []
        for n in range(count):
            year = 1850 + n % 170
            body = " ".join(rng.choice(WORDS) for _ in range(120))
            rows.append({"id": f"rec-gen-{n:06d}", "title": f"Generated record {n}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
                         "type": "minutes", "date": f"{year}-{1 + n % 12:02d}", "date_lower": year * 10000 + (1 + n % 12) * 100 + 1,
                         "date_upper": year * 10000 + (1 + n % 12) * 100 + 28,
                         "creators": [f"agent-gen-{n % 20}"], "subjects": [f"ht-gen-{n % 12}", f"ag-gen-{n % 6}"],
                         "source": "Generated for the benchmark.", "body": f"{body}.\n\n> {body[:80]}",
                         "content_hash": f"h{n}", "created_at": start + timedelta(seconds=n),
                         "updated_at": start + timedelta(seconds=n)})
            if len(rows) == 5000:
                conn.execute(insert(m.Record), rows)
                rows = []
        if rows:
            conn.execute(insert(m.Record), rows)
        conn.execute(insert(m.Harm), [{"id": f"harm-gen-{i}", "title": f"Generated harm {i}", "date": "1900",
                                       "date_lower": 19000101, "date_upper": 19001231,
                                       "description": "A generated harm.", "status": "documented"} for i in range(50)])
        conn.execute(insert(m.HarmConcept), [{"harm_id": f"harm-gen-{i}", "concept_id": f"ht-gen-{i % 12}"} for i in range(50)])
        conn.execute(insert(m.HarmAgent), [{"harm_id": f"harm-gen-{i}", "agent_id": f"agent-gen-{i % 20}",
                                            "role": "responsible"} for i in range(50)])
        conn.execute(insert(m.Evidence), [{"harm_id": f"harm-gen-{i}", "position": 0, "record_id": f"rec-gen-{i:06d}",
                                           "quote": "generated"} for i in range(50)])
        conn.execute(insert(m.Timeline), [{"id": "tl-gen", "title": "Generated timeline", "summary": "Generated."}])
        conn.execute(insert(m.TimelineEntry), [{"timeline_id": "tl-gen", "position": i, "title": f"Event {i}",
                                                "date": str(1850 + i), "date_lower": (1850 + i) * 10000 + 101,
                                                "date_upper": (1850 + i) * 10000 + 1231, "ref": f"rec-gen-{i:06d}"}
                                               for i in range(100)])
    engine.dispose()


def change_one_record(settings, n: int) -> None:
    stamp = time.time_ns()  # a new text each run, so a reused store still sees a change
    engine = open_engine(settings)
    with engine.begin() as conn:
        conn.execute(update(m.Record).where(m.Record.id == f"rec-gen-{n:06d}")
                     .values(body=f"Changed for the incremental benchmark ({stamp}).", content_hash=f"changed-{stamp}"))
    engine.dispose()


def cpu_seconds() -> float:
    """CPU time of this process and its finished workers: this machine is shared, so wall time
    alone says more about the neighbours than about the build."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(settings):
    cpu = cpu_seconds()
    report = build_site(settings)
    return report, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--full-only", action="store_true", help="time the full build only")
    parser.add_argument("--home", type=Path, help="working folder (default: a temporary one); a store "
                        "already generated there is reused")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="reckon-bench-"))
    settings = load_settings(home=home, environ={"SOURCE_DATE_EPOCH": "1700000000"}, today_override=None)
    started = time.perf_counter()
    if settings.sqlite_path is not None and settings.sqlite_path.exists():
        print(f"reusing the store in {home}")
    else:
        generate(settings, args.records)
        print(f"generated {args.records} records in {time.perf_counter() - started:.1f} s ({home})")
    # The full build starts from nothing: no site, no view cache.
    if settings.public_dir.is_symlink():
        settings.public_dir.unlink()  # the double-buffered site: a symlink to one of two buffers
    for folder in (settings.public_dir, *buffers(settings.public_dir), settings.build_cache_dir):
        shutil.rmtree(folder, ignore_errors=True)
    full, cpu = timed(settings)
    print(f"full build:         {full.pages} files in {full.seconds:.1f} s = {full.pages / full.seconds:.0f} files/s "
          f"({full.written} written; {cpu:.1f} s CPU; load {os.getloadavg()[0]:.1f})")
    if args.full_only:
        return
    for label, n in (("one record changed (fills the 2nd buffer)", args.records // 2),
                     ("one record changed", args.records // 3), ("one record changed", args.records // 4)):
        change_one_record(settings, n)
        one, cpu = timed(settings)
        print(f"{label}: {one.seconds:.2f} s ({one.written} written, {one.applied} files into the standby, "
              f"{one.records_made} record read through the Catalog, {'patched' if one.patched else 'full comparison'}; "
              f"{cpu:.2f} s CPU; "
              f"load {os.getloadavg()[0]:.1f})")
    same, cpu = timed(settings)
    print(f"nothing changed:    {same.seconds:.2f} s ({same.written} written, {same.unchanged} reused, "
          f"{same.records_made} records read; {cpu:.2f} s CPU; load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
