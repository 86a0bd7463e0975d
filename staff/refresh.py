"""After a change in the store: the public copies brought up to date in the same request.

Narrowing access (withdraw, staff-only, a new embargo, an approved redaction) is one action:
the handler writes the change and an `archive.site_lag` note in one transaction, then calls
`publish_change`, which publishes at once (both search indexes and the static site, by the
change-proportional path whenever it applies) and reopens the live index, so neither search
nor the site answers from the old copies. When publishing fails, the note stays with the
reason, every staff page shows "public site out of date", and the caller says so loudly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from archive.errors import NotBuilt
from publish.pipeline import PublishReport, publish, publishing_settings
from search.query import open_index

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What publishing after a change did: its report, or why it failed."""

    report: PublishReport | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.report is not None

    def said(self, done: str) -> str:
        """The flash line: `done` and where the change now is, or a loud failure."""
        if self.report is not None:
            site = self.report.site
            return (f"{done} The public site, the feed, the downloads and both search indexes were updated "
                    f"in the same step ({site.written} files rewritten, {site.seconds:.1f} s).")
        return (f"{done} BUT THE PUBLIC SITE COULD NOT BE UPDATED ({self.error}). The static pages, feed, "
                "downloads or search may still show the old version: see the warning at the top of the page "
                "and publish again once the cause is fixed.")


async def publish_change(request: Request, actor: str = "") -> Outcome:
    """Both search indexes and the static site made to show the store as it is now."""
    # The address the live site was built for, when none is set: served on another port, its
    # links are answered with the served one (web/site_base.py), and a patch stays a patch.
    settings = publishing_settings(request.app.state.settings)
    try:
        report = await run_in_threadpool(publish, settings, actor)
    except Exception as exc:  # any failure is reported, never a half-told 500
        log.exception("publishing after a change failed")
        return Outcome(None, f"{type(exc).__name__}: {exc}")
    finally:
        _reopen(request)
    return Outcome(report)


def _reopen(request: Request) -> None:
    """The live index made to answer from what was just published. An open one already does:
    it checks the index's manifest before every query and reopens when it changed; replacing it
    here would leave the old one's readers open (on the postgres engine, its connections to the
    store, one set per publish). An app started before the first build opens it now."""
    if getattr(request.app.state, "index", None) is not None:
        return
    try:
        settings = request.app.state.settings
        request.app.state.index = open_index(settings.index_dir, settings.database_url)
    except NotBuilt:
        request.app.state.index = None
