"""Turning validated source objects into store rows (the main row and its children)."""

from __future__ import annotations

import hashlib
import json

from sqlmodel import SQLModel

from archive import media
from archive import models as m
from archive.dates import parse_date
from archive.media import Media
from archive.passage_notes import PassageNote
from archive.recordings import Recording
from archive.transcripts import TranscriptSegment, TranscriptSource
from ingest.content_notes import content_note_rows
from ingest.ledger_rows import (
    LEDGER_CHILD_TABLES,
    LEDGER_KINDS,
    ledger_child_rows,
    ledger_main_fields,
)
from ingest.readers.parsed import Parsed
from ingest.readers.transcripts import transcript_rows
from ingest.schema import ACCOUNTABILITY_STATUSES


def content_hash(obj: Parsed) -> str:
    document = {"kind": obj.kind, "scheme": obj.scheme, "data": obj.source.model_dump(mode="json"), "body": obj.body}
    if obj.attachments:  # an attached image or PDF that changed changes the record
        document["attachments"] = obj.attachments
    if obj.transcript is not None:  # a changed transcript file changes its narrative
        document["transcript"] = obj.transcript.digest
    payload = json.dumps(document, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _dated(value: str) -> dict:
    parsed = parse_date(value)
    return {"date": parsed.text, "date_lower": parsed.lower, "date_upper": parsed.upper}


def main_fields(obj: Parsed) -> dict:
    """The values of the object's own row, without id and bookkeeping."""
    s = obj.source
    if obj.kind == "agent":
        return {"name": s.name, "kind": s.kind, "description": s.description, "parent_id": s.parent}
    if obj.kind == "concept":
        return {"scheme": obj.scheme, "notation": s.notation, "label": s.label,
                "definition": s.definition, "alt_labels": list(s.alt_labels), "broader_id": s.broader}
    common = {"access": s.access, "embargo_until": s.embargo_until, "title": s.title}
    if obj.kind == "record":
        return common | _dated(s.date) | {
            "type": s.type, "creators": list(s.creators), "subjects": list(s.subjects),
            "language": s.language, "source": s.source, "source_url": s.source_url,
            "rights": s.rights, "body": obj.body, "date_as_written": s.date_as_written,
            "keywords": list(s.keywords), "coverage": s.coverage, "format": s.format,
            "latitude": s.latitude, "longitude": s.longitude,
            "attachment_text": obj.attachments.get("pdf", {}).get("text", ""),
            "parts": [{"id": part.id, "title": part.title, "description": part.description, "format": part.format,
                       "date_as_written": part.date_as_written,
                       **(_dated(part.date) if part.date else {"date": "", "date_lower": 0, "date_upper": 0})}
                      for part in s.parts]}
    if obj.kind == "narrative":
        return common | _dated(s.date) | {
            "fictional": s.fictional, "narrator_name": s.narrator.name,
            "narrator_display": s.narrator.display_name, "name_policy": s.narrator.name_policy,
            "interviewer": s.interviewer, "place": s.place, "latitude": s.latitude, "longitude": s.longitude,
            "language": s.language,
            "summary": s.summary, "content_note": s.content_note, "harm_types": list(s.harm_types),
            "release_signed": s.release.signed if s.release else None,
            "release_licence": s.release.licence if s.release else "", "body": obj.body}
    if obj.kind == "harm":
        # The furthest stage reached: a later acknowledgement does not undo an earlier apology.
        statuses = sorted((e.status for e in s.accountability), key=ACCOUNTABILITY_STATUSES.index)
        return common | _dated(s.date) | {
            "status": statuses[-1] if statuses else "documented", "description": obj.body}
    if obj.kind == "timeline":
        return common | {"summary": s.summary, "description": obj.body}
    if obj.kind in LEDGER_KINDS:
        return ledger_main_fields(obj)
    raise ValueError(f"unknown kind {obj.kind}")


def child_rows(obj: Parsed) -> list[SQLModel]:
    """Rows that belong to the object and are replaced with it."""
    s = obj.source
    if obj.kind == "record":
        files: list[SQLModel] = [Media(record_id=s.id, **image) for image in obj.attachments.get("images", [])]
        if pdf := obj.attachments.get("pdf"):  # the original, kept for the preservation bag
            files.append(media.Attachment(record_id=s.id, kind="pdf", path=pdf["path"],
                                          source_path=pdf["source_path"], sha256=pdf["sha256"], bytes=pdf["bytes"]))
        return files
    if obj.kind == "narrative":
        return [m.ConsentEntry(narrative_id=s.id, position=i, date=c.date, use=c.use,
                               granted=c.granted, recorded_by=c.recorded_by, note=c.note)
                for i, c in enumerate(s.consent)] + transcript_rows(s.id, obj.transcript) + content_note_rows(obj) \
            + [Recording(narrative_id=s.id, **row) for row in obj.attachments.get("recordings", [])]
    if obj.kind == "harm":
        rows: list[SQLModel] = [m.HarmConcept(harm_id=s.id, concept_id=c)
                                for c in dict.fromkeys(s.harm_types + s.affected_groups)]
        rows += [m.HarmAgent(harm_id=s.id, agent_id=a) for a in dict.fromkeys(s.responsible)]
        rows += [m.Evidence(harm_id=s.id, position=i, record_id=e.record, narrative_id=e.narrative,
                            quote=e.quote, locator=e.locator, note=e.note, reliability=e.reliability or "")
                 for i, e in enumerate(s.evidence)]
        rows += [m.AccountabilityEvent(harm_id=s.id, position=i, status=e.status,
                                       source_record_id=e.source, note=e.note, **_dated(e.date))
                 for i, e in enumerate(s.accountability)]
        return rows + ledger_child_rows(obj)
    if obj.kind == "timeline":
        return [m.TimelineEntry(timeline_id=s.id, position=i, title=e.title, text=e.text,
                                ref=e.ref, **_dated(e.date))
                for i, e in enumerate(s.entries)]
    return ledger_child_rows(obj)


# Child tables and the column that points at their parent, per kind.
CHILD_TABLES: dict[str, list[tuple[type[SQLModel], str]]] = {
    "record": [(Media, "record_id")],
    "narrative": [(m.ConsentEntry, "narrative_id"), (TranscriptSegment, "narrative_id"),
                  (TranscriptSource, "narrative_id"), (PassageNote, "narrative_id"), (Recording, "narrative_id")],
    "harm": [(m.HarmConcept, "harm_id"), (m.HarmAgent, "harm_id"), (m.Evidence, "harm_id"),
             (m.AccountabilityEvent, "harm_id")],
    "timeline": [(m.TimelineEntry, "timeline_id")],
}
CHILD_TABLES["record"].append((media.Attachment, "record_id"))  # an attached PDF's original
for _kind, _tables in LEDGER_CHILD_TABLES.items():
    CHILD_TABLES[_kind] = CHILD_TABLES.get(_kind, []) + _tables
