"""After a change in the store: rebuild the search index (or the whole site), and reopen it.

A rebuild writes a new index folder, while the app keeps the one its lifespan opened on
`app.state.index`; it is reopened at once, so live search never answers from the old folder
(words just hidden, a narrative just withdrawn).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from archive.errors import NotBuilt
from publish.pipeline import PublishReport, index_all, publish
from search.query import open_index


async def reindex(request: Request) -> None:
    """Both search indexes rebuilt from the store; the static site follows at the next publish."""
    await run_in_threadpool(index_all, request.app.state.settings)
    _reopen(request)


async def republish(request: Request) -> PublishReport:
    """The site and the search indexes rebuilt from the store."""
    report = await run_in_threadpool(publish, request.app.state.settings)
    _reopen(request)
    return report


def _reopen(request: Request) -> None:
    try:
        request.app.state.index = open_index(request.app.state.settings.index_dir)
    except NotBuilt:
        request.app.state.index = None
