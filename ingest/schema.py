"""What each kind of source document must contain, field by field.

Pydantic models give every error a field path (`evidence[0].quote`), which the readers turn
into file:line messages. Unknown fields are refused, so a misspelt `embargo_untill` cannot
silently publish an embargoed narrative.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from archive.access import Level
from archive.dates import coerce_text, parse_date
from archive.ledger import ATTRIBUTION, INVOLVEMENT, RELIABILITY

ACCOUNTABILITY_STATUSES = ("documented", "acknowledged", "apologized", "repair-committed", "repaired")
RECORD_TYPES = (
    "policy", "minutes", "resolution", "correspondence", "publication", "article",
    "press-release", "statement", "court-decision", "law", "report", "news", "directory",
    "image", "other",
)
CONSENT_USES = ("publish-text", "publish-media", "quote", "use-name", "research")
NAME_POLICIES = ("full", "initials", "pseudonym", "anonymous")


def _edtf(value: object) -> str:
    return parse_date(value).text


def _iso_day(value: object) -> str:
    text = coerce_text(value)
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise ValueError(f"expected a calendar date YYYY-MM-DD, got '{text}'") from exc


def _text(value: object) -> object:
    return "" if value is None else value


def _degrees(limit: int):
    """A coordinate in decimal degrees within ±`limit`: a YAML number, or text as a CSV cell has it."""
    def check(value: object) -> float:
        number: float | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                pass
        if number is None or not math.isfinite(number) or not -limit <= number <= limit:
            raise ValueError(f"expected decimal degrees, a number from -{limit} to {limit}; got '{value}'")
        return number
    return check


EDTF = Annotated[str, BeforeValidator(_edtf)]
Day = Annotated[str, BeforeValidator(_iso_day)]
Text = Annotated[str, BeforeValidator(_text)]
Latitude = Annotated[float, BeforeValidator(_degrees(90))]
Longitude = Annotated[float, BeforeValidator(_degrees(180))]
AccessLevel = Literal["public", "staff", "restricted", "embargoed", "withdrawn"]


def _id_pattern(prefix: str) -> str:
    return rf"^{prefix}-[a-z0-9]+(-[a-z0-9]+)*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Accessible(Strict):
    access: AccessLevel = "public"
    embargo_until: Day | None = None

    @model_validator(mode="after")
    def _embargo_needs_date(self):
        if self.access == Level.EMBARGOED and not self.embargo_until:
            raise ValueError("access 'embargoed' needs embargo_until: YYYY-MM-DD (embargoes are never open-ended)")
        return self


class Located(Strict):
    """Where a record's coverage or a narrative's place is, in decimal degrees (WGS 84): both or neither."""

    latitude: Latitude | None = None
    longitude: Longitude | None = None

    @model_validator(mode="after")
    def _both_or_neither(self):
        if (self.latitude is None) != (self.longitude is None):
            given, missing = ("latitude", "longitude") if self.longitude is None else ("longitude", "latitude")
            raise ValueError(f"{given} needs {missing} too: a place is on the map with both or neither")
        return self


class AgentSource(Strict):
    id: str = Field(pattern=_id_pattern("agent"))
    name: str = Field(min_length=1)
    kind: Literal["institution", "person"] = "institution"
    description: Text = ""
    parent: str | None = None


class ConceptSource(Strict):
    id: str
    label: str = Field(min_length=1)
    notation: Text = ""
    definition: Text = ""
    alt_labels: list[str] = Field(default_factory=list)
    broader: str | None = None


class HarmTypeSource(ConceptSource):
    id: str = Field(pattern=_id_pattern("ht"))
    phrases: list[str] = []  # indicative phrases for the harm tagger (ingest.tagging)


class AffectedGroupSource(ConceptSource):
    id: str = Field(pattern=_id_pattern("ag"))


class TaxonomySource(Strict):
    harm_types: list[HarmTypeSource] = Field(min_length=1)
    affected_groups: list[AffectedGroupSource] = Field(min_length=1)


class PartSource(Strict):
    """One part of a multi-part record: a page, an image or a file, with its own metadata
    (a CollectionBuilder compound object's child row, an Omeka item's media, an AtoM child)."""

    id: str = Field(min_length=1)  # as the source catalogue names it
    title: Text = ""  # often none: the page then says "Part 2"
    date: EDTF | None = None
    date_as_written: Text = ""
    description: Text = ""
    format: Text = ""
    images: list[str] = Field(default_factory=list)


class RecordSource(Located, Accessible):
    id: str = Field(pattern=_id_pattern("rec"))
    title: str = Field(min_length=1)
    date: EDTF
    type: Literal[RECORD_TYPES] = "other"  # type: ignore[valid-type]
    creators: list[str] = Field(default_factory=list)
    subjects: list[str] = Field(default_factory=list)
    language: str = "en"
    source: str = Field(min_length=1, description="the citation: every record names its source")
    source_url: Text = ""
    rights: Text = ""
    # Catalogue imports and attachments (files are relative to the record's own file).
    date_as_written: Text = ""
    keywords: list[str] = Field(default_factory=list)
    coverage: Text = ""  # its place's coordinates, if any, are `latitude` and `longitude` (Located)
    format: Text = ""
    images: list[str] = Field(default_factory=list)
    # What each of `images` shows, in the same order: its alt text and caption on the record's page.
    image_alt: list[Text] = Field(default_factory=list)
    pdf: str | None = None
    parts: list[PartSource] = Field(default_factory=list)  # in order; their images follow the record's own

    @model_validator(mode="after")
    def _alt_text_per_image(self):
        if len(self.image_alt) > len(self.images):
            raise ValueError(f"image_alt has {len(self.image_alt)} entries for {len(self.images)} image(s): "
                             "give one description per image, in the order of images")
        return self


class EvidenceSource(Strict):
    record: str | None = None
    narrative: str | None = None
    quote: str = Field(min_length=1)
    locator: Text = ""
    note: Text = ""
    reliability: Literal[tuple(RELIABILITY)] | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_source(self):
        if bool(self.record) == bool(self.narrative):
            raise ValueError("give exactly one of 'record' or 'narrative' as the quotation's source")
        return self


class AccountabilitySource(Strict):
    status: Literal[ACCOUNTABILITY_STATUSES]  # type: ignore[valid-type]
    date: EDTF
    source: str | None = None
    note: Text = ""


class InvolvementSource(Strict):
    """How one responsible body took part in the harm (archive.ledger.INVOLVEMENT)."""

    agent: str
    kind: Literal[tuple(INVOLVEMENT)]  # type: ignore[valid-type]
    note: Text = ""


class AttributionSource(Strict):
    """One dated step in what a responsible body admits, and the record that shows it."""

    agent: str
    stage: Literal[tuple(ATTRIBUTION)]  # type: ignore[valid-type]
    date: EDTF
    source: str
    quote: Text = ""
    note: Text = ""


class HarmSource(Accessible):
    id: str = Field(pattern=_id_pattern("harm"))
    title: str = Field(min_length=1)
    date: EDTF
    harm_types: list[str] = Field(min_length=1)
    affected_groups: list[str] = []
    responsible: list[str] = []
    evidence: list[EvidenceSource] = Field(min_length=1)
    accountability: list[AccountabilitySource] = []
    involvement: list[InvolvementSource] = []
    attribution: list[AttributionSource] = []


class NarratorSource(Strict):
    name: Text = ""
    display_name: str = Field(min_length=1)
    name_policy: Literal[NAME_POLICIES] = "anonymous"  # type: ignore[valid-type]


class ConsentSource(Strict):
    date: Day
    use: Literal[CONSENT_USES]  # type: ignore[valid-type]
    granted: bool
    recorded_by: Text = ""
    note: Text = ""


class ReleaseSource(Strict):
    signed: Day
    licence: Text = ""


class RedactSource(Strict):
    """A span the narrative's own file asks to redact: every occurrence, in every output."""

    text: str = Field(min_length=2)
    category: str = Field(min_length=1, description="the reason class shown publicly")


def _timestamp(value: object) -> object:
    """ "HH:MM:SS" as written; YAML 1.1 reads an unquoted 1:04:12 as sexagesimal seconds."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value // 3600:02d}:{value % 3600 // 60:02d}:{value % 60:02d}"
    if isinstance(value, str) and re.match(r"^\d{1,2}:[0-5]\d:[0-5]\d$", value.strip()):
        hours, rest = value.strip().split(":", 1)
        return f"{int(hours):02d}:{rest}"
    raise ValueError(f"expected a time HH:MM:SS (quoted), got '{value}'")


Timestamp = Annotated[str, BeforeValidator(_timestamp)]


class ContentNoteSource(Strict):
    """A content note on part of a transcript (archive/passage_notes.py): the segment starting
    `at` a time, or every segment overlapping `from`–`to`; the page folds it behind the note."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)
    note: str = Field(min_length=1)
    at: Timestamp | None = None
    start: Timestamp | None = Field(default=None, alias="from")
    end: Timestamp | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _one_place(self):
        if (self.at is None) == (self.start is None):
            raise ValueError("a content note needs either at: HH:MM:SS (one segment) "
                             "or from: and to: HH:MM:SS (a time range)")
        if self.start is not None and (self.end is None or self.end <= self.start):
            raise ValueError("a content note's to: must be a time after its from:")
        if self.at is not None and self.end is not None:
            raise ValueError("a content note takes at: or from:/to:, not both")
        return self


def _media_entry(value: object) -> object:
    """`media: [nar-x.m4a]` is short for `media: [{file: nar-x.m4a}]`."""
    return {"file": value} if isinstance(value, str) else value


class MediaSource(Strict):
    """One recording of a narrative (sessions in order): a local file next to the narrative's
    file, or a remote `url` (linked, never fetched). `starts_at` places it on the transcript's
    timeline (by default where the recording before it ends); `synthetic` labels a recording a
    machine made (the sample's, spoken by a speech synthesiser)."""

    file: str | None = None
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    starts_at: Timestamp | None = None
    label: Text = ""
    synthetic: bool = False

    @model_validator(mode="after")
    def _one_source(self):
        if (self.file is None) == (self.url is None):
            raise ValueError("a recording needs either file: (next to this file) or url: (a remote link)")
        return self


class NarrativeSource(Located, Accessible):
    id: str = Field(pattern=_id_pattern("nar"))
    title: str = Field(min_length=1)
    fictional: bool = False
    narrator: NarratorSource
    interviewer: Text = ""
    date: EDTF
    place: Text = ""  # its coordinates, if any, are `latitude` and `longitude` (Located)
    language: str = "en"
    summary: Text = ""
    content_note: Text = ""
    content_notes: list[ContentNoteSource] = []  # notes on passages: see ContentNoteSource
    harm_types: list[str] = []
    consent: list[ConsentSource] = []
    release: ReleaseSource | None = None
    transcript: str | None = None  # a .vtt, .srt or OHMS .xml file, relative to this file
    media: list[Annotated[MediaSource, BeforeValidator(_media_entry)]] = []  # recordings, in order
    redact: list[RedactSource] = []
    anonymize: bool = False  # hide narrator.name everywhere public behind narrator.display_name

    @model_validator(mode="after")
    def _anonymize_needs_a_name_to_hide(self):
        if self.anonymize and (not self.narrator.name or self.narrator.name_policy == "full"):
            raise ValueError("anonymize: true needs narrator.name (the name to hide) and "
                             "a narrator.name_policy other than full (pseudonym, initials or anonymous)")
        return self

    @field_validator("consent")
    @classmethod
    def _consent_in_order(cls, value: list[ConsentSource]) -> list[ConsentSource]:
        days = [c.date for c in value]
        if days != sorted(days):
            raise ValueError("consent decisions are a dated log: list them oldest first")
        return value


class TimelineEntrySource(Strict):
    date: EDTF
    title: str = Field(min_length=1)
    text: Text = ""
    ref: str | None = None


class TimelineSource(Accessible):
    id: str = Field(pattern=_id_pattern("tl"))
    title: str = Field(min_length=1)
    summary: Text = ""
    entries: list[TimelineEntrySource] = Field(min_length=1)
