"""Publishing: the search indexes and the static site, both from the store through a Catalog.

The public index and the site are always made together, so an embargo that lifted today
opens in search and on the site in the same step. The staff index (everything a curator may
see) is made in the same step but kept in its own folder beside the store, never under
the published site.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from archive import change_log, site_lag
from archive.access import PUBLIC, Role, Viewer
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.gc_paused import gc_paused
from archive.settings import Settings
from archive.side_process import SideResult
from archive.urls import SiteUrls, site_page_url
from publish import up_to_date
from publish.build_report import BuildReport
from publish.feeds import base_url_of_robots
from publish.purge import purge
from search.incremental import bring_up_to_date, log_rebuild, rebuild_reason, state_meta
from search.indexer import IndexReport, Progress, build_index, staff_index_dir
from search.shared_build import Target, build_together

STAFF = Viewer(Role.CURATOR, "reckon-index")


@dataclass
class PublishReport:
    indexed: int
    site: BuildReport
    purged: int = 0  # URLs handed to RECKON_PURGE_COMMAND (publish.purge)


def _index(settings: Settings, viewer: Viewer, index_dir, rebuild: bool,
           progress: Progress | None) -> IndexReport:
    with store_transaction(settings) as session:
        catalog = Catalog(session, viewer, settings.today())
        if rebuild:
            meta = state_meta(catalog, settings.search_engine)  # the change log's place, read first
            count = build_index(catalog, index_dir, settings.search_engine, progress, meta)
            return IndexReport(count, count, 0, rebuilt=True)
        # Through the change log when it can tell what changed (search.incremental).
        return bring_up_to_date(catalog, index_dir, settings.search_engine, progress)


def index_public(settings: Settings, rebuild: bool = True, progress: Progress | None = None) -> int:
    """Build (or, with rebuild=False, update) the public index; return its document count."""
    return _index(settings, PUBLIC, settings.index_dir, rebuild, progress).documents


def index_staff(settings: Settings, rebuild: bool = True, progress: Progress | None = None) -> int:
    """Build (or update) the staff index, which holds what a curator may see."""
    folder = staff_index_dir(settings)
    return _index(settings, STAFF, folder, rebuild, progress).documents


def index_all(settings: Settings, rebuild: bool = False,
              progress: Progress | None = None) -> tuple[IndexReport, IndexReport]:
    """Bring both indexes up to date (incrementally unless `rebuild`): (public, staff).

    When both are to be made afresh (`rebuild`, a first ingest), they are built in one pass
    (search.shared_build), from one read of the store."""
    with publishing(settings):
        if rebuild or _both_rebuilt(settings):
            return _rebuild_both(settings, progress)
        public = _index(settings, PUBLIC, settings.index_dir, rebuild, progress)
        staff = _index(settings, STAFF, staff_index_dir(settings), rebuild, progress)
    return public, staff


def _both_rebuilt(settings: Settings) -> bool:
    """Whether neither index can be updated (none yet, another engine...), each reason logged."""
    folders = (settings.index_dir, staff_index_dir(settings))
    reasons = []
    for folder in folders:  # the first that can be updated answers: its manifest is read once, in the update
        reason = rebuild_reason(folder, settings.search_engine, settings.database_url)
        if reason is None:
            return False
        reasons.append(reason)
    for folder, reason in zip(folders, reasons, strict=True):
        log_rebuild(folder, reason)
    return True


def _rebuild_both(settings: Settings, progress: Progress | None) -> tuple[IndexReport, IndexReport]:
    with store_transaction(settings) as session:
        public, staff = (Catalog(session, viewer, settings.today()) for viewer in (PUBLIC, STAFF))
        # Each index's place in the change log, read before any row.
        public_meta, staff_meta = (state_meta(c, settings.search_engine) for c in (public, staff))
        # The staff index leads: it holds nearly every public document as the public sees it.
        staff_count, public_count = build_together(
            Target(staff, staff_index_dir(settings), staff_meta), Target(public, settings.index_dir, public_meta),
            settings.search_engine, progress)
    return (IndexReport(public_count, public_count, 0, rebuilt=True),
            IndexReport(staff_count, staff_count, 0, rebuilt=True))


def publish(settings: Settings, actor: str = "") -> PublishReport:
    """Bring both indexes up to date (incrementally: only what changed since their last
    update is rewritten; `reckon index --rebuild` makes them afresh), then build the site.

    The changes noted as not yet public (`archive.site_lag`) before it read the store are
    settled when it succeeds; when it fails, they say why, and the staff pages show "public
    site out of date" until a later publish succeeds. The error is raised again."""
    public, site, purged = _publish(settings, actor, patch_only=False)
    assert site is not None
    return PublishReport(indexed=public.documents, site=site, purged=purged)


def publish_if_patchable(settings: Settings) -> tuple[IndexReport, BuildReport | None]:
    """As `publish`, but the site only when it can be patched at the cost of the change
    (`publish.incremental`): what `reckon ingest` does after writing, so the site follows the
    store in the same step as the indexes and `reckon build` right after finds nothing to do.
    A change the patch cannot follow leaves the site (None) to `reckon build`. Answers the
    public index's report and the site's."""
    public, site, _ = _publish(settings, "", patch_only=True)
    return public, site


def _publish(settings: Settings, actor: str, patch_only: bool) -> tuple[IndexReport, BuildReport | None, int]:
    """The indexes, then the site (with `patch_only`, only if it can be patched), with the
    site's lag settled and the stamp written when the site was published; the URLs purged."""
    purged = 0
    with publishing(settings):
        with store_transaction(settings) as session:
            upto = site_lag.mark(session)  # before the indexes and the site read the store
            mark = change_log.latest(session)  # likewise: the place the stamp keeps
        try:
            if patch_only:
                public, site = _patch_beside_indexes(settings)
            else:
                public, _ = index_all(settings)
                site = _site(settings, patch_only=False)
            if site is not None:
                purged = purge(settings, site.changed)  # a CDN's copies of what changed
        except Exception as exc:
            with store_transaction(settings) as session:
                site_lag.failed(session, upto, f"{type(exc).__name__}: {exc}", actor)
            raise
        if site is not None:
            with store_transaction(settings) as session:
                site_lag.settle(session, upto)
            up_to_date.write(settings, mark, public.documents, site.pages)
    return public, site, purged


def _patch_beside_indexes(settings: Settings) -> tuple[IndexReport, BuildReport | None]:
    """The site patched while a forked process brings the indexes up to date: both cost the
    change's size, and they overlap on two cores (~0.25 s of a one-record ingest at 100,000
    records). A full build keeps the cores for its own workers, after the indexes. Both are
    done, whatever failed, before the caller settles the lag or writes the stamp."""
    indexes = SideResult(lambda: index_all(settings)[0])
    try:
        site = _site(settings, patch_only=True)
    except BaseException:
        with suppress(Exception):  # the site's failure is the one reported; the indexes finish
            indexes.result()
        raise
    return indexes.result(), site


def _site(settings: Settings, patch_only: bool) -> BuildReport | None:
    """The site published, or patched only. Its code is imported here, not at the top:
    `reckon ingest` without a change to publish brings the indexes up to date through this
    module and never renders. Jinja's and the site's modules are many long-lived objects and no
    garbage: imported without collections, which walked the whole heap (~0.1 s)."""
    with gc_paused():
        from publish.build import build_site, patch_site

    return patch_site(settings) if patch_only else build_site(settings)


_held = threading.local()  # how deep this thread is inside `publishing`, per lock file


@contextmanager
def publishing(settings: Settings) -> Iterator[None]:
    """One publisher at a time for this site (processes and threads alike: the staff app's
    requests, `reckon build`, `reckon ingest`): the two buffers and the indexes are each
    brought from one state to the next by one writer. Re-entrant within a thread."""
    path = settings.public_dir.parent / f".{settings.public_dir.name}.lock"
    depth = getattr(_held, "depth", {})
    _held.depth = depth
    if depth.get(path):
        depth[path] += 1
        try:
            yield
        finally:
            depth[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a separate open file: excludes other threads too
        depth[path] = 1
        up_to_date.forget(settings)  # until a publish finishes whole, `reckon build` takes the full path
        try:
            yield
        finally:
            depth[path] = 0
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def built_for(settings: Settings) -> str | None:
    """The base URL the published site's absolute links use (as its robots.txt states it), or
    None when there is no site."""
    try:
        return base_url_of_robots((settings.public_dir / site_page_url("robots").lstrip("/")).read_text("utf-8"))
    except OSError:
        return None


def outputs_missing(settings: Settings) -> bool:
    """Whether the site or the index is missing, or the site must be published again for its
    base URL: one set with RECKON_BASE_URL that the site was not built for, or one under
    another path (root-relative links carry it). Then `reckon serve` publishes first. A site
    built for another local address (another --port) is served as it is, its absolute links
    answered with the served address (`web.site_base`)."""
    if not ((settings.public_dir / "index.html").exists() and settings.index_dir.is_dir()):
        return True
    built = built_for(settings)
    return built != SiteUrls(settings.base_url).base_url and _exchangeable(settings, built) is None


def same_path(built: str | None, wanted: str) -> bool:
    """Whether a site built for `built` can be served at `wanted` by exchanging the two
    addresses in its files: the same path, so its root-relative links hold."""
    return built is not None and urlsplit(built).path == urlsplit(wanted).path


def publishing_settings(settings: Settings) -> Settings:
    """The settings `reckon serve` publishes with before serving: without RECKON_BASE_URL, the
    base URL the live site was built for, whatever port it is served on now, so a changed
    record is patched in (a new base URL is a new key for every page: a full build). The
    served answers name the served address all the same (`web.site_base`)."""
    built = _exchangeable(settings, built_for(settings))
    return settings if built is None else replace(settings, base_url=built)


def _exchangeable(settings: Settings, built: str | None) -> str | None:
    """`built` (the base URL the live site was made for) when the site may be served with these
    settings by exchanging the two addresses: no RECKON_BASE_URL asking for another, and the
    same path. None when it must be published afresh for these settings' address."""
    if settings.base_url_set or not same_path(built, SiteUrls(settings.base_url).base_url):
        return None
    return built
