"""The site build's cache of public record views, so a rebuild reads only changed records.

Records are the kind that grows to 100,000 objects; making each one's public view (a Markdown
parse, its subjects, images and the harms citing it) is most of a build. A view depends on:

- the record's row: its `content_hash` (ingest sets it from the file's content) and
  `updated_at` (every other write, through `archive.revisions.record_write`, moves it);
- whether the public may see it today: decided by `archive.access.visibility` itself, on the
  row's access fields and the build's date, every build, for every record. A record that is
  hidden today is left out and dropped from the cache, whatever the cache held;
- what it takes from other tables: the harms citing it (as this viewer sees them today),
  accepted tag suggestions and images. These are read in bulk every build and hashed into
  the record's key, so a harm that becomes hidden, or a newly accepted tag, re-makes the view;
- the agents and taxonomy terms it names, and the code that makes views (`SHAPING_MODULES`):
  a digest of those is the cache's generation, and any change to them starts the cache afresh.

A record's key holds the generation too, since it also keys the record's page and citation
file. Anything else (templates, base URL, build date) shapes pages, not views: page keys hold it.
The cache lives beside the published folder (`.public.cache/records-NN.pickle`, in 64 shards), never in it,
and is written only after a successful build. It is a pickle (the fastest to load of the
standard formats: ~3x marshal here), so it is as private as the store itself: it lives in the
working folder, never under `public/`.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import zlib
from pathlib import Path
from types import SimpleNamespace

from sqlmodel import select

from archive import models as m
from archive.access import visibility
from archive.catalog import Catalog

CACHE_VERSION = "record-views-3"  # change when a record view's shape or the key's recipe changes
SHARDS = 64  # cache files: a rebuild after one change rewrites one of them, not all 600 MB


def cache_dir(public_dir: Path) -> Path:
    return public_dir.parent / f".{public_dir.name}.cache"


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


# The code that shapes a record's view and the pieces cached with it: a change to any of these
# files (a new field, a new redaction, another Markdown version) starts the cache afresh, so
# no view made by older code outlives an upgrade.
SHAPING_MODULES = ("archive.catalog", "archive.access", "archive.markup", "archive.dates", "archive.urls",
                   "archive.media", "archive.tag_suggestions", "web.build_cache", "web.exports",
                   "web.static_search", "markdown_it")


def _code_digest() -> str:
    digest = hashlib.blake2b(digest_size=16)
    for name in SHAPING_MODULES:
        module = importlib.import_module(name)
        digest.update(name.encode() + b"\0" + str(getattr(module, "__version__", "")).encode() + b"\0")
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def generation(catalog: Catalog) -> str:
    """What every record view shares: the agents and terms it names, and the code making it."""
    agents = sorted((a.id, a.name, a.kind) for a in catalog.agents.values())
    concepts = sorted((c.id, c.label, c.scheme, c.notation) for c in catalog.concepts.values())
    return _digest(CACHE_VERSION, _code_digest(), agents, concepts)


class RecordViews:
    """Public record views for one build: cached ones reused, the rest made by the Catalog."""

    def __init__(self, public_dir: Path):
        self.folder = cache_dir(public_dir)
        self.fresh: dict[str, tuple[str, dict, dict]] = {}  # id: (key, view, parts made from the view)
        self.made = 0
        self.reused = 0
        self._dirty: set[int] = set()  # shards to write back

    @staticmethod
    def shard(record_id: str) -> int:
        return zlib.crc32(record_id.encode()) % SHARDS

    def _path(self, shard: int) -> Path:
        return self.folder / f"records-{shard:02d}.pickle"

    def load(self, gen: str) -> dict[str, tuple[str, dict, dict]]:
        entries: dict[str, tuple[str, dict, dict]] = {}
        for shard in range(SHARDS):
            try:
                with open(self._path(shard), "rb") as handle:
                    stored_gen, part = pickle.load(handle)
            except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
                continue  # no such shard (or an unreadable one): its views are made afresh
            if stored_gen == gen:
                entries.update(part)
        return entries

    def views(self, catalog: Catalog) -> tuple[list[dict], dict[str, str]]:
        """Every record the catalog's viewer may see today, in id order, and each one's key."""
        gen = generation(catalog)
        table = m.Record
        rows = catalog.session.exec(select(table.id, table.content_hash, table.updated_at, table.access,
                                           table.embargo_until, table.deleted).order_by(table.id)).all()
        bulk = catalog._record_bulk()
        refs: dict[str, dict | None] = {}
        keys: dict[str, str] = {}
        for record_id, content_hash, updated_at, access, embargo, deleted in rows:
            # The one access rule, on the row's own access fields and today's date.
            seen = visibility(SimpleNamespace(access=access, embargo_until=embargo, deleted=deleted),
                              catalog.viewer, catalog.today)
            if not seen.visible:
                continue
            context = None
            cited = bulk["cited_by"].get(record_id)
            tags = bulk["tags"].get(record_id)
            images = bulk["images"].get(record_id)
            if cited or tags or images:
                context = ([refs[h] if h in refs else refs.setdefault(h, catalog.ref(h)) for h in cited or []],
                           tags, [(i.id, i.width, i.height, i.sha256) for i in images or []])
            keys[record_id] = _digest(gen, content_hash, str(updated_at), access, embargo, context)
        stored = self.load(gen)
        missing = {i for i, key in keys.items() if stored.get(i, ("",))[0] != key}
        made = {v["id"]: v for v in catalog.views("record", sorted(missing))} if missing else {}
        views = []
        for record_id, key in keys.items():
            view = made.get(record_id)
            if view is not None:
                self.fresh[record_id] = (key, view, {})
            elif record_id in missing:
                continue  # the Catalog did not show it after all: never fall back to the cache
            else:
                self.fresh[record_id] = stored[record_id]
                view = stored[record_id][1]
            views.append(view)
        self.made, self.reused = len(made), len(views) - len(made)
        self._dirty = {self.shard(i) for i in made} | {self.shard(i) for i in stored.keys() - self.fresh.keys()}
        self._gen = gen
        return views, {i: keys[i] for i in self.fresh}

    def memo(self, view: dict, name: str, make):
        """A piece an aggregate output makes from one record's view (its download line, its
        search terms), kept with the view: made again only when the record's key changes."""
        entry = self.fresh.get(view["id"]) if view.get("type") == "record" else None
        if entry is None or entry[1] is not view:
            return make()
        parts = entry[2]
        if name not in parts:
            parts[name] = make()
            self._dirty.add(self.shard(view["id"]))
        return parts[name]

    def save(self) -> None:
        """Keep this build's views for the next one: only the shards that changed are written."""
        if not self._dirty:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        by_shard: dict[int, dict] = {shard: {} for shard in self._dirty}
        for record_id, entry in self.fresh.items():
            shard = self.shard(record_id)
            if shard in by_shard:
                by_shard[shard][record_id] = entry
        for shard, part in by_shard.items():
            temp = self._path(shard).with_suffix(".new")
            with open(temp, "wb") as handle:
                pickle.dump((self._gen, part), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self._path(shard))
