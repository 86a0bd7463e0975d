"""The store's tables.

Ids are stable, human-readable strings (`rec-1870-ama-minutes`) that never change once
published. Dates are kept as EDTF text beside integer bounds (see `archive.dates`). Deleting
is soft (`deleted`); purging is an explicit admin act.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class DatedMixin(SQLModel):
    date: str = ""
    date_lower: int = Field(default=0, index=True)
    date_upper: int = Field(default=99991231, index=True)


class SourcedMixin(SQLModel):
    """Where an object came from and whether it changed since: ingest upserts by this hash."""

    source_path: str = ""
    content_hash: str = ""
    deleted: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AccessMixin(SQLModel):
    access: str = "public"
    # Indexed: a new day asks which embargoes end between two days (archive.embargo_days), and
    # a scan of 100,000 records' rows took 0.25 s warm, 2.7 s cold, for each index and the site.
    embargo_until: str | None = Field(default=None, index=True)


class Agent(SourcedMixin, table=True):
    id: str = Field(primary_key=True)
    name: str
    kind: str = "institution"
    description: str = ""
    parent_id: str | None = Field(default=None, foreign_key="agent.id")


class Concept(SourcedMixin, table=True):
    """A taxonomy term (harm type or affected group), SKOS-like."""

    id: str = Field(primary_key=True)
    scheme: str = Field(index=True)
    notation: str = ""
    label: str
    definition: str = ""
    alt_labels: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    broader_id: str | None = Field(default=None, foreign_key="concept.id")


class Record(DatedMixin, AccessMixin, SourcedMixin, table=True):
    # Every ingest reports how many records are stored and which lost their file
    # (`ingest.stored_objects`): read from this index alone, not from every record's row with its
    # body (~1 GB at 100,000 records), that is 0.02 and 0.07 s instead of 0.08 and 0.17 s.
    __table_args__ = (Index("ix_record_source", "source_path", "deleted", "id"),)

    id: str = Field(primary_key=True)
    title: str
    type: str = "other"
    creators: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    subjects: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    language: str = "en"
    source: str = ""
    source_url: str = ""
    rights: str = ""
    body: str = ""
    # Catalogue imports (CSV) and attachments; see ingest/readers/csv_catalog.py and ingest/readers/pdf_text.py.
    date_as_written: str = ""  # the date as the source spreadsheet wrote it, before EDTF
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # free-text subjects
    coverage: str = ""
    # Where the coverage place is (decimal degrees, WGS 84), for the map; None when not given.
    latitude: float | None = None
    longitude: float | None = None
    format: str = ""
    attachment_text: str = ""  # text extracted from an attached PDF, searchable
    # A multi-part record's parts, in order (archive/record_parts.py): each {"id", "title",
    # "date", "date_lower", "date_upper", "date_as_written", "description", "format"}.
    parts: list[dict] = Field(default_factory=list, sa_column=Column(JSON))


class Narrative(DatedMixin, AccessMixin, SourcedMixin, table=True):
    id: str = Field(primary_key=True)
    title: str
    fictional: bool = False
    narrator_name: str = ""  # the private legal name: staff only, never in a public output
    narrator_display: str = ""
    name_policy: str = "anonymous"
    interviewer: str = ""
    place: str = ""
    latitude: float | None = None  # where the place is (decimal degrees), for the map
    longitude: float | None = None
    language: str = "en"
    summary: str = ""
    content_note: str = ""
    harm_types: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    # The period the testimony is about (EDTF), beside the interview's `date`; "" when not given.
    # Date filters and the decade facet use it where given (see `archive.dates.subject_bounds`).
    coverage_date: str = ""
    coverage_lower: int = Field(default=0, index=True)
    coverage_upper: int = Field(default=99991231, index=True)
    release_signed: str | None = None
    release_licence: str = ""
    body: str = ""


class ConsentEntry(SQLModel, table=True):
    """One consent decision; the list per narrative is append-only."""

    id: int | None = Field(default=None, primary_key=True)
    narrative_id: str = Field(foreign_key="narrative.id", index=True)
    position: int
    date: str
    use: str
    granted: bool
    recorded_by: str = ""
    note: str = ""


class Harm(DatedMixin, AccessMixin, SourcedMixin, table=True):
    id: str = Field(primary_key=True)
    title: str
    status: str = "documented"  # the latest accountability status, derived at ingest
    description: str = ""


class HarmConcept(SQLModel, table=True):
    harm_id: str = Field(foreign_key="harm.id", primary_key=True)
    concept_id: str = Field(foreign_key="concept.id", primary_key=True)


class HarmAgent(SQLModel, table=True):
    harm_id: str = Field(foreign_key="harm.id", primary_key=True)
    agent_id: str = Field(foreign_key="agent.id", primary_key=True)
    role: str = Field(default="responsible", primary_key=True)


class Evidence(SQLModel, table=True):
    """A claim bound to its proof: a quoted passage of a record or narrative, with a locator."""

    id: int | None = Field(default=None, primary_key=True)
    harm_id: str = Field(foreign_key="harm.id", index=True)
    position: int
    record_id: str | None = Field(default=None, foreign_key="record.id")
    narrative_id: str | None = Field(default=None, foreign_key="narrative.id")
    quote: str
    locator: str = ""
    note: str = ""
    reliability: str = ""  # primary | contemporaneous | secondary (archive.ledger.RELIABILITY)


class AccountabilityEvent(DatedMixin, table=True):
    id: int | None = Field(default=None, primary_key=True)
    harm_id: str = Field(foreign_key="harm.id", index=True)
    position: int
    status: str
    source_record_id: str | None = Field(default=None, foreign_key="record.id")
    note: str = ""


class Timeline(AccessMixin, SourcedMixin, table=True):
    id: str = Field(primary_key=True)
    title: str
    summary: str = ""
    description: str = ""


class TimelineEntry(DatedMixin, table=True):
    id: int | None = Field(default=None, primary_key=True)
    timeline_id: str = Field(foreign_key="timeline.id", index=True)
    position: int
    title: str
    text: str = ""
    ref: str | None = None


class Revision(SQLModel, table=True):
    """Who changed what, when, and the values it had before."""

    id: int | None = Field(default=None, primary_key=True)
    object_type: str = Field(index=True)
    object_id: str = Field(index=True)
    action: str
    actor: str
    at: datetime = Field(default_factory=utcnow)
    changes: dict = Field(default_factory=dict, sa_column=Column(JSON))


class AuditEvent(SQLModel, table=True):
    """An audit line: never holds restricted content, so it survives purges."""

    id: int | None = Field(default=None, primary_key=True)
    actor: str
    action: str
    object_type: str
    object_id: str
    at: datetime = Field(default_factory=utcnow)
    detail: str = ""


class User(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("username"),)
    id: int | None = Field(default=None, primary_key=True)
    username: str
    password_hash: str
    role: str = "contributor"
    created_at: datetime = Field(default_factory=utcnow)


# Top-level objects by the type name used in URLs, revisions and the API.
OBJECT_TYPES: dict[str, type[SQLModel]] = {
    "agent": Agent,
    "concept": Concept,
    "record": Record,
    "narrative": Narrative,
    "harm": Harm,
    "timeline": Timeline,
}
