"""`reckon build`: render the static site from the store, through the public Catalog.

`build_site` reads top to bottom: try to patch the site for a few changed records
(`publish.incremental`); otherwise open the store, gather every public view once, turn them
into outputs (pages from templates, plus feeds, sitemaps, downloads, IIIF manifests and the
search fallback index), key each one, and publish them by double buffering
(`publish.buffers`): the build brings the standby buffer up to date and flips `public_dir` to
it in one rename, so a build killed at any moment leaves the previous `public/` whole and
serving (issue 8).

Incremental: each output has a key (a hash of its input data, the templates and the
settings that shape links: `publish.page`). Each buffer keeps its own build's keys in its
manifest (`publish.site_manifest`). The standby is two builds behind: only outputs whose key
differs from the standby's own are rendered and renamed into it, and outputs of objects no
longer public are deleted from it (see `update_in_place`). Record views come from a cache of
unchanged records (`publish.build_cache`), so a rebuild reads only changed records through the
Catalog; every record's visibility is still decided afresh by the access rule. Withdrawn
narratives get a tombstone page and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import re
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from archive import change_log
from archive import urls as U
from archive.access import PUBLIC
from archive.catalog import STATUS_LABELS, Catalog
from archive.dates import describe, html_datetime
from archive.db import store_transaction
from archive.files import staged_directory
from archive.gc_paused import gc_paused
from archive.media import Media
from archive.settings import Settings
from archive.side_process import SideResult
from archive.urls import SECTIONS, SiteUrls, page_url
from publish import site_manifest
from publish.buffers import (
    clear_leftovers,
    flip,
    live_buffer,
    mirror,
    move_into,
    remove,
    scrub_standby,
    staging,
    standby_buffer,
)
from publish.build_cache import RecordViews, WholeIndex, ledger_links
from publish.build_report import BuildReport
from publish.downloads import data_package, narrative_rights, rights_statements, with_bom
from publish.feeds import FEED_SIZE, atom_feed, recent, robots_txt, sitemaps
from publish.fingerprints import site_fingerprint
from publish.heap_trim import trim_heap
from publish.iiif.files import public_media, write_iiif
from publish.iiif.sizes import thumbnail_size
from publish.incremental import build_state, patched_rebuild
from publish.jinja.dicts import DictViewEnvironment
from publish.jinja.frame_inline import FrameLinks
from publish.jinja.listing_rows import browse_rows, record_rows
from publish.media.files import recording_files
from publish.outputs import (
    SMALL_KINDS,
    front_pages,
    listing_pages,
    object_outputs,
    small_group,
    tombstone_pages,
)
from publish.page import Page, PageKeys, content_key, write_pages, written_early
from publish.pages.browse import FACET_TITLES
from publish.pages.charts import charts_memory, decade_key, decades_memory, site_charts
from publish.pages.site_index import SiteIndex, entry_of, placed_summaries
from publish.record_downloads import RecordDownloads
from publish.render_workers import EarlyRecords
from publish.static_search.index import StaticIndex
from publish.static_search.index import static_index as static_search_index

SECTION_TITLES = {"record": "Records", "narrative": "Narratives", "harm": "Harm ledger", "timeline": "Timelines"}
# Manifests (each buffer's keys) are read and written by publish.site_manifest, for both paths.
MANIFEST, MANIFEST_VERSION = site_manifest.MANIFEST, site_manifest.MANIFEST_VERSION
SIDE_INDEX_FROM = 2000  # records from which the static search index is made in a forked process


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
    env.filters["browse_rows"] = partial(browse_rows, urls.link)  # the long lists' rows, made in Python
    env.filters["record_rows"] = partial(record_rows, urls.link)
    env.globals.update(page_url=page_url, section_titles=SECTION_TITLES, sections=SECTIONS,
                       status_labels=STATUS_LABELS, site=U.site_page_url, static=U.static_url,
                       browse_url=U.browse_url, agent_url=U.agent_url, anchor=U.segment_anchor,
                       timeline_json_url=U.timeline_json_url, quote_url=U.quote_url, citation_url=U.citation_url,
                       facet_titles=FACET_TITLES, base_url=urls.base_url, html_datetime=html_datetime,
                       describe_date=describe, thumbnail_size=thumbnail_size)
    # The links every page's frame (base.html) carries, made once rather than on every page.
    frame = {**{name: U.site_page_url(name) for name in U.SITE_PAGES}, **{kind: page_url(kind) for kind in SECTIONS},
             "/institutions/": "/institutions/", "/commitments/": "/commitments/",
             "static:style.css": U.static_url("style.css"), "static:print.css": U.static_url("print.css"),
             "static:nav.js": U.static_url("nav.js"), "static:highlight.js": U.static_url("highlight.js")}
    env.globals["frame_links"] = {name: escape(urls.link(path)) for name, path in frame.items()}
    # Who to write to for corrections and takedowns (the about page); part of the site's fingerprint.
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


def html_path_to_url(path: str) -> str:
    return "/" + path[: -len("index.html")] if path.endswith("index.html") else "/" + path


def build_site(settings: Settings) -> BuildReport:
    """Render the site into the standby buffer and flip `public_dir` to it. When only a few
    records changed, only their outputs are patched; otherwise every output is made and only
    those changed since the standby's own build are written."""
    report = _build(settings, whole_if_needed=True)
    assert report is not None
    return report


def patch_site(settings: Settings) -> BuildReport | None:
    """Patch the site for what changed, as `build_site` does when it can, or None (nothing
    written) when only the full comparison could bring it up to date."""
    return _build(settings, whole_if_needed=False)


def edition_date(settings: Settings) -> str:
    """The date a patched rebuild prints on pages: the live build's. Every page carries the
    build's date (its footer, its citation), so a patch on a new day that printed the new date
    would change all 200,000 files of a 100,000-record archive: the first edit or withdrawal
    of each day would wait for a full build. The date moves on with the next full build;
    SOURCE_DATE_EPOCH, when set, is the date for both (a new one takes the full comparison)."""
    if settings.source_date_epoch is None:
        live = live_buffer(settings.public_dir)
        header = site_manifest.read_header(live) if live is not None else None
        state = (header or {}).get("state")
        if isinstance(state, dict) and isinstance(state.get("built_on"), str):
            return state["built_on"]
    return build_time(settings)


def _environment(settings: Settings, urls: SiteUrls, built_on: str) -> Environment:
    env = template_environment(settings, urls)
    env.globals["built_on"] = built_on
    env.freeze_globals()  # all set: each template copies them once, not on every page
    return env


def _build(settings: Settings, whole_if_needed: bool) -> BuildReport | None:
    started = time.perf_counter()
    urls = SiteUrls.of(settings)
    edition = edition_date(settings)
    with gc_paused(), closing(EarlyRecords()) as early:
        report = patched_rebuild(settings, urls, edition, _environment(settings, urls, edition), started)
        if report is None and whole_if_needed:
            built_on = build_time(settings)
            report = _full_build(settings, urls, built_on, _environment(settings, urls, built_on), started, early)
    return report


@dataclass
class Outputs:
    """Everything a full build publishes, made from one transaction's reading of the store."""

    pages: list[Page]
    media: list[Media]  # the public images: their tiles and info.json under iiif/
    state: dict  # what the next patched rebuild checks (`publish.incremental.build_state`)
    seq: list | None  # the store's change-log place, read before any row
    whole: WholeIndex  # the site index, the small kinds' paths, search word counts: kept in the cache


def _full_build(settings: Settings, urls: SiteUrls, built_on: str, env: Environment, started: float,
               early: EarlyRecords) -> BuildReport:
    """Make every output, key it, and bring the standby buffer to this build (whole, or only
    what changed since its own build), then flip to it and trim the buffer just retired."""
    public = settings.public_dir
    record_cache = RecordViews(settings.build_cache_dir)
    clear_leftovers(public)
    live = live_buffer(public)
    standby = standby_buffer(public, live)
    previous = site_manifest.read(standby) if live is not None else None  # None: write it whole
    fingerprint = site_fingerprint(settings, urls, built_on)
    # With no live buffer the other one is made whole from nothing after the flip: the early
    # workers link their pages into its start as they write them (`EarlyRecords.take_twin`).
    outputs = _read_outputs(settings, urls, built_on, env, fingerprint, record_cache,
                           early if previous is None else None, twin=live is None)
    manifest = _manifest_of(outputs, fingerprint, settings.base_url)
    keys = manifest["pages"]
    serving = site_manifest.read(live) if live is not None else None
    if serving is not None and serving["pages"] == keys and serving.get("iiif", {}) == manifest["iiif"]:
        # The live site is this build already: nothing to write, nothing to flip; the cache
        # still describes the live site, so it keeps the live build's token. Its header takes
        # this build's state (new code or templates that made the same files): else every
        # later build would find the inputs changed and compare everything again.
        # The token stays the live build's: the retired buffer's manifest names it as its base,
        # and a patched build's token (of the build it patched and its changes) is not the one a
        # full build gives the same files. Given this build's, every later patch found the
        # standby "not the live build less a few files" and compared in full (after an upgrade
        # that changed no file, following any patch), and `reckon ingest` published nothing.
        token = (serving.get("state") or {}).get("token") or manifest["state"]["token"]
        state = {**manifest["state"], "token": token}
        if serving.get("state") != state:
            site_manifest.write_header(live, {**{k: v for k, v in manifest.items() if k != "pages"}, "state": state})
        record_cache.save(token, outputs.seq, outputs.whole)
        return BuildReport(pages=len(outputs.pages), public_dir=public, written=0, unchanged=len(outputs.pages),
                           seconds=time.perf_counter() - started, records_made=record_cache.made)
    # The view cache first, while the early workers still render (the rest of the main
    # process's work waits for them anyway). It names this build by its token: should the build
    # fail from here on, the live site's token differs and the next build compares in full.
    record_cache.save(manifest["state"]["token"], outputs.seq, outputs.whole)
    if previous is None:
        applied = _write_whole(settings, env, standby, outputs, manifest, early)
    else:
        applied = update_in_place(settings, env, standby, outputs, previous, manifest)
    flip(public, standby)
    if serving is not None:
        scrub_standby(live, serving, manifest)
    # The buffer just retired becomes this build too (hard links): the next publish patches
    # a standby that lacks nothing, however much this build changed. After a first build its
    # record pages are linked already, by the workers that wrote them.
    other = live if live is not None else standby_buffer(public, standby)
    mirror(standby, other, manifest, early.take_twin() if live is None else None)
    pages = len(outputs.pages)
    changed = _changed_files(serving, manifest) if serving is not None else []
    written = sum(serving["pages"].get(path) != key for path, key in keys.items()) if serving else pages
    return BuildReport(pages=pages, public_dir=public, written=written, unchanged=pages - written,
                       seconds=time.perf_counter() - started, records_made=record_cache.made, applied=applied,
                       changed=changed, whole=serving is None)


def _changed_files(serving: dict, manifest: dict) -> list[str]:
    """The files (and image folders) of the site that was served, changed or gone in this build."""
    old, new = serving["pages"], manifest["pages"]
    changed = [path for path, key in new.items() if old.get(path) != key] + [p for p in old if p not in new]
    old_images, new_images = serving.get("iiif", {}), manifest["iiif"]
    changed += [f"iiif/{i}/" for i in sorted(set(old_images) | set(new_images)) if old_images.get(i) != new_images.get(i)]
    return sorted(changed)


def _read_outputs(settings: Settings, urls: SiteUrls, built_on: str, env: Environment, fingerprint: str,
                 record_cache: RecordViews, early: EarlyRecords | None, twin: bool = False) -> Outputs:
    """Every output of the site, from one transaction. With `early` (the standby is written
    whole, so every record page will be), record pages start rendering as soon as the record
    views exist, while the rest is made (and, with `twin`, are linked into the start of the
    other buffer's mirror as they are written)."""
    with store_transaction(settings) as session:
        seq = change_log.latest(session)  # first, before any row is read
        catalog = Catalog(session, PUBLIC, settings.today())
        catalog.bulk_markup = True  # a build forks anyway (render workers): Markdown on two cores too
        records = record_cache.views(catalog)
        state = build_state(settings, built_on, fingerprint, record_cache)
        if early is not None:
            trim_heap()  # the rows read for the views: not in every forked process's memory
            early.start(env, object_outputs("record", *records, urls, built_on), settings.public_dir.parent,
                        f".{settings.public_dir.name}.prerender-", twin=twin)
        kept: dict = {}
        # Record downloads already marked (a byte order mark), let go once keyed, or made in a
        # forked process while the rest is made here (publish.record_downloads).
        downloads = RecordDownloads(record_cache, early, bom=settings.csv_bom)
        with closing(downloads):
            downloads.start(records[0], urls)
            pages = collect_pages(catalog, urls, built_on, settings.site_dir / "static", records,
                                  record_downloads=downloads, state=state, kept=kept,
                                  drawings_in=settings.build_cache_dir)
        # Public recordings (silenced copies, captions, chapters, AV manifests): outputs like the
        # small kinds' (publish/media/files.py), so a narrative that stops being public loses them
        # with its page, in a full build or a patched one (publish.patch_outputs).
        recordings = [Page(f.path, content=f.content, digest=f.digest, make=f.make)
                      for f in recording_files(catalog, settings)]
        pages += recordings
        kept["small_paths"] = sorted(kept["small_paths"] + [page.path for page in recordings])
        if settings.csv_bom:  # for spreadsheet users (publish.downloads.with_bom)
            pages = [replace(p, content=with_bom(p.path, p.content)) if p.content is not None else p for p in pages]
        media = public_media(catalog)
        if media:  # IIIF manifests, beside the tiles
            pages += [Page(path, content=body) for path, body in _iiif_manifests(catalog, media, urls, settings).items()]
    return Outputs(pages, media, state, seq, WholeIndex(kept["index"], kept["small_paths"], *kept["words"],
                                                        extra=kept["extra"]))


def _iiif_manifests(catalog: Catalog, media: list[Media], urls: SiteUrls, settings: Settings) -> dict[str, bytes]:
    """The IIIF manifests of the public records with images. Imported here, only when there
    are images: iiif_prezi3's pydantic models take ~0.5-1 s to import, on the one core the
    build uses before its workers fork, which a site without images (or a patch) need not pay."""
    from publish.iiif.manifest import manifest_files

    return manifest_files(catalog, media, urls, settings.archive_name)


def _manifest_of(outputs: Outputs, fingerprint: str, base_url: str) -> dict:
    """This build's manifest: every file's key, every image's, and the build's state, named by
    a token made from what was built (not drawn at random, so two builds of the same store
    stay byte-identical; the view cache names the build it belongs to by the same token)."""
    keyer = PageKeys(fingerprint)
    keys = {page.path: keyer.key(page) for page in outputs.pages}
    # An image's files depend on its bytes and (its info.json's id) on where the site lives.
    images = {row.id: f"{row.sha256} {base_url}" for row in outputs.media}
    outputs.state["pages"] = len(keys)
    outputs.state["token"] = hashlib.blake2b(marshal.dumps((sorted(keys.items()), sorted(images.items())), 2),
                                             digest_size=16).hexdigest()
    return {"version": MANIFEST_VERSION, "pages": keys, "iiif": images, "state": outputs.state}


def _write_whole(settings: Settings, env: Environment, standby: Path, outputs: Outputs, manifest: dict,
                early: EarlyRecords) -> int:
    """A fresh standby, made whole before it is named (no previous build there to trust)."""
    with staged_directory(standby) as out:
        write_pages(env, outputs.pages, out, early)
        write_iiif(outputs.media, out / "iiif", settings)
        site_manifest.write(out, manifest)
    return len(outputs.pages)


def update_in_place(settings: Settings, env: Environment, standby: Path, outputs: Outputs, previous: dict,
                    manifest: dict) -> int:
    """Bring the standby buffer from its own build (`previous`, two builds ago) to this one,
    writing only the files whose key differs and deleting those this build no longer has.

    The standby is not served, so it may be edited in place; the live buffer is never
    touched. Changed files are rendered into a staging folder and renamed over their old
    selves (`publish.buffers.move_into`). While files move, the standby's manifest says
    "applying", so a build killed half-way is followed by a full rebuild of the standby rather
    than trusted. Returns files written.
    """
    old_pages, old_images = previous.get("pages", {}), previous.get("iiif", {})
    keys, images = manifest["pages"], manifest["iiif"]
    changed = [page for page in outputs.pages if old_pages.get(page.path) != keys[page.path]]
    removed = sorted(set(old_pages) - set(keys))
    new_media = [row for row in outputs.media if old_images.get(row.id) != images[row.id]]
    gone_images = sorted(set(old_images) - set(images))
    if not (changed or removed or new_media or gone_images):
        return 0
    with staging(standby) as stage:
        write_pages(env, changed, stage)
        write_iiif(new_media, stage / "iiif", settings)
        site_manifest.mark_applying(standby)
        move_into(stage, standby, [page.path for page in changed])
        remove(standby, removed, gone_images + [row.id for row in new_media])
        move_into(stage / "iiif", standby / "iiif", [row.id for row in new_media])
        site_manifest.write(standby, manifest)
    return len(changed)


# -- the outputs -----------------------------------------------------------------------------
def collect_pages(catalog: Catalog, urls: SiteUrls, built_on: str, static_dir: Path | None = None,
                  records: tuple[list[dict], dict[str, str]] | None = None,
                  record_downloads: RecordDownloads | None = None,
                  state: dict | None = None, kept: dict | None = None,
                  drawings_in: Path | None = None) -> list[Page]:
    """Every output of the site. Templates get data, never queries.

    `records`, when given, are the public record views and each one's key (from the build's
    view cache, `publish.build_cache`), in place of asking the Catalog for all of them;
    `record_downloads` makes their download parts (`publish.record_downloads`). `state`,
    when given, receives what a later one-record rebuild needs to patch the aggregate outputs
    (`publish.incremental`): the feed's entries and the search index's document count; `kept`,
    when given, receives what the build's private cache keeps for it (the site index);
    `drawings_in`, the cache folder where chart drawings are kept by their specs
    (`publish.charts.drawn`)."""
    views = {kind: catalog.all(kind) if kind != "record" or records is None else records[0] for kind in SECTIONS}
    # The search fallback index is made from the views alone: in a forked process while this
    # one makes the rest (archive.side_process), when there are enough records to pay for a fork.
    early = record_downloads.early if record_downloads is not None else None
    static_index = SideResult(lambda: _search_files(views, early), fork=len(views["record"]) >= SIDE_INDEX_FROM)
    try:
        return _collect_pages(catalog, urls, built_on, views, static_index, static_dir, records, record_downloads, state,
                              kept if kept is not None else {}, drawings_in)
    finally:
        static_index.close()


def _collect_pages(catalog: Catalog, urls: SiteUrls, built_on: str, views: dict[str, list[dict]],
                   static_index: SideResult, static_dir: Path | None,
                   records: tuple[list[dict], dict[str, str]] | None, record_downloads: RecordDownloads | None,
                   state: dict | None,
                   kept: dict, drawings_in: Path | None) -> list[Page]:
    digests = records[1] if records is not None else {}
    added: dict[str, str] = {}
    for kind in SECTIONS:
        added.update(catalog.added_on(kind))
    everything = [v for kind in ("timeline", "harm", "narrative", "record") for v in views[kind]]
    index = kept["index"] = SiteIndex.of([entry_of(view, added[view["id"]]) for view in everything])
    small = {kind: views[kind] for kind in SMALL_KINDS}
    tombstones = catalog.tombstones()
    charts = site_charts(views, placed_summaries(index), catalog, urls, drawings_in)  # data, files; drawing starts
    if state is not None:
        state["recent"] = {v["id"]: added[v["id"]] for v in recent(everything, added, FEED_SIZE)}
        state["records"] = len(views["record"])

    pages = front_pages(index, small) + listing_pages(index, catalog)
    pages += object_outputs("record", views["record"], digests, urls, built_on)
    grouped = small_group(catalog, small, tombstones, urls, built_on)
    kept["small_paths"] = sorted(page.path for page in grouped)  # what the next patch remakes as a whole
    pages += grouped

    tombstone_paths = {page.path for page in tombstone_pages(tombstones)}
    html_urls = [html_path_to_url(p.path) for p in pages if p.path.endswith("index.html") and p.path not in tombstone_paths]
    files = {U.site_page_url("feed").lstrip("/"): atom_feed(everything, added, urls, built_on + "T00:00:00Z"),
             U.site_page_url("robots").lstrip("/"): robots_txt(urls)}
    files.update(sitemaps(html_urls, urls))
    downloads = (record_downloads or RecordDownloads()).pages(views["record"], urls)
    found, written = static_index.result()
    files.update(found.files)
    if written:  # by the side process, beside the early record pages: only their keys came back
        record_downloads.early.paths.update(written)
        downloads += [written_early(path, key) for path, key in written.items()]
    kept["words"] = (found.words, found.small)
    if state is not None:
        state["docs"] = json.loads(files["search/meta.json"])["docs"]
    files.update(charts.files)
    # The data package: from each kind's count and the rights statements (a patched rebuild
    # keeps the records' statements to make it again, publish.patch_outputs).
    counts = {kind: len(items) for kind, items in views.items()}
    files["downloads/datapackage.json"] = data_package(counts, rights_statements(views), urls)
    rights = Counter(v.get("rights") or "" for v in views["record"])
    kept["extra"] = {"rights": json.dumps(dict(sorted(rights.items()))), "charts": charts_memory(charts),
                     "narrative_rights": narrative_rights(views["narrative"]),
                     "record_decades": decades_memory(Counter(decade_key(v) for v in views["record"])),
                     "ledger_links": json.dumps(ledger_links(catalog), sort_keys=True)}
    files.update(_static_files(static_dir))
    for page in pages:  # last: the charts are drawn meanwhile in a forked process
        page.data.update(charts.page_data(page.path))
    return pages + [Page(path, content=content) for path, content in files.items()] + downloads


def _search_files(views: dict[str, list[dict]], early: EarlyRecords | None) -> tuple[StaticIndex, dict[str, str]]:
    """The static search index; while early workers run, its files (~300 MB at 100,000 records)
    are written beside their pages by the process making them as each is made, and only their
    keys are kept (`meta.json`, which the build reads, is kept whole)."""
    written: dict[str, str] = {}

    def write(path: str, content: bytes) -> bool:
        if path != "search/meta.json" and early is not None and early.write(path, content):
            written[path] = content_key(path, content)
            return True
        return False

    return static_search_index(views, write), written


def _static_files(static_dir: Path | None) -> dict[str, bytes]:
    """The site's style sheets and scripts, copied as they are under static/."""
    if static_dir is None or not static_dir.is_dir():
        return {}
    return {"static/" + asset.relative_to(static_dir).as_posix(): asset.read_bytes()
            for asset in sorted(static_dir.rglob("*")) if asset.is_file()}
