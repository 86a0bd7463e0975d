"""Building and updating an index from a Catalog, so it holds exactly what that viewer may see.

The public index is built from the public Catalog only: a restricted narrative never
reaches it, so no query, snippet, count or suggestion can reveal one. The staff index is
built the same way from a curator's Catalog and kept in its own folder, never under the
published site.

A full build writes a new folder and swaps it into place, so searches never meet a
half-built index. An update compares each document's fingerprint with the one recorded at
the last write and rewrites only what changed. Beside the engine's files, a manifest
records the engine, the fingerprints, facet labels and the vocabulary for "did you mean";
it is replaced last, so a reader that sees a new manifest sees the finished index.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from archive.catalog import Catalog
from archive.errors import ReckoningError
from archive.files import staged_directory
from search import engine
from search.documents import catalog_documents, count_words, fingerprint, labels, vocabulary_of

MANIFEST = "reckoning-index.json"
FORMAT = 1
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
    manifest = json.loads(path.read_text(encoding="utf-8"))
    return manifest if manifest.get("format") == FORMAT else None


def write_manifest(index_dir: Path, manifest: dict) -> None:
    """Replace the manifest atomically: readers reopen the index when its identity changes."""
    handle, tmp = tempfile.mkstemp(prefix=".manifest-", dir=index_dir)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(manifest, out, sort_keys=True)
    os.replace(tmp, Path(index_dir) / MANIFEST)


class _ManifestMaker:
    """The manifest, gathered batch by batch while the engine indexes the same batches (an
    engine that indexes on its own threads, as tantivy does, then overlaps the two)."""

    def __init__(self) -> None:
        self.fingerprints: dict[str, str] = {}
        self.words: Counter = Counter()
        self.used: set[str] = set()

    def add(self, docs: list[dict]) -> None:
        self.fingerprints.update((d["id"], fingerprint(d)) for d in docs)
        count_words(docs, self.words)
        self.used.update(v for d in docs for f in ("type", "harm_type", "affected_group", "institution")
                         for v in ([d[f]] if isinstance(d[f], str) else d[f]))

    def manifest(self, engine_name: str, all_labels: dict[str, str]) -> dict:
        return {
            "format": FORMAT, "engine": engine_name,
            "documents": self.fingerprints,
            "labels": {k: v for k, v in sorted(all_labels.items()) if k in self.used},
            "vocabulary": vocabulary_of(self.words),
        }


def _manifest(engine_name: str, docs: list[dict], all_labels: dict[str, str]) -> dict:
    maker = _ManifestMaker()
    maker.add(docs)
    return maker.manifest(engine_name, all_labels)


def _write(writer: engine.Writer, docs: list[dict], progress: Progress | None,
           manifest: _ManifestMaker | None = None) -> None:
    total = len(docs)
    for start in range(0, total, BATCH):
        batch = docs[start:start + BATCH]
        writer.add(batch)
        if manifest is not None:
            manifest.add(batch)
        if progress:
            progress(min(start + BATCH, total), total)
    writer.commit()


def write_index(docs: Iterable[dict], index_dir: Path, engine_name: str,
                all_labels: dict[str, str] | None = None, progress: Progress | None = None,
                **engine_options) -> int:
    """Write `docs` into a fresh index swapped into place at `index_dir`; return the count."""
    docs = list(docs)
    with staged_directory(Path(index_dir)) as staging:
        writer = engine.engine_module(engine_name).create(staging, **engine_options)
        manifest = _ManifestMaker()
        _write(writer, docs, progress, manifest)
        write_manifest(staging, manifest.manifest(engine_name, all_labels or {}))
    return len(docs)


def build_index(catalog: Catalog, index_dir: Path, engine_name: str = "whoosh",
                progress: Progress | None = None) -> int:
    """(Re)build the index at `index_dir` from everything `catalog` shows; return its size."""
    return write_index(catalog_documents(catalog), index_dir, engine_name, labels(catalog), progress)


def update_index(catalog: Catalog, index_dir: Path, engine_name: str = "whoosh",
                 progress: Progress | None = None) -> IndexReport:
    """Bring the index up to date, rewriting only changed documents.

    Rebuilds instead when there is no index yet, or it was made by another engine.
    """
    docs = list(catalog_documents(catalog))
    manifest = read_manifest(index_dir)
    if manifest is None or manifest.get("engine") != engine_name:
        count = write_index(docs, index_dir, engine_name, labels(catalog), progress)
        return IndexReport(count, count, 0, rebuilt=True)
    old = manifest["documents"]
    new = {d["id"]: fingerprint(d) for d in docs}
    changed = [d for d in docs if old.get(d["id"]) != new[d["id"]]]
    # Segments go with their narrative: delete every changed or vanished object by id, which
    # also deletes documents whose parent it is; then add the current ones back.
    gone = {i.split("#", 1)[0] for i in old if i not in new}
    touched = {d["id"].split("#", 1)[0] for d in changed} | gone
    readd = [d for d in docs if d["id"].split("#", 1)[0] in touched]
    if not touched:
        if progress:
            progress(0, 0)
        return IndexReport(len(docs), 0, 0, rebuilt=False)
    writer = engine.open_writer(engine_name, index_dir)
    writer.delete(sorted(touched))
    _write(writer, readd, progress)
    write_manifest(index_dir, _manifest(engine_name, docs, labels(catalog)))
    return IndexReport(len(docs), len(readd), sum(1 for i in old if i not in new), rebuilt=False)


def staff_index_dir(home: Path, public_dir: Path) -> Path:
    """Where the staff index lives: in the working folder, never inside the published site."""
    folder = Path(home) / "staff-index"
    if folder.resolve().is_relative_to(Path(public_dir).resolve()):
        raise ReckoningError(f"the staff index {folder} would be inside the published site {public_dir}")
    return folder
