"""The publish step of `reckon ingest` after a change: the site's patch made while a forked
process brings both indexes up to date (`publish.pipeline`), against the two one after the other.

    PYTHONPATH=<frozen worktree> RECKON_SEARCH_ENGINE=tantivy \\
        .venv/bin/python bench/patch_beside_indexes_bench.py HOME CONTENT [ROUNDS] [CHANGED]

HOME is a published home of CONTENT (a copy: its record files are edited). Each round changes
the title of CHANGED records (a fresh set each time), ingests them, and publishes them both ways
in turn; it prints each step's wall time, its CPU time (this process and its children) and the
load average. On a quiet machine with two cores the overlap is the smaller of the two parts; on
a loaded one the wall times say little: compare alternate rounds only.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

from archive.settings import load_settings
from ingest.pipeline import ingest
from publish.build import patch_site
from publish.pipeline import _patch_beside_indexes, index_all, publishing


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _one_after_the_other(settings) -> None:
    index_all(settings)
    patch_site(settings)


def main(home: Path, content: Path, rounds: int, changed: int) -> None:
    settings = load_settings(home=home, content_dir=content)
    files = sorted((content / "records").iterdir())
    for round_ in range(rounds):
        for path in files[round_ * changed:(round_ + 1) * changed]:
            path.write_text(path.read_text().replace('title: "', f'title: "Bench{round_} ', 1))
        ingest(settings)
        name, publish = (("beside", _patch_beside_indexes) if round_ % 2 == 0 else ("after", _one_after_the_other))
        load = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), _cpu()
        with publishing(settings):
            publish(settings)
        print(f"{changed} changed, {name:6}: {time.perf_counter() - wall:.2f} s wall, {_cpu() - cpu:.2f} s cpu "
              f"(load {load:.1f})", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 6,
         int(sys.argv[4]) if len(sys.argv) > 4 else 1)
