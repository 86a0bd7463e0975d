"""Giving the C heap's free pages back to the system before a full build forks its workers.

Making 100,000 record views reads every record row (~350 MB with their bodies) and lets go of
it; glibc keeps such freed memory mapped in the process, so every process forked afterwards
(render workers, the downloads, the static search index) starts with it in its resident size,
and the build's peak is one of theirs. `malloc_trim(0)` returns free pages anywhere in the heap
(glibc 2.8 and later). Elsewhere (another C library, or none found) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def trim_heap() -> bool:
    """Return the C heap's free pages to the system; True when they were looked for."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
