"""The records' download parts in a full build, without holding them until the build ends.

At 100,000 records the parts (`downloads/records-NNN.jsonl` and `.csv`, `publish.downloads`)
are ~900 MB, and the lines they are joined from, which the view cache keeps for the next
build (`publish.build_cache`), as much again. A build that holds both from the moment they
are made until the last file is written needs ~2 GB more than one that lets go of them part
by part. So each part is keyed (`publish.page.let_go`: the same key as its bytes would give)
and then:

- when the buffer is made whole with record pages rendered early (`EarlyRecords`), the part is
  written at once into the workers' folder, which is moved into the buffer with their pages,
  and its records' rows go into the cache file being made (`RecordViews.spill`), their lines
  let go: neither the part nor its lines stay in memory;
- otherwise the part is made again from the cached lines when it is written (a join).

In the first case the parts are made by a forked process (`start`), from the record views
the workers share, while the main process makes everything else: at 100,000 records the
lines, their keys and the cache rows were a third of the main process's work, with the
render workers idle half of it. The child writes the parts and spools the rows into the
cache file being made (`ViewStore.finish_spool`); only the parts' keys come back, and the
main process writes the rest of that file (`RecordViews.spilled_elsewhere`).
"""

from __future__ import annotations

from collections.abc import Callable

from archive.side_process import SideResult
from archive.urls import SiteUrls
from publish.build_cache import RecordViews
from publish.downloads import csv_file, jsonl, no_memo, parts_of, with_bom
from publish.page import Page, content_key, let_go, written_early
from publish.render_workers import EarlyRecords


class RecordDownloads:
    """Makes the record download parts of one build (`cache`: the build's record views, whose
    memo keeps each record's lines; `early`: the record pages' workers, when they run)."""

    def __init__(self, cache: RecordViews | None = None, early: EarlyRecords | None = None, bom: bool = False):
        self.cache, self.early, self.bom = cache, early, bom
        self.aside: SideResult[dict[str, str]] | None = None

    def start(self, views: list[dict], urls: SiteUrls) -> None:
        """Make the parts in a forked process from now on, when they are written at once and
        their rows spooled into a cache file made whole (else `pages` makes them here)."""
        if self.cache is None or self.early is None or self.early.folder is None or not self.cache.written_whole:
            return
        self.aside = SideResult(lambda: self._written(views, urls))

    def _written(self, views: list[dict], urls: SiteUrls) -> dict[str, str]:
        """In the forked process: write every part beside the early pages, spool its records'
        rows, and hand back each part's key."""
        assert self.cache is not None and self.early is not None
        keys: dict[str, str] = {}
        for name, chunk in parts_of("record", views):
            for path, make in self._makers(name, chunk, urls).items():
                content = make()
                self.early.write(path, content)
                keys[path] = content_key(path, content)
            self.cache.spill([view["id"] for view in chunk])
        self.cache.store.finish_spool()
        return keys

    def _makers(self, name: str, chunk: list[dict], urls: SiteUrls) -> dict[str, Callable[[], bytes]]:
        memo = self.cache.memo if self.cache is not None else no_memo
        parts = {f"downloads/{name}.jsonl": lambda: jsonl(chunk, urls, memo),
                 f"downloads/{name}.csv": lambda: csv_file("record", chunk, urls, memo)}
        if self.bom:
            return {path: (lambda make=make, path=path: with_bom(path, make())) for path, make in parts.items()}
        return parts

    def close(self) -> None:
        """Stop the forked process if its parts were never taken (the build failed meanwhile)."""
        if self.aside is not None:
            self.aside.close()

    def pages(self, views: list[dict], urls: SiteUrls) -> list[Page]:
        if self.aside is not None:
            assert self.cache is not None and self.early is not None
            keys = self.aside.result()
            self.aside = None
            self.early.paths.update(keys)
            self.cache.spilled_elsewhere({view["id"] for view in views})
            return [written_early(path, key) for path, key in keys.items()]
        pages = []
        for name, chunk in parts_of("record", views):
            written = True
            for path, marked in self._makers(name, chunk, urls).items():
                content = marked()
                if self.cache is None:
                    pages.append(Page(path, content=content))
                    continue
                pages.append(let_go(path, content, marked))
                written = (self.early is None or self.early.write(path, content)) and written
            # The lines are let go once their part is written or keyed: without early workers (a
            # build compared with the site it replaces) a part whose key changed is made again
            # from the views when written, rather than every record's lines held till the end
            # (~1 GB at 100,000: such a build peaked at 3.1-4.1 GB, a first build at 1.86).
            if written and self.cache is not None:
                self.cache.spill([view["id"] for view in chunk])
        return pages
