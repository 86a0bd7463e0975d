"""Benchmark: the static search fallback's files (public/search/) for N generated records.

    .venv/bin/python -m bench.static_search_bench --records 10000
    .venv/bin/python -m bench.static_search_bench --records 100000

Generates the build benchmark's store (bench/build_bench.py), reads the public views once,
then times `build_static_index` (wall and CPU) and prints the size of each kind of file and
what a one-word query for a common word downloads in the browser (its term shard, every
attrs shard holding a match, facets.json, one docs shard). Not a test.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.settings import load_settings
from bench.build_bench import generate
from publish.static_search.index import build_static_index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(home=Path(tmp), environ={})
        generate(settings, args.records)
        with store_transaction(settings) as session:
            catalog = Catalog(session, PUBLIC, settings.today())
            views = {kind: catalog.all(kind) for kind in ("record", "narrative", "harm", "timeline")}
        wall, cpu = time.perf_counter(), time.process_time()
        files = build_static_index(views)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sizes: dict[str, list[int]] = defaultdict(list)
    for path, content in files.items():
        sizes[path.split("/")[1].removesuffix(".json")].append(len(content))
    print(f"{args.records} records: build_static_index {wall:.2f} s wall, {cpu:.2f} s CPU")
    for kind, found in sorted(sizes.items()):
        print(f"  {kind:8} {len(found):5} file(s), {sum(found) / 1e6:7.2f} MB, largest {max(found) / 1e3:8.1f} kB")
    shard = json.loads(files["search/terms/ho.json"])
    matches = {d for d, _ in shard.get("hospital", [])}
    meta = json.loads(files["search/meta.json"])
    attrs = {d // meta["attrs_per_shard"] for d in matches}
    loaded = (len(files["search/terms/ho.json"]) + len(files["search/facets.json"])
              + sum(len(files[f"search/attrs/{n}.json"]) for n in attrs) + len(files["search/docs/0.json"]))
    print(f"  query 'hospital': {len(matches)} matches, downloads {2 + len(attrs) + 1} files, {loaded / 1e6:.2f} MB"
          " (before HTTP compression)")


if __name__ == "__main__":
    main()
