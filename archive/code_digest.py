"""A digest of the code that made something, so work made by older code is noticed and made again.

The site's view cache, the one-record rebuild and the search indexes' incremental update each
keep what they made together with a digest of the code that made it; when the digest differs,
they start afresh (or compare everything) instead of trusting output of another version.

Which modules count is read from the import graph (grimp, the library under import-linter),
never from a list kept by hand: a module that a build imports, directly or not, counts the day
it is added. The graph is read from the source files without importing them, so a patched
rebuild still imports only what it uses. A few outside packages change what our code makes
without being our code (Markdown's rendering): callers name those, and their `__init__`
(where markdown_it keeps its `__version__`) makes an upgrade count.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterable
from functools import cache
from pathlib import Path

DISTRIBUTION = "reckoning"


@cache
def our_packages() -> tuple[str, ...]:
    """The installed distribution's top-level packages: whose modules count as our code."""
    import importlib.metadata  # ~20 ms: not for `reckon build`'s stamp check (publish.up_to_date)

    return tuple((importlib.metadata.distribution(DISTRIBUTION).read_text("top_level.txt") or "archive").split())


@cache
def _graph():
    import grimp  # read once a process, and only by the commands that compare code digests

    return grimp.build_graph(*our_packages(), cache_dir=None)


@cache
def code_of(*roots: str) -> tuple[str, ...]:
    """`roots` and every module of ours they import, directly or not, sorted."""
    graph = _graph()
    found = set(roots)
    for root in roots:
        found |= graph.find_upstream_modules(root)
    return tuple(sorted(found))


def modules_digest(names: Iterable[str]) -> str:
    """blake2b of each module's name and source bytes, in the order given."""
    digest = hashlib.blake2b(digest_size=16)
    for name in names:
        digest.update(name.encode() + b"\0" + Path(importlib.util.find_spec(name).origin).read_bytes())
    return digest.hexdigest()


def code_digest(*roots: str, outside: tuple[str, ...] = ()) -> str:
    """The digest of `roots`, the code they import, and the `outside` packages named."""
    return modules_digest(code_of(*roots) + outside)
