"""`reckon build`: render the static site from the store, through the public Catalog.

Read top to bottom: open the store, gather every public view once, turn them into outputs
(pages from templates, plus feeds, sitemaps, downloads and the search fallback index), then
publish them by double buffering: `public_dir` is a symlink to one of two folders beside it
(`.public.a`, `.public.b`). The live one is never written; a build brings the other (the
standby) up to date and then flips the symlink in one rename, so a build killed at any
moment leaves the previous `public/` whole and serving (issue 8).

Incremental: each output has a key (a hash of its input data, the templates and the
settings that shape links). Each buffer keeps its own build's keys in its `.manifest.json`.
The standby is two builds behind: only outputs whose key differs from the standby's own are
rendered and renamed into it, and outputs of objects no longer public are deleted from it
(see `update_in_place`). Record views come from a cache of unchanged records
(`publish.build_cache`), so a rebuild reads only changed records through the Catalog; every
record's visibility is still decided afresh by the access rule. Withdrawn narratives get a
tombstone page and nothing else.

Before all this, `publish.incremental` tries to patch the site: when only a few records changed
in ways no other page shows, it rewrites just their outputs (in time proportional to the
change) and returns; otherwise it steps aside and the full comparison below runs.
"""

from __future__ import annotations

import gc
import hashlib
import json
import marshal
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from archive import urls as U
from archive.access import PUBLIC
from archive.catalog import STATUS_LABELS, Catalog
from archive.db import store_transaction
from archive.files import staged_directory
from archive.settings import Settings
from archive.urls import SECTIONS, SiteUrls, page_url
from publish import json_indent, render_workers, site_manifest
from publish.build_cache import RecordViews
from publish.downloads import PART_SIZE, data_dictionary, export_files
from publish.feeds import FEED_SIZE, atom_feed, recent, robots_txt, sitemaps
from publish.iiif.files import public_media, write_iiif
from publish.jinja.dicts import DictViewEnvironment
from publish.jinja.frame_inline import FrameLinks
from publish.pages.browse import FACET_TITLES, agent_pages, browse_groups
from publish.pages.citation import citation_context, citation_data, csl_json
from publish.pages.citation_dates import html_datetime
from publish.pages.ledger import ledger_downloads, ledger_pages
from publish.pages.timelinejs import timelinejs
from publish.render_workers import EarlyRecords
from publish.side_process import SideResult
from publish.static_search.index import build_static_index

SECTION_TITLES = {"record": "Records", "narrative": "Narratives", "harm": "Harm ledger", "timeline": "Timelines"}
# Manifests (each buffer's keys) are read and written by publish.site_manifest, for both paths.
MANIFEST, MANIFEST_VERSION = site_manifest.MANIFEST, site_manifest.MANIFEST_VERSION
LIST_PAGE_SIZE = 200
RECENT_ON_HOME = 8
SIDE_INDEX_FROM = 2000  # records from which the static search index is made in a forked process


@dataclass
class BuildReport:
    pages: int
    public_dir: Path
    written: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    records_made: int = 0  # record views made through the Catalog (the rest came from the cache)
    applied: int = 0  # files written into the standby buffer (its changes since two builds ago)
    patched: bool = False  # True when only a few records changed and their outputs were patched (publish.incremental)


@dataclass
class Page:
    """One output file: rendered from a template with `data`, or given as `content` bytes."""

    path: str
    template: str | None = None
    data: dict = field(default_factory=dict)
    content: bytes | None = None
    extra: Callable[[dict], dict] | None = None  # context computed only when really rendered
    digest: str | None = None  # stands for `data` (or `make`'s bytes) in the page's key when known
    make: Callable[[], bytes] | None = None  # content made only when really written (needs `digest`)


def template_environment(settings: Settings, urls: SiteUrls | None = None) -> Environment:
    urls = urls or SiteUrls.of(settings)
    env = DictViewEnvironment(
        loader=FileSystemLoader(settings.site_dir / "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # one build, one set of templates: no stat() per page rendered
        extensions=[FrameLinks],  # the frame's links as literal text, not ~20 escapes per page
    )
    env.filters["u"] = urls.link
    env.filters["absolute"] = urls.absolute
    env.filters["mark_redactions"] = mark_redactions
    env.filters["html_datetime"] = html_datetime  # macros.html's `when`: <time> only with a valid datetime
    env.globals.update(page_url=page_url, section_titles=SECTION_TITLES, sections=SECTIONS,
                       status_labels=STATUS_LABELS, site=U.site_page_url, static=U.static_url,
                       browse_url=U.browse_url, agent_url=U.agent_url, anchor=U.segment_anchor,
                       timeline_json_url=U.timeline_json_url, quote_url=U.quote_url, citation_url=U.citation_url,
                       facet_titles=FACET_TITLES, base_url=urls.base_url)
    # The links every page's frame (base.html) carries, made once rather than on every page.
    frame = {**{name: U.site_page_url(name) for name in U.SITE_PAGES}, **{kind: page_url(kind) for kind in SECTIONS},
             "/institutions/": "/institutions/", "/commitments/": "/commitments/",
             "static:style.css": U.static_url("style.css"), "static:print.css": U.static_url("print.css")}
    env.globals["frame_links"] = {name: escape(urls.link(path)) for name, path in frame.items()}
    # Who to write to for corrections and takedowns (the about page); part of _fingerprint.
    env.globals["archive"] = {"name": settings.archive_name, "contact": settings.admin_email}
    return env


REDACTION = re.compile(r"\[redacted[^\]<]*\]")


def mark_redactions(html: str) -> Markup:
    """Show `[redacted…]` marks (text withheld at the narrator's request) as marks, not words."""
    return Markup(REDACTION.sub(lambda m: f'<span class="redacted">{m.group(0)}</span>', str(html)))


def build_time(settings: Settings) -> str:
    """The date printed on pages: SOURCE_DATE_EPOCH when set, so builds are reproducible."""
    if settings.source_date_epoch is not None:
        moment = datetime.fromtimestamp(settings.source_date_epoch, UTC)
    else:
        moment = datetime.combine(settings.today(), datetime.min.time(), UTC)
    return moment.date().isoformat()


def by_date(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda v: ((v.get("date") or {}).get("lower", 0), v["id"]))


def html_path_to_url(path: str) -> str:
    return "/" + path[: -len("index.html")] if path.endswith("index.html") else "/" + path


def citing_digest(urls: SiteUrls, built_on: str) -> str:
    """What a citation file depends on besides its record: where the site lives, the date."""
    return hashlib.blake2b(f"{urls.base_url}\0{urls.archive_name}\0{built_on}".encode(), digest_size=8).hexdigest()


def collect_pages(catalog: Catalog, urls: SiteUrls, built_on: str, static_dir: Path | None = None,
                  records: tuple[list[dict], dict[str, str]] | None = None, memo=None,
                  state: dict | None = None) -> list[Page]:
    """Every output of the site. Templates get data, never queries.

    `records`, when given, are the public record views and each one's key (from the build's
    view cache, `publish.build_cache`), in place of asking the Catalog for all of them. `state`,
    when given, receives what a later one-record rebuild needs to patch the aggregate outputs
    (`publish.incremental`): the feed's entries and the search index's document count."""
    views = {kind: catalog.all(kind) if kind != "record" or records is None else records[0] for kind in SECTIONS}
    # The search fallback index is made from the views alone: in a forked process while this
    # one makes the rest (publish.side_process), when there are enough records to pay for a fork.
    index = SideResult(lambda: build_static_index(views), fork=len(views["record"]) >= SIDE_INDEX_FROM)
    try:
        return _collect_pages(catalog, urls, built_on, views, index, static_dir, records, memo, state)
    finally:
        index.close()


def _collect_pages(catalog: Catalog, urls: SiteUrls, built_on: str, views: dict[str, list[dict]],
                   index: SideResult, static_dir: Path | None, records: tuple[list[dict], dict[str, str]] | None,
                   memo, state: dict | None) -> list[Page]:
    digests = records[1] if records is not None else {}
    added: dict[str, str] = {}
    for kind in SECTIONS:
        added.update(catalog.added_on(kind))
    everything = [v for kind in ("timeline", "harm", "narrative", "record") for v in views[kind]]
    groups = browse_groups(views, catalog)
    agents = agent_pages(groups, catalog)

    if state is not None:
        state["recent"] = {v["id"]: added[v["id"]] for v in recent(everything, added, FEED_SIZE)}
        state["records"] = len(views["record"])

    pages: list[Page] = [
        Page("index.html", "home.html", {
            "timelines": views["timeline"], "harms": views["harm"][:6], "harm_count": len(views["harm"]),
            "record_count": len(views["record"]), "narrative_count": len(views["narrative"]),
            "recent": [{"id": v["id"], "type": v["type"], "title": v["title"], "url": v["url"],
                        "date": v.get("date", {}).get("display", "")}
                       for v in recent(everything, added, RECENT_ON_HOME)]}),
        Page("search/index.html", "search.html"),
        Page("404.html", "404.html"),
        Page("about/index.html", "about.html"),
        Page("downloads/index.html", "downloads.html", {"dictionary": data_dictionary({k: len(v) for k, v in views.items()}),
                                                         "counts": {k: len(v) for k, v in views.items()},
                                                         "part_size": PART_SIZE}),
        Page("browse/index.html", "browse_index.html", {"groups": {f: [{k: e[k] for k in ("label", "url", "count")}
                                                                       for e in g] for f, g in groups.items()}}),
        Page("agents/index.html", "agent_list.html", {"items": [{k: a[k] for k in ("name", "url", "kind", "description")}
                                                                for a in agents]}),
    ]
    for facet, entries in groups.items():
        pages.append(Page(U.browse_url(facet).lstrip("/") + "index.html", "browse_facet.html",
                          {"facet": facet, "entries": [{k: e[k] for k in ("label", "url", "count")} for e in entries]}))
        for entry in entries:
            pages.append(Page(entry["url"].lstrip("/") + "index.html", "browse_value.html",
                              {"facet": facet, "entry": entry}))
    for agent in agents:
        pages.append(Page(agent["url"].lstrip("/") + "index.html", "agent.html", {"item": agent}))
    for kind, items in views.items():
        section = SECTIONS[kind]
        ordered = by_date(items)
        chunks = [ordered[i:i + LIST_PAGE_SIZE] for i in range(0, len(ordered), LIST_PAGE_SIZE)] or [[]]
        if kind == "harm":
            chunks = [ordered]  # the ledger is one table, so it can be sorted and filtered in place
        for number, chunk in enumerate(chunks, 1):
            path = f"{section}/index.html" if number == 1 else f"{section}/page/{number}/index.html"
            pager = {"number": number, "count": len(chunks), "total": len(ordered),
                     "prev": None if number == 1 else (f"/{section}/" if number == 2 else f"/{section}/page/{number - 1}/"),
                     "next": None if number == len(chunks) else f"/{section}/page/{number + 1}/"}
            if kind == "record":  # what record_list.html shows, so the page's key is cheap to make
                chunk = [{k: v[k] for k in ("id", "url", "title", "date", "record_type")} for v in chunk]
            pages.append(Page(path, f"{kind}_list.html", {"items": chunk, "kind": kind, "pager": pager}))
        pages += object_pages(kind, items, digests if kind == "record" else {}, urls, built_on)
        for view in items:
            if kind == "timeline":
                pages.append(Page(U.timeline_json_url(view["id"]).lstrip("/"), content=timelinejs(view, urls)))
    for tombstone in catalog.tombstones():
        pages.append(Page(f"narratives/{tombstone['id']}/index.html", "tombstone.html", {"item": tombstone}))

    pages += [Page(*page) for page in ledger_pages(catalog)]

    html_urls = [html_path_to_url(p.path) for p in pages
                 if p.path.endswith("index.html") and p.template != "tombstone.html"]
    files = {U.site_page_url("feed").lstrip("/"): atom_feed(everything, added, urls, built_on + "T00:00:00Z"),
             U.site_page_url("robots").lstrip("/"): robots_txt(urls)}
    files.update(sitemaps(html_urls, urls))
    files.update(export_files(views, urls, memo) if memo is not None else export_files(views, urls))
    files.update(index.result())
    if state is not None:
        state["docs"] = json.loads(files["search/meta.json"])["docs"]
    files.update(ledger_downloads(catalog))
    if static_dir is not None and static_dir.is_dir():
        for asset in sorted(static_dir.rglob("*")):
            if asset.is_file():
                files["static/" + asset.relative_to(static_dir).as_posix()] = asset.read_bytes()
    pages += [Page(path, content=content) for path, content in files.items()]
    return pages


def object_pages(kind: str, views: list[dict], digests: dict[str, str], urls: SiteUrls, built_on: str) -> list[Page]:
    """Each object's page and its CSL-JSON citation file. With a digest (records from the view
    cache), the page's key is cheap and the citation file is made only when really written."""
    section = SECTIONS[kind]
    citing = citing_digest(urls, built_on)

    last: dict[str, dict] = {}  # the citation of the object rendered last: its two files are neighbours

    def context(view: dict) -> dict:
        found = last.get(view["id"])
        if found is None:
            last.clear()
            found = last[view["id"]] = citation_context(view, urls, built_on)
        return found

    def cite(data: dict) -> dict:
        return {"cite": context(data["item"])}

    pages = []
    for view in views:
        digest = digests.get(view["id"])
        pages.append(Page(f"{section}/{view['id']}/index.html", f"{kind}.html", {"item": view}, extra=cite,
                          digest=digest))
        if digest is not None:  # the file is made only if its record (or the base URL, or the date) changed
            pages.append(Page(f"{section}/{view['id']}/citation.json", digest=f"{digest}-{citing}",
                              make=lambda view=view: _json(context(view)["csl"])))
        else:
            pages.append(Page(f"{section}/{view['id']}/citation.json",
                              content=_json(csl_json(citation_data(view, urls, built_on)))))
    return pages


def _json(data) -> bytes:
    return json_indent.dumps(data).encode("utf-8")  # json.dumps(indent=1, sort_keys=True), faster


def _fingerprint(settings: Settings, urls: SiteUrls, built_on: str) -> str:
    """What every rendered page depends on besides its data: templates, base URL, build date."""
    digest = hashlib.sha256(f"{urls.base_url}\0{built_on}\0".encode())
    digest.update(f"{settings.archive_name}\0{settings.admin_email}\0".encode())
    templates = settings.site_dir / "templates"
    for path in sorted(templates.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(templates).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def page_key(page: Page, fingerprint: str) -> str:
    digest = hashlib.blake2b(page.path.encode() + b"\0", digest_size=20)
    if page.content is not None:
        digest.update(page.content)
    elif page.make is not None:
        digest.update(b"made\0" + page.digest.encode())
    else:
        digest.update(fingerprint.encode() + b"\0" + page.template.encode() + b"\0")
        digest.update(page.digest.encode() if page.digest is not None else _data_bytes(page.data))
    return digest.hexdigest()


class PageKeys:
    """`page_key` for a whole build. A page known by a digest (200,000 of them at 100,000
    records) needs no hash of its path: the manifest is keyed by path already."""

    def __init__(self, fingerprint: str):
        self.fingerprint = fingerprint
        self.prefixes: dict[str, str] = {}

    def key(self, page: Page) -> str:
        if page.digest is None:
            return page_key(page, self.fingerprint)
        kind = "made" if page.make is not None else page.template
        prefix = self.prefixes.get(kind)
        if prefix is None:
            seed = "made" if page.make is not None else f"{self.fingerprint}\0{page.template}"
            prefix = self.prefixes[kind] = hashlib.blake2b(seed.encode(), digest_size=8).hexdigest()
        return f"{prefix}-{page.digest}"


def _data_bytes(data: dict) -> bytes:
    """A page's data as bytes for its key. marshal (version 2: no back-references, so equal
    data gives equal bytes) is many times faster than JSON; data it cannot hold falls back."""
    try:
        return b"m" + marshal.dumps(data, 2)
    except ValueError:
        return b"j" + json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()


def read_manifest(public_dir: Path) -> dict[str, str]:
    return (_previous_build(public_dir) or {}).get("pages", {})


def _previous_build(public_dir: Path) -> dict | None:
    """The previous build's manifest, or None when there is none this build can trust."""
    # None for no previous build, an unreadable one, an older layout, or a buffer an update
    # stopped half-way through: everything is written afresh.
    return site_manifest.read(public_dir)


def build_site(settings: Settings) -> BuildReport:
    """Render the site into the standby buffer and flip `public_dir` to it. With a previous
    build in the standby, only files changed since it are rendered."""
    from publish.incremental import one_record_rebuild

    started = time.perf_counter()
    urls = SiteUrls.of(settings)
    built_on = build_time(settings)
    env = template_environment(settings, urls)
    env.globals["built_on"] = built_on
    env.freeze_globals()  # all set: each template copies them once, not on every page
    collecting = gc.isenabled()
    gc.disable()  # millions of long-lived objects and no cycles to speak of: collections only cost time
    early = EarlyRecords()
    try:
        report = one_record_rebuild(settings, urls, built_on, env, started)
        return report if report is not None else _build(settings, urls, built_on, env, started, early)
    finally:
        early.close()
        if collecting:
            gc.enable()


def _build(settings: Settings, urls: SiteUrls, built_on: str, env: Environment, started: float,
           early: EarlyRecords) -> BuildReport:
    # Here, not at the top: iiif_prezi3 takes ~0.3 s to import, which a patched rebuild need not pay.
    from publish import incremental as build_changes
    from publish.iiif.manifest import manifest_files

    record_cache = RecordViews(settings.public_dir)
    clear_leftovers(settings.public_dir)
    fingerprint = _fingerprint(settings, urls, built_on)
    with store_transaction(settings) as session:
        seq = build_changes.change_log.latest(session)  # first, before any row is read
        catalog = Catalog(session, PUBLIC, settings.today())
        catalog.bulk_markup = True  # a build forks anyway (render workers): Markdown on two cores too
        records = record_cache.views(catalog)
        state = build_changes.build_state(settings, built_on, fingerprint, record_cache)
        if _standby_made_whole(settings.public_dir):  # every record page will be written: start now
            early.start(env, object_pages("record", *records, urls, built_on), settings.public_dir.parent,
                        f".{settings.public_dir.name}.prerender-")
        pages = collect_pages(catalog, urls, built_on, settings.site_dir / "static", records,
                              memo=record_cache.memo, state=state)
        media = public_media(catalog)
        manifests = manifest_files(catalog, media, urls, settings.archive_name)  # IIIF, beside the tiles
        pages += [Page(path, content=body) for path, body in manifests.items()]
    keyer = PageKeys(fingerprint)
    keys = {page.path: keyer.key(page) for page in pages}
    # An image's files depend on its bytes and (its info.json's id) on where the site lives.
    images = {row.id: f"{row.sha256} {settings.base_url}" for row in media}
    state["pages"] = len(keys)
    # Names this build's site (the view cache says which build it belongs to): made from what
    # was built, not drawn at random, so two builds of the same store stay byte-identical.
    state["token"] = hashlib.blake2b(marshal.dumps((sorted(keys.items()), sorted(images.items())), 2),
                                     digest_size=16).hexdigest()
    manifest = {"version": MANIFEST_VERSION, "pages": keys, "iiif": images, "state": state}
    public = settings.public_dir
    live = live_buffer(public)
    serving = _previous_build(live) if live is not None else None
    written = sum(serving["pages"].get(path) != key for path, key in keys.items()) if serving else len(pages)
    if serving is not None and serving["pages"] == keys and serving.get("iiif", {}) == images:
        # The live site is this build already: nothing to write, nothing to flip; the cache
        # still describes the live site, so it keeps the live build's token.
        record_cache.save((serving.get("state") or {}).get("token"), seq)
        return BuildReport(pages=len(pages), public_dir=public, written=0, unchanged=len(pages),
                           seconds=time.perf_counter() - started, records_made=record_cache.made)
    first, second = buffers(public)
    standby = second if live == first else first
    previous = _previous_build(standby) if live is not None else None
    if previous is None or not standby.is_dir():  # (what _standby_made_whole foresees)
        with staged_directory(standby) as out:  # a fresh standby, made whole before it is named
            write_pages(env, pages, out, early)
            write_iiif(media, out / "iiif", settings)
            _write_manifest(out, manifest)
        applied = len(pages)
    else:
        applied = update_in_place(settings, env, standby, pages, keys, media, previous, manifest)
    flip(public, standby)
    if live is not None and serving is not None:
        scrub_standby(live, serving, manifest)
    record_cache.save(state["token"], seq)
    return BuildReport(pages=len(pages), public_dir=public, written=written,
                       unchanged=len(pages) - written, seconds=time.perf_counter() - started,
                       records_made=record_cache.made, applied=applied)


def _standby_made_whole(public_dir: Path) -> bool:
    """Whether this build will write its standby buffer from nothing (as `_build` decides)."""
    live = live_buffer(public_dir)
    if live is None:
        return True
    first, second = buffers(public_dir)
    standby = second if live == first else first
    return _previous_build(standby) is None or not standby.is_dir()


def buffers(public_dir: Path) -> tuple[Path, Path]:
    """The two folders `public_dir` takes turns to point at, beside it (hidden, so a host that
    serves the parent folder does not list them)."""
    return (public_dir.parent / f".{public_dir.name}.a", public_dir.parent / f".{public_dir.name}.b")


def clear_leftovers(public_dir: Path) -> None:
    """Remove what a killed build leaves beside the site (staging folders, a temp symlink, the
    older layout's swap folders); none of it is ever served."""
    names = [f".{public_dir.name}.link-*", f".{public_dir.name}.new-*", f".{public_dir.name}.old-*",
             f".{public_dir.name}.prerender-*"]
    names += [f".{buffer.name}.stage-*" for buffer in buffers(public_dir)]
    for name in names:
        for leftover in public_dir.parent.glob(name):
            if leftover.is_symlink() or leftover.is_file():
                leftover.unlink(missing_ok=True)
            else:
                shutil.rmtree(leftover, ignore_errors=True)


def live_buffer(public_dir: Path) -> Path | None:
    """The buffer `public_dir` points at now, or None before the first double-buffered build
    (no site yet, or a real folder from the older layout)."""
    if not public_dir.is_symlink():
        return None
    target = public_dir.parent / os.readlink(public_dir)
    return target if target in buffers(public_dir) else None


def flip(public_dir: Path, standby: Path) -> None:
    """Point `public_dir` at `standby` in one step: a new symlink renamed over the old one, so a
    reader (or the running app's StaticFiles, which resolves the folder per request) sees either
    the old site or the new one, never a mixture and never nothing.

    A real folder from the older layout cannot be renamed over atomically: it is moved aside
    and replaced by the symlink once, the only moment `public_dir` is briefly missing.
    """
    temp = public_dir.parent / f".{public_dir.name}.link-{os.getpid()}"
    temp.unlink(missing_ok=True)
    os.symlink(standby.name, temp)  # relative: the home folder can be moved or mounted elsewhere
    if public_dir.is_dir() and not public_dir.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{public_dir.name}.old-", dir=public_dir.parent))
        old.rmdir()
        public_dir.rename(old)
        os.replace(temp, public_dir)
        threading.Thread(target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True}).start()
        return
    os.replace(temp, public_dir)


def scrub_standby(buffer: Path, its_build: dict, live_build: dict) -> None:
    """Right after a flip, delete from the buffer just retired every file the live site no
    longer has as it is: changed pages and images, and those of objects no longer public.

    Not served, but on disk: without this the retired buffer would keep a withdrawn
    narrative's page and the old downloads (with its full text) until the next build. What
    is left is a subset of the live site, and the manifest says so, so the next build
    renders exactly the missing files. The manifest says "applying" meanwhile: a kill
    half-way makes the next build remake this buffer whole.
    """
    pages, images = live_build["pages"], live_build.get("iiif", {})
    stale = [path for path, key in its_build.get("pages", {}).items() if pages.get(path) != key]
    stale_images = [i for i, value in its_build.get("iiif", {}).items() if images.get(i) != value]
    if stale or stale_images:
        _write_manifest(buffer, {"version": MANIFEST_VERSION, "applying": True})
        _remove(buffer, stale, stale_images)
    stale_set, stale_image_set = set(stale), set(stale_images)
    _write_manifest(buffer, {
        "version": MANIFEST_VERSION,
        "pages": {p: k for p, k in its_build.get("pages", {}).items() if p not in stale_set},
        "iiif": {i: v for i, v in its_build.get("iiif", {}).items() if i not in stale_image_set},
        # What it lacks of the live build: all a one-record rebuild needs to bring it up to date.
        "base": (live_build.get("state") or {}).get("token"),
        "missing": sorted(p for p, k in pages.items() if its_build.get("pages", {}).get(p) != k),
        "missing_iiif": sorted(i for i, v in images.items() if its_build.get("iiif", {}).get(i) != v)})


def _write_manifest(folder: Path, manifest: dict) -> None:
    """A buffer's manifest (`publish.site_manifest`): its pages' shards, then its header; a
    manifest without pages (the "applying" mark) is a header alone."""
    if "pages" in manifest:
        site_manifest.write(folder, manifest)
    else:
        site_manifest.write_header(folder, manifest)


def update_in_place(settings: Settings, env: Environment, standby: Path, pages: list[Page],
                    keys: dict[str, str], media: list, previous: dict, manifest: dict) -> int:
    """Bring the standby buffer from its own build (`previous`, two builds ago) to this one,
    writing only the files whose key differs and deleting those this build no longer has.

    The standby is not served, so it may be edited in place; the live buffer is never
    touched. Changed files are rendered into a staging folder and renamed over their old
    selves (a new inode each: never written through, in case a file is shared by a hard link).
    While files move, the standby's manifest says "applying", so a build killed half-way is
    followed by a full rebuild of the standby rather than trusted. Returns files written.
    """
    old_pages, old_images = previous.get("pages", {}), previous.get("iiif", {})
    changed = [page for page in pages if old_pages.get(page.path) != keys[page.path]]
    removed = sorted(set(old_pages) - set(keys))
    new_media = [row for row in media if old_images.get(row.id) != manifest["iiif"][row.id]]
    gone_images = sorted(set(old_images) - set(manifest["iiif"]))
    if not (changed or removed or new_media or gone_images):
        return 0
    stage = Path(tempfile.mkdtemp(prefix=f".{standby.name}.stage-", dir=standby.parent))
    try:
        write_pages(env, changed, stage)
        write_iiif(new_media, stage / "iiif", settings)
        _write_manifest(standby, {"version": MANIFEST_VERSION, "applying": True})
        made: set[Path] = set()
        for page in changed:
            target = standby / page.path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            os.replace(stage / page.path, target)
        _remove(standby, removed, gone_images + [row.id for row in new_media])
        for row in new_media:
            (standby / "iiif").mkdir(exist_ok=True)
            os.replace(stage / "iiif" / row.id, standby / "iiif" / row.id)
        _write_manifest(standby, manifest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return len(changed)


def _remove(buffer: Path, pages: list[str], image_ids: list[str]) -> None:
    """Delete these pages and image tile folders from a buffer, and the folders they leave empty."""
    for path in pages:
        (buffer / path).unlink(missing_ok=True)
        _prune_empty(buffer, (buffer / path).parent)
    for image_id in image_ids:
        shutil.rmtree(buffer / "iiif" / image_id, ignore_errors=True)
    if image_ids:
        _prune_empty(buffer, buffer / "iiif")


def _prune_empty(root: Path, folder: Path) -> None:
    """Remove folders left empty (an empty `records/<id>/` would still name a hidden object)."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (or already gone)
        folder = folder.parent


def write_pages(env: Environment, todo: list[Page], out: Path, early: EarlyRecords | None = None) -> None:
    """Write these pages under `out`; big builds use every core (forked workers share the data).
    Pages `early` has already rendered are moved in rather than written again."""
    done = early.paths if early is not None else set()
    render_workers.write_pages(env, [p for p in todo if p.path not in done] if done else todo, out)
    if early is not None:
        early.take(out)  # after writing the rest: the workers may still be rendering till now
