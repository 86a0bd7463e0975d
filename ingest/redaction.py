"""Redaction proposals: find what may identify or expose someone in a narrative's text.

Detection only proposes (shared/CONSENT.md): e-mail addresses, phone numbers, street
addresses, identity numbers, dates of birth, and the names on the narrative's own `redact:`
list where they appear in part (a surname alone). Staff decide (`reckon redactions`);
the spans the narrative file lists are approved as written, and so are street addresses,
other people's health details and a pseudonymous narrator's own name. Proposals are kept
beside the master text with their offsets; the master is never edited. Decisions survive
re-ingest: a span found again keeps the status a curator gave it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from archive import models as m
from archive.catalog import split_segments
from archive.redactions import (
    APPROVED,
    APPROVED_BY_DEFAULT,
    NARRATOR_NAME,
    PROPOSED,
    Redaction,
    narrator_spans,
)
from archive.transcripts import segments_of
from ingest.readers import Parsed

MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
         r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
DATE = (rf"(?:{MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{MONTH}\s+\d{{4}}|"
        r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})")
STREET = (r"(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.|Boulevard|Blvd\.?|Lane|Drive|Court|Place|Terrace|"
          r"Way|Parkway|Highway|Circle)")
RELATIVE = (r"(?:mother|father|brother|sister|husband|wife|son|daughter|aunt|uncle|cousin|grandmother|"
            r"grandfather|neighbou?r|friend|niece|nephew|partner)")
CONDITION = (r"(?:cancer|diabetes|hiv|aids|syphilis|tuberculosis|dialysis|stroke|heart attack|depression|"
             r"schizophrenia|dementia|miscarriage|abortion|overdose|addiction|alcoholism|epilepsy|"
             r"breakdown|kidney failure|amputation)")
# (category, pattern); a named group `span` narrows the redaction to part of the match.
DETECTORS: list[tuple[str, re.Pattern]] = [
    ("e-mail address", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("phone number", re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w-])")),
    ("street address", re.compile(rf"(?<!\w)\d{{1,5}}\s+(?:[A-Z][\w'-]*\s+){{1,3}}{STREET}(?!\w)")),
    ("identity number", re.compile(
        r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])|(?i:(?:social security|patient|record|case|medicare|id)"
        r"\s+(?:number|no\.?|#))\s*:?\s*(?P<span>[A-Z0-9][A-Z0-9-]{3,})")),
    ("date of birth", re.compile(rf"(?i:born(?:\s+on)?|date of birth|d\.o\.b\.?|dob)\s*:?\s*(?P<span>{DATE})")),
    # Another person's health: a relative or friend, then a condition within a few words.
    ("health details of another person", re.compile(
        rf"(?i)(?<!\w)(?:my|her|his|their|our)\s+{RELATIVE}(?:'s|s'|’s)?\s+(?:[\w'’-]+\s+){{0,4}}?{CONDITION}(?!\w)")),
]
THIRD_PARTY = "name of a third party"


@dataclass
class Proposal:
    text: str
    category: str
    origin: str
    status: str
    replacement: str = ""
    locations: list[dict] = field(default_factory=list)


def narrative_fields(row: m.Narrative, session: Session) -> dict[str, str]:
    """Every piece of master text of a narrative, by a name staff can find it under."""
    fields = {"title": row.title, "summary": row.summary, "content_note": row.content_note}
    for i, seg in enumerate(split_segments(row.body)):
        fields[f"body segment {i}"] = f"{seg['title']}\n{seg['text']}"
    for seg in segments_of(session, row.id):  # offsets count within each field of a segment
        for part, value in (("speaker", seg.speaker), ("title", seg.title), ("synopsis", seg.synopsis),
                            ("keywords", "; ".join(seg.keywords)), ("text", seg.text)):
            fields[f"transcript segment {seg.position} {part}"] = value
    return {k: v for k, v in fields.items() if v}


def media_times(session: Session, narrative_id: str) -> dict[str, dict]:
    """The recording's time range of each transcript field, kept with a span found in it."""
    return {f"transcript segment {seg.position}": {"start_ms": seg.start_ms, "end_ms": seg.end_ms}
            for seg in segments_of(session, narrative_id) if seg.start_ms is not None}


def _locate(fields: dict[str, str], text: str, times: dict[str, dict] | None = None) -> list[dict]:
    pattern = re.compile(r"\s+".join(re.escape(w) for w in text.split()), re.IGNORECASE)
    return [{"field": name, "start": hit.start(), "end": hit.end()} | (times or {}).get(name.rsplit(" ", 1)[0], {})
            for name, value in fields.items() for hit in pattern.finditer(value)]


def detect(fields: dict[str, str], redact: list, narrator: list[tuple[str, str]],
           times: dict[str, dict] | None = None) -> list[Proposal]:
    """All proposals for one narrative, from its text, its `redact:` list and its narrator."""
    found: dict[tuple[str, str], Proposal] = {}

    def add(text: str, category: str, origin: str, status: str, replacement: str = "") -> None:
        key = (" ".join(text.split()), category)
        if key[0] and key not in found:
            found[key] = Proposal(key[0], category, origin, status, replacement, _locate(fields, key[0], times))

    for entry in redact:
        add(entry.text, entry.category, "front-matter", APPROVED)
    for text, replacement in narrator:  # only where found: the Catalog hides the name regardless
        if _locate(fields, text):
            add(text, NARRATOR_NAME, "narrator", APPROVED, replacement)
    for category, regex in DETECTORS:
        for value in fields.values():
            for hit in regex.finditer(value):
                span = hit.group("span") if "span" in regex.groupindex and hit.group("span") else hit.group(0)
                add(span, category, "detected", APPROVED if category in APPROVED_BY_DEFAULT else PROPOSED)
    listed = {" ".join(e.text.split()).casefold() for e in redact}
    for entry in redact:
        if "name" not in entry.category:
            continue
        for part in re.split(r"[\s]+", entry.text):
            part = part.strip(".,")
            if len(part) >= 3 and part[:1].isupper() and part.casefold() not in listed and _locate(fields, part):
                add(part, entry.category, "detected", PROPOSED)
    return list(found.values())


def refresh_redactions(session: Session, objects: list[Parsed]) -> int:
    """Bring stored proposals in line with the narratives; returns how many rows changed.

    Curators' decisions are kept; spans no longer found and never decided are dropped, and
    a span removed from a narrative's `redact:` list stops being approved.
    """
    changed = 0
    for obj in objects:
        if obj.kind != "narrative":
            continue
        row = session.get(m.Narrative, obj.id)
        if row is None:
            continue
        proposals = {(p.text, p.category): p for p in detect(
            narrative_fields(row, session), obj.source.redact, narrator_spans(row), media_times(session, obj.id))}
        stored = {(r.text, r.category): r for r in session.exec(
            select(Redaction).where(Redaction.narrative_id == obj.id))}
        for key, old in stored.items():
            if key not in proposals and (not old.decided_by or old.origin == "front-matter"):
                session.delete(old)
                changed += 1
        for key, new in proposals.items():
            old = stored.get(key)
            if old is None:
                session.add(Redaction(narrative_id=obj.id, text=new.text, category=new.category,
                                      status=new.status, origin=new.origin, replacement=new.replacement,
                                      locations=new.locations))
                changed += 1
                continue
            status = old.status if old.decided_by and new.origin == "detected" else new.status
            values = {"status": status, "origin": new.origin, "replacement": new.replacement,
                      "locations": new.locations}
            if any(getattr(old, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(old, k, v)
                session.add(old)
                changed += 1
    session.flush()
    return changed
