"""A rebuild in time proportional to the change, not to the archive.

`reckon build` (and every publish from the staff app) first tries this; whenever it cannot
be sure, it returns None and the full comparison of `publish.build` runs instead (correctness
first). It applies when, since the live buffer's build (whose `state` its manifest keeps):

- the store's change log (`archive.change_log`) names what was written: records, narratives,
  harms, timelines (each with the rows holding its parts) and the ledger's tables; a write to
  agents or terms, or to a table the log names only by table, takes the full path;
- the build's date (kept from the live build: `publish.build.edition_date`), templates,
  settings, static files and the code are the same. A new day (the access rule's date) is a
  change: embargoes may have ended and commitments lapsed (`publish.patch_changes.Days`);
- no changed record has images (their IIIF files are made by the full build).

What changed is found by `publish.patch_changes` (changed records one by one, the small kinds
remade whole when any of them changed, the site index brought up to date with the list pages
each change moves), its outputs are made by `publish.patch_outputs` with the full build's own
functions, and published by the same double buffering as a full build's, at the cost of the
change (`publish.apply_patch`). The build cache (record views, site index, search word counts)
is brought to the new build in one transaction with its place in the change log.

Each step raises `Unpatchable` with its reason as soon as a change reaches beyond what it
follows; nothing is written before every check has passed.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace

from jinja2 import Environment
from sqlmodel import Session

from archive import change_log
from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.settings import Settings
from archive.urls import SiteUrls
from publish import patch_changes, patch_outputs
from publish.apply_patch import Unpatchable, patchable_site, publish_patch
from publish.build_cache import CachedView, RecordViews, StoredIndex, ViewStore, generation
from publish.build_report import BuildReport
from publish.downloads import with_bom
from publish.feeds import FEED_SIZE
from publish.fingerprints import site_code_digest, site_fingerprint, static_digest
from publish.page import Page, PageKeys, page_key

log = logging.getLogger(__name__)


def build_state(settings: Settings, built_on: str, fingerprint: str, record_cache: RecordViews) -> dict:
    """What a full build leaves in its manifest for the next patched rebuild to check
    (public facts only: the manifest is published; the change log's place is in the cache)."""
    return {"today": settings.today().isoformat(), "built_on": built_on, "fingerprint": fingerprint,
            "static": static_digest(settings), "code": site_code_digest(), "generation": record_cache.gen,
            "token": None}  # set once the site's keys are known


@dataclass
class _Run:
    """What every step of one patched rebuild shares."""

    settings: Settings
    urls: SiteUrls
    built_on: str
    env: Environment
    started: float
    store: ViewStore


def patched_rebuild(settings: Settings, urls: SiteUrls, built_on: str, env: Environment,
                    started: float) -> BuildReport | None:
    """Patch the site for what changed since the live build, or None for a full build
    (`reckon build` logs why at debug level)."""
    store = ViewStore(settings.build_cache_dir)
    try:
        return _rebuild(_Run(settings, urls, built_on, env, started, store))
    except Unpatchable as reason:
        log.debug("full comparison: %s", reason)
        return None
    finally:
        store.close()


def _rebuild(run: _Run) -> BuildReport:
    """The steps: the buffers and the build's inputs are as the live build left them; what
    changed is found, its outputs made, published, and the cache brought along."""
    site = patchable_site(run.settings.public_dir)
    fingerprint = _same_inputs(run, site.state)
    if run.store.meta("token") != site.state["token"]:
        raise Unpatchable("the cache is not the live build's (a build stopped between the two)")
    today = run.settings.today().isoformat()
    with store_transaction(run.settings) as session:
        seq, changes = _changed(session, run.store)
        days = patch_changes.Days(site.state["today"], today) if site.state["today"] != today else None
        if not (changes.objects or changes.tables or days):
            return _report(run, site.state["pages"])
        catalog = Catalog(session, PUBLIC, run.settings.today())
        gen = generation(catalog)
        if gen != site.state["generation"]:
            raise Unpatchable("agents, terms or the code making views changed")
        if run.store.count() != site.state["records"]:
            raise Unpatchable("the view cache does not hold the live build's records")
        index = StoredIndex(run.store)
        recent = index.recent(FEED_SIZE)
        found = patch_changes.collect(catalog, run.store, index, changes, gen, days)
        context = patch_outputs.Context(catalog, run.urls, run.built_on, site.live, run.store, index, site.state,
                                        recent, json.loads(run.store.meta("small_paths") or "[]"), run.settings)
        made = patch_outputs.make(context, found)
        made.state["today"] = today
    pages, keys = _keyed(made, fingerprint)
    plan = publish_patch(run.settings, run.env, site, pages, keys, made.state)
    token = plan.state["token"] if plan.changed else site.state["token"]
    run.store.commit_patch(gen, token, seq, {c.id: CachedView(c.key, c.view, made.lines[c.id])
                                             for c in found.records if c.view is not None},
                           {c.id for c in found.records if c.view is None}, index, made.small_paths,
                           made.words, made.small_words, whole_words=made.state.get("whole_words", False),
                           extra={**made.extra, **found.meta})
    pages_now = plan.state["pages"] if plan.changed else site.state["pages"]
    return _report(run, pages_now, written=len(plan.changed), records_made=found.made,
                   applied=len(plan.todo) + len(plan.lacking), changed=sorted(plan.changed))


def _keyed(made: patch_outputs.Outputs, fingerprint: str) -> tuple[list[Page], dict[str, str | None]]:
    """Every output made, with its key (None for a file to delete), as the full build keys it."""
    keyer = PageKeys(fingerprint)
    pages = list(made.pages) + [Page(path, content=content) for path, content in made.files.items()]
    if made.bom:  # as the full build marks them (publish.downloads.with_bom)
        pages = [replace(p, content=with_bom(p.path, p.content)) if p.content is not None else p for p in pages]
    keys: dict[str, str | None] = {path: None for path in made.gone}
    for page in pages:
        keys[page.path] = keyer.key(page) if page.content is None else page_key(page, fingerprint)
    return [page for page in pages if keys[page.path] is not None], keys


def _same_inputs(run: _Run, state: dict) -> str:
    """The site's fingerprint, once the build's date, templates, settings, static files and
    code are found to be the live build's. The access rule's date may differ: a new day is a
    change like any other (`patch_changes.Days`)."""
    settings = run.settings
    fingerprint = site_fingerprint(settings, run.urls, run.built_on)
    now = (run.built_on, fingerprint, static_digest(settings), site_code_digest())
    if now != (state["built_on"], state["fingerprint"], state["static"], state["code"]):
        raise Unpatchable("the build's date, templates, settings, static files or code changed")
    return fingerprint


def _changed(session: Session, store: ViewStore) -> tuple[list, change_log.Changes]:
    """The store's place in its change log now, and what was written since the live build."""
    seq = change_log.latest(session)  # first, before any row is read
    if seq is None:
        raise Unpatchable("the store keeps no change log")
    changes = change_log.since(session, json.loads(store.meta("mark") or "null"), seq)
    if changes is None:
        raise Unpatchable("the change log does not hold the live build's place (another store?)")
    return seq, changes


def _report(run: _Run, pages: int, written: int = 0, records_made: int = 0, applied: int = 0,
            changed: list[str] | None = None) -> BuildReport:
    return BuildReport(pages=pages, public_dir=run.settings.public_dir, written=written, unchanged=pages - written,
                       seconds=time.perf_counter() - run.started, records_made=records_made, applied=applied,
                       patched=True, changed=changed or [])
