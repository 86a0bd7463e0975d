"""Redactions: spans of a narrative withheld from the public, stored beside the master text.

The master text (the narrative's body and transcript) is never edited. A redaction records
the words, why (its category), where they were found (field and offsets) and a decision:
`proposed` by detection, `approved` or `rejected` by staff. Spans the narrative's own file
lists, home addresses and other people's health details are approved from the start.

The public form replaces every occurrence of an approved span, in every field, with
`[redacted: <category>]`, a token no editor would write as an editorial bracket. A
pseudonymized narrator's real name is replaced by the pseudonym. Matching ignores line breaks
and finds the usual spellings (`Coyle`, `COYLE`), so a name wrapped across two lines or
used as a speaker label is still caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from archive.errors import NotFound, ReckoningError
from archive.models import AuditEvent, Narrative, utcnow

PROPOSED, APPROVED, REJECTED = "proposed", "approved", "rejected"
STATUSES = (PROPOSED, APPROVED, REJECTED)
NARRATOR_NAME = "narrator's name"
# CONSENT.md: home addresses and other people's health details are always redacted.
APPROVED_BY_DEFAULT = {"street address", "health details of another person", NARRATOR_NAME}


class Redaction(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("narrative_id", "text", "category"),)
    id: int | None = Field(default=None, primary_key=True)
    narrative_id: str = Field(foreign_key="narrative.id", index=True)
    text: str
    category: str
    status: str = PROPOSED
    origin: str = "detected"  # detected, front-matter, narrator
    replacement: str = ""     # empty: the `[redacted: category]` token
    locations: list[dict] = Field(default_factory=list, sa_column=Column(JSON))  # [{field, start, end}]
    decided_by: str = ""
    decided_at: datetime | None = None


def token(category: str) -> str:
    return f"[redacted: {category}]"


def _pattern(text: str) -> str:
    words = [re.escape(w) for w in text.split()]
    core = r"\s+".join(words)
    start = r"(?<!\w)" if text[:1].isalnum() else ""
    end = r"(?!\w)" if text[-1:].isalnum() else ""
    return start + core + end


def case_variants(text: str) -> set[str]:
    """The spellings a span is found in: as written, capitalised, upper and lower case.

    Not every case-insensitive match: a narrator called `Secret Legalname` must not turn
    "no secret" into "no Dr. Q", but `LEGALNAME:` as a transcript's speaker label is hidden.
    """
    return {text, text.upper(), text.lower(), text[:1].upper() + text[1:], text.title()}


class Redactor:
    """Replaces spans in text; longest spans first, so a full name wins over its surname."""

    def __init__(self, spans: Iterable[tuple[str, str]]):
        self.replacements: dict[str, str] = {}
        for text, replacement in spans:
            for variant in case_variants(" ".join(text.split())):
                if variant and variant not in self.replacements:
                    self.replacements[variant] = replacement
        ordered = sorted(self.replacements, key=len, reverse=True)
        self._regex = re.compile("|".join(_pattern(t) for t in ordered)) if ordered else None

    def __bool__(self) -> bool:
        return self._regex is not None

    def __call__(self, text: str) -> str:
        if self._regex is None or not text:
            return text
        return self._regex.sub(lambda m: self.replacements[" ".join(m.group(0).split())], text)


def narrator_spans(narrative: Narrative) -> list[tuple[str, str]]:
    """The private name of a narrator not shown by full name, whole and by its parts."""
    name = (narrative.narrator_name or "").strip()
    if not name or narrative.name_policy == "full":
        return []
    shown = token(NARRATOR_NAME) if narrative.name_policy == "anonymous" else narrative.narrator_display
    parts = {name} | {p.strip(".,") for p in re.split(r"[\s]+", name)}
    parts |= {p for part in list(parts) for p in part.split("-")}
    # Parts shorter than four letters (`Ray`, `Li`) would also hide ordinary words (`X-ray`).
    return [(p, shown) for p in parts if p == name or (len(p) >= 4 and p[:1].isupper())]


def redactor_for(session: Session, narrative: Narrative) -> Redactor:
    """What the public form of this narrative hides: approved spans and the narrator's name."""
    rows = session.exec(select(Redaction).where(Redaction.narrative_id == narrative.id,
                                                Redaction.status == APPROVED)).all()
    spans = [(r.text, r.replacement or token(r.category)) for r in rows]
    return Redactor(spans + narrator_spans(narrative))


def list_redactions(session: Session, status: str | None = None) -> list[Redaction]:
    query = select(Redaction).order_by(Redaction.narrative_id, Redaction.id)
    if status:
        query = query.where(Redaction.status == status)
    return list(session.exec(query))


def decide(session: Session, redaction_id: int, status: str, actor: str) -> Redaction:
    """Record a curator's decision on one proposed span."""
    if status not in (APPROVED, REJECTED):
        raise ReckoningError(f"unknown decision {status!r} (expected approved or rejected)")
    row = session.get(Redaction, redaction_id)
    if row is None:
        raise NotFound(f"no redaction {redaction_id}")
    row.status, row.decided_by, row.decided_at = status, actor, utcnow()
    session.add(row)
    # The audit line names the decision, never the words, so it can outlive a purge.
    session.add(AuditEvent(actor=actor, action=status, object_type="narrative", object_id=row.narrative_id,
                           detail=f"redaction {row.id} ({row.category}): {status}"))
    return row
