"""Building two indexes from scratch in one pass (the staff and the public index), doing the
work their common documents need once.

A first ingest and `reckon index --rebuild` build both indexes afresh, and nearly every public
document is, field for field, in the staff index too (a public record reads the same to a
curator). Built one after the other, each such document was made into the engine's form,
fingerprinted and split into words twice: about half the Python work of the second build.

Here the two builds advance together, batch by batch. The leader's documents (the staff's,
which sees everything the public sees) are made first, and what was made of each is kept for a
while; a follower's document with the same id that equals the kept one in every field takes
it instead of making its own. Nothing crosses from one index to the other but work done on
equal inputs: each index is written from its own Catalog's documents, in the same order and
the same batches as `search.indexer.write_index` writes them, so it is what a build of its own
makes (tests/test_search_shared_build.py), and a document the public may not see cannot reach
the public index. An engine's form of a document is shared only between writers of the same
form (`Writer.form`: tantivy's pair field depends on the common stems each index chose from its
own first batch).

What is kept is bounded: the leader runs at most `AHEAD` documents ahead of the follower, and
what the follower passed by is dropped. An engine keeping its documents in the store (postgres)
builds its indexes one after the other, as before.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from archive.catalog import Catalog
from archive.files import staged_directory
from archive.gc_paused import gc_paused
from search import engine
from search.documents import catalog_documents, labels, words_of
from search.indexer import FreshIndex, Progress, batches, build_index, document_entry, store_url

AHEAD = 2000  # documents the leader may make before the follower takes them: memory stays flat


@dataclass(frozen=True)
class Target:
    """One index to build: what its viewer may see, where it goes, the state it keeps
    (search.incremental.state_meta)."""

    catalog: Catalog
    index_dir: Path
    state_meta: dict


@dataclass(frozen=True)
class _Made:
    """What one document becomes for an index: its state entry, its words, its engine form."""

    doc: dict
    entry: tuple[str, list[str]]
    words: set[bytes]
    form: object  # the writer's form (`Writer.form`) when `prepared` was made
    prepared: object


class _Stream:
    """One index's documents, batch by batch, and the index they are written to."""

    def __init__(self, docs: Iterable[dict], fresh: FreshIndex):
        self.batches = batches(docs)
        self.fresh = fresh
        self.next = next(self.batches, None)

    def write(self, made: list[_Made], taken: list[bool] | None = None) -> None:
        """Write the next batch, made as `made`; the words of those `taken` from the leader
        are not counted here (`_write_together` counts them from the leader's)."""
        assert self.next is not None
        words = [m.words for m, t in zip(made, taken, strict=True) if not t] if taken else [m.words for m in made]
        self.fresh.add_made(self.next, {m.doc["id"]: m.entry for m in made}, words, [m.prepared for m in made])
        self.next = next(self.batches, None)


def build_together(leader: Target, follower: Target, engine_name: str,
                   progress: Progress | None = None) -> tuple[int, int]:
    """Build both indexes afresh, each swapped into place at its folder; their counts.

    The leader should see most of what the follower sees (the staff index leads the public)."""
    if engine.in_store(engine_name):
        return (build_index(leader.catalog, leader.index_dir, engine_name, progress, leader.state_meta),
                build_index(follower.catalog, follower.index_dir, engine_name, progress, follower.state_meta))
    # Two writers are open at once: an engine with a memory budget (tantivy's arena, which at
    # 100,000 records grows to hundreds of MB) gives each half, so the pass holds what one build held.
    heap = getattr(engine.engine_module(engine_name), "HEAP", None)
    options = {"heap": heap // 2} if heap else {}
    with ExitStack() as stack:
        lead, follow = (
            _Stream(catalog_documents(t.catalog),
                    FreshIndex(stack.enter_context(staged_directory(Path(t.index_dir))), t.index_dir, engine_name,
                               labels(t.catalog), t.state_meta, store_url(t.catalog), **options))
            for t in (leader, follower))
        # No cyclic collection while the pass runs: it makes few cycles (425 objects found in
        # 842 collections at 10,000 records), and each collection walked what the pass holds,
        # the word counts' tables among them (11% of its Python time at 10,000, more the larger).
        with gc_paused():
            _write_together(lead, follow, progress)
        counts = lead.fresh.finish(), follow.fresh.finish()
    for t in (leader, follower):  # as `write_index` does: what the replaced indexes kept elsewhere goes
        engine.release(Path(t.index_dir), store_url(t.catalog))
    return counts


def _write_together(lead: _Stream, follow: _Stream, progress: Progress | None) -> None:
    kept: OrderedDict[str, _Made] = OrderedDict()  # the leader's documents, in its order
    # The words of the leader's documents the follower did not take: the follower's word
    # counts are the leader's, less these, plus those of the documents it made itself. Each
    # document's words counted once rather than once an index (a sixth of the pass's Python
    # time when every public document is a staff one).
    untaken: Counter = Counter()
    while lead.next is not None or follow.next is not None:
        # The follower waits until the leader made all its next batch may take (its last
        # document), or the leader is AHEAD documents ahead.
        behind = follow.next is not None and follow.next[-1]["id"] not in kept
        if lead.next is not None and (follow.next is None or (behind and len(kept) < AHEAD)):
            made, _ = _make(lead.fresh, lead.next, None, untaken)
            if follow.next is not None:
                kept.update((m.doc["id"], m) for m in made)
            else:
                for m in made:
                    untaken.update(m.words)
            lead.write(made)
        else:
            follow.write(*_make(follow.fresh, follow.next, kept, untaken))
            if follow.next is None:
                for m in kept.values():
                    untaken.update(m.words)
                kept.clear()
        if progress:
            done = lead.fresh.count + follow.fresh.count
            progress(done, done)
    follow.fresh.manifest.add_words_of(lead.fresh.manifest, untaken)


def _make(fresh: FreshIndex, batch: list[dict], kept: OrderedDict[str, _Made] | None,
          untaken: Counter) -> tuple[list[_Made], list[bool]]:
    """What each document of `batch` becomes for this index, and whether it was taken from
    `kept`: taken when an equal document was made there (its engine form too when the
    writers' forms are equal), else made. The words of kept documents passed by go to `untaken`."""
    form = fresh.writer.form()
    # Until its form is fixed, a writer prepares whole batches: its first batch chooses it.
    taken = [_take(kept, doc, untaken) if kept is not None and form is not None else None for doc in batch]
    unprepared = [doc for doc, t in zip(batch, taken, strict=True) if t is None or t.form != form]
    prepared = iter(fresh.writer.prepare(unprepared) if unprepared else ())
    form = fresh.writer.form()
    made = []
    for doc, t in zip(batch, taken, strict=True):
        if t is None:
            t = _Made(doc, document_entry(doc), words_of(doc), form, next(prepared))
        elif t.form != form:
            t = _Made(doc, t.entry, t.words, form, next(prepared))
        made.append(t)
    return made, [t is not None for t in taken]


def _take(kept: OrderedDict[str, _Made], doc: dict, untaken: Counter) -> _Made | None:
    """The kept document equal to `doc` in every field, dropping it and all kept before it
    (the follower has passed them: their words go to `untaken`), or None."""
    found = kept.get(doc["id"])
    if found is None or found.doc != doc:
        return None
    while (passed := kept.popitem(last=False))[0] != doc["id"]:
        untaken.update(passed[1].words)
    return found
