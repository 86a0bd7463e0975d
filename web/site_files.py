"""The published site as `reckon serve` answers it: the built files, checked against the store.

The static site is a snapshot made by the last publish; the store is the truth. Every file
under an object's folder (`/narratives/<id>/`, `/records/<id>/citation.json`, …) is served
only while the access rule lets the public see that object today:

- a withdrawn narrative is answered **410** with its tombstone page, whatever file the folder
  still holds (the static tombstone, or the old page when a publish failed or is under way);
- an object the public may not see (staff-only, restricted, embargoed, deleted) is answered
  404 with the site's 404 page, though its files are still on disk.

So narrowing access takes effect in the served site the moment it is committed, and the
publish that follows (`staff.refresh`) only brings the files in line. A public narrative's
recording files and AV manifest (`archive.urls.OPEN_MEDIA_FILES`) carry open CORS, as the image
files under /iiif/ do, so IIIF viewers on other sites can play them; a hidden or withdrawn one's
404 or 410 carries none. Every answer carries
`Cache-Control: no-cache` with the file's ETag and Last-Modified (StaticFiles), so a browser
revalidates before it shows a kept copy; `publish.host_rules` writes the same rules for hosts.

A site built for another address than the one served (another `--port`) is answered with
the served address in its absolute links (web/site_base.py), not rebuilt.

Python's `mimetypes` (which StaticFiles asks) knows no type for `.jsonl`, so the downloads'
JSON Lines files would go out as `application/octet-stream` or `text/plain`; they are served as
`application/jsonl` (the type the data package names, publish/downloads.py). A static host
serving the site should be told the same mapping (docs: operations).
"""

from __future__ import annotations

import os
import re
from enum import Enum
from pathlib import Path

import anyio
from jinja2 import Environment
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from archive import models as m
from archive.access import PUBLIC, Form
from archive.catalog import Catalog
from archive.media import Media
from archive.settings import Settings
from archive.urls import LEDGER_SECTIONS, OPEN_MEDIA_FILES, SECTIONS, SiteUrls
from publish.build import edition_date, template_environment
from publish.host_rules import CACHE_CONTROL, TOMBSTONE_ROBOTS
from web.site_base import BaseSwap, swapped, unconditional

# The folders holding one object's files, by their first path segment: `records` → record.
OBJECT_FOLDERS = {section: kind for kind, section in {**SECTIONS, **LEDGER_SECTIONS}.items()
                  if kind in m.OBJECT_TYPES}


MEDIA_TYPES = {".jsonl": "application/jsonl"}
OPEN_MEDIA = re.compile(OPEN_MEDIA_FILES)
# A viewer seeking in a recording reads its ranges' headers: those are exposed too.
MEDIA_CORS_HEADERS = {"Access-Control-Allow-Origin": "*",
                      "Access-Control-Expose-Headers": "Accept-Ranges, Content-Length, Content-Range, ETag, Last-Modified"}


class Verdict(Enum):
    SHOWN = "shown"  # public, or not an object's file: the file (if any) is served
    GONE = "gone"  # withdrawn: 410 with the tombstone
    HIDDEN = "hidden"  # not public (or not in the store): 404


def verdict(session: Session, settings: Settings, path: str) -> tuple[Verdict, dict | None]:
    """What the store says of the object whose file `path` (relative, `/`-separated) is, with
    the tombstone to show for a withdrawn one."""
    parts = path.split("/")
    if len(parts) < 2 or parts[1] in ("", "."):
        return Verdict.SHOWN, None
    if parts[0] == "iiif":  # an image's files: public while the record holding it is
        image = session.get(Media, parts[1])
        if image is None:
            return Verdict.SHOWN, None  # not an image the store knows (the folder's own files)
        kind, object_id = "record", image.record_id
    elif parts[0] in OBJECT_FOLDERS and not (parts[1] == "page" and len(parts) > 2):
        kind, object_id = OBJECT_FOLDERS[parts[0]], parts[1]
    else:
        return Verdict.SHOWN, None
    row = session.get(m.OBJECT_TYPES[kind], object_id)
    if row is None:
        return Verdict.HIDDEN, None
    catalog = Catalog(session, PUBLIC, settings.today())
    seen = catalog.visibility_of(row)
    if seen.form is Form.TOMBSTONE and kind == "narrative":  # as the build: only testimony leaves a tombstone
        return Verdict.GONE, catalog.tombstone(row, seen)
    return (Verdict.SHOWN if seen.visible else Verdict.HIDDEN), None


class SiteFiles(StaticFiles):
    """StaticFiles over the published folder (or its `under` subfolder, e.g. `iiif/`), with
    the store's word on each object's files."""

    def __init__(self, settings: Settings, under: str = ""):
        super().__init__(directory=settings.public_dir / under, html=not under, check_dir=False)
        self.settings = settings
        self.under = under
        self.base_swap = BaseSwap(settings)
        self._env: Environment | None = None

    async def get_response(self, path: str, scope: Scope) -> Response:
        engine = scope["app"].state.engine
        relative = self.under + path.replace("\\", "/")
        decided, tombstone = await run_in_threadpool(self._verdict, engine, relative)
        if decided is Verdict.GONE and tombstone is not None and scope["method"] in ("GET", "HEAD"):
            response: Response = HTMLResponse(self._tombstone_page(tombstone), status_code=410)
            response.headers["X-Robots-Tag"] = TOMBSTONE_ROBOTS
        elif decided is not Verdict.SHOWN and scope["method"] in ("GET", "HEAD"):
            response = await self._not_found()
        else:
            swap = self.base_swap.current()
            if swap is None:
                response = await super().get_response(path, scope)
            else:  # served on another address than the site was built for (web.site_base)
                response = await super().get_response(path, unconditional(scope, relative))
                if isinstance(response, FileResponse):
                    response = await run_in_threadpool(swapped, response, swap)
            if decided is Verdict.SHOWN and response.status_code < 400 and OPEN_MEDIA.fullmatch(relative):
                response.headers.update(MEDIA_CORS_HEADERS)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response

    def file_response(self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        media_type = MEDIA_TYPES.get(os.path.splitext(os.fspath(full_path))[1])
        if media_type is not None:
            response.media_type = media_type
            response.headers["content-type"] = media_type
        return response

    async def _not_found(self) -> Response:
        """The site's 404 page (as StaticFiles answers a missing file), though the file exists."""
        page = Path(self.settings.public_dir) / "404.html"
        found, stat_result = await anyio.to_thread.run_sync(self.lookup_path, "404.html") if self.html \
            else (str(page), None)
        if stat_result is not None:
            response = FileResponse(found, stat_result=stat_result, status_code=404)
            swap = self.base_swap.current()
            return response if swap is None else await run_in_threadpool(swapped, response, swap)
        return PlainTextResponse("Not Found", status_code=404)

    def _verdict(self, engine, path: str) -> tuple[Verdict, dict | None]:
        with Session(engine) as session:
            return verdict(session, self.settings, path)

    def _tombstone_page(self, tombstone: dict) -> str:
        """The tombstone as the build renders it (`tombstone.html`, the same data)."""
        if self._env is None:
            self._env = template_environment(self.settings, SiteUrls(self.settings.base_url))
        return self._env.get_template("tombstone.html").render(item=tombstone, built_on=edition_date(self.settings))
