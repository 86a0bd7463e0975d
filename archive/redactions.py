"""Redactions: spans of a narrative withheld from the public, stored beside the master text.

The master text (the narrative's body and transcript) is never edited. A redaction records
the words, why (its category), where they were found (field and offsets) and a decision:
`proposed` by detection, `approved` or `rejected` by staff. Spans the narrative's own file
(or the staff submission form) lists, home addresses and other people's health details are
approved from the start; a curator may propose a span by hand (the words, or selected on the
staff page), decided like a detected one.

The public form replaces every occurrence of a span that is not rejected, in every field,
with `[redacted: <category>]`, a token no editor would write as an editorial bracket. A
proposal still waiting for a curator is hidden too: detection only proposes, but what it
proposes stays out of public view until someone has looked and released it (a rejection is
the only thing that makes the words public). A
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

from archive import decisions
from archive.body_segments import split_segments
from archive.errors import NotFound, ReckoningError
from archive.models import Narrative, utcnow
from archive.transcripts import segments_of

PROPOSED, APPROVED, REJECTED = "proposed", "approved", "rejected"
STATUSES = (PROPOSED, APPROVED, REJECTED)
NARRATOR_NAME = "narrator's name"
THIRD_PARTY = "name of a third party"
# Where a span came from. Listed spans follow their list: the list, not a decision, says
# whether they are hidden, so they are edited there (the file, or the submission form).
FRONT_MATTER, STAFF_FORM, NARRATOR, DETECTED, CURATOR = "front-matter", "staff-form", "narrator", "detected", "curator"
LISTED_ORIGINS = (FRONT_MATTER, STAFF_FORM)
# The reason classes staff usually pick from (any short phrase is allowed).
CATEGORIES = ("name of a third party", "e-mail address", "phone number", "street address", "identity number",
              "date of birth", "health details of another person", "accusation against a living person")
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

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where in `text` this redactor hides something: (start, end) character offsets."""
        if self._regex is None or not text:
            return []
        return [hit.span() for hit in self._regex.finditer(text)]

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
    """What the public form of this narrative hides: every span not rejected, and the narrator's name.

    Pending proposals are hidden as well as approved ones (shared/CONSENT.md: detection
    proposes, and home addresses or other people's details are never shown unreviewed).
    Approved spans come first, so where a span was entered twice its approved reason wins.
    """
    rows = session.exec(select(Redaction).where(Redaction.narrative_id == narrative.id,
                                                Redaction.status != REJECTED)
                        .order_by((Redaction.status == APPROVED).desc(), Redaction.id)).all()
    spans = [(r.text, r.replacement or token(r.category)) for r in rows]
    return Redactor(spans + narrator_spans(narrative))


def list_redactions(session: Session, status: str | None = None,
                    narrative_id: str | None = None) -> list[Redaction]:
    return decisions.listing(session, Redaction, (Redaction.narrative_id, Redaction.id), status=status,
                             allowed=STATUSES, narrative_id=narrative_id)


def _about(row: Redaction) -> tuple[str, str]:
    return ("narrative", row.narrative_id)


def _only_unlisted(row: Redaction, status: str) -> None:
    if status == REJECTED and row.origin in LISTED_ORIGINS + (NARRATOR,):
        where = {FRONT_MATTER: "the narrative's file (its redact: list)", STAFF_FORM: "the submission form "
                 "(third-party names)", NARRATOR: "the narrator's name policy"}[row.origin]
        raise decisions.DecisionError(f"redaction {row.id} is set by {where}; change it there to release it")


def decide(session: Session, redaction_id: int, status: str, actor: str) -> Redaction:
    """Record a curator's decision on one span (the command line and the staff app alike)."""
    return decisions.decide(
        session, Redaction, redaction_id, status, actor, allowed=(APPROVED, REJECTED), kind="redaction",
        subject=_about, missing_hint="see 'reckon redactions list'", check=_only_unlisted,
        describe=lambda row: f"({row.category})")


# -- spans of the master text ------------------------------------------------------------

# A narrative's own text fields, each read by the public only through the redactor (the Catalog
# redacts every one; detection and staff look for spans in every one). The body and the
# transcript's segments are covered too, segment by segment (`narrative_fields`). Every other
# text column of the Narrative table is in NOT_REDACTED with the reason; a test fails when a
# column is added to neither, so no new field can escape redaction unnoticed.
REDACTED_FIELDS = ("title", "interviewer", "place", "summary", "content_note")
NOT_REDACTED = {
    "id": "made from the redacted title when staff create it; audit fingerprints it",
    "narrator_name": "the private name: never in a public view (the Catalog shows narrator_label)",
    "narrator_display": "the public name the narrator chose, shown by name policy",
    "name_policy": "a fixed vocabulary (full, pseudonym, anonymous)",
    "language": "a language code",
    "release_licence": "a licence name chosen from a list",
    "body": "covered segment by segment (body segments in narrative_fields)",
}


def narrative_fields(row: Narrative, session: Session) -> dict[str, str]:
    """Every piece of master text of a narrative, by a name staff can find it under."""
    fields = {name: getattr(row, name) for name in REDACTED_FIELDS}
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


def locate(fields: dict[str, str], text: str, times: dict[str, dict] | None = None) -> list[dict]:
    """Every place `text` occurs (any case, any line breaks) as {field, start, end[, start_ms, end_ms]}."""
    pattern = re.compile(r"\s+".join(re.escape(w) for w in text.split()), re.IGNORECASE)
    return [{"field": name, "start": hit.start(), "end": hit.end()} | (times or {}).get(name.rsplit(" ", 1)[0], {})
            for name, value in fields.items() for hit in pattern.finditer(value)]


def check_category(category: str) -> str:
    """A reason class as the public will read it inside `[redacted: …]`."""
    category = " ".join(category.split())
    if not 2 <= len(category) <= 60 or not re.fullmatch(r"[\w' -]+", category):
        raise ReckoningError(f"reason class {category!r}: expected 2 to 60 letters, spaces, hyphens or "
                             f"apostrophes, e.g. '{THIRD_PARTY}'")
    return category


def add_span(session: Session, narrative_id: str, actor: str, category: str, text: str = "",
             field: str = "", start: int | None = None, end: int | None = None) -> Redaction:
    """A curator's proposal: the exact words, or a field and character offsets within it (both,
    when the words were selected on the page: the offsets must pick exactly those words).

    The span must be whole words of the narrative's master text. It goes through the same
    workflow as a detected one: proposed (so hidden, like every span not rejected, wherever the
    words occur) until a curator approves or rejects it.
    """
    row = session.get(Narrative, narrative_id)
    if row is None:
        raise NotFound(f"no narrative '{narrative_id}'")
    category = check_category(category)
    fields = narrative_fields(row, session)
    if start is not None or end is not None:
        if field not in fields:
            raise ReckoningError(f"field {field!r}: expected one of {', '.join(fields)}")
        value = fields[field]
        if start is None or end is None or not 0 <= start < end <= len(value):
            raise ReckoningError(f"offsets {start}–{end} in {field!r}: expected 0 ≤ start < end ≤ {len(value)}")
        if text and " ".join(text.split()) != " ".join(value[start:end].split()):
            raise ReckoningError(f"offsets {start}–{end} in {field!r} hold {value[start:end]!r}, not {text!r}: the "
                                 "text changed since the page was loaded; reload it and select the words again")
        if _inside_word(value, start) or _inside_word(value, end):
            raise ReckoningError(f"offsets {start}–{end} in {field!r} cut a word ({value[start:end]!r}): select "
                                 "whole words")
        text = value[start:end]
    text = " ".join(text.split())
    if len(text) < 2:
        raise ReckoningError("the span to redact: expected at least 2 characters of the narrative's text")
    locations = locate(fields, text, media_times(session, narrative_id))
    if not locations:
        raise ReckoningError(f"{text!r} does not occur in narrative '{narrative_id}' (title, summary, content "
                             f"note or transcript); copy the words exactly")
    whole = re.compile(_pattern(text), re.IGNORECASE)
    if not any(whole.search(value) for value in fields.values()):
        # The public redactor hides whole words only: a piece of a word would hide nothing.
        raise ReckoningError(f"{text!r} occurs only inside longer words; give whole words")
    existing = session.exec(select(Redaction).where(Redaction.narrative_id == narrative_id, Redaction.text == text,
                                                    Redaction.category == category)).first()
    span = existing or Redaction(narrative_id=narrative_id, text=text, category=category, origin=CURATOR)
    decided = {} if span.status == APPROVED else {"status": PROPOSED, "decided_by": "", "decided_at": None}
    decisions.record_change(session, span, "redaction", _about(span), actor, "redaction-proposed",
                            f"redaction ({category}) proposed by hand", locations=locations, **decided)
    return span


def _inside_word(value: str, at: int) -> bool:
    """Whether offset `at` falls between two characters of one word."""
    return 0 < at < len(value) and _is_word(value[at - 1]) and _is_word(value[at])


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def set_category(session: Session, redaction_id: int, category: str, actor: str) -> Redaction:
    """Change the reason class the public reads in `[redacted: …]`."""
    row = session.get(Redaction, redaction_id)
    if row is None:
        raise NotFound(f"no redaction {redaction_id}: see 'reckon redactions list'")
    category = check_category(category)
    if row.origin in LISTED_ORIGINS:
        raise ReckoningError(f"redaction {row.id} is listed by the narrative's "
                             f"{'file' if row.origin == FRONT_MATTER else 'submission form'}; change it there")
    if category == row.category:
        return row
    clash = session.exec(select(Redaction).where(Redaction.narrative_id == row.narrative_id,
                                                 Redaction.text == row.text, Redaction.category == category)).first()
    if clash is not None:
        raise ReckoningError(f"redaction {clash.id} already hides these words as {category!r}")
    decisions.record_change(session, row, "redaction", _about(row), actor, "redaction-reason",
                            f"redaction {row.id}: reason class changed to ({category})", category=category,
                            decided_by=actor, decided_at=utcnow())
    return row
