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
"""

from __future__ import annotations

from archive.urls import SiteUrls
from publish.build_cache import RecordViews
from publish.downloads import csv_file, jsonl, no_memo, parts_of, with_bom
from publish.page import Page, let_go
from publish.render_workers import EarlyRecords


class RecordDownloads:
    """Makes the record download parts of one build (`cache`: the build's record views, whose
    memo keeps each record's lines; `early`: the record pages' workers, when they run)."""

    def __init__(self, cache: RecordViews | None = None, early: EarlyRecords | None = None, bom: bool = False):
        self.cache, self.early, self.bom = cache, early, bom

    def pages(self, views: list[dict], urls: SiteUrls) -> list[Page]:
        memo = self.cache.memo if self.cache is not None else no_memo
        pages = []
        for name, chunk in parts_of("record", views):
            parts = {f"downloads/{name}.jsonl": lambda chunk=chunk: jsonl(chunk, urls, memo),
                     f"downloads/{name}.csv": lambda chunk=chunk: csv_file("record", chunk, urls, memo)}
            written = True
            for path, make in parts.items():
                marked = (lambda make=make, path=path: with_bom(path, make())) if self.bom else make
                content = marked()
                if self.cache is None:
                    pages.append(Page(path, content=content))
                    continue
                pages.append(let_go(path, content, marked))
                written = self.early is not None and self.early.write(path, content) and written
            if written and self.cache is not None:
                self.cache.spill([view["id"] for view in chunk])  # lines not needed here again
        return pages
