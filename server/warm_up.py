"""A serving process answers a record GET and a search to itself before it takes connections.

The first record GET of a fresh process cost ~190-270 ms at 100,000 records (the view's lazy
imports: Markdown, the JSON writer; SQLAlchemy compiling its statements; the agents, concepts
and ledger links read once per store generation), the first search as much again (the index's
searcher and query parser). On one event loop every connection waits behind it: 32 clients
each saw those 200 ms, which was most of the p99 of a 10-second run. Asked here, inside the
lifespan, the cost is paid before uvicorn opens its socket, and what was made is frozen with
the rest of the start-up heap (`server.app`).

The requests go through the whole app, the access rule and the answer caches included, as
any anonymous caller's would; their answers are dropped. Which record is asked for does not
matter (a hidden one is answered 404, which warms all but the view itself), so the first id
in the store is taken without judging it: nothing read here leaves the process.

Those two requests warm the code, not the data. A fresh server's first searches and GETs read
the search index and the store from wherever the last big job left them: after a build of
100,000 records, mostly on disk. Searches over varied queries then had a p99 of 131 ms in
their first 10 s against 31 ms with the same files cached (bench/results/57). So the serving
process also asks the kernel to read the public index, then the SQLite store, into the page
cache (`archive.page_cache.read_ahead`), from a process of its own, while it starts and answers: within a
quarter of the memory the kernel says is available, the index first (an archive whose files
exceed it has its largest part left to the disk's own caching, as before).
"""

from __future__ import annotations

import os
import subprocess
import threading
from contextlib import suppress
from pathlib import Path

from sqlalchemy import text
from starlette.types import ASGIApp

from archive.page_cache import available_memory
from archive.programs import python_running
from archive.settings import Settings
from web.asgi_call import call

FIRST_RECORD = "SELECT id FROM record ORDER BY id LIMIT 1"
WARM_SEARCH = "/api/search?q=archive"


def warm_paths(engine) -> list[str]:
    """The paths asked at start-up: the store's first record (if any), then a search."""
    with engine.connect() as conn:
        first = conn.execute(text(FIRST_RECORD)).scalar()
    return ([f"/api/records/{first}"] if first else []) + [WARM_SEARCH]


async def warm_up(app: ASGIApp, engine) -> list[tuple[str, int]]:
    """Ask each of `warm_paths` once; what was asked and how it was answered. A warm-up that
    fails (500) does not stop the server from starting: the same request from a caller will
    answer the same way, and the log has it (`web.asgi_call` answers an error as a 500)."""
    return [(path, (await call(app, "GET", path, host="127.0.0.1")).status_code) for path in warm_paths(engine)]


def files_to_read_ahead(settings: Settings, budget: int | None) -> list[str]:
    """The public index's files, then the SQLite store, in that order, as long as their sizes
    add up to no more than `budget` bytes (none when the budget is unknown)."""
    if budget is None:
        return []
    index = sorted(str(path) for path in Path(settings.index_dir).glob("*") if path.is_file())
    store = [str(settings.sqlite_path)] if settings.sqlite_path is not None else []
    chosen, total = [], 0
    for file in index + store:
        try:
            size = os.path.getsize(file)
        except OSError:
            continue
        if total + size > budget:
            break
        chosen.append(file)
        total += size
    return chosen


def read_data_ahead(settings: Settings) -> threading.Thread:
    """`files_to_read_ahead` read ahead by a process of its own, waited for by a thread (started,
    and returned).

    Not by this process: closing any descriptor of a SQLite database in a process releases every
    POSIX lock that process holds on the file, SQLite's own included ("How To Corrupt An SQLite
    Database File", 2.2). Read ahead from a thread here, a server wrote while another process
    held the store's write lock (tests/test_concurrent_writers.py caught it). The page cache is
    the kernel's: another process's reading fills it as well."""
    memory = available_memory()
    files = files_to_read_ahead(settings, None if memory is None else memory // 4)
    thread = threading.Thread(target=_read_ahead_apart, args=(files,), name="read-ahead", daemon=True)
    thread.start()
    return thread


def _read_ahead_apart(files: list[str]) -> None:
    if not files:
        return
    with (subprocess.Popen(python_running("from archive.page_cache import read_listed; read_listed()"), stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True) as child,
          suppress(BrokenPipeError)):
        child.communicate("\n".join(files).encode())
