"""Building and updating an index from a Catalog, so it holds exactly what that viewer may see.

The public index is built from the public Catalog only: a restricted narrative never
reaches it, so no query, snippet, count or suggestion can reveal one. The staff index is
built the same way from a curator's Catalog and kept in its own folder, never under the
published site.

A full build writes a new folder and swaps it into place, so searches never meet a
half-built index. An update compares each document's fingerprint with the one recorded at
the last write and rewrites only what changed (search.incremental first asks the store's
change log which objects changed, and makes documents only for those). Beside the engine's
files, a manifest records the engine, facet labels and the vocabulary for "did you mean";
it is replaced last, so a reader that sees a new manifest sees the finished index. The
fingerprints live in a small SQLite file beside it (search.index_state), so an update does
not rewrite them all; a format-1 manifest (fingerprints inside) is still read.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from archive.catalog import Catalog
from archive.errors import ReckoningError
from archive.files import staged_directory
from archive.settings import Settings
from search import engine
from search.documents import catalog_documents, count_words, fingerprint, labels, vocabulary_of
from search.index_state import IndexState, facet_values

MANIFEST = "reckoning-index.json"
FORMAT = 2
READABLE = (1, 2)  # format 1 kept every fingerprint in the manifest; 2 keeps them in IndexState
BATCH = 500

Progress = Callable[[int, int], None]


@dataclass
class IndexReport:
    documents: int
    added: int
    deleted: int
    rebuilt: bool


def read_manifest(index_dir: Path) -> dict | None:
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        return None
    # orjson: the same values as json.loads from standard JSON, in ~60 % of the time (600 KB at
    # 100,000 records: its vocabulary), and every update of each index reads it up to three times.
    manifest = orjson.loads(path.read_bytes())
    return manifest if isinstance(manifest, dict) and manifest.get("format") in READABLE else None


def write_manifest(index_dir: Path, manifest: dict) -> None:
    """Replace the manifest atomically: readers reopen the index when its identity changes."""
    handle, tmp = tempfile.mkstemp(prefix=".manifest-", dir=index_dir)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        # dumps, not dump: json.dump encodes in Python, chunk by chunk; dumps in C, the same text
        # (its vocabulary is 600 KB at 100,000 records, rewritten by every update).
        out.write(json.dumps(manifest, sort_keys=True))
    os.replace(tmp, Path(index_dir) / MANIFEST)


def entry_of(docs: list[dict]) -> dict[str, tuple[str, list[str]]]:
    """Each document's fingerprint and facet values, by id: what the state file keeps."""
    return {d["id"]: document_entry(d) for d in docs}


def document_entry(doc: dict) -> tuple[str, list[str]]:
    """One document's fingerprint and facet values."""
    return fingerprint(doc), facet_values(doc)


class _ManifestMaker:
    """The manifest, gathered batch by batch while the engine indexes the same batches (an
    engine that indexes on its own threads, as tantivy does, then overlaps the two)."""

    def __init__(self) -> None:
        self.docs: dict[str, tuple[str, list[str]]] = {}  # id → (fingerprint, facet values)
        self.words: Counter = Counter()

    def add(self, docs: list[dict], entries: dict[str, tuple[str, list[str]]] | None = None,
            words: Iterable[set[bytes]] | None = None) -> None:
        """Add `docs`; `entries` are their (fingerprint, facet values) and `words` their word
        sets (`words_of`), when already made."""
        self.docs.update(entries if entries is not None else entry_of(docs))
        if words is None:
            count_words(docs, self.words)
        else:
            for found in words:
                self.words.update(found)

    def add_words_of(self, other: _ManifestMaker, less: Counter) -> None:
        """Count the words of `other`'s documents, less `less` (the words of those of its
        documents this index does not hold): the words of documents this index took from
        `other` (search.shared_build) are counted once, in `other`, not once in each."""
        self.words.update(other.words)
        self.words.subtract(less)
        for word in [w for w, n in self.words.items() if n <= 0]:
            del self.words[word]

    def manifest(self, engine_name: str, all_labels: dict[str, str]) -> dict:
        used = {v for _, values in self.docs.values() for v in values}
        return make_manifest(engine_name, used, all_labels, vocabulary_of(self.words))


def make_manifest(engine_name: str, used: set[str], all_labels: dict[str, str], vocab: dict[str, int]) -> dict:
    """The manifest readers use: labels of the facet values some document uses, the vocabulary."""
    return {
        "format": FORMAT, "engine": engine_name,
        "labels": {k: v for k, v in sorted(all_labels.items()) if k in used},
        "vocabulary": vocab,
    }


def _write(writer: engine.Writer, docs: Iterable[dict], progress: Progress | None, total: int | None = None) -> int:
    """Write the documents batch by batch and commit; the number written."""
    done = 0
    for batch in batches(docs):
        writer.add(batch)
        done += len(batch)
        if progress:
            progress(done, total if total is not None else done)
    writer.commit()
    return done


def batches(docs: Iterable[dict]) -> Iterator[list[dict]]:
    """The documents in lists of BATCH: the first list an index is given fixes what an engine
    chooses from its first documents (tantivy's common stems)."""
    it = iter(docs)
    while batch := list(itertools.islice(it, BATCH)):
        yield batch


class FreshIndex:
    """An index being written from scratch into `staging` (a staging folder swapped in at
    `index_dir` by the caller): batches in, then `finish` commits and writes its state file
    and manifest."""

    def __init__(self, staging: Path, index_dir: Path, engine_name: str, all_labels: dict[str, str] | None = None,
                 state_meta: dict | None = None, database_url: str | None = None, **engine_options):
        self.staging, self.engine_name = staging, engine_name
        self.labels, self.state_meta = all_labels or {}, state_meta or {}
        self.writer = engine.create(engine_name, staging, database_url, Path(index_dir), **engine_options)
        self.manifest = _ManifestMaker()
        self.count = 0

    def add(self, batch: list[dict]) -> None:
        self.writer.add(batch)
        self.manifest.add(batch)
        self.count += len(batch)

    def add_made(self, batch: list[dict], entries: dict[str, tuple[str, list[str]]],
                 words: list[set[bytes]], prepared: list) -> None:
        """Add a batch whose entries, word sets and engine form (`Writer.prepare`) are made;
        `words`, the word sets to count (a caller counting some elsewhere leaves them out)."""
        self.writer.add_prepared(prepared)
        self.manifest.add(batch, entries, words)
        self.count += len(batch)

    def finish(self) -> int:
        self.writer.commit()
        IndexState.create(self.staging, self.manifest.docs, self.state_meta)
        write_manifest(self.staging, self.manifest.manifest(self.engine_name, self.labels))
        return self.count


def write_index(docs: Iterable[dict], index_dir: Path, engine_name: str,
                all_labels: dict[str, str] | None = None, progress: Progress | None = None,
                state_meta: dict | None = None, database_url: str | None = None, **engine_options) -> int:
    """Write `docs` into a fresh index swapped into place at `index_dir`; return the count.

    `docs` may be a generator: they are written as they come (`catalog_documents` makes the
    views a few hundred at a time), so a rebuild's memory does not grow with the archive.
    `state_meta` (the change log's mark and the stamp, from search.incremental) is kept in
    the index's state file, so the next update can start from the log. `database_url` is the
    store's, for an engine that keeps its documents there (search.engine)."""
    total = len(docs) if isinstance(docs, list) else None
    with staged_directory(Path(index_dir)) as staging:
        fresh = FreshIndex(staging, index_dir, engine_name, all_labels, state_meta, database_url, **engine_options)
        for batch in batches(docs):
            fresh.add(batch)
            if progress:
                progress(fresh.count, total if total is not None else fresh.count)
        count = fresh.finish()
    engine.release(Path(index_dir), database_url)
    return count


def store_url(catalog: Catalog) -> str:
    """The URL of the store `catalog` reads (password included, never written anywhere): an
    engine that keeps its documents in the store (postgres) writes them there."""
    return catalog.session.get_bind().url.render_as_string(hide_password=False)


def build_index(catalog: Catalog, index_dir: Path, engine_name: str = "whoosh",
                progress: Progress | None = None, state_meta: dict | None = None) -> int:
    """(Re)build the index at `index_dir` from everything `catalog` shows; return its size."""
    return write_index(catalog_documents(catalog), index_dir, engine_name, labels(catalog), progress,
                       state_meta, store_url(catalog))


def object_of(doc_id: str) -> str:
    """The object a document belongs to: a segment `nar-x#t-00-04-12` is its narrative's."""
    return doc_id.split("#", 1)[0]


def touched_objects(old: dict[str, str], new: dict[str, str]) -> set[str]:
    """The objects to delete and add again, from each document's fingerprint before and now.

    Segments go with their narrative: deleting an object by id also deletes the documents
    whose parent it is, so a changed, new or vanished document touches its whole object."""
    return {object_of(i) for i in old.keys() ^ new.keys()} | \
        {object_of(i) for i, fp in new.items() if i in old and old[i] != fp}


def update_index(catalog: Catalog, index_dir: Path, engine_name: str = "whoosh",
                 progress: Progress | None = None, state_meta: dict | None = None) -> IndexReport:
    """Bring the index up to date by comparing every document's fingerprint with the kept one,
    rewriting only changed documents: the path when the change log cannot say what changed.

    Rebuilds instead when there is no index yet, it was made by another engine, or it keeps
    no state file (a format-1 index, whose fingerprints were in the manifest)."""
    docs = list(catalog_documents(catalog))
    manifest = read_manifest(index_dir)
    state = IndexState.open(index_dir) if manifest is not None else None
    if manifest is None or manifest.get("engine") != engine_name or state is None:
        count = write_index(docs, index_dir, engine_name, labels(catalog), progress, state_meta, store_url(catalog))
        return IndexReport(count, count, 0, rebuilt=True)
    old = state.fingerprints()
    try:
        entries = entry_of(docs)  # made once, for the comparison and for the state file
        new = {i: fp for i, (fp, _) in entries.items()}
        touched = touched_objects(old, new)
        readd = [d for d in docs if object_of(d["id"]) in touched]
        meta = {**(state_meta or {}), "applying": False}
        if not touched and state.meta().get("applying") is False:
            state.set_meta(**meta)
            if progress:
                progress(0, 0)
            return IndexReport(len(docs), 0, 0, rebuilt=False)
        state.set_meta(applying=True)  # stopped before the end: the next update compares all again
        if touched:
            writer = engine.open_writer(engine_name, index_dir, store_url(catalog))
            writer.delete(sorted(touched))
            _write(writer, readd, progress, total=len(readd))
        maker = _ManifestMaker()
        maker.add(docs, entries)
        write_manifest(index_dir, maker.manifest(engine_name, labels(catalog)))
        state.replace_all(maker.docs, meta)
    finally:
        state.close()
    return IndexReport(len(docs), len(readd), sum(1 for i in old if i not in new), rebuilt=False)


def staff_index_dir(settings: Settings) -> Path:
    """Where the staff index lives: in the working folder, never inside the published site."""
    folder, public_dir = settings.staff_index_dir, settings.public_dir
    if folder.resolve().is_relative_to(Path(public_dir).resolve()):
        raise ReckoningError(f"the staff index {folder} would be inside the published site {public_dir}")
    return folder
