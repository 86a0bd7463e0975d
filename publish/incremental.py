"""A rebuild after a few records changed, in time proportional to the change, not to the archive.

`reckon build` first tries this; whenever it cannot be sure, it returns None and the full
comparison of `publish.build` runs instead (correctness first). It applies when, since the live
buffer's build (whose `state` its manifest keeps):

- only record rows were written (the store's change log, `archive.change_log`, names them;
  a write to any other table, such as an agent renamed, a harm hidden, a tag accepted or an
  image added, takes the full path);
- the build's date, the access rule's date, templates, settings, static files and the code
  are the same (so no embargo can have ended and every other object's visibility is as it
  was: visibility depends on the object's own row and the date);
- each changed record was public and still is, has no images, and kept everything that other
  pages show of it (title, date, type, creators, subjects, cited by): only its own page, its
  citation file, its lines in one download part, its words in the search index and, if it is
  among the newest, the feed can differ.

Those outputs are patched: the record's view is made through the Catalog (the access rule
decides), its page and citation file are made as the full build makes them
(`publish.pages.objects`), its lines in its download part are spliced (its old lines, kept in
`publish.build_cache.ViewStore`, replaced in the published part's bytes), and the search
index's term shards are patched (`publish.static_search.patch.patch_index`). Publishing them is
the same double buffering as a full build's, at the cost of the change (`publish.apply_patch`).

Each step raises `Unpatchable` with its reason as soon as the change reaches beyond the
records' own outputs; nothing is written before every check has passed.
"""


from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from jinja2 import Environment
from sqlmodel import Session, select

from archive import change_log
from archive import models as m
from archive import urls as U
from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.settings import Settings
from archive.urls import SiteUrls
from publish.apply_patch import LiveSite, Unpatchable, patchable_site, publish_patch
from publish.build_cache import (
    CachedView,
    RecordViews,
    ViewStore,
    context_of,
    generation,
    record_bulk_for,
    record_key,
)
from publish.build_report import BuildReport
from publish.downloads import PART_SIZE, csv_header, csv_row, jsonl_line, part_names
from publish.feeds import FEED_SIZE, atom_feed
from publish.fingerprints import site_code_digest, site_fingerprint, static_digest
from publish.page import Page, PageKeys, page_key
from publish.pages.objects import object_pages
from publish.static_search.index import record_base
from publish.static_search.patch import patch_index
from search.documents import documents_of

log = logging.getLogger(__name__)
# What other pages may show of a record besides its own page: any change to these sends the
# build down the full path. (Body text, language, source, rights, keywords and the like show
# only on the record's page, its citation, its download lines and in the search index.)
OWN_PAGE_ONLY = frozenset({"body_html", "text", "language", "source", "source_url", "rights",
                           "date_as_written", "keywords", "coverage", "format"})


def build_state(settings: Settings, built_on: str, fingerprint: str, record_cache: RecordViews) -> dict:
    """What a full build leaves in its manifest for the next one-record rebuild to check
    (public facts only: the manifest is published; the change log's place is in the cache)."""
    return {"today": settings.today().isoformat(), "built_on": built_on, "fingerprint": fingerprint,
            "static": static_digest(settings), "code": site_code_digest(), "generation": record_cache.gen,
            "token": None}  # set once the site's keys are known


def splice_lines(data: bytes | None, header: bytes, changes: list[tuple[str, str]]) -> bytes | None:
    """A download part with some records' lines replaced (old line, new line), found in its
    bytes rather than joined again from 10,000 cached lines; None when an old line is not
    there exactly once, at the start of a line after the header (the full build decides then)."""
    if data is None or not data.startswith(header):
        return None
    for old_text, new_text in changes:
        old = old_text.encode("utf-8")
        at = data.find(old, len(header))
        while at >= 0 and at > len(header) and data[at - 1:at] != b"\n":
            at = data.find(old, at + 1)  # inside another line: not this record's
        if at < 0 or data.find(old, at + 1) >= 0:
            return None
        data = data[:at] + new_text.encode("utf-8") + data[at + len(old):]
    return data


# -- the rebuild ---------------------------------------------------------------------------------
@dataclass
class _Run:
    """What every step of one patched rebuild shares."""

    settings: Settings
    urls: SiteUrls
    built_on: str
    env: Environment
    started: float
    store: ViewStore


def one_record_rebuild(settings: Settings, urls: SiteUrls, built_on: str, env: Environment,
                       started: float) -> BuildReport | None:
    """Patch the site for the records changed since the live build, or None for a full build
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
    """The steps: the buffers and the build's inputs are as the live build left them, only
    records changed, their new outputs are made, and then published."""
    site = patchable_site(run.settings.public_dir)
    fingerprint = _same_inputs(run, site.state)
    if run.store.meta("token") != site.state["token"]:
        raise Unpatchable("the cache is not the live build's (a build stopped between the two)")
    with store_transaction(run.settings) as session:
        seq, ids = _changed_records(session, run.store)
        catalog = Catalog(session, PUBLIC, run.settings.today())
        if not ids:
            return _report(run, site.state["pages"])
        patch = _patch(run, catalog, site, ids, fingerprint)
    plan = publish_patch(run.settings, run.env, site, patch.pages, patch.keys)
    if not plan.changed:
        return _report(run, site.state["pages"], records_made=patch.made)
    run.store.write(patch.gen, plan.state["token"], patch.entries, set(), mark=seq)
    return _report(run, plan.state["pages"], written=len(plan.changed), records_made=patch.made,
                   applied=len(plan.todo) + len(plan.lacking), changed=sorted(plan.changed))


def _same_inputs(run: _Run, state: dict) -> str:
    """The site's fingerprint, once the build's date, the access rule's date, templates,
    settings, static files and code are found to be the live build's (so no embargo can have
    ended and no other object's visibility changed)."""
    settings = run.settings
    fingerprint = site_fingerprint(settings, run.urls, run.built_on)
    now = (settings.today().isoformat(), run.built_on, fingerprint, static_digest(settings), site_code_digest())
    if now != (state["today"], state["built_on"], state["fingerprint"], state["static"], state["code"]):
        raise Unpatchable("the date, templates, settings, static files or code changed")
    return fingerprint


def _changed_records(session: Session, store: ViewStore) -> tuple[list, list[str]]:
    """The store's place in its change log now, and the records written since the live build."""
    seq = change_log.latest(session)  # first, before any row is read
    if seq is None:
        raise Unpatchable("the store keeps no change log")
    changes = change_log.since(session, json.loads(store.meta("mark") or "null"), seq)
    if changes is None:
        raise Unpatchable("the change log does not hold the live build's place (another store?)")
    if changes.tables or set(changes.objects) - {"record"}:
        raise Unpatchable(f"objects other than records were written: {sorted(changes.tables | set(changes.objects))}")
    return seq, sorted(changes.records)


def _report(run: _Run, pages: int, written: int = 0, records_made: int = 0, applied: int = 0,
            changed: list[str] | None = None) -> BuildReport:
    return BuildReport(pages=pages, public_dir=run.settings.public_dir, written=written, unchanged=pages - written,
                       seconds=time.perf_counter() - run.started, records_made=records_made, applied=applied,
                       patched=True, changed=changed or [])


# -- what changes --------------------------------------------------------------------------------
class _RecordRow(NamedTuple):
    """What a record's key and its place in the feed take from its row."""

    id: str
    content_hash: str
    updated_at: datetime
    access: str
    embargo_until: str | None
    created_at: datetime


class _Change(NamedTuple):
    """A public record whose own outputs change, and nothing else's."""

    id: str
    key: str  # its new key (`publish.build_cache.record_key`)
    cached: CachedView  # as the live build published it: key, view and download lines
    view: dict  # its view now
    added: str  # when it was added, as the feed says it
    rank: int  # its place among the cached records, in id order


@dataclass
class _Patch:
    """A patched rebuild's outputs, before they are published."""

    pages: list[Page]  # to write: the records' pages and citation files, then the content files
    keys: dict[str, str | None]  # new key of every page above, and None for each file to delete
    entries: dict[str, CachedView]  # the view cache's new rows
    made: int  # record views made through the Catalog
    gen: str  # the generation of the views (`publish.build_cache.generation`)


def _patch(run: _Run, catalog: Catalog, site: LiveSite, ids: list[str], fingerprint: str) -> _Patch:
    """The changed records' own outputs made afresh: their pages and citation files, their
    terms in the search index, their lines in the downloads and, if they are among the
    newest, the feed."""
    state, urls = site.state, run.urls
    gen = generation(catalog)
    if gen != state["generation"]:
        raise Unpatchable("agents, terms or the code making views changed")
    views = {v["id"]: v for v in catalog.views("record", ids)}  # the access rule decides, as ever
    if run.store.count() != state["records"]:
        raise Unpatchable("the view cache does not hold the live build's records")
    changes = _changes(catalog, run.store, gen, ids, views)
    lines = {change.id: _download_lines(change.view, urls) for change in changes}
    files = _search_files(changes, state, site.live)
    files.update(_download_parts(changes, lines, state["records"], urls, site.live))
    if _in_feed(changes, state["recent"]):
        files[U.site_page_url("feed").lstrip("/")] = _feed(catalog, run.store, state["recent"], changes, urls,
                                                           run.built_on)
    pages = [page for change in changes
             for page in object_pages("record", [change.view], {change.id: change.key}, urls, run.built_on)]
    keyer = PageKeys(fingerprint)
    keys: dict[str, str | None] = {page.path: keyer.key(page) for page in pages}
    keys.update({path: None if content is None else page_key(Page(path, content=content), fingerprint)
                 for path, content in files.items()})
    pages += [Page(path, content=content) for path, content in files.items() if content is not None]
    entries = {change.id: CachedView(change.key, change.view, lines[change.id]) for change in changes}
    return _Patch(pages, keys, entries, made=len(views), gen=gen)


def _changes(catalog: Catalog, store: ViewStore, gen: str, ids: list[str], views: dict[str, dict]) -> list[_Change]:
    """The records among `ids` whose outputs change, each one public before and after, without
    images, and showing other pages what it showed them."""
    rows = _record_rows(catalog.session, ids)
    bulk = record_bulk_for(catalog, ids)
    refs: dict[str, dict | None] = {}
    changes = []
    for record_id in ids:
        cached, view, row = store.entry(record_id), views.get(record_id), rows.get(record_id)
        if cached is None and view is None:
            continue  # hidden before and after (or gone): no output shows it
        if cached is None or view is None or row is None:
            raise Unpatchable("newly public, or no longer public: lists, counts and the sitemap change")
        context = context_of(catalog, bulk, record_id, refs)
        if context is not None and context[2]:  # its images
            raise Unpatchable("images: IIIF manifests and tiles are made by the full build")
        key = record_key(gen, row.content_hash, row.updated_at, row.access, row.embargo_until, context)
        if key == cached.key:
            continue
        if _shown_elsewhere(cached.view) != _shown_elsewhere(view):
            raise Unpatchable("other pages show what changed")
        changes.append(_Change(record_id, key, cached, view, _added(row.created_at), store.rank(record_id)))
    return changes


def _record_rows(session: Session, ids: list[str]) -> dict[str, _RecordRow]:
    table = m.Record
    query = select(table.id, table.content_hash, table.updated_at, table.access, table.embargo_until,
                   table.created_at).where(table.id.in_(ids))
    return {row.id: row for row in (_RecordRow(*values) for values in session.exec(query))}


def _shown_elsewhere(view: dict) -> dict:
    """What pages other than the record's own show of it."""
    return {k: v for k, v in view.items() if k not in OWN_PAGE_ONLY}


def _added(created_at: datetime) -> str:
    return created_at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"  # as Catalog.added_on says it


def _in_feed(changes: list[_Change], recent: dict[str, str]) -> bool:
    """Whether the feed shows a changed record (and so is made again); a change that would move
    a record into the newest, or within them, takes the full build."""
    shown = False
    for change in changes:
        if change.id in recent:
            if recent[change.id] != change.added:
                raise Unpatchable("a record among the newest changed its date of addition")
            shown = True
        elif len(recent) < FEED_SIZE or (change.added, change.id) > min((a, i) for i, a in recent.items()):
            raise Unpatchable("it would now be among the newest")
    return shown


def _search_files(changes: list[_Change], state: dict, live: Path) -> dict[str, bytes | None]:
    """The search index's files with each change's words patched in turn (`patch_index`), from
    the published files or from the patch before it."""
    patched: dict[str, bytes | None] = {}

    def read(path: str) -> bytes | None:
        return patched[path] if path in patched else _published(live, path)

    for change in changes:
        number = record_base(state["docs"] - state["records"]) + change.rank
        search = patch_index(read, number, documents_of("record", change.cached.view)[0],
                             documents_of("record", change.view)[0])
        if search is None:
            raise Unpatchable("the search index cannot be patched for this change")
        patched.update(search)
    return patched


def _published(live: Path, path: str) -> bytes | None:
    try:
        return (live / path).read_bytes()
    except OSError:
        return None


def _line_names(urls: SiteUrls) -> tuple[str, str]:
    """The names of a record's download lines among its cached pieces (they hold the base URL)."""
    return "jsonl\0" + urls.base_url, "csv\0" + urls.base_url


def _download_lines(view: dict, urls: SiteUrls) -> dict[str, str]:
    jsonl, csv = _line_names(urls)
    return {jsonl: jsonl_line(view, urls), csv: csv_row("record", view, urls)}


def _download_parts(changes: list[_Change], lines: dict[str, dict[str, str]], count: int, urls: SiteUrls,
                    live: Path) -> dict[str, bytes]:
    """The download parts holding the changed records, with their old lines replaced by the
    new ones in the published bytes."""
    jsonl, csv = _line_names(urls)
    parts: dict[int, list[_Change]] = {}
    for change in changes:
        if change.cached.parts.get(jsonl) is None or change.cached.parts.get(csv) is None:
            raise Unpatchable("download lines made for another base URL (or none): the full build makes them")
        parts.setdefault(change.rank // PART_SIZE if count > PART_SIZE else 0, []).append(change)
    files = {}
    for number, changed in parts.items():
        name = part_names("record", count)[number]
        for extension, which, header in (("jsonl", jsonl, b""), ("csv", csv, csv_header("record").encode())):
            path = f"downloads/{name}.{extension}"
            spliced = splice_lines(_published(live, path), header,
                                   [(change.cached.parts[which], lines[change.id][which]) for change in changed])
            if spliced is None:
                raise Unpatchable(f"{path} does not hold the changed records' cached lines (another base URL?)")
            files[path] = spliced
    return files


def _feed(catalog: Catalog, store: ViewStore, recent: dict[str, str], changes: list[_Change], urls: SiteUrls,
          built_on: str) -> bytes:
    """The feed of the newest objects, made as the full build makes it, from their views."""
    by_kind: dict[str, list[str]] = {}
    for object_id in recent:
        by_kind.setdefault(U.kind_of(object_id) or "", []).append(object_id)
    if "" in by_kind:
        raise Unpatchable("the feed holds an object of an unknown kind")
    changed = {change.id: change.view for change in changes}
    views = [view for view in changed.values() if view["id"] in recent]
    views += list(store.views_of([i for i in by_kind.get("record", []) if i not in changed]).values())
    for kind, ids in by_kind.items():
        if kind != "record":
            views += catalog.views(kind, ids)
    return atom_feed(views, recent, urls, built_on + "T00:00:00Z")
