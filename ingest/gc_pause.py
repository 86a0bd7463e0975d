"""Fewer runs of the cyclic garbage collector while an ingest builds many objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Let the cyclic garbage collector run rarely while a run builds many objects.

    Ingest keeps tens of thousands of parsed objects alive at once; with the default
    thresholds Python re-scans all of them over and over, which cost about 40% of the run.
    Almost nothing made here is cyclic, so collecting every 100,000 allocations is plenty."""
    old = gc.get_threshold()
    gc.set_threshold(100_000, 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*old)
