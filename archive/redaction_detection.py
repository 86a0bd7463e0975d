"""Redaction detection: find what may identify or expose someone in a narrative's text.

Detection only proposes (shared/CONSENT.md): e-mail addresses, phone numbers, street
addresses, identity numbers, dates of birth, and the names on the narrative's own list where
they appear in part (a surname alone: not the parts of the name where it is written whole). Staff decide; the spans a narrative's list names are
approved as written, and so are street addresses, other people's health details and a
pseudonymous narrator's own name. Proposals are kept beside the master text with their
offsets; the master is never edited. Until a curator decides, a proposal is hidden from the
public like an approved span (archive/redactions.py). Decisions survive re-detection: a span
found again keeps the status a curator gave it.

A domain rule, not an ingest step: `reckon ingest` (the file's `redact:` list, see
ingest/redaction.py) and staff publishing (the submission form's names) both run
`refresh_narrative`, so every narrative gets the same detection whichever door it came in by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from archive import models as m
from archive.redactions import (
    APPROVED,
    APPROVED_BY_DEFAULT,
    CURATOR,
    FRONT_MATTER,
    LISTED_ORIGINS,
    NARRATOR_NAME,
    PROPOSED,
    THIRD_PARTY,
    Redaction,
    locate,
    media_times,
    narrative_fields,
    narrator_spans,
)

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


@dataclass
class Proposal:
    text: str
    category: str
    origin: str
    status: str
    replacement: str = ""
    locations: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Listed:
    """A span a narrative's own list names: `redact:` in its file, or the submission form's names."""

    text: str
    category: str = THIRD_PARTY


def detect(fields: dict[str, str], redact: list, narrator: list[tuple[str, str]],
           times: dict[str, dict] | None = None, origin: str = FRONT_MATTER) -> list[Proposal]:
    """All proposals for one narrative, from its text, its `redact:` list and its narrator.

    `origin` says where the list came from (the file, or the staff submission form).
    """
    found: dict[tuple[str, str], Proposal] = {}

    def add(text: str, category: str, origin: str, status: str, replacement: str = "",
            locations: list[dict] | None = None) -> None:
        key = (" ".join(text.split()), category)
        if key[0] and key not in found:
            found[key] = Proposal(key[0], category, origin, status, replacement,
                                  locate(fields, key[0], times) if locations is None else locations)

    for entry in redact:
        add(entry.text, entry.category, origin, APPROVED)
    for text, replacement in narrator:  # only where found: the Catalog hides the name regardless
        if locate(fields, text):
            add(text, NARRATOR_NAME, "narrator", APPROVED, replacement)
    for category, regex in DETECTORS:
        for value in fields.values():
            for hit in regex.finditer(value):
                span = hit.group("span") if "span" in regex.groupindex and hit.group("span") else hit.group(0)
                add(span, category, "detected", APPROVED if category in APPROVED_BY_DEFAULT else PROPOSED)
    listed = {" ".join(e.text.split()).casefold() for e in redact}
    # Where a listed name is written whole, the whole name hides it: its parts are proposed only
    # where they stand alone ("Coyle said"), never again inside the name itself.
    whole = [(loc["field"], loc["start"], loc["end"]) for e in redact for loc in locate(fields, e.text)]
    for entry in redact:
        if "name" not in entry.category:
            continue
        for part in re.split(r"[\s]+", entry.text):
            part = part.strip(".,")
            if len(part) < 3 or not part[:1].isupper() or part.casefold() in listed:
                continue
            alone = [loc for loc in locate(fields, part, times)
                     if not any(f == loc["field"] and s <= loc["start"] and loc["end"] <= e for f, s, e in whole)]
            if alone:
                add(part, entry.category, "detected", PROPOSED, locations=alone)
    return list(found.values())


def refresh_narrative(session: Session, row: m.Narrative, listed: list, origin: str = FRONT_MATTER) -> int:
    """Bring one narrative's stored proposals in line with its text and list; returns rows changed.

    Used by ingest (the file's `redact:` list) and by staff publishing (the form's names), so
    every narrative gets the same detection. Curators' decisions are kept (a span they gave
    another reason class is not proposed again under the old one); spans no longer found and
    never decided are dropped, and a span removed from the list stops being approved.
    """
    changed = 0
    proposals = {(p.text, p.category): p for p in detect(
        narrative_fields(row, session), listed, narrator_spans(row), media_times(session, row.id), origin)}
    stored = {(r.text, r.category): r for r in session.exec(select(Redaction).where(Redaction.narrative_id == row.id))}
    decided_texts = {text for (text, _c), r in stored.items() if r.decided_by}
    for key, old in stored.items():
        # A curator's own proposal stays until a curator decides it, whatever detection finds.
        if key not in proposals and old.origin != CURATOR and (not old.decided_by or old.origin in LISTED_ORIGINS):
            session.delete(old)
            changed += 1
    for key, new in proposals.items():
        old = stored.get(key)
        if old is None:
            if new.origin == "detected" and new.text in decided_texts:
                continue  # a curator already judged these words, under the reason class they chose
            session.add(Redaction(narrative_id=row.id, text=new.text, category=new.category,
                                  status=new.status, origin=new.origin, replacement=new.replacement,
                                  locations=new.locations))
            changed += 1
            continue
        decided = old.decided_by and new.origin == "detected"
        values = {"status": old.status if decided else new.status,
                  "origin": old.origin if old.origin == CURATOR and new.origin == "detected" else new.origin,
                  "replacement": new.replacement, "locations": new.locations}
        if any(getattr(old, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(old, k, v)
            session.add(old)
            changed += 1
    session.flush()
    return changed
