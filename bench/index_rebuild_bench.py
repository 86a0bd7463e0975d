"""Benchmark: `reckon index --rebuild`, both indexes made afresh, on an ingested home.

    RECKON_SEARCH_ENGINE=tantivy .venv/bin/python bench/index_rebuild_bench.py /path/to/home [runs]

Times `publish.pipeline.index_all(rebuild=True)` (the public and staff index in one pass,
search/shared_build.py) in this process: the main thread's CPU (views, documents, the engine's
form of each, fingerprints, words), the CPU of every other thread (tantivy indexes on its own
threads), wall time, peak resident memory and the load average (the machine is shared: compare
CPU, and only runs made side by side). Run an older checkout the same way, with PYTHONPATH set to
it, for a before. Not a test.
"""

from __future__ import annotations

import os
import resource
import sys
import time

from archive.settings import load_settings
from publish.pipeline import index_all


def main() -> None:
    settings = load_settings(home=sys.argv[1])
    for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 1):
        wall, cpu, main_thread = time.perf_counter(), time.process_time(), time.thread_time()
        public, staff = index_all(settings, rebuild=True)
        main_cpu = time.thread_time() - main_thread
        other = time.process_time() - cpu - main_cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        load = os.getloadavg()[0]
        print(f"{public.documents} public + {staff.documents} staff documents: {time.perf_counter() - wall:.1f} s wall, "
              f"{main_cpu:.1f} s main-thread CPU + {other:.1f} s other threads, peak {peak} MB, load {load}")


if __name__ == "__main__":
    main()
