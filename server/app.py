"""The Starlette application: the JSON API, then the built static site.

`create_app(settings)` builds the app; its lifespan opens the store's engine and the search
index, so nothing happens at import time. Each area of the app (API, and later OAI-PMH, IIIF,
the staff app) contributes its routes from its own module.
"""

from __future__ import annotations

import contextlib

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route

import staff
from archive.db import open_engine
from archive.errors import NotBuilt
from archive.settings import Settings
from search.query import open_index
from web import iiif
from web.api import objects as api
from web.errors import HANDLERS, unknown_endpoint
from web.http_cache import Revalidate
from web.oai import protocol as oai
from web.security import SecurityHeaders
from web.site_files import SiteFiles


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.engine = open_engine(settings)
        try:
            app.state.index = open_index(settings.index_dir)
        except NotBuilt:
            app.state.index = None
        yield
        app.state.engine.dispose()

    routes = [
        *api.routes(settings),
        *oai.routes(settings),
        Route("/api/{rest:path}", unknown_endpoint),
        *iiif.routes(settings),  # /iiif: manifests from the store, image files with open CORS
        *staff.routes(settings),  # /staff: the staff app, with its own session cookie
    ]
    if not settings.public_dir.is_symlink():  # a built site is a symlink to its live buffer (publish.build)
        settings.public_dir.mkdir(parents=True, exist_ok=True)
    # The built site, each object's files served only while the store lets the public see it
    # (a withdrawn narrative: 410 with its tombstone), every answer revalidated (web.site_files).
    routes.append(Mount("/", SiteFiles(settings), name="site"))
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=HANDLERS,
                    middleware=[Middleware(SecurityHeaders), Middleware(Revalidate)])
    staff.configure(app.state, settings)  # what the staff handlers read from request.app.state
    return app
