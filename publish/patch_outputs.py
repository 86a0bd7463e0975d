"""The outputs a patched rebuild makes for a set of changes (`publish.patch_changes`), each by
the same function the full build uses (`publish.outputs`, `publish.pages.listings`), so the
patched site equals a fresh build's file for file:

- changed records' own outputs (or their removal), the small kinds' group made whole;
- the listing pages each changed list noted, the browse and agents indexes when a list's size
  changed, agents' pages of the institutions whose lists changed;
- the front pages when counts, the newest objects or the small kinds changed; the feed when
  its entries changed; the sitemap when pages came or went;
- the records' download parts (lines spliced in place for edits, joined again from the cache
  when records came or went), the static search index (patched per record, its first block
  made again for the small kinds; made whole from every view when neither can do).

Each output is keyed; `publish.apply_patch` writes only those whose key differs from the live
build's. A path with a key of None is deleted.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from archive import urls as U
from archive.catalog import Catalog
from archive.settings import Settings
from archive.urls import SECTIONS, SiteUrls, agent_url
from publish.apply_patch import Unpatchable
from publish.build_cache import StoredIndex, ViewStore
from publish.downloads import (
    PART_SIZE,
    UTF8_BOM,
    csv_header,
    csv_row,
    data_package,
    jsonl_line,
    narrative_rights,
    part_names,
)
from publish.feeds import FEED_SIZE, atom_feed, sitemaps
from publish.media.files import recording_files
from publish.outputs import RECENT_ON_HOME, SMALL_KINDS, front_pages, object_outputs, small_group
from publish.page import Page
from publish.pages import listings
from publish.pages.charts import (
    charts_memory,
    decade_key,
    decade_views,
    decades_memory,
    recalled,
    site_charts,
)
from publish.pages.site_index import (
    BROWSE,
    PLACED,
    Entry,
    browse_list,
    browse_parts,
    placed_summaries,
    section_list,
)
from publish.patch_changes import ChangeSet, RecordChange
from publish.static_search.blocks import patch_first_block
from publish.static_search.index import SMALL, static_index
from publish.static_search.patch import published_vocabulary, vocabulary_after
from publish.static_search.records_patch import patch_records
from search.documents import documents_of

LOC = re.compile(rb"<loc>([^<]*)</loc>")


@dataclass
class Context:
    """What every output of one patched rebuild shares."""

    catalog: Catalog
    urls: SiteUrls
    built_on: str
    live: Path
    store: ViewStore
    index: StoredIndex
    state: dict  # the live build's state (its manifest's)
    recent_before: list[Entry]  # the newest entries before the changes (the feed's, newest first)
    small_paths: list[str]  # the paths the small kinds' group made in the live build
    settings: Settings


@dataclass
class Outputs:
    pages: list[Page] = field(default_factory=list)  # to key and (if changed) write
    gone: set[str] = field(default_factory=set)  # paths to delete
    files: dict[str, bytes] = field(default_factory=dict)  # made as bytes
    state: dict = field(default_factory=dict)  # the manifest state's new values
    small_paths: list[str] | None = None  # the small kinds' group's paths now (when remade)
    words: dict[str, int] = field(default_factory=dict)  # static search terms' new document counts
    small_words: dict[str, int] | None = None  # every term's count in the first block (when remade)
    lines: dict[str, dict[str, str]] = field(default_factory=dict)  # changed records' download lines
    extra: dict[str, str] = field(default_factory=dict)  # the cache's other meta values, changed
    bom: bool = False  # CSV downloads carry a byte order mark (RECKON_CSV_BOM)


def make(ctx: Context, changes: ChangeSet) -> Outputs:
    out = Outputs(bom=ctx.settings.csv_bom)
    small_views = _own_outputs(ctx, changes, out)
    _listing_outputs(ctx, changes, out)
    _front_outputs(ctx, changes, out, small_views)
    _feed(ctx, changes, out, small_views)
    _downloads(ctx, changes, out)
    _data_package(ctx, changes, out, small_views)
    _static_search(ctx, changes, out, small_views)
    _charts(ctx, changes, out, small_views)  # after every page is made: it adds their charts
    _sitemap(ctx, changes, out)
    return out


# -- own outputs --------------------------------------------------------------------------------
def _own_outputs(ctx: Context, changes: ChangeSet, out: Outputs) -> dict[str, list[dict]] | None:
    for change in changes.records:
        if change.view is not None:
            out.pages += object_outputs("record", [change.view], {change.id: change.key}, ctx.urls, ctx.built_on)
        else:
            out.gone |= {f"{SECTIONS['record']}/{change.id}/index.html", f"{SECTIONS['record']}/{change.id}/citation.json"}
    if changes.small is None:
        return None
    grouped = small_group(ctx.catalog, changes.small.views, changes.small.tombstones, ctx.urls, ctx.built_on)
    # A narrative's public recordings go and come with it, as in the full build (publish.build).
    grouped += [Page(f.path, content=f.content, digest=f.digest, make=f.make)
                for f in recording_files(ctx.catalog, ctx.settings)]
    out.pages += grouped
    out.small_paths = sorted(page.path for page in grouped)
    out.gone |= set(ctx.small_paths) - set(out.small_paths)
    return changes.small.views


# -- listing pages --------------------------------------------------------------------------------
def _listing_outputs(ctx: Context, changes: ChangeSet, out: Outputs) -> None:
    index, catalog = ctx.index, ctx.catalog
    agents: set[str] = set()
    for name, numbers in changes.lists.items():
        size = len(index.members(name))
        if name == section_list("record"):
            out.pages += listings.record_list_pages(index, numbers)
            base, last = f"/{SECTIONS['record']}/", listings.page_count(size)
        elif name.startswith(BROWSE + "\0"):
            facet, text = browse_parts(name)
            made = listings.browse_value_pages(index, name, catalog, numbers)
            out.pages += made
            base = U.browse_url(facet, listings.value_of(facet, text))
            last = listings.page_count(size) if made or (size and listings.browse_entry(name, size, catalog)) else 0
            if facet == "institution":
                agents.add(text)
        else:
            continue
        out.gone |= {listings.page_path(base, n) for n in numbers if n > last}
    if not (changes.sizes_before or agents):
        return
    groups = listings.browse_groups(index, catalog)
    public = {entry["value"] for entry in groups["institution"]}
    if changes.sizes_before:
        out.pages += listings.browse_index_pages(groups) + [listings.agents_index_page(groups, catalog)]
    if any(browse_parts(name)[0] == "institution" and (before == 0 or not index.members(name))
           for name, before in changes.sizes_before.items() if name.startswith(BROWSE + "\0")):
        agents |= public  # an agent's page came or went: the pages naming it as parent link to it or not
    out.pages += listings.agent_pages(listings.agent_views(index, catalog, sorted(agents & public), public))
    out.gone |= {agent_url(a).lstrip("/") + "index.html" for a in agents - public}


# -- front pages, feed ----------------------------------------------------------------------------
def _front_outputs(ctx: Context, changes: ChangeSet, out: Outputs, small: dict[str, list[dict]] | None) -> None:
    newest_before = ctx.recent_before[:RECENT_ON_HOME]
    newest_after = ctx.index.recent(RECENT_ON_HOME)
    if small is None and not changes.sizes_before and newest_before == newest_after:
        return
    views = small if small is not None else {kind: ctx.catalog.all(kind) for kind in ("timeline", "harm")}
    out.pages += front_pages(ctx.index, views)


def _feed(ctx: Context, changes: ChangeSet, out: Outputs, small: dict[str, list[dict]] | None) -> None:
    after = ctx.index.recent(FEED_SIZE)
    out.state["recent"] = {e.id: e.added for e in after}
    changed = {c.id for c in changes.records} | changes.entries_changed
    if small is not None:
        changed |= {v["id"] for kind in SMALL_KINDS for v in small[kind]}
    if [e.id for e in after] == [e.id for e in ctx.recent_before] and not changed & {e.id for e in after}:
        return
    records = {c.id: c.view for c in changes.records if c.view is not None}
    cached = ctx.store.views_of([e.id for e in after if e.kind == "record" and e.id not in records])
    views = []
    for entry in after:
        if entry.kind == "record":
            views.append(records.get(entry.id) or cached[entry.id])
        elif small is not None:
            views.append(next(v for v in small[entry.kind] if v["id"] == entry.id))
        else:
            views += ctx.catalog.views(entry.kind, [entry.id])
    out.files[U.site_page_url("feed").lstrip("/")] = atom_feed(views, {e.id: e.added for e in after}, ctx.urls,
                                                               ctx.built_on + "T00:00:00Z")


# -- downloads --------------------------------------------------------------------------------------
def _line_names(urls: SiteUrls) -> tuple[str, str]:
    """The names of a record's download lines among its cached pieces (they hold the base URL)."""
    return "jsonl\0" + urls.base_url, "csv\0" + urls.base_url


def _downloads(ctx: Context, changes: ChangeSet, out: Outputs) -> None:
    jsonl, csv = _line_names(ctx.urls)
    for change in changes.records:
        if change.view is not None:
            out.lines[change.id] = {jsonl: jsonl_line(change.view, ctx.urls), csv: csv_row("record", change.view, ctx.urls)}
    if not changes.records:
        return
    if all(c.old is not None and c.view is not None for c in changes.records):
        spliced = _spliced_parts(ctx, changes.records, out.lines)
        if spliced is not None:
            out.files.update(spliced)
            return
    out.files.update(_joined_parts(ctx, changes.records, out.lines))
    count = ctx.index.counts().get("record", 0)
    out.gone |= {f"downloads/{name}.{ext}" for name in part_names("record", ctx.state["records"])
                 if name not in part_names("record", count) for ext in ("jsonl", "csv")}
    out.state["records"] = count


def splice_lines(data: bytes | None, header: bytes, changes: list[tuple[str, str]]) -> bytes | None:
    """A download part with some records' lines replaced (old line, new line), found in its
    bytes rather than joined again from 10,000 cached lines, and the part copied once; None
    when an old line is not there exactly once, at the start of a line after the header (then
    it is joined again)."""
    if data is None or not data.startswith(header):
        return None
    found: list[tuple[int, int, bytes]] = []
    for old_text, new_text in changes:
        old = old_text.encode("utf-8")
        at = data.find(old, len(header))
        while at >= 0 and at > len(header) and data[at - 1:at] != b"\n":
            at = data.find(old, at + 1)  # inside another line: not this record's
        if at < 0 or data.find(old, at + 1) >= 0:
            return None
        found.append((at, at + len(old), new_text.encode("utf-8")))
    found.sort()
    pieces, done = [], 0
    for start, end, new in found:
        if start < done:
            return None  # two changes in one line: not lines of two records
        pieces += [data[done:start], new]
        done = end
    pieces.append(data[done:])
    return b"".join(pieces)


def _spliced_parts(ctx: Context, records: list[RecordChange], lines: dict) -> dict[str, bytes] | None:
    """The parts holding these edited records, with their old lines replaced by the new ones:
    each line found at its offset (the lengths of the cached lines before it in the part),
    or, failing that, by searching the part for it."""
    jsonl, csv = _line_names(ctx.urls)
    count = ctx.state["records"]
    ranks = ctx.store.ranks([change.id for change in records])
    parts: dict[int, list[tuple[int, RecordChange]]] = {}
    for change in records:
        assert change.old is not None
        if change.old.parts.get(jsonl) is None or change.old.parts.get(csv) is None:
            return None  # lines made for another base URL (or none)
        rank = ranks[change.id]
        parts.setdefault(rank // PART_SIZE if count > PART_SIZE else 0, []).append((rank, change))
    files = {}
    for number, changed in parts.items():
        first = number * PART_SIZE if count > PART_SIZE else 0
        offsets = [ctx.store.offsets(change.id, rank - first) for rank, change in changed]
        name = part_names("record", count)[number]
        marked = UTF8_BOM if ctx.settings.csv_bom else b""  # as publish.downloads.with_bom wrote it
        for extension, which, column, header in (("jsonl", jsonl, 0, b""),
                                                 ("csv", csv, 1, marked + csv_header("record").encode())):
            path = f"downloads/{name}.{extension}"
            data = _published(ctx.live, path)
            edits = [(change.old.parts[which], lines[change.id][which]) for _, change in changed]
            known = all(o is not None for o in offsets)  # lines kept for this base URL
            placed = _at_offsets(data, header, [o[column] for o in offsets if o is not None], edits) if known else None
            spliced = placed if placed is not None else splice_lines(data, header, edits)
            if spliced is None:
                return None
            files[path] = spliced
    return files


def _at_offsets(data: bytes | None, header: bytes, offsets: list[int], edits: list[tuple[str, str]]) -> bytes | None:
    """`data` with each old line, expected at `len(header) + offset`, replaced; None when one is not there."""
    if data is None or not data.startswith(header):
        return None
    found = []
    for offset, (old_text, new_text) in zip(offsets, edits, strict=True):
        old, at = old_text.encode("utf-8"), len(header) + offset
        if data[at:at + len(old)] != old or (at > len(header) and data[at - 1:at] != b"\n"):
            return None
        found.append((at, at + len(old), new_text.encode("utf-8")))
    found.sort()
    pieces, done = [], 0
    for start, end, new in found:
        pieces += [data[done:start], new]
        done = end
    pieces.append(data[done:])
    return b"".join(pieces)


def _joined_parts(ctx: Context, records: list[RecordChange], lines: dict) -> dict[str, bytes]:
    """Every records' download part joined again from the cached lines (records came or went),
    one part in memory at a time."""
    jsonl, csv = _line_names(ctx.urls)
    changed = {c.id: c for c in records}
    ids = sorted((set(ctx.store.ids()) - set(changed)) | {c.id for c in records if c.view is not None})
    names = part_names("record", len(ids))
    files: dict[str, bytes] = {}
    for number, name in enumerate(names):
        chunk = ids[number * PART_SIZE:(number + 1) * PART_SIZE] if len(ids) > PART_SIZE else ids
        kept = ctx.store.lines_of([i for i in chunk if i not in changed], ctx.urls.base_url)
        got = {i: lines[i] for i in chunk if i in changed}
        missing = [i for i in chunk if i not in changed and i not in kept]
        if missing:
            raise Unpatchable("download lines made for another base URL (or none): the full build makes them")
        files[f"downloads/{name}.jsonl"] = "".join(got[i][jsonl] if i in got else kept[i][0] for i in chunk).encode()
        files[f"downloads/{name}.csv"] = (csv_header("record") + "".join(
            got[i][csv] if i in got else kept[i][1] for i in chunk)).encode()
    return files


def _published(live: Path, path: str) -> bytes | None:
    try:
        return (live / path).read_bytes()
    except OSError:
        return None


# -- the data package -----------------------------------------------------------------------------
def _data_package(ctx: Context, changes: ChangeSet, out: Outputs, small: dict[str, list[dict]] | None) -> None:
    """downloads/datapackage.json, from the counts and the records' rights statements the cache
    keeps (each changed record's old statement taken out, its new one put in)."""
    if not changes.records and small is None:
        return
    rights = Counter(json.loads(ctx.store.meta("rights") or "{}"))
    for change in changes.records:
        if change.old is not None:
            rights[change.old.view.get("rights") or ""] -= 1
        if change.view is not None:
            rights[change.view.get("rights") or ""] += 1
    rights = Counter({statement: n for statement, n in rights.items() if n > 0})
    out.extra["rights"] = json.dumps(dict(sorted(rights.items())))
    # The narratives' statements change only with the small kinds: kept from the last build
    # or patch that made them (reading every narrative's view was 80 ms of a one-record patch).
    kept = ctx.store.meta("narrative_rights")
    if small is not None or kept is None:
        narratives = small["narrative"] if small is not None else ctx.catalog.all("narrative")
        kept = narrative_rights(narratives)
        out.extra["narrative_rights"] = kept
    statements = set(rights) | set(json.loads(kept))
    found = ctx.index.counts()  # one query over the index's entries, not one per kind
    counts = {kind: found.get(kind, 0) for kind in SECTIONS}
    out.files["downloads/datapackage.json"] = data_package(counts, statements, ctx.urls)


# -- the charts ------------------------------------------------------------------------------------
def _charts(ctx: Context, changes: ChangeSet, out: Outputs, small: dict[str, list[dict]] | None) -> None:
    """The charts made again when what they count may have changed (the small kinds and the
    ledger; a decade's records, or the records' count; an object on the map, or one that came
    onto it or left it: its entry in the placed list changed), with every page showing them;
    the pages this patch made otherwise get the charts the live build drew (kept in the cache)."""
    kept = recalled(ctx.store.meta("charts"))
    decades = ctx.store.meta("record_decades")
    if kept is None or decades is None:
        raise Unpatchable("the cache keeps no charts (made by an older version)")
    contexts, paths = kept
    counts = Counter(json.loads(decades))
    for change in changes.records:  # each changed record's old decade out, its new one in
        if change.old is not None:
            counts[decade_key(change.old.view)] -= 1
        if change.view is not None:
            counts[decade_key(change.view)] += 1
    out.extra["record_decades"] = decades_memory(counts)
    counted = section_list("record")
    if small is not None or PLACED in changes.lists or any(
            name == counted or name.startswith(browse_list("decade", "")) for name in changes.sizes_before):
        views = small if small is not None else {kind: ctx.catalog.all(kind) for kind in SMALL_KINDS}
        dates = decade_views(out.extra["record_decades"])
        charts = site_charts({**views, "record": dates}, placed_summaries(ctx.index), ctx.catalog, ctx.urls,
                             ctx.settings.build_cache_dir)
        contexts = charts.contexts()
        out.files.update(charts.files)
        out.gone |= set(paths) - set(charts.files)
        out.extra["charts"] = charts_memory(charts)
        made = {page.path for page in out.pages}
        out.pages += [page for page in _chart_pages(ctx, views) if page.path not in made]
    for page in out.pages:
        page.data.update(contexts.get(page.path, {}))


def _chart_pages(ctx: Context, small: dict[str, list[dict]]) -> list[Page]:
    """Every page showing a chart, but the small kinds' (their group is made whole with them):
    the home and downloads pages and the browse index."""
    groups = listings.browse_groups(ctx.index, ctx.catalog)
    return front_pages(ctx.index, small) + listings.browse_index_pages(groups)


# -- the static search index -----------------------------------------------------------------------
def _static_search(ctx: Context, changes: ChangeSet, out: Outputs, small: dict[str, list[dict]] | None) -> None:
    patched: dict[str, bytes | None] = {}

    def read(path: str) -> bytes | None:
        return patched[path] if path in patched else _published(ctx.live, path)

    totals: dict[str, int] = {}
    whole = False
    if small is not None:
        block = patch_first_block(read, {k: small[k] for k in SMALL}, ctx.store.small_words())
        if block is None:
            whole = True
        else:
            patched.update(block.files)
            totals.update(block.totals)
            out.small_words = block.small
    if not whole and changes.records:
        # Each term's count of documents as published (the vocabulary parsed once), then as
        # the first block's patch left it.
        counts = {**published_vocabulary(read), **totals}
        done = patch_records(read, [(_documents(c.old.view if c.old else None), _documents(c.view))
                                    for c in changes.records], lambda urls: _current_documents(ctx, urls), counts)
        if done is None:
            whole = True
        else:
            patched.update(done.files)
            totals.update(done.totals)
    if whole:
        _whole_static_search(ctx, changes, out, small)
        return
    if totals:
        published = json.loads(read("search/vocab.json") or b"{}")
        patched["search/vocab.json"] = vocabulary_after(published, totals, ctx.store.words_between)
        out.words = totals
    for path, content in patched.items():
        if content is None:
            out.gone.add(path)
        else:
            out.files[path] = content
    meta = json.loads(read("search/meta.json") or b"{}")
    out.state["docs"] = meta.get("docs", ctx.state["docs"])


def _documents(view: dict | None) -> list[dict]:
    """A record's search documents (itself and its parts), none when it is not public."""
    return documents_of("record", view) if view is not None else []


def _current_documents(ctx: Context, urls: list[str]) -> dict[str, dict]:
    """The documents, by URL, of the records these URLs belong to (`/records/<id>/`, a part's
    with `#anchor`), from the cached views: records a change moves in the static index."""
    ids = sorted({url.split("#", 1)[0].strip("/").rsplit("/", 1)[-1] for url in urls})
    found: dict[str, dict] = {}
    for start in range(0, len(ids), 500):
        for view in ctx.store.views_of(ids[start:start + 500]).values():
            found.update((doc["url"], doc) for doc in _documents(view))
    return {url: found[url] for url in urls if url in found}


def _whole_static_search(ctx: Context, changes: ChangeSet, out: Outputs, small: dict[str, list[dict]] | None) -> None:
    """The static search index made whole from every public view (records came or went, or a
    change renumbers facet values): the records' views from the cache."""
    records = {c.id: c.view for c in changes.records}
    views = {"record": [v for v in ctx.store.all_views() if v["id"] not in records]
             + [v for v in records.values() if v is not None]}
    views.update(small if small is not None else {kind: ctx.catalog.all(kind) for kind in SMALL_KINDS})
    made = static_index(views)
    old = {p.relative_to(ctx.live).as_posix() for p in (ctx.live / "search").rglob("*.json")}
    out.gone |= old - set(made.files)
    out.files.update(made.files)
    out.words = made.words
    out.small_words = made.small
    out.state["docs"] = json.loads(made.files["search/meta.json"])["docs"]
    out.state["whole_words"] = True


# -- the sitemap ------------------------------------------------------------------------------------
def _sitemap(ctx: Context, changes: ChangeSet, out: Outputs) -> None:
    """The sitemap made again when pages came or went (or became tombstones)."""
    tombstones = {p.path for p in out.pages if p.template == "tombstone.html"}
    shown = [p.path for p in out.pages if p.path.endswith("index.html") and p.path not in tombstones]
    gone = {p for p in out.gone if p.endswith("index.html")} | tombstones
    if changes.small is None and not gone and all((ctx.live / path).exists() for path in shown):
        return  # no page came or went
    before, files = _published_sitemap(ctx)
    after = (before - {_url_path(p) for p in gone}) | {_url_path(p) for p in shown}
    if after == before:
        return
    made = sitemaps(sorted(after), ctx.urls)
    out.files.update(made)
    out.gone |= set(files) - set(made)


def _url_path(page: str) -> str:
    return "/" + page[: -len("index.html")]


def _published_sitemap(ctx: Context) -> tuple[set[str], list[str]]:
    """The site paths the live sitemap lists, and its files."""
    files = ["sitemap.xml"]
    index = _published(ctx.live, "sitemap.xml") or b""
    prefix = ctx.urls.base_url.rstrip("/")
    locs = [m.group(1).decode() for m in LOC.finditer(index)]
    if b"<sitemapindex" in index:
        files += [loc[len(prefix) + 1:] for loc in locs]
        locs = [m.group(1).decode() for name in files[1:] for m in LOC.finditer(_published(ctx.live, name) or b"")]
    return {loc[len(prefix):] for loc in locs}, files


