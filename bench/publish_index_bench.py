"""Benchmark: bringing both search indexes up to date after one record changed.

    .venv/bin/python bench/publish_index_bench.py --records 10000 --engine whoosh
    .venv/bin/python bench/publish_index_bench.py --records 10000 --engine tantivy --publish
    mkdir -p /tmp/b100k && cp /tmp/store100k/reckon.db /tmp/b100k/ && \\
        .venv/bin/python bench/publish_index_bench.py --home /tmp/b100k --engine tantivy

Generates a store of N public records as bench/build_bench.py does (or reuses the one in
`--home`), then times, for the public and the staff index together (`publish.pipeline.index_all`):
the full rebuild (what `reckon build` did before on every run), three updates after one
record changed (the change-log path of search/incremental.py), an update with nothing
changed, and the full fingerprint comparison that is the fallback when the log cannot tell.
With `--publish`, it also times `publish()` (both indexes and the static site) after one
record changed, following one full publish. Prints wall time, CPU time of this process and
its workers, and the load average (the machine is shared). Not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_bench import change_one_record, cpu_seconds, generate

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.settings import load_settings
from publish.pipeline import index_all, publish
from search.incremental import state_meta
from search.indexer import update_index


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def timed(label: str, run):
    cpu, wall = cpu_seconds(), time.perf_counter()
    result = run()
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    print(f"{label:<44} {wall:8.2f} s wall {cpu:8.2f} s CPU  {load()}  {describe(result)}", flush=True)
    return result


def describe(result) -> str:
    if isinstance(result, tuple):
        return "; ".join(f"{name}: {r.documents} docs, {r.added} written, {r.deleted} removed"
                         + (", rebuilt" if r.rebuilt else "") for name, r in zip(("public", "staff"), result, strict=True))
    if hasattr(result, "site"):
        site = result.site
        return f"{result.indexed} public docs; site {site.written} written ({'patched' if site.patched else 'full'})"
    return str(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--engine", choices=("whoosh", "tantivy"), default="whoosh")
    parser.add_argument("--home", type=Path, help="working folder (default: a temporary one); a store "
                        "already there is reused")
    parser.add_argument("--publish", action="store_true", help="also time publish() after one change")
    args = parser.parse_args()
    # Say why an update takes the full comparison or a rebuild (search/incremental.py logs it).
    logging.basicConfig(format="  (%(name)s: %(message)s)")
    logging.getLogger("search.incremental").setLevel(logging.INFO)
    home = args.home or Path(tempfile.mkdtemp(prefix="reckon-bench-"))
    settings = load_settings(home=home, environ={"SOURCE_DATE_EPOCH": "1700000000"}, today_override=None)
    settings = dataclasses.replace(settings, search_engine=args.engine)
    if settings.sqlite_path is not None and settings.sqlite_path.exists():
        print(f"reusing the store in {home}")
    else:
        generate(settings, args.records)
        print(f"generated {args.records} records ({home})")
    print(f"engine {args.engine}; {load()}")
    timed("full rebuild of both indexes", lambda: index_all(settings, rebuild=True))
    for n in (args.records // 2, args.records // 3, args.records // 4):
        change_one_record(settings, n)
        timed("one record changed: index_all()", lambda: index_all(settings))
    timed("nothing changed: index_all()", lambda: index_all(settings))
    change_one_record(settings, args.records // 5)

    def compare_all():
        with store_transaction(settings) as session:
            catalog = Catalog(session, PUBLIC, settings.today())
            return update_index(catalog, settings.index_dir, args.engine, None, state_meta(catalog, args.engine))
    timed("fallback: public index, full comparison", compare_all)
    if args.publish:
        timed("first publish() (site built in full)", lambda: publish(settings))
        for n in (args.records // 6, args.records // 7):
            change_one_record(settings, n)
            timed("one record changed: publish()", lambda: publish(settings))


if __name__ == "__main__":
    main()
