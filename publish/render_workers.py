"""Writing pages on every core, and record pages while the rest of the build goes on.

A full build at 100,000 records writes 200,000 files (a page and a CSL-JSON citation per
record), each rendered from its own view; the main process meanwhile makes the outputs built
from all views (list and browse pages, downloads, feed, sitemaps, the static search index).
Both are CPU work of the same order, so doing them one after the other leaves a core idle
half of the time. `EarlyRecords` forks workers as soon as the record views exist; they render
the record pages into a private folder beside the site while the main process goes on, and
the folder's contents are renamed into the new buffer when it is written. Workers are forked
(not spawned) so they share the views without pickling them.

Only a buffer made whole from nothing uses it (a first build, or a standby that must be
remade): then every record page is written anyway. A killed build leaves the folder behind
under a `.prerender-` name that `publish.buffers.clear_leftovers` removes; it is never served.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment

from archive.file_writing import write_file
from archive.fork_safety import can_fork
from archive.side_process import SideResult
from publish.folders import make_folder_once

SHARE = 64  # pages handed to a worker at a time: a page's folder-mates mostly go to the same one
PARALLEL_FROM = 2000  # pages to write before forking workers pays off
MAX_WORKERS = 8


def page_bytes(env: Environment, page: Any) -> bytes:
    """A `publish.page.Page`'s file content: given, made, or rendered from its template."""
    if page.content is not None:
        return page.content
    if page.make is not None:
        return page.make()
    context = dict(page.data)
    if page.extra is not None:
        context.update(page.extra(page.data))
    return env.get_template(page.template).render(**context).encode("utf-8")


def write_share(pages: Sequence[Any], env: Environment, out: Path, twin: Path | None = None) -> None:
    """Write these pages under `out` in this process, making their folders as needed; with
    `twin`, give each file a second name there too (a hard link: the same bytes, no copy)."""
    made: set[str] = set()
    root = os.fspath(out)
    second = os.fspath(twin) if twin is not None else None
    for page in pages:
        target = os.path.join(root, page.path)
        make_folder_once(os.path.dirname(target), made)
        write_file(target, page_bytes(env, page))
        if second is not None:
            linked = os.path.join(second, page.path)
            make_folder_once(os.path.dirname(linked), made)
            os.link(target, linked)


def workers_available() -> int:
    """How many worker processes to fork (0: write in this process, as where another thread
    runs: `archive.fork_safety`)."""
    if not can_fork():
        return 0
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    return workers if workers >= 2 else 0


def _render_share(env: Environment, todo: list[Any], out: Path, twin: Path | None, workers: int, worker: int,
                  parent: int) -> int:
    """Worker `worker`'s pages of `todo` (every `workers`-th share), written in its process."""
    mine = [p for n, p in enumerate(todo) if n // SHARE % workers == worker]
    for start in range(0, len(mine), SHARE):
        if os.getppid() != parent:
            break  # the build was killed: write nothing more into a folder nobody will use
        write_share(mine[start:start + SHARE], env, out, twin)
    return worker


class Rendering:
    """Pages being written by forked workers (each file linked into `twin` too, when given);
    `wait()` for them, `stop()` to give up.

    Each worker is a `SideResult`: a plain fork, with no thread left in this process. A
    `multiprocessing.Pool` here kept three handler threads running beside the rest of the
    build, and every fork made meanwhile (the static search index's, the record downloads')
    was a fork of a process with threads, which `archive.fork_safety` refuses."""

    def __init__(self, env: Environment, pages: list[Any], out: Path, workers: int, twin: Path | None = None):
        self.pages = sorted(pages, key=lambda p: p.path)
        for name in sorted({page.template for page in self.pages if page.template is not None}):
            env.get_template(name)  # compiled once here, not once in every worker
        parent = os.getpid()
        self.workers: list[SideResult[int]] = []
        try:  # the workers are forked here, each with the views and pages as they are now
            for worker in range(workers):
                self.workers.append(SideResult(
                    lambda worker=worker: _render_share(env, self.pages, out, twin, workers, worker, parent)))
        except BaseException:
            self.stop()
            raise

    def wait(self) -> None:
        try:
            for worker in self.workers:
                worker.result()  # a worker's exception is raised here
        finally:
            self.stop()

    def stop(self) -> None:
        for worker in self.workers:
            worker.close()
        self.workers = []


def write_pages(env: Environment, todo: list[Any], out: Path) -> None:
    """Write these pages under `out`; big builds use every core (forked workers share the data)."""
    start_pages(env, todo, out).wait()


class _Written:
    """Pages already written in this process: nothing to wait for."""

    def wait(self) -> None:
        pass

    def stop(self) -> None:
        pass


def start_pages(env: Environment, todo: list[Any], out: Path, parallel_from: int = PARALLEL_FROM) -> Rendering | _Written:
    """Begin writing these pages under `out`: from `parallel_from` pages on forked workers,
    returning at once so this process can do other work meanwhile (`wait()` for them, `stop()`
    to give up); below it, in this process before returning."""
    workers = workers_available()
    if len(todo) < parallel_from or not workers:
        write_share(sorted(todo, key=lambda p: p.path), env, out)
        return _Written()
    return Rendering(env, todo, out, workers)


class EarlyRecords:
    """Record pages rendered by forked workers while the main process makes everything else.

    `start` is a no-op unless there are enough pages; `paths` are those being written (leave
    them out of what this process writes); `take` waits for the workers and moves what they
    wrote into the buffer being made; `close` stops the workers and removes their folders
    (always call it: a build that fails, or ends without writing, must leave nothing behind).

    With `twin`, the workers also link each page they write into a second folder, which
    `take_twin` hands over: the start of the other buffer's hard-link mirror
    (`publish.buffers.mirror`). Made there, on every core while the rest of the build goes
    on, the mirror's 100,000 folders and 200,000 links at 100,000 records are not left to the
    end of the build, where only the main process runs."""

    def __init__(self) -> None:
        self.rendering: Rendering | None = None
        self.folder: Path | None = None
        self.twin: Path | None = None
        self.paths: set[str] = set()
        self.linked: frozenset[str] = frozenset()

    def start(self, env: Environment, pages: list[Any], beside: Path, prefix: str, twin: bool = False) -> None:
        workers = workers_available()
        if len(pages) < PARALLEL_FROM or not workers:
            return
        self.folder = Path(tempfile.mkdtemp(prefix=prefix, dir=beside))
        if twin:
            self.twin = Path(tempfile.mkdtemp(prefix=prefix, dir=beside))
        self.paths = {page.path for page in pages}
        self.linked = frozenset(self.paths) if twin else frozenset()
        self.rendering = Rendering(env, pages, self.folder, workers, self.twin)

    def write(self, path: str, content: bytes) -> bool:
        """Write a file of the buffer being made now, beside the workers' pages, if they run
        (`publish.record_downloads`: what need not be held until the buffer is written)."""
        if self.folder is None:
            return False
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        write_file(os.fspath(target), content)
        self.paths.add(path)
        return True

    def take(self, out: Path) -> None:
        """Wait for the workers and move what they wrote into `out`, beside what this process
        wrote there meanwhile (other paths: a folder both wrote to is merged)."""
        if self.rendering is None or self.folder is None:
            return
        self.rendering.wait()
        self.rendering = None
        _merge(self.folder, out)

    def take_twin(self) -> tuple[Path, frozenset[str]] | None:
        """The folder the workers linked their pages into and those pages' paths, once `take`
        has waited for them (None if there is none); the caller moves the folder away."""
        if self.twin is None or self.rendering is not None:
            return None
        twin, self.twin = self.twin, None
        return twin, self.linked

    def close(self) -> None:
        if self.rendering is not None:
            self.rendering.stop()
            self.rendering = None
        for folder in (self.folder, self.twin):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        self.folder = self.twin = None


def _merge(source: Path, target: Path) -> None:
    """Move everything under `source` into `target` by renames: a folder `target` lacks is
    moved whole (`records/`: 100,000 folders in one rename); one it has is merged into."""
    for entry in sorted(os.listdir(source)):
        there = target / entry
        if not there.exists():
            os.replace(source / entry, there)
        elif there.is_dir() and not there.is_symlink() and (source / entry).is_dir():
            if len(os.listdir(there)) < len(os.listdir(source / entry)):  # move the smaller side
                _merge(there, source / entry)
                os.rmdir(there)
                os.replace(source / entry, there)
            else:
                _merge(source / entry, there)
        else:
            raise RuntimeError(f"{there} was written twice: by this process and by a render worker")
