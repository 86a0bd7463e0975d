"""IIIF over HTTP: manifests made from the store, and the published image files with open CORS.

The manifest itself is built by `publish.iiif.manifest`, the same bytes as the static site's
copy, so a viewer may cache either.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Message, Receive, Scope, Send

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.settings import Settings
from archive.urls import SiteUrls
from publish.iiif.manifest import MEDIA_TYPE, manifest, manifest_bytes
from web.http_cache import CORS_HEADERS, http_cached
from web.site_files import SiteFiles


class _OpenToAll:
    """Static IIIF files (info.json, tiles) with open CORS: viewers on other sites fetch them."""

    def __init__(self, app: SiteFiles, directory: Path):
        self.app = app
        self.directory = directory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.directory.is_dir():
            # An archive without images (or not built yet) has no /iiif/ folder: that is a 404,
            # not the server error StaticFiles raises for a missing directory.
            await PlainTextResponse("Not Found", status_code=404, headers=CORS_HEADERS)(scope, receive, send)
            return
        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (name.lower().encode(), value.encode()) for name, value in CORS_HEADERS.items()]
            await send(message)

        await self.app(scope, receive, send_with_cors)


def routes(settings: Settings) -> list[Route | Mount]:
    """`/iiif/<record-id>/manifest.json` from the store; other `/iiif/` files from the built site."""
    urls = SiteUrls(settings.base_url)

    def get_manifest(request: Request) -> Response:
        with Session(request.app.state.engine) as session:
            view = Catalog(session, PUBLIC, settings.today()).record(request.path_params["id"])
        # The same bytes as the static site's copy (manifest_files), so either may be cached.
        return Response(manifest_bytes(manifest(view, urls, settings.archive_name)), media_type=MEDIA_TYPE)

    directory = settings.public_dir / "iiif"
    files = SiteFiles(settings, under="iiif/")  # an image of a record no longer public: 404
    return [Route("/iiif/{id}/manifest.json", http_cached(get_manifest), methods=["GET", "HEAD", "OPTIONS"]),
            Mount("/iiif", app=_OpenToAll(files, directory))]
