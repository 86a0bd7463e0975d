"""Python's cyclic garbage collector held off for a stretch of work that makes many long-lived
objects and little garbage in cycles: the CLI's imports (the ORM, pydantic, the templates) and
the full build's views. Its passes over those objects would cost time and free nothing."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block; collection as it was (on or off) after it."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
