"""Bringing a search index up to date in time proportional to the change, from the change log.

Publishing used to rebuild both indexes from every object (tens of seconds at 100,000
records), and the fingerprint comparison (`search.indexer.update_index`) still makes every
document. Here the store's change log (archive.change_log) says which objects (records,
narratives, harms, timelines, each with the rows holding its parts: a narrative's consent
entries, segments and redactions...) were written since the index's last update (its place
in the log is kept in the index's state file, search.index_state); only those objects'
documents are made, through the viewer's Catalog, so the access rule decides: an object that
became hidden (a narrative withdrawn) leaves the index, one that became visible enters it.
Besides its own documents, an object's visibility changes the text of any timeline with an
entry pointing at it (a hidden target's entry is left out), so those timelines are remade too.
A new day is a change like a write: the objects whose embargo lies between the index's day and
today (`archive.embargo_days`) are remade (it used to take the full comparison below, the
first publish of every day: tens of seconds at 100,000 records).

Whenever the log cannot tell, the full fingerprint comparison runs instead:
- the store keeps no log (PostgreSQL), or the index keeps no place in it, or the place is not
  in this store's log (another store restored in its place);
- a table beyond the indexed objects and their parts was written (agents, concepts: their
  effect on documents is not bounded here);
- the code that makes documents, or the engine, changed;
- an earlier update stopped before it finished (its `applying` mark is still set).

And the index is rebuilt from scratch, with one logged line saying why, when it is missing,
made by another engine or an unknown format, keeps no state file (made before it existed),
or lacks the word-pair record its engine needs (whoosh-pairs.json, common-stems.txt).

An update writes in this order: `applying` set; the engine's delete/add and commit; the
manifest (vocabulary and labels, adjusted by what left and what came); then the state's new
fingerprints, place in the log and `applying` cleared, in one transaction. Stopped anywhere,
the index answers (the engine's commit and the manifest's swap are each atomic) and the next
update repairs it by the full comparison.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from sqlmodel import select

from archive import change_log
from archive import models as m
from archive.catalog import Catalog
from archive.code_digest import code_digest as digest_of_code
from archive.embargo_days import embargoes_ending
from search import engine
from search.documents import INDEXED_KINDS, count_words, documents_of, labels, vocabulary_of
from search.index_state import (
    STATE_FILE,
    IndexState,
    facet_delta,
    hashed_mark,
    matches_mark,
)
from search.indexer import (
    MANIFEST,
    IndexReport,
    Progress,
    build_index,
    entry_of,
    make_manifest,
    object_of,
    read_manifest,
    store_url,
    touched_objects,
    update_index,
    write_manifest,
)

log = logging.getLogger(__name__)
# What an index needs beside its manifest and state: the word-pair record, or the postgres
# engine's pointer to its table.
PAIR_FILES = {"whoosh": "whoosh-pairs.json", "tantivy": "common-stems.txt", "postgres": "postgres-index.json"}
CHUNK = 500
NO_INDEX = "there is no index yet"


# The code that turns store rows into documents: a change to any of it makes the next update
# compare every document (the engine's own modules are added per engine).
def code_digest(engine_name: str) -> str:
    """The code that makes an index's documents: this module and all it imports (the Catalog,
    the access rule, Markdown), with the engine's own package."""
    roots = ("search.incremental",) + ((engine.ENGINES[engine_name],) if engine_name in engine.ENGINES else ())
    # markdown_it: its version (in its __init__) changes the texts Markdown becomes.
    return digest_of_code(*roots, outside=("markdown_it",))


def state_meta(catalog: Catalog, engine_name: str) -> dict:
    """What an index keeps of how its documents were made: the change log's place (read first,
    before any other row, so a write landing meanwhile is after it), the date and the code."""
    mark = change_log.latest(catalog.session)
    return {"mark": hashed_mark(mark), "today": catalog.today.isoformat(), "code": code_digest(engine_name),
            "engine": engine_name}


def rebuild_reason(index_dir: Path, engine_name: str, database_url: str | None = None) -> str | None:
    """Why the index at `index_dir` must be rebuilt rather than updated, or None
    (`database_url`: the store's, where the postgres engine keeps its tables)."""
    folder = Path(index_dir)
    if not (folder / MANIFEST).exists():
        return NO_INDEX
    try:
        manifest = read_manifest(folder)
    except (OSError, ValueError) as exc:
        return f"its manifest cannot be read ({exc})"
    if manifest is None:
        return "its manifest is of another format"
    if manifest.get("engine") != engine_name:
        return f"it was made by {manifest.get('engine')}, and the setting asks for {engine_name}"
    state = IndexState.open(folder)
    if state is None:
        return f"it keeps no {STATE_FILE} (made by an older version)"
    try:
        documents = state.count()
    finally:
        state.close()
    pairs = PAIR_FILES.get(engine_name)
    if pairs and documents and not (folder / pairs).exists():
        return f"it lacks {pairs}"
    return engine.missing(engine_name, folder, database_url)


def log_rebuild(index_dir: Path, reason: str) -> None:
    """Say why the index is rebuilt: a first build is no news; rebuilding an existing index is
    worth a line on stderr."""
    log.log(logging.INFO if reason == NO_INDEX else logging.WARNING,
            "rebuilding the search index at %s: %s", index_dir, reason)


def bring_up_to_date(catalog: Catalog, index_dir: Path, engine_name: str = "whoosh",
                     progress: Progress | None = None) -> IndexReport:
    """Update the index at `index_dir` to what `catalog` shows, by the cheapest sure path."""
    meta = state_meta(catalog, engine_name)  # first: the log's place before any row is read
    reason = rebuild_reason(index_dir, engine_name, store_url(catalog))
    if reason is not None:
        log_rebuild(index_dir, reason)
        count = build_index(catalog, index_dir, engine_name, progress, meta)
        return IndexReport(count, count, 0, rebuilt=True)
    state = IndexState.open(index_dir)
    assert state is not None
    try:
        changes = _changes(catalog, state.meta(), meta)
        if isinstance(changes, str):
            log.info("comparing every document of %s: %s", index_dir, changes)
        else:
            return _apply(catalog, Path(index_dir), engine_name, state, changes, meta, progress)
    finally:
        state.close()
    return update_index(catalog, index_dir, engine_name, progress, meta)


def _changes(catalog: Catalog, kept: dict, now: dict) -> dict[str, set[str]] | str:
    """The ids of the objects written since the index's place in the log, by kind, or why it cannot tell."""
    if kept.get("applying") is not False:
        return "an earlier update did not finish"
    if now["mark"] is None:
        return "the store keeps no change log"
    if (kept.get("code"), kept.get("engine")) != (now["code"], now["engine"]):
        return "the code making documents changed since the last update"
    if not isinstance(kept.get("today"), str):
        return "the index keeps no date"
    place = kept.get("mark")
    if not place or not place[0]:
        return "the index keeps no place in the change log"
    row = change_log.entry(catalog.session, place[0])
    if row is None or not matches_mark(place, row):
        return "the change log does not hold the index's place (another store?)"
    upto = change_log.latest(catalog.session)
    found = change_log.since(catalog.session, row, upto) if upto is not None else None
    if found is None:
        return "the change log cannot say what changed"
    if found.tables:
        return f"tables beyond the indexed objects were written: {', '.join(sorted(found.tables))}"
    if kept["today"] != now["today"]:  # a new day: the embargoes ending are changes too
        for kind, ids in embargoes_ending(catalog.session, kept["today"], now["today"]).items():
            found.objects.setdefault(kind, set()).update(ids)
    return found.objects


def _dependents(catalog: Catalog, object_ids: list[str]) -> list[str]:
    """Timelines with an entry pointing at one of these objects: their text shows the entry
    only while the object is visible."""
    found: set[str] = set()
    for start in range(0, len(object_ids), CHUNK):
        chunk = object_ids[start:start + CHUNK]
        found.update(catalog.session.exec(select(m.TimelineEntry.timeline_id)
                                          .where(m.TimelineEntry.ref.in_(chunk))).all())
    return sorted(found)


def _apply(catalog: Catalog, index_dir: Path, engine_name: str, state: IndexState, changed: dict[str, set[str]],
           meta: dict, progress: Progress | None) -> IndexReport:
    wanted = {kind: set(changed.get(kind, ())) for kind in INDEXED_KINDS}
    wanted["timeline"] |= set(_dependents(catalog, sorted({i for ids in changed.values() for i in ids})))
    docs = [d for kind in INDEXED_KINDS for view in catalog.views(kind, sorted(wanted[kind]))
            for d in documents_of(kind, view)]
    ids = sorted({i for these in wanted.values() for i in these})
    kept = state.documents_of(ids)
    new = entry_of(docs)
    touched = touched_objects({i: v[0] for i, v in kept.items()}, {i: v[0] for i, v in new.items()})
    meta = {**meta, "applying": False}
    if not touched:
        state.set_meta(**meta)
        if progress:
            progress(0, 0)
        return IndexReport(state.count(), 0, 0, rebuilt=False)
    removed = {i: v for i, v in kept.items() if object_of(i) in touched}
    added = [d for d in docs if object_of(d["id"]) in touched]
    manifest = read_manifest(index_dir)
    assert manifest is not None
    reader = engine.open_reader(engine_name, index_dir, store_url(catalog))
    try:
        before = reader.texts(sorted(removed))
    finally:
        reader.close()
    state.set_meta(applying=True)  # cleared with the results below; still set means "repair"
    writer = engine.open_writer(engine_name, index_dir, store_url(catalog))
    writer.delete(sorted(touched))
    writer.add(added)
    writer.commit()
    if progress:
        progress(len(added), len(added))
    vocab = _vocabulary(manifest["vocabulary"], before, added)
    used = _used(state, removed, {d["id"]: new[d["id"]] for d in added})
    write_manifest(index_dir, make_manifest(engine_name, used, labels(catalog), vocab))
    state.apply(removed, {d["id"]: new[d["id"]] for d in added}, meta)
    return IndexReport(state.count(), len(added), sum(1 for i in removed if i not in new), rebuilt=False)


def _vocabulary(vocab: dict[str, int], gone: list[dict], came: list[dict]) -> dict[str, int]:
    """The vocabulary less the words of the documents that left, plus those of the ones that
    came: the document counts a fresh build would find."""
    minus: Counter = Counter()
    plus: Counter = Counter()
    count_words(gone, minus)
    count_words(came, plus)
    result = dict(vocab)
    for words, sign in ((vocabulary_of(minus), -1), (vocabulary_of(plus), 1)):
        for word, n in words.items():
            result[word] = result.get(word, 0) + sign * n
    return {w: n for w, n in result.items() if n > 0}


def _used(state: IndexState, removed: dict[str, tuple[str, list[str]]],
          added: dict[str, tuple[str, list[str]]]) -> set[str]:
    """The facet values some document uses once `removed` are replaced by `added`."""
    counts = dict(state.db.execute("SELECT value, n FROM used"))
    for value, n in facet_delta(removed, added).items():
        counts[value] = counts.get(value, 0) + n
    return {v for v, n in counts.items() if n > 0}
