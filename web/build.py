"""`reckon build`: render the static site from the store, through the public Catalog.

Read top to bottom: open the store, gather every public view once, turn them into outputs
(pages from templates, plus feeds, sitemaps, downloads and the search fallback index), then
publish them into a fresh folder that is swapped into place (`staged_directory`), so a failed
build leaves the previous `public/` whole.

Incremental: each output has a key (a hash of its input data, the templates and the
settings that shape links). The previous build's keys are kept in `public/.manifest.json`;
when it is there, only outputs whose key changed are rendered; the rest are hard-linked from
the previous site into the new folder, and outputs of objects no longer public are simply
not carried over (see `update_in_place`). Record views come from a cache of unchanged records
(`web.build_cache`), so a rebuild reads only changed records through the Catalog; every
record's visibility is still decided afresh by the access rule. Withdrawn narratives get a
tombstone page and nothing else.
"""

from __future__ import annotations

import gc
import hashlib
import json
import marshal
import multiprocessing
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from archive import urls as U
from archive.access import PUBLIC
from archive.catalog import STATUS_LABELS, Catalog
from archive.db import store_transaction
from archive.files import staged_directory
from archive.settings import Settings
from archive.urls import SECTIONS, SiteUrls, page_url
from web.browse import FACET_TITLES, agent_pages, browse_groups
from web.build_cache import RecordViews
from web.citation import citation_context, citation_data, csl_json
from web.exports import data_dictionary, export_files
from web.feeds import atom_feed, recent, robots_txt, sitemaps
from web.iiif_files import public_media, write_iiif
from web.iiif_manifest import manifest_files
from web.ledger_pages import ledger_downloads, ledger_pages
from web.static_search import build_static_index
from web.timelinejs import timelinejs

SECTION_TITLES = {"record": "Records", "narrative": "Narratives", "harm": "Harm ledger", "timeline": "Timelines"}
MANIFEST = ".manifest.json"
MANIFEST_VERSION = 3  # 3: pages and published images, unchanged files hard-linked into a new folder
LIST_PAGE_SIZE = 200
RECENT_ON_HOME = 8
PARALLEL_FROM = 2000  # pages to render before forking workers pays off


@dataclass
class BuildReport:
    pages: int
    public_dir: Path
    written: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    records_made: int = 0  # record views made through the Catalog (the rest came from the cache)


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
    urls = urls or SiteUrls(settings.base_url)
    env = Environment(
        loader=FileSystemLoader(settings.site_dir / "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # one build, one set of templates: no stat() per page rendered
    )
    env.filters["u"] = urls.link
    env.filters["absolute"] = urls.absolute
    env.filters["mark_redactions"] = mark_redactions
    env.globals.update(page_url=page_url, section_titles=SECTION_TITLES, sections=SECTIONS,
                       status_labels=STATUS_LABELS, site=U.site_page_url, static=U.static_url,
                       browse_url=U.browse_url, agent_url=U.agent_url, anchor=U.segment_anchor,
                       timeline_json_url=U.timeline_json_url, quote_url=U.quote_url, citation_url=U.citation_url,
                       facet_titles=FACET_TITLES, base_url=urls.base_url)
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


def collect_pages(catalog: Catalog, urls: SiteUrls, built_on: str, static_dir: Path | None = None,
                  records: tuple[list[dict], dict[str, str]] | None = None, memo=None) -> list[Page]:
    """Every output of the site. Templates get data, never queries.

    `records`, when given, are the public record views and each one's key (from the build's
    view cache, `web.build_cache`), in place of asking the Catalog for all of them."""
    views = {kind: catalog.all(kind) if kind != "record" or records is None else records[0] for kind in SECTIONS}
    digests = records[1] if records is not None else {}
    added: dict[str, str] = {}
    for kind in SECTIONS:
        added.update(catalog.added_on(kind))
    everything = [v for kind in ("timeline", "harm", "narrative", "record") for v in views[kind]]
    groups = browse_groups(views, catalog)
    agents = agent_pages(groups, catalog)

    citing = hashlib.blake2b(f"{urls.base_url}\0{built_on}".encode(), digest_size=8).hexdigest()

    def cite(data: dict) -> dict:
        return {"cite": citation_context(data["item"], urls, built_on)}

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
        Page("downloads/index.html", "downloads.html", {"dictionary": data_dictionary(),
                                                         "counts": {k: len(v) for k, v in views.items()}}),
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
        for view in items:
            digest = digests.get(view["id"]) if kind == "record" else None
            pages.append(Page(f"{section}/{view['id']}/index.html", f"{kind}.html", {"item": view}, extra=cite,
                              digest=digest))
            if digest is not None:  # the file is made only if its record (or the base URL, or the date) changed
                pages.append(Page(f"{section}/{view['id']}/citation.json", digest=f"{digest}-{citing}",
                                  make=lambda view=view: _json(csl_json(citation_data(view, urls, built_on)))))
            else:
                pages.append(Page(f"{section}/{view['id']}/citation.json",
                                  content=_json(csl_json(citation_data(view, urls, built_on)))))
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
    files.update(build_static_index(views))
    files.update(ledger_downloads(catalog))
    if static_dir is not None and static_dir.is_dir():
        for asset in sorted(static_dir.rglob("*")):
            if asset.is_file():
                files["static/" + asset.relative_to(static_dir).as_posix()] = asset.read_bytes()
    pages += [Page(path, content=content) for path, content in files.items()]
    return pages


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


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
    try:
        manifest = json.loads((public_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return None  # no previous build (or an unreadable one): everything is written afresh
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        return None  # an older layout: build everything afresh
    return manifest


def build_site(settings: Settings) -> BuildReport:
    """Render the site into a fresh folder swapped into place whole. With a previous build in
    place, only changed files are rendered; unchanged ones are hard-linked from it."""
    started = time.perf_counter()
    urls = SiteUrls(settings.base_url)
    built_on = build_time(settings)
    env = template_environment(settings, urls)
    env.globals["built_on"] = built_on
    collecting = gc.isenabled()
    gc.disable()  # millions of long-lived objects and no cycles to speak of: collections only cost time
    try:
        return _build(settings, urls, built_on, env, started)
    finally:
        if collecting:
            gc.enable()


def _build(settings: Settings, urls: SiteUrls, built_on: str, env: Environment, started: float) -> BuildReport:
    record_cache = RecordViews(settings.public_dir)
    with store_transaction(settings) as session:
        catalog = Catalog(session, PUBLIC, settings.today())
        records = record_cache.views(catalog)
        pages = collect_pages(catalog, urls, built_on, settings.site_dir / "static", records,
                              memo=record_cache.memo)
        media = public_media(catalog)
        manifests = manifest_files(catalog, media, urls, settings.archive_name)  # IIIF, beside the tiles
        pages += [Page(path, content=body) for path, body in manifests.items()]
    fingerprint = _fingerprint(settings, urls, built_on)
    keyer = PageKeys(fingerprint)
    keys = {page.path: keyer.key(page) for page in pages}
    # An image's files depend on its bytes and (its info.json's id) on where the site lives.
    images = {row.id: f"{row.sha256} {settings.base_url}" for row in media}
    manifest = {"version": MANIFEST_VERSION, "pages": keys, "iiif": images}
    previous = _previous_build(settings.public_dir)
    if previous is None or not settings.public_dir.is_dir():
        with staged_directory(settings.public_dir) as out:
            write_pages(env, pages, out)
            write_iiif(media, out / "iiif", settings)
            _write_manifest(out, manifest)
        written, unchanged = len(pages), 0
    else:
        written, unchanged = update_in_place(settings, env, pages, keys, media, previous, manifest)
    record_cache.save()
    return BuildReport(pages=len(pages), public_dir=settings.public_dir, written=written,
                       unchanged=unchanged, seconds=time.perf_counter() - started,
                       records_made=record_cache.made)


def _write_manifest(folder: Path, manifest: dict) -> None:
    temp = folder / (MANIFEST + ".new")
    temp.write_text(json.dumps(manifest, sort_keys=True, separators=(",", ":")))  # C encoder: 200,000 keys
    os.replace(temp, folder / MANIFEST)


def update_in_place(settings: Settings, env: Environment, pages: list[Page], keys: dict[str, str],
                    media: list, previous: dict, manifest: dict) -> tuple[int, int]:
    """Bring the previous site to this build's pages, rendering only what changed.

    The new site is a fresh folder swapped in whole, like a full build (issue 8's promise: a
    build killed at any moment leaves the previous `public/` whole and serving). Unchanged
    files are hard links to the previous site's, so they cost neither rendering nor bytes;
    changed files are written new, never through a link (that would edit the live site too).
    """
    public = settings.public_dir
    old_pages, old_images = previous.get("pages", {}), previous.get("iiif", {})
    changed = [page for page in pages if old_pages.get(page.path) != keys[page.path]]
    removed = sorted(set(old_pages) - set(keys))
    new_media = [row for row in media if old_images.get(row.id) != manifest["iiif"][row.id]]
    gone_images = sorted(set(old_images) - set(manifest["iiif"]))
    if not (changed or removed or new_media or gone_images):
        return 0, len(pages)
    kept_pages = set(keys) - {page.path for page in changed}
    kept_images = {image_id for image_id in manifest["iiif"] if image_id in old_images} - {r.id for r in new_media}
    with staged_directory(public) as out:
        _link_unchanged(public, out, kept_pages, kept_images)
        write_pages(env, changed, out)
        write_iiif(new_media, out / "iiif", settings)
        _write_manifest(out, manifest)
    return len(changed), len(pages) - len(changed)


def _link_unchanged(public: Path, out: Path, kept_pages: set[str], kept_images: set[str]) -> None:
    """Hard-link into `out` the previous site's files this build keeps as they are.

    Only what the manifest names is linked: pages still public and unchanged, and the tile
    folders of images still public and unchanged. Anything else in the old folder (a page of
    an object no longer public, a stray file) is left behind with it, and no empty folder of
    a hidden object is made, since folders are made only for a file linked into them.
    """
    made: set[str] = set()

    def link(relative: str) -> None:
        parent = os.path.dirname(relative)
        if parent and parent not in made:
            os.makedirs(os.path.join(out, parent), exist_ok=True)
            made.add(parent)
        os.link(os.path.join(public, relative), os.path.join(out, relative))

    for relative in kept_pages:
        link(relative)
    for image_id in kept_images:
        root = public / "iiif" / image_id
        for folder, _dirs, files in os.walk(root):
            base = os.path.relpath(folder, public)
            for name in files:
                link(os.path.join(base, name))


def render_page(env: Environment, page: Page, out: Path) -> None:
    target = out / page.path
    if page.content is not None or page.make is not None:
        target.write_bytes(page.content if page.content is not None else page.make())
        return
    context = dict(page.data)
    if page.extra is not None:
        context.update(page.extra(page.data))
    target.write_text(env.get_template(page.template).render(**context), encoding="utf-8")


_JOB: tuple[Environment, list[Page], Path, int] | None = None
SHARE = 64  # pages handed to a worker at a time: a page's folder-mates mostly go to the same one


def _render_share(worker: int) -> int:
    env, todo, out, workers = _JOB
    _write_share([p for n, p in enumerate(todo) if n // SHARE % workers == worker], env, out)
    return worker


def _write_share(pages: list[Page], env: Environment, out: Path) -> None:
    made: set[Path] = set()
    for page in pages:
        folder = (out / page.path).parent
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        render_page(env, page, out)


def write_pages(env: Environment, todo: list[Page], out: Path) -> None:
    """Write these pages under `out`; big builds use every core (forked workers share the data)."""
    global _JOB
    todo = sorted(todo, key=lambda p: p.path)
    workers = min(os.cpu_count() or 1, 8)
    if len(todo) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        _write_share(todo, env, out)
        return
    _JOB = (env, todo, out, workers)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(_render_share, range(workers))
    finally:
        _JOB = None
