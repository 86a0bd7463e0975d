"""Harm-type tags proposed by the tagger, kept apart from the tags curators wrote.

A suggestion names the object (a record, or one segment of a narrative), the harm type, the
phrase that matched and the passage around it, so a curator can judge it in place. Nothing
suggested is published: only `accepted` suggestions join an object's harm types in the
Catalog. Decisions survive re-ingest (a suggestion found again keeps its status).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from archive import decisions
from archive.models import utcnow

SUGGESTED, ACCEPTED, REJECTED = "suggested", "accepted", "rejected"
STATUSES = (SUGGESTED, ACCEPTED, REJECTED)


class TagSuggestion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("object_type", "object_id", "locator", "concept_id"),)
    id: int | None = Field(default=None, primary_key=True)
    object_type: str = Field(index=True)  # record or narrative
    object_id: str = Field(index=True)
    locator: str = ""  # where in the object: "" (the whole record) or "segment 3 (00:04:12)"
    concept_id: str = Field(foreign_key="concept.id")
    phrase: str
    passage: str
    status: str = SUGGESTED
    decided_by: str = ""
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class TaggedState(SQLModel, table=True):
    """The content (and lexicon) an object was last tagged from: unchanged ones are skipped."""

    object_type: str = Field(primary_key=True)
    object_id: str = Field(primary_key=True)
    digest: str


def accepted_concepts(session: Session, object_type: str, object_id: str) -> list[str]:
    rows = session.exec(select(TagSuggestion.concept_id).where(
        TagSuggestion.object_type == object_type, TagSuggestion.object_id == object_id,
        TagSuggestion.status == ACCEPTED).distinct()).all()
    return sorted(rows)


def list_suggestions(session: Session, status: str | None = None,
                     object_id: str | None = None) -> list[TagSuggestion]:
    return decisions.listing(session, TagSuggestion,
                             (TagSuggestion.object_type, TagSuggestion.object_id, TagSuggestion.id),
                             status=status, allowed=STATUSES, object_id=object_id)


def decide(session: Session, suggestion_id: int, status: str, actor: str) -> TagSuggestion:
    """A curator accepts or rejects one suggestion (the command line and the staff app alike)."""
    return decisions.decide(
        session, TagSuggestion, suggestion_id, status, actor, allowed=(ACCEPTED, REJECTED), kind="tag suggestion",
        subject=lambda row: (row.object_type, row.object_id), missing_hint="see 'reckon tags list'",
        describe=lambda row: f"({row.concept_id}, {row.locator or 'whole'})")
