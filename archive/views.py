"""The shapes of the views the Catalog hands out, declared in one place.

A page and its JSON are the same data rendered twice (`archive.catalog`,
`archive.ledger_views`); these TypedDicts say what that data holds, so the contract between
the Catalog, the templates and the API is read here rather than in the code that builds it.
They are plain dicts at runtime: JSON encoding, the view caches and pickling see no change.
A key marked `NotRequired` is one some views of the kind carry and others do not (a staff
viewer's narrative, a record's summary). tests/test_views_typed.py holds every view of the
sample archive to these declarations, so a key added to a view without being declared here
fails a test.

No `from __future__ import annotations` here: with string annotations Python 3.11's
TypedDict cannot see `NotRequired` and would count every key as required.
"""

from datetime import datetime
from typing import Any, NotRequired, TypedDict

# -- parts shared by many views --------------------------------------------------------------


class DateData(TypedDict):
    """An EDTF date as every view shows it (`archive.dates.date_data`): the text as written, how
    a reader reads it, and its sortable bounds (YYYYMMDD integers)."""

    edtf: str
    display: str
    lower: int
    upper: int


class Ref(TypedDict):
    """A link to another object this viewer may see (`Catalog.ref`); a hidden one is no Ref at all."""

    id: str
    type: str
    title: str
    url: str


class AgentRef(TypedDict):
    id: str
    name: str
    kind: str


class ConceptRef(TypedDict):
    id: str
    label: str
    scheme: str
    notation: str


class Tombstone(TypedDict):
    """What stands in for a withdrawn narrative: nothing of its content, only that it was withdrawn."""

    id: str
    type: str
    withdrawn: bool
    message: str
    url: str


class EvidenceView(TypedDict):
    """A quoted passage bound to its source, as a harm and the ledger both show evidence (a
    harm's `reliability_label` is empty where the ledger's says "Reliability not assessed")."""

    source: Ref
    quote: str
    locator: str
    note: str
    reliability: str | None
    reliability_label: str


# -- records -----------------------------------------------------------------------------------


class Image(TypedDict):
    """A record's image, as links to its published IIIF derivatives."""

    id: str
    width: int
    height: int
    sha256: str
    thumbnail: str
    web: str
    info: str
    label: str  # "Image 2", or the title of the part it shows (archive/record_parts.py)
    alt: str  # what it shows, as the content describes it ("" when it does not)


class PartView(TypedDict):
    """One part of a multi-part record (a page, an image, a file), in order, with its own metadata."""

    number: int
    id: str  # as the source catalogue named it
    anchor: str  # its element id on the record's page: part-2
    title: str  # "Part 2" when the catalogue gave none
    date: DateData | None
    date_as_written: str
    description: str
    format: str
    images: list[Image]


class RecordView(TypedDict):
    id: str
    type: str
    url: str
    title: str
    date: DateData
    record_type: str
    creators: list[AgentRef]
    subjects: list[ConceptRef]
    language: str
    source: str
    source_url: str
    rights: str
    body_html: str
    text: str  # the body as plain text, then any attached PDF's text
    cited_by: list[Ref]
    date_as_written: str
    keywords: list[str]
    coverage: str
    latitude: float | None  # where the coverage place is (decimal degrees), for the map
    longitude: float | None
    format: str
    images: list[Image]  # the record's own, then each part's, in order
    iiif_manifest: str | None  # None for a record without images
    parts: list[PartView]  # empty unless the record has parts


# -- narratives ----------------------------------------------------------------------------------


class SegmentNote(TypedDict):
    """The passage notes covering a segment: `key` is shared by neighbouring segments under the
    same notes, which the page folds together behind one summary."""

    key: str
    notes: list[str]


class SegmentData(TypedDict):
    """A narrative segment before its passage notes are applied (`catalog.segments_from`):
    a typed `## [hh:mm:ss]` heading of the body has only the common keys; a transcript cue or
    an OHMS index point also has its `kind`, `synopsis` and `keywords`, and an index point its
    second-language twins (`alt`)."""

    time: str | None  # "HH:MM:SS", or None for a body's untimed preface
    title: str
    html: str
    text: str
    speaker: str
    start_ms: int | None
    end_ms: int | None
    anchor: str | None  # None when another segment already took this second's anchor
    kind: NotRequired[str]
    synopsis: NotRequired[str]
    keywords: NotRequired[list[str]]
    alt: NotRequired[dict[str, str | list[str]]]
    # Where the public recording plays this segment: a link with a media fragment (`#t=372`)
    # and which recording (its number), when a public recording covers the segment's time.
    media: NotRequired[str]
    recording: NotRequired[int]
    # A timed segment's name and stretch (`archive.passages.locate`): its title or first words,
    # `00:12:04–00:13:10` for citations and search hits, and the end of that stretch (ms, or None).
    label: NotRequired[str]
    locator: NotRequired[str]
    until_ms: NotRequired[int | None]


class Segment(SegmentData):
    """A segment as the narrative view carries it: marked with the passage notes covering it."""

    content_note: SegmentNote | None


# A content note on part of a narrative (`archive.passage_notes`); `from` is a keyword, hence
# the functional form.
PassageNoteView = TypedDict("PassageNoteView", {
    "number": int,
    "note": str,  # redacted like every other public field
    "at": str | None,
    "from": str | None,
    "to": str | None,
    "segments": list[str],  # the times of the segments it covers
    "first": str | None,
    "last": str | None,
})


class ConsentEntryView(TypedDict):
    date: str
    use: str
    granted: bool
    recorded_by: str
    note: str


class TranscriptSourceView(TypedDict):
    path: str
    format: str
    meta: dict[str, Any]  # what the transcript file said about itself (OHMS metadata), as found


class SilencedPassage(TypedDict):
    """A passage silenced in a public recording (archive/recordings.py), said so on the page."""

    start_ms: int  # in the recording's own time
    end_ms: int
    seconds: int
    time: str  # "HH:MM:SS" on the transcript's timeline
    placed_by: str  # "words" (word timings) or "cue" (the whole cue or section)


class RecordingView(TypedDict):
    """A recording of a narrative as its viewer may have it. The public form lists only what
    the public may hear: the derivative made at build (`url`), or a remote link that needs no
    silencing; the whole form lists every recording, with why the public does not get it."""

    number: int  # 1-based, in session order
    kind: str  # what the public copy holds: audio, or video (pictures and sound)
    url: str | None  # the public copy (a site path), a remote link, or None when withheld
    remote: bool
    mime: str
    duration_ms: int | None
    offset_ms: int  # where it starts on the transcript's timeline
    end_ms: int | None  # where it ends on that timeline (None: not known, a remote one)
    label: str
    synthetic: bool
    width: int | None  # a video copy's picture size (`archive.recordings.video_size`); None for sound
    height: int | None
    captions: str | None
    chapters: str | None
    silenced: list[SilencedPassage]
    withheld: NotRequired[str]  # whole form only: why the public does not get it ("" when it does)


class NarrativeView(TypedDict):
    """A narrative in the form its viewer may see. The public form never carries the narrator's
    private name (`narrator` follows `name_policy`); the staff-only keys (access, embargo,
    the consent history, the transcript's source file) are in the whole form alone."""

    id: str
    type: str
    url: str
    title: str
    fictional: bool
    narrator: str
    name_policy: str
    interviewer: str
    date: DateData  # when the interview was recorded
    coverage_date: DateData | None  # the period the testimony is about, when given
    place: str
    latitude: float | None  # where the place is; None also when the place's name is redacted
    longitude: float | None
    language: str
    summary: str
    content_note: str
    passage_notes: list[PassageNoteView]
    harm_types: list[ConceptRef]
    licence: str
    segments: list[Segment]
    recordings: list[RecordingView]
    iiif_manifest: str | None  # the AV IIIF manifest, when a public recording file exists
    text: str
    credit: str
    access: NotRequired[str]
    embargo_until: NotRequired[str | None]
    consent: NotRequired[list[ConsentEntryView]]
    transcript_source: NotRequired[TranscriptSourceView]  # only when it came from a transcript file


# -- the accountability ledger (archive/ledger_views.py) -----------------------------------------


class LedgerAgent(TypedDict):
    """A body named in the ledger; `url` is its ledger page, None when it has none."""

    id: str
    name: str
    kind: str
    url: str | None


class Reliability(TypedDict):
    reliability: str | None
    reliability_label: str


class ObjectLink(TypedDict):
    id: str
    title: str
    url: str


class DueDate(TypedDict):
    """When a commitment is due: its EDTF text, how it reads, and the last day it may mean."""

    edtf: str
    display: str
    upper: int | None


class ProgressView(TypedDict):
    """Progress on a commitment; listed only with evidence the viewer can follow."""

    date: DateData
    text: str
    by: LedgerAgent | None
    evidence: list[EvidenceView]


class ClaimView(TypedDict):
    text: str
    mark: str
    mark_label: str
    evidence_for: list[EvidenceView]
    evidence_against: list[EvidenceView]


class ResponseView(TypedDict):
    """A right of reply to a harm or a commitment, with its claims and the evidence on each side."""

    id: str
    type: str
    url: str
    title: str
    respondent: str
    respondent_kind: str
    respondent_label: str
    date: DateData
    fictional: bool
    responds_to: Ref
    claims: list[ClaimView]
    body_html: str
    text: str


class CommitmentView(TypedDict):
    """A promise as made, with its status today: `status` is the lapsed rule's verdict where
    it applies, `declared_status` what the content file says."""

    id: str
    type: str
    url: str
    title: str
    promise: str
    date: DateData
    made_by: LedgerAgent | None
    owner: LedgerAgent | None
    part_of: Ref | None
    parts: list[Ref]
    answers: list[Ref]
    source: Ref | None
    due: DueDate | None
    declared_status: str
    declared_label: str
    status: str
    status_label: str
    by_rule: bool
    overdue_days: int | None
    lateness: str
    progress: list[ProgressView]
    responses: list[ResponseView]
    description_html: str
    text: str


class InvolvementView(TypedDict):
    body: LedgerAgent | None
    kind: str
    label: str
    note: str


class AttributionStageView(TypedDict):
    stage: str
    label: str
    date: DateData
    source: Ref | None
    quote: str
    note: str


class AttributionView(TypedDict):
    """One body's attribution history for a harm, headlined by the latest and the furthest stage."""

    body: LedgerAgent | None
    current: str
    current_label: str
    furthest: str
    furthest_label: str
    history: list[AttributionStageView]


class HarmLedger(TypedDict):
    involvement: list[InvolvementView]
    attribution: list[AttributionView]
    commitments: list[CommitmentView]
    responses: list[ResponseView]


# -- harms and timelines ---------------------------------------------------------------------------


class AccountabilityEventView(TypedDict):
    status: str
    status_label: str
    date: DateData
    source: Ref | None
    note: str


class HarmView(TypedDict):
    id: str
    type: str
    url: str
    title: str
    date: DateData
    status: str
    status_label: str
    harm_types: list[ConceptRef]
    affected_groups: list[ConceptRef]
    responsible: list[AgentRef]
    description_html: str
    text: str
    evidence: list[EvidenceView]  # evidence from a source this viewer may not see is left out
    accountability: list[AccountabilityEventView]
    ledger: HarmLedger


class TimelineEntryView(TypedDict):
    date: DateData
    title: str
    text: str
    ref: Ref | None


class TimelineView(TypedDict):
    id: str
    type: str
    url: str
    title: str
    summary: str
    description_html: str
    text: str
    entries: list[TimelineEntryView]  # an entry about a hidden object is left out whole


# -- listings, agents and concepts ---------------------------------------------------------------


class Place(TypedDict):
    """Where an object is on the map: its coverage place (records) or place (narratives)."""

    name: str
    latitude: float
    longitude: float


class Summary(TypedDict):
    """An object in brief, as collections list it (`Catalog.summaries`), with the facet values
    their filters match on. Agents and concepts are listed without a page URL (`url` is None)
    and carry their kind or scheme instead of facets; only records have a `record_type`."""

    id: str
    type: str
    title: str
    url: str | None
    api_url: str
    date: DateData | None  # None for agents, concepts and timelines
    decade: int | None
    harm_types: NotRequired[list[str]]
    affected_groups: NotRequired[list[str]]
    institutions: NotRequired[list[str]]
    record_type: NotRequired[str]
    place: NotRequired[Place]  # records and narratives with coordinates
    agent_kind: NotRequired[str]
    scheme: NotRequired[str]
    notation: NotRequired[str]


class Brief(TypedDict):
    id: str
    type: str
    title: str
    url: str | None
    api_url: str


class AgentView(TypedDict):
    """An agent as the API shows it, with the records and harms naming it."""

    id: str
    type: str
    api_url: str
    name: str
    kind: str
    description: str
    parent: AgentRef | None
    records: list[Brief]
    harms: list[Brief]


class ConceptView(TypedDict):
    id: str
    type: str
    api_url: str
    label: str
    scheme: str
    notation: str
    definition: str
    alt_labels: list[str]
    broader: ConceptRef | None
    narrower: list[ConceptRef]
    tagged: list[Brief]


class AgentLink(TypedDict):
    id: str
    name: str
    url: str


class AgentPageView(TypedDict):
    """An agent as its page on the static site shows it (`Catalog.agent_page`)."""

    id: str
    type: str
    url: str
    name: str
    title: str
    kind: str
    description: str
    parent: AgentLink | None


class Change(TypedDict):
    """What a harvester may know of an object (`Catalog.changes`): when it last changed for the
    public, or when it left them (`deleted`), and the harm types it is listed under (none
    when deleted)."""

    id: str
    datestamp: datetime
    deleted: bool
    harm_types: list[str]


# What `Catalog.get` answers, by kind.
ObjectView = RecordView | NarrativeView | HarmView | TimelineView | AgentView | ConceptView


# -- an institution's ledger page ----------------------------------------------------------------


class InstitutionHarm(TypedDict):
    """A harm as one body's ledger shows it: only that body's (and its sub-bodies') part in it."""

    id: str
    title: str
    url: str
    date: DateData
    responsible: list[AgentRef]
    evidence: list[EvidenceView]
    involvement: list[InvolvementView]
    attribution: list[AttributionView]
    accountability: list[AccountabilityEventView]
    responses: list[ResponseView]


class Admission(AttributionView):
    """An attribution history with the harm it is about."""

    harm: ObjectLink


class Unadmitted(ObjectLink):
    """A harm the body has no recorded position on."""

    label: str


class Delivery(ProgressView):
    """Progress on one of the body's commitments, with the commitment it delivers on."""

    commitment: ObjectLink


class InstitutionLedgerView(TypedDict):
    """What one body (with the bodies nested under it) did, admitted, promised and delivered."""

    id: str
    type: str
    url: str
    title: str
    name: str
    kind: str
    description: str
    parents: list[LedgerAgent]
    sub_bodies: list[LedgerAgent]
    harms: list[InstitutionHarm]
    admitted: list[Admission]
    unadmitted: list[Unadmitted]
    commitments: list[CommitmentView]
    delivered: list[Delivery]
    status_counts: dict[str, int]
    responses: list[ResponseView]
