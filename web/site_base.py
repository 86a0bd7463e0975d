"""The built site's absolute links, answered with the address `reckon serve` serves on.

Without RECKON_BASE_URL the base URL is a local address (`archive.settings.served_url`), and
the site's absolute links (citations, JSON-LD, the feed, the sitemap, the downloads) name the
address the site was built for. Serving it on another port used to rebuild every page only to
change that address (200,000 files at 100,000 records: minutes before the first answer). The
site now keeps its files, and a file served as text is answered with the built address replaced
by the served one, so every link a reader copies names the address being served. Only an
address with the same path can be exchanged so (root-relative links carry the path): a base URL
with another path, or one set with RECKON_BASE_URL that the site was not built for, is
published afresh (`publish.pipeline.outputs_missing`). Nothing here decides what is public:
the bytes are the published file's, with one address exchanged for another.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.responses import FileResponse, Response

from archive.settings import Settings
from archive.urls import SiteUrls, site_page_url
from publish.pipeline import built_for, same_path

# The files whose text may name the base URL; images, recordings and the like are sent as they are.
TEXT_SUFFIXES = frozenset({".html", ".xml", ".json", ".jsonl", ".csv", ".txt", ".js", ".svg", ".webmanifest"})
CONDITIONAL = (b"if-none-match", b"if-modified-since", b"if-range", b"range")


class BaseSwap:
    """Which address the live site's files name and which one they are answered with, read
    from the live site's robots.txt again only when that file changes (a publish flips the
    live buffer, so a new build is seen at its first answer)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.served = SiteUrls(settings.base_url).base_url
        self._seen: tuple | None = None
        self._swap: tuple[bytes, bytes] | None = None

    def current(self) -> tuple[bytes, bytes] | None:
        """(built, served) base URLs as bytes when they differ, else None."""
        try:
            stat = os.stat(Path(self.settings.public_dir) / site_page_url("robots").lstrip("/"))
        except OSError:
            return None
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if seen != self._seen:
            built = built_for(self.settings)
            swappable = built != self.served and same_path(built, self.served)
            self._swap = (built.encode(), self.served.encode()) if swappable else None  # type: ignore[union-attr]
            self._seen = seen
        return self._swap


def unconditional(scope: dict, path: str) -> dict:
    """The request for a file that may be rewritten, without its validators and ranges: its
    answer is compared by the ETag of the bytes sent (`web.http_cache.Revalidate`), never by
    the file's own. Other files (a recording a player reads by ranges) keep them."""
    if Path(path).suffix and Path(path).suffix not in TEXT_SUFFIXES:
        return scope
    return {**scope, "headers": [(n, v) for n, v in scope["headers"] if n.lower() not in CONDITIONAL]}


def swapped(response: FileResponse, swap: tuple[bytes, bytes]) -> Response:
    """The file's answer with the built base URL replaced by the served one (a text file), or
    the answer as it was (any other file)."""
    if Path(response.path).suffix not in TEXT_SUFFIXES:
        return response
    body = Path(response.path).read_bytes().replace(*swap)
    kept = {name: value for name, value in response.headers.items() if name == "last-modified"}
    return Response(body, status_code=response.status_code, headers=kept, media_type=response.media_type)
