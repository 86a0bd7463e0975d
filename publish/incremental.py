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
decides), its lines in its download part are spliced (its old lines, kept in
`publish.build_cache.ViewStore`, replaced in the published part's bytes), the search index's term
shards are patched (`publish.static_search.patch.patch_index`),
and only the manifest shards holding a changed path are read and written
(`publish.site_manifest`; the whole map of 200,000 keys is 18 MB). Publishing is the same double
buffering: the standby gets this build's changes plus what it lacked of the live build (its
manifest's `missing`, hard-linked from the live buffer: files are only ever replaced, never
written through), then the symlink flips, then the retired buffer drops what changed. Every
manifest write is preceded by an "applying" mark, so a kill at any moment leaves the live
site whole and makes the next build remake the standby.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache
from sqlmodel import select

from archive import change_log
from archive import models as m
from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.code_digest import code_digest
from archive.db import store_transaction
from archive.settings import Settings
from archive.urls import SiteUrls
from publish import build as B
from publish.build_cache import (
    RecordViews,
    ViewStore,
    cache_dir,
    context_of,
    generation,
    record_bulk_for,
    record_key,
)
from publish.downloads import PART_SIZE, csv_header, csv_row, jsonl_line, part_names
from publish.feeds import FEED_SIZE, atom_feed
from publish.jinja.frame_inline import compiled_with
from publish.pages.citation import citation_context, citation_data, csl_json
from publish.site_manifest import (
    MANIFEST_VERSION,
    mark_applying,
    read_header,
    read_shards,
    shard_of,
    write_header,
    write_shards,
)
from publish.static_search.patch import patch_index
from search.documents import documents_of

log = logging.getLogger(__name__)
# What other pages may show of a record besides its own page: any change to these sends the
# build down the full path. (Body text, language, source, rights, keywords and the like show
# only on the record's page, its citation, its download lines and in the search index.)
OWN_PAGE_ONLY = frozenset({"body_html", "text", "language", "source", "source_url",
                           "date_as_written", "keywords", "coverage", "format"})
MAX_CATCH_UP = 20_000  # files the standby may lack and be copied from the live buffer
# The code that turns views into pages and aggregates (record views' own code is in the
# view cache's generation): any change to it is a full build.
def site_code_digest() -> str:
    """The code a full build runs (`publish.build` and all it imports, this module included)."""
    return code_digest("publish.build", "publish.incremental", outside=("markdown_it",))


def static_digest(settings: Settings) -> str:
    digest = hashlib.blake2b(digest_size=16)
    folder = settings.site_dir / "static"
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_state(settings: Settings, built_on: str, fingerprint: str, record_cache: RecordViews) -> dict:
    """What a full build leaves in its manifest for the next one-record rebuild to check
    (public facts only: the manifest is published; the change log's place is in the cache)."""
    return {"today": settings.today().isoformat(), "built_on": built_on, "fingerprint": fingerprint,
            "static": static_digest(settings), "code": site_code_digest(), "generation": record_cache._gen,
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


def _full(reason: str) -> None:
    """No patching this time: say why (`reckon build` logs it at debug level) and build in full."""
    log.debug("full comparison: %s", reason)


# -- the rebuild ---------------------------------------------------------------------------------
def _added(created_at) -> str:
    return created_at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"  # as Catalog.added_on says it


def one_record_rebuild(settings: Settings, urls: SiteUrls, built_on: str, env: Environment,
                       started: float) -> B.BuildReport | None:
    """Patch the site for the records changed since the live build, or None for a full build."""
    public = settings.public_dir
    live = B.live_buffer(public)
    if live is None:
        return _full("no double-buffered site yet")
    first, second = B.buffers(public)
    standby = second if live == first else first
    head, spare = read_header(live), read_header(standby)
    if head is None or spare is None:
        return _full("a buffer without a readable manifest")
    state = head.get("state")
    if head.get("version") != MANIFEST_VERSION or head.get("applying") or not state:
        return _full("the live build left no state for a patched rebuild")
    if spare.get("version") != MANIFEST_VERSION or spare.get("applying") or spare.get("base") != state["token"] \
            or spare.get("missing_iiif") or len(spare.get("missing", [])) > MAX_CATCH_UP:
        return _full("the standby is not the live build less a few files")
    fingerprint = B._fingerprint(settings, urls, built_on)
    now = (settings.today().isoformat(), built_on, fingerprint, static_digest(settings), site_code_digest())
    if now != (state["today"], state["built_on"], state["fingerprint"], state["static"], state["code"]):
        return _full("the date, templates, settings, static files or code changed")
    store = ViewStore(public)
    try:
        if store.meta("token") != state["token"]:
            return _full("the cache is not the live build's (a build stopped between the two)")
        with store_transaction(settings) as session:
            seq = change_log.latest(session)  # first, before any row is read
            if seq is None:
                return _full("the store keeps no change log")
            changes = change_log.since(session, json.loads(store.meta("mark") or "null"), seq)
            if changes is None:
                return _full("the change log does not hold the live build's place (another store?)")
            if changes.tables:
                return _full(f"tables other than records were written: {sorted(changes.tables)}")
            catalog = Catalog(session, PUBLIC, settings.today())
            if not changes.records:
                return B.BuildReport(pages=state["pages"], public_dir=public, unchanged=state["pages"],
                                     seconds=time.perf_counter() - started, patched=True)
            gen = generation(catalog)
            if gen != state["generation"]:
                return _full("agents, terms or the code making views changed")
            patch = _patch(catalog, store, state, gen, sorted(changes.records), urls, built_on, fingerprint, live)
        if patch is None:
            return None
        return _publish(settings, env, store, state, seq, gen, patch, live, standby, head, spare, started)
    finally:
        store.close()


class _Patch:
    def __init__(self):
        self.pages: list[B.Page] = []  # to render
        self.files: dict[str, bytes | None] = {}  # content files (None: delete)
        self.keys: dict[str, str] = {}  # new key of every page and file above
        self.entries: dict[str, tuple[str, dict, dict]] = {}  # the view cache's new rows
        self.made = 0


def _patch(catalog: Catalog, store: ViewStore, state: dict, gen: str, ids: list[str], urls: SiteUrls,
           built_on: str, fingerprint: str, live: Path) -> _Patch | None:
    session = catalog.session
    table = m.Record
    rows = {r[0]: r for r in session.exec(select(table.id, table.content_hash, table.updated_at, table.access,
                                                 table.embargo_until, table.created_at).where(table.id.in_(ids)))}
    views = {v["id"]: v for v in catalog.views("record", ids)}  # the access rule decides, as ever
    bulk = record_bulk_for(catalog, ids)
    count = state["records"]
    if store.count() != count:
        return _full("the view cache does not hold the live build's records")
    result = _Patch()
    result.made = len(views)
    keyer = B.PageKeys(fingerprint)
    citing = B.citing_digest(urls, built_on)
    names = ("jsonl\0" + urls.base_url, "csv\0" + urls.base_url)
    feed = False
    parts: dict[int, dict[str, dict]] = {}
    refs: dict[str, dict | None] = {}
    patched: dict[str, bytes | None] = {}

    def read(path: str) -> bytes | None:
        if path in patched:
            return patched[path]
        try:
            return (live / path).read_bytes()
        except OSError:
            return None

    for record_id in ids:
        old, view, row = store.entry(record_id), views.get(record_id), rows.get(record_id)
        if old is None and view is None:
            continue  # hidden before and after (or gone): no output shows it
        if old is None or view is None or row is None:
            return _full("newly public, or no longer public: lists, counts and the sitemap change")
        context = context_of(catalog, bulk, record_id, refs)
        if context is not None and context[2]:
            return _full("images: IIIF manifests and tiles are made by the full build")
        key = record_key(gen, row[1], row[2], row[3], row[4], context)
        if key == old[0]:
            continue
        before = old[1]
        if {k: v for k, v in before.items() if k not in OWN_PAGE_ONLY} != \
                {k: v for k, v in view.items() if k not in OWN_PAGE_ONLY}:
            return _full("other pages show what changed")
        added = _added(row[5])
        recent = state["recent"]
        if record_id in recent:
            if recent[record_id] != added:
                return _full("a record among the newest changed its date of addition")
            feed = True
        elif len(recent) < FEED_SIZE or (added, record_id) > min((a, i) for i, a in recent.items()):
            return _full("it would now be among the newest")
        rank = store.rank(record_id)
        number = state["docs"] - count + rank
        search = patch_index(read, number, documents_of("record", before)[0], documents_of("record", view)[0])
        if search is None:
            return _full("the search index cannot be patched for this change")
        patched.update(search)
        mine = {names[0]: jsonl_line(view, urls), names[1]: csv_row("record", view, urls)}
        if any(old[2].get(name) is None for name in names):
            return _full("download lines made for another base URL (or none): the full build makes them")
        parts.setdefault(rank // PART_SIZE if count > PART_SIZE else 0, {})[record_id] = (old[2], mine)
        result.entries[record_id] = (key, view, mine)
        folder = f"{B.SECTIONS['record']}/{record_id}/"
        page = B.Page(folder + "index.html", "record.html", {"item": view}, digest=key,
                      extra=lambda data: {"cite": citation_context(data["item"], urls, built_on)})
        cite = B.Page(folder + "citation.json", digest=f"{key}-{citing}",
                      make=lambda view=view: B._json(csl_json(citation_data(view, urls, built_on))))
        result.pages += [page, cite]
        result.keys.update({page.path: keyer.key(page), cite.path: keyer.key(cite)})
    files = dict(patched)
    for number, changed in parts.items():
        name = part_names("record", count)[number]
        for extension, which, header in (("jsonl", names[0], b""), ("csv", names[1], csv_header("record").encode())):
            path = f"downloads/{name}.{extension}"
            spliced = splice_lines(read(path), header, [(lines[0][which], lines[1][which])
                                                        for lines in changed.values()])
            if spliced is None:
                return _full(f"{path} does not hold the changed records' cached lines (another base URL?)")
            files[path] = spliced
    if feed:
        made = _feed(catalog, store, state["recent"], result.entries, urls, built_on)
        if made is None:
            return _full("the feed holds an object of an unknown kind")
        files[B.U.site_page_url("feed").lstrip("/")] = made
    result.files = files
    for path, content in files.items():
        result.keys[path] = None if content is None else B.page_key(B.Page(path, content=content), fingerprint)
    return result


def _feed(catalog: Catalog, store: ViewStore, recent: dict[str, str], entries: dict, urls: SiteUrls,
          built_on: str) -> bytes | None:
    """The feed of the newest objects, made as the full build makes it, from their views."""
    by_kind: dict[str, list[str]] = {}
    for object_id in recent:
        by_kind.setdefault(B.U.kind_of(object_id) or "", []).append(object_id)
    if "" in by_kind:
        return None
    views = [entry[1] for entry in entries.values() if entry[1]["id"] in recent]
    cached = store.views_of([i for i in by_kind.get("record", []) if i not in entries])
    views += list(cached.values())
    for kind, ids in by_kind.items():
        if kind != "record":
            views += catalog.views(kind, ids)
    return atom_feed(views, recent, urls, built_on + "T00:00:00Z")


def _publish(settings: Settings, env: Environment, store: ViewStore, state: dict, seq: list, gen: str,
             patch: _Patch, live: Path, standby: Path, head: dict, spare: dict,
             started: float) -> B.BuildReport | None:
    public = settings.public_dir
    missing = list(spare.get("missing", []))
    # The only manifest shards that differ between the live build, the standby and this build:
    # those holding a path this build changes or the standby lacks.
    touched = {shard_of(p) for p in patch.keys} | {shard_of(p) for p in missing}
    live_shards = read_shards(live, sorted(touched))
    if live_shards is None:
        return _full("a manifest shard of the live buffer cannot be read")

    def live_key(path: str) -> str | None:
        return live_shards[shard_of(path)].get(path)

    changed = {p: k for p, k in patch.keys.items() if live_key(p) != k}
    if not changed:
        return B.BuildReport(pages=state["pages"], public_dir=public, unchanged=state["pages"],
                             seconds=time.perf_counter() - started, records_made=patch.made, patched=True)
    added = sum(1 for p, k in changed.items() if k is not None and live_key(p) is None)
    gone = [p for p, k in changed.items() if k is None]
    new_shards = {name: dict(shard) for name, shard in live_shards.items()}
    for path, key in changed.items():
        if key is None:
            new_shards[shard_of(path)].pop(path, None)
        else:
            new_shards[shard_of(path)][path] = key
    # Names this build: the build it patched and what it changed (deterministic, like the full build's).
    token = hashlib.blake2b(json.dumps([state["token"], sorted(changed.items())]).encode(),
                            digest_size=16).hexdigest()
    new_state = {**state, "token": token, "pages": state["pages"] + added - len(gone)}
    # The standby: this build's changes, plus the files it lacked of the live build.
    lacking = [p for p in missing if p not in changed and live_key(p) is not None]
    todo = [page for page in patch.pages if page.path in changed]
    todo += [B.Page(p, content=content) for p, content in patch.files.items() if content is not None and p in changed]
    # Compiled templates kept beside the site (keyed by their source, in a folder per set of
    # frame links inlined into them): compiling record.html and its includes afresh would be a
    # good part of a one-record rebuild.
    folder = cache_dir(public) / "templates" / compiled_with(env)
    folder.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = FileSystemBytecodeCache(str(folder))
    stage = Path(tempfile.mkdtemp(prefix=f".{standby.name}.stage-", dir=standby.parent))
    try:
        B.write_pages(env, todo, stage)
        for path in lacking:
            _link_or_copy(live / path, stage / path)
        mark_applying(standby)
        for path in [page.path for page in todo] + lacking:
            target = standby / path
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / path, target)
        B._remove(standby, gone, [])
        write_shards(standby, new_shards)
        write_header(standby, {"version": MANIFEST_VERSION, "iiif": head.get("iiif", {}), "state": new_state})
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    B.flip(public, standby)
    # The retired buffer keeps the live build's files but those this build changed.
    stale = [p for p in changed if live_key(p) is not None]
    mark_applying(live)
    B._remove(live, stale, [])
    kept = {shard_of(p) for p in stale}
    write_shards(live, {name: {p: k for p, k in live_shards[name].items() if p not in changed} for name in kept})
    write_header(live, {"version": MANIFEST_VERSION, "iiif": head.get("iiif", {}), "base": new_state["token"],
                        "missing": sorted(p for p, k in changed.items() if k is not None), "missing_iiif": []})
    store.write(gen, new_state["token"], patch.entries, set(), mark=seq)
    return B.BuildReport(pages=new_state["pages"], public_dir=public, written=len(changed),
                         unchanged=new_state["pages"] - len(changed), seconds=time.perf_counter() - started,
                         records_made=patch.made, applied=len(todo) + len(lacking), patched=True)


def _link_or_copy(source: Path, target: Path) -> None:
    """A file the standby lacks, from the live buffer: a second name for the same bytes (no
    buffer file is ever written through: changes replace files), or a copy where links fail."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
