"""The one ASGI app a process serves: the public web app, the staff app at /staff, the built site.

`create_app(settings)` builds the app; its lifespan opens the store's engine and the search
index, so nothing happens at import time. Each area (the JSON API, OAI-PMH, IIIF, the staff
app) contributes its routes from its own package; this layer only joins them, which is why it
sits above both `web` and `staff`.

`worker_app()` is the same app in a worker process of `reckon serve --workers N`, which uvicorn
starts by import string: the command hands its settings over in the environment.
"""

from __future__ import annotations

import contextlib
import gc
import os

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route

import staff
from archive.db import open_engine
from archive.errors import NotBuilt
from archive.settings import Settings, settings_from_json, settings_to_json
from search.query import open_index
from server.warm_up import read_data_ahead, warm_up
from web import health, iiif
from web.api import objects as api
from web.errors import HANDLERS, unknown_endpoint
from web.http_cache import Revalidate
from web.oai import protocol as oai
from web.security import SecurityHeaders, server_options
from web.site_files import SiteFiles


def create_app(settings: Settings, serving: bool = False) -> Starlette:
    """The app. `serving`: a serving process's own (`serve`), never a test's: before it takes
    connections it answers a record GET and a search to itself (`server.warm_up`: the first of
    each cost ~200 ms, during which every connection waited), then every object alive is moved
    out of the collector's sight (`gc.freeze`), so a full
    collection under load walks only what requests made since, not the ~140,000 objects of
    the modules, the models and the open index (100-570 ms of wall time each on a loaded
    machine, during which every connection waits; 6 ms of CPU frozen)."""
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.engine = open_engine(settings)
        try:
            app.state.index = open_index(settings.index_dir, settings.database_url)
        except NotBuilt:
            app.state.index = None
        if serving:
            read_data_ahead(settings)
            await warm_up(app, app.state.engine)
            gc.collect()
            gc.freeze()
        yield
        app.state.engine.dispose()

    routes = [
        *health.ROUTES,  # /healthz: for a load balancer
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


WORKER_SETTINGS = "RECKON_WORKER_SETTINGS"  # the serving command's settings, as JSON


def worker_environment(settings: Settings) -> dict[str, str]:
    """What `reckon serve --workers N` puts in its environment for its workers to read."""
    return {WORKER_SETTINGS: settings_to_json(settings)}


def worker_app() -> Starlette:
    """The app of one worker process: the settings the command loaded (`worker_environment`),
    not read again from files and variables that might have changed meanwhile."""
    return create_app(settings_from_json(os.environ[WORKER_SETTINGS]), serving=True)


GRACE_SECONDS = 30  # on SIGTERM: requests under way get this long to finish


def serve(settings: Settings, workers: int = 1) -> None:
    """Serve the app on `settings.host:port` until SIGTERM or Ctrl-C, in `workers` processes
    sharing the socket (each with its own engine and caches, all reading one store). Stopping
    is graceful: no new connections, the requests under way answered, then the lifespans end."""
    options = {"host": settings.host, "port": settings.port, "log_level": "warning",
               "timeout_graceful_shutdown": GRACE_SECONDS, **server_options(settings)}
    if workers == 1:
        uvicorn.run(create_app(settings, serving=True), **options)
        return
    os.environ.update(worker_environment(settings))  # uvicorn's workers start with this environment
    uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)
