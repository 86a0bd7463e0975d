"""What an ingest did, object kind by object kind: the report `reckon ingest` prints.

A module of its own, free of the store's code, so an ingest that finds nothing changed can
make it without loading SQLAlchemy (`ingest.unchanged_content`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from archive.errors import ContentProblem


@dataclass
class IngestReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    warnings: list[ContentProblem] = field(default_factory=list)
    # Stored objects whose source is gone from this run: reported, kept (unless --prune).
    missing: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    suggestions: int = 0  # new harm-tag suggestions waiting for a curator (reckon tags)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values()))

    def summary(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.deleted) | set(self.unchanged))
        parts = []
        for kind in kinds:
            parts.append(f"{kind}s: {self.created[kind]} new, {self.updated[kind]} changed, "
                         f"{self.deleted[kind]} removed, {self.unchanged[kind]} unchanged")
        return "; ".join(parts) or "nothing to ingest"
