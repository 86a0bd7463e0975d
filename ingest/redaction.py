"""Redaction at ingest: a narrative file's `redact:` list and text, through the one detection.

The rules (what is proposed, what is approved by default, how curators' decisions survive a
re-ingest) live in archive/redaction_detection.py, shared with staff publishing.
"""

from __future__ import annotations

from sqlmodel import Session

from archive import models as m
from archive.redaction_detection import refresh_narrative
from ingest.readers.parsed import Parsed


def refresh_redactions(session: Session, objects: list[Parsed]) -> int:
    """Bring stored proposals in line with the ingested narratives; returns how many rows changed."""
    changed = 0
    for obj in objects:
        if obj.kind != "narrative":
            continue
        row = session.get(m.Narrative, obj.id)
        if row is not None:
            changed += refresh_narrative(session, row, obj.source.redact)
    return changed
