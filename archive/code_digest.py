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

from archive.side_process import SideResult

DISTRIBUTION = "reckoning"


@cache
def our_packages() -> tuple[str, ...]:
    """The installed distribution's top-level packages: whose modules count as our code."""
    import importlib.metadata  # ~20 ms: not for `reckon build`'s stamp check (publish.up_to_date)

    return tuple((importlib.metadata.distribution(DISTRIBUTION).read_text("top_level.txt") or "archive").split())


@cache
def code_of(*roots: str) -> tuple[str, ...]:
    """`roots` and every module of ours they import, directly or not, sorted."""
    imports = _imports()
    found, todo = set(roots), list(roots)
    while todo:
        for name in imports.get(todo.pop(), ()):
            if name not in found:
                found.add(name)
                todo.append(name)
    return tuple(sorted(found))


@cache
def _imports() -> dict[str, tuple[str, ...]]:
    """Each module of ours and the modules of ours it imports directly.

    Read in a forked process where forking is safe (`archive.side_process`): grimp reads the
    graph on a Rust thread pool whose threads stay for the life of the process, and a process
    with threads may not fork, so a build that read the graph itself would then render,
    index and draw on one core."""
    return SideResult(_read_imports).result()


def _read_imports() -> dict[str, tuple[str, ...]]:
    import grimp  # read only by the commands that compare code digests

    graph = grimp.build_graph(*our_packages(), cache_dir=None)
    return {name: tuple(sorted(graph.find_modules_directly_imported_by(name))) for name in graph.modules}


def modules_digest(names: Iterable[str]) -> str:
    """blake2b of each module's name and source bytes, in the order given."""
    digest = hashlib.blake2b(digest_size=16)
    for name in names:
        digest.update(name.encode() + b"\0" + Path(importlib.util.find_spec(name).origin).read_bytes())
    return digest.hexdigest()


def code_digest(*roots: str, outside: tuple[str, ...] = ()) -> str:
    """The digest of `roots`, the code they import, and the `outside` packages named."""
    return modules_digest(code_of(*roots) + outside)
