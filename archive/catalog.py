"""What one viewer may see of the archive on one day, as plain data.

This is where the access rule meets the store: every object handed out here has passed
`access.visibility`, and in the form it allows (a public narrative never carries the
narrator's private name; a reference to something hidden is dropped, not just unlinked).
The site build, the API and the search indexer all read through a Catalog, so a page and
its JSON are the same data rendered twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import cached_property
from typing import TypedDict, cast

from sqlmodel import Session, select

from archive import ledger_views
from archive import models as m
from archive import passage_notes as notes
from archive.access import PUBLIC, Form, Viewer, Visibility, visibility
from archive.authorities import Authorities, read_authorities
from archive.body_segments import split_segments
from archive.dates import coverage_data, date_data
from archive.errors import Gone, NotFound
from archive.ledger import RELIABILITY, ledger_citations
from archive.ledger_views import harm_ledger
from archive.markup import (
    collapse_whitespace,
    is_plain_prose,
    to_html,
    to_html_and_text,
    to_html_and_text_many,
    to_plain_text,
)
from archive.media import Media
from archive.passages import locate
from archive.public_history import left_public
from archive.record_parts import part_title, parts_view
from archive.record_reads import ImageRow, RecordLinks, record_links, record_row
from archive.recordings import link_segments, publications, recording_views
from archive.redactions import REDACTED_FIELDS, Redactor, redactor_for
from archive.tag_suggestions import ACCEPTED, TagSuggestion, accepted_concepts
from archive.transcripts import add_anchors, segment_views, segments_of, source_of
from archive.urls import (
    agent_url,
    api_url,
    iiif_manifest_url,
    iiif_url,
    kind_of,
    narrative_manifest_url,
    page_url,
)
from archive.views import (
    AgentPageView,
    AgentRef,
    AgentView,
    Brief,
    Change,
    ConceptRef,
    ConceptView,
    EvidenceView,
    HarmView,
    Image,
    NarrativeView,
    ObjectView,
    Place,
    RecordView,
    Ref,
    Segment,
    SegmentData,
    Summary,
    TimelineEntryView,
    TimelineView,
    Tombstone,
)

STATUS_LABELS = {
    "documented": "Documented",
    "acknowledged": "Acknowledged",
    "apologized": "Apologized",
    "repair-committed": "Repair committed",
    "repaired": "Repaired",
}


def narrative_segments(session: Session, narrative_id: str, body: str,
                       redact: Callable[[str], str]) -> list[SegmentData]:
    """A narrative's segments as its page shows them: the typed `## [hh:mm:ss]` headings of
    its body, then its stored transcript's cues and index points, each with its anchor."""
    return segments_from(body, segments_of(session, narrative_id), redact)


def segments_from(body: str, transcript: list, redact: Callable[[str], str]) -> list[SegmentData]:
    """The segments made from a body and transcript rows, stored or not yet: ingest checks a
    file's passage notes against exactly what the page will show once it is written."""
    return add_anchors(split_segments(body) + segment_views(transcript, redact))


def narrator_label(narrative: m.Narrative, form: Form) -> str:
    """How the narrator appears: the private name only to staff, else by the name policy."""
    if form is Form.WHOLE and narrative.narrator_name:
        return f"{narrative.narrator_name} (shown publicly as: {narrative.narrator_display})"
    if narrative.name_policy == "anonymous":
        return "Anonymous narrator"
    if narrative.name_policy == "pseudonym":
        return f"{narrative.narrator_display} (pseudonym)"
    return narrative.narrator_display


class _BulkMarkup(TypedDict, total=False):
    markup: dict[str, tuple[str, str]]  # each body's HTML and text, made at once (`bulk_markup`)


class RecordBulk(_BulkMarkup):
    """What `Catalog.record` reads per record, read once for many (`Catalog._record_bulk`).

    Declared with `total=False` on a base, not `NotRequired`: this module's string annotations
    would hide `NotRequired` from Python 3.11's TypedDict."""

    cited_by: dict[str, list[str]]  # record id -> ids of the harms and timelines citing it (`citing_ids`)
    tags: dict[str, list[str]]  # record id -> accepted tag suggestions
    images: dict[str, list[Media]]  # record id -> its images, in order
    refs: dict[str, Ref | None]  # harm id -> its link as this viewer sees it, filled in as met


def citing_ids(session: Session, record_ids: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Record id -> ids of the objects that cite it (sorted): harms quoting it as evidence or
    naming it as the source of an accountability event or of what a body admitted, timelines
    with an entry on it, commitments made in it or whose progress it shows, and rights of reply
    citing it for or against a claim. The record's page links back to each (the ones the viewer
    may see); `record_ids` narrows the answer to those records."""
    queries = [select(m.Evidence.record_id, m.Evidence.harm_id).where(m.Evidence.record_id.is_not(None)),
               select(m.AccountabilityEvent.source_record_id, m.AccountabilityEvent.harm_id)
               .where(m.AccountabilityEvent.source_record_id.is_not(None)),
               select(m.TimelineEntry.ref, m.TimelineEntry.timeline_id).where(m.TimelineEntry.ref.is_not(None))]
    column = (m.Evidence.record_id, m.AccountabilityEvent.source_record_id, m.TimelineEntry.ref)
    cited: dict[str, set[str]] = {}
    for query, record_column in zip(queries, column, strict=True):
        if record_ids is not None:
            query = query.where(record_column.in_(list(record_ids)))
        for record_id, object_id in session.exec(query):
            cited.setdefault(record_id, set()).add(object_id)
    wanted = set(record_ids) if record_ids is not None else None
    for record_id, object_id in ledger_citations(session):
        if wanted is None or record_id in wanted:
            cited.setdefault(record_id, set()).add(object_id)
    return {k: sorted(v) for k, v in cited.items()}


class Catalog:
    """Read access to the store for one viewer on one day."""

    # Set by the site build (one process, no threads): record views made in bulk parse their
    # Markdown on two cores (`archive.markup.to_html_and_text_many` forks).
    bulk_markup = False
    # The audit's vocabulary (audit/leaks.py), the search documents (search.documents) and
    # OAI-PMH's Dublin Core (which takes the text alone): a record body with no Markdown markup
    # at all is given as its text in place of its HTML (the same words, its paragraph tags
    # aside), so 100,000 plain bodies are not rendered only for their words. Never set for a page.
    prose_as_html = False

    def __init__(self, session: Session, viewer: Viewer = PUBLIC, today: date | None = None,
                 authorities: Authorities | None = None, summaries: dict[str, list[Summary]] | None = None,
                 ledger_citing: Mapping[str, Sequence[str]] | None = None):
        """`authorities`: the agents and concepts as this session's store holds them, when the
        caller already read them (a server, once per store generation); else read on first use.
        `summaries`: where `summaries()` keeps each kind's, shared by a server between the
        answers of one store generation, day and viewer (an agent's or a concept's view, and
        each chart, reads every record's).
        `ledger_citing`: the ledger's links to records (`archive.record_reads.ledger_citing`),
        read once per store generation by a server, so a record asked for by id costs one
        statement for what it takes from other tables, not five."""
        self.session = session
        self.ledger_citing = ledger_citing
        self.viewer = viewer
        self.today = today or date.today()
        if authorities is not None:
            self.__dict__["authorities"] = authorities
        if summaries is not None:
            self.__dict__["_summaries"] = summaries

    # -- lookups of small tables --------------------------------------------------------
    @cached_property
    def authorities(self) -> Authorities:
        return read_authorities(self.session)

    @property
    def agents(self) -> dict[str, m.Agent]:
        return self.authorities.agents

    @property
    def concepts(self) -> dict[str, m.Concept]:
        return self.authorities.concepts

    def agent_refs(self, ids: Sequence[str | None]) -> list[AgentRef]:
        refs = self.authorities.agent_refs  # each a copy: a view is its caller's to change
        return [cast(AgentRef, refs[a].copy()) for a in ids if a in refs]

    def concept_refs(self, ids: Sequence[str | None]) -> list[ConceptRef]:
        refs = self.authorities.concept_refs
        return [cast(ConceptRef, refs[c].copy()) for c in ids if c in refs]

    # -- the access rule, applied ---------------------------------------------------------
    def _consent(self, narrative_id: str) -> list[m.ConsentEntry]:
        return list(self.session.exec(
            select(m.ConsentEntry).where(m.ConsentEntry.narrative_id == narrative_id)))

    def visibility_of(self, row) -> Visibility:
        consent = self._consent(row.id) if isinstance(row, m.Narrative) else ()
        return visibility(row, self.viewer, self.today, consent)

    def _row(self, kind: str, object_id: str):
        row = self.session.get(m.OBJECT_TYPES[kind], object_id)
        if row is None:
            raise NotFound(f"no {kind} '{object_id}'")
        return row, self._seen(kind, row)

    def _seen(self, kind: str, row) -> Visibility:
        """The row's visibility to this viewer; Gone or NotFound when it may not be shown."""
        vis = self.visibility_of(row)
        if vis.form is Form.TOMBSTONE:
            raise Gone(vis.reason, self.tombstone(row, vis))
        if not vis.visible:
            raise NotFound(f"no {kind} '{row.id}'")
        return vis

    def ref(self, object_id: str | None) -> Ref | None:
        """A link to another object, or None when this viewer may not see it."""
        kind = kind_of(object_id or "")
        if kind is None:
            return None
        row = self.session.get(m.OBJECT_TYPES[kind], object_id)
        if row is None or not self.visibility_of(row).visible:
            return None
        if kind == "response" and ledger_views.response_or_none(self, row.id) is None:
            return None  # a reply is shown only with what it answers and cites (ledger_views)
        link: Ref = {"id": row.id, "type": kind, "title": self.redactor(row)(row.title), "url": page_url(kind, row.id)}
        return link

    def redactor(self, row) -> Redactor:
        """What this viewer may not read of a narrative: staff see the master text."""
        if not isinstance(row, m.Narrative) or self.visibility_of(row).form is Form.WHOLE:
            return Redactor([])
        return redactor_for(self.session, row)

    def with_accepted_tags(self, kind: str, object_id: str, curated: list[str]) -> list[str]:
        """Curated tags plus the tagger's suggestions a curator accepted (never unreviewed ones)."""
        return _with_accepted(curated, accepted_concepts(self.session, kind, object_id))

    def visible_ids(self, kind: str) -> list[str]:
        table = m.OBJECT_TYPES[kind]
        rows = self.session.exec(select(table).order_by(table.id)).all()
        return [r.id for r in rows if self.visibility_of(r).visible]

    def visible_among(self, kind: str, ids: list[str]) -> set[str]:
        """Which of these ids this viewer may see: judges only those rows, not the whole table."""
        table = m.OBJECT_TYPES[kind]
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            rows = self.session.exec(select(table).where(table.id.in_(ids[start:start + 500]))).all()
            found |= {r.id for r in rows if self.visibility_of(r).visible}
        return found

    def tombstones(self) -> list[Tombstone]:
        """Withdrawn narratives, as the tombstones this viewer sees in their place."""
        rows = self.session.exec(select(m.Narrative).order_by(m.Narrative.id)).all()
        found = []
        for row in rows:
            vis = self.visibility_of(row)
            if vis.form is Form.TOMBSTONE:
                found.append(self.tombstone(row, vis))
        return found

    @staticmethod
    def tombstone(row, vis: Visibility) -> Tombstone:
        # Deliberately nothing of the content: not the title, not the narrator, not the date.
        return {"id": row.id, "type": "narrative", "withdrawn": True, "message": vis.reason,
                "url": page_url("narrative", row.id)}

    # -- views ----------------------------------------------------------------------------
    def get(self, kind: str, object_id: str) -> ObjectView:
        return getattr(self, kind)(object_id)

    def all(self, kind: str) -> list[ObjectView]:
        table = m.OBJECT_TYPES[kind]
        # The rows are held while the views are made, so `get` finds them in the session's
        # (weak) identity map instead of querying once per object: 100,000 queries fewer.
        rows = self.session.exec(select(table).order_by(table.id)).all()
        return self._views(kind, [r for r in rows if self.visibility_of(r).visible])

    def each(self, kind: str, chunk: int = 500) -> Iterator[ObjectView]:
        """The views `all` gives, in the same order, made and handed out `chunk` objects at a
        time, so a caller that uses each view once (the search indexer) never holds 100,000 of
        them, nor their rows, at once."""
        table = m.OBJECT_TYPES[kind]
        ids = list(self.session.exec(select(table.id).order_by(table.id)))
        bulk = self._record_bulk() if kind == "record" and len(ids) >= 50 else None
        for start in range(0, len(ids), chunk):
            rows = self._rows(kind, ids[start:start + chunk], ordered=True)
            yield from self._views(kind, [r for r in rows if self.visibility_of(r).visible], bulk)

    def each_of(self, kind: str, rows: Sequence, chunk: int = 500) -> Iterator[ObjectView]:
        """`each`, over rows of one kind the caller has read already (in id order): the views of
        those this viewer may see, made `chunk` at a time, without reading the rows again."""
        bulk = self._record_bulk() if kind == "record" and len(rows) >= 50 else None
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            yield from self._views(kind, [r for r in part if self.visibility_of(r).visible], bulk)

    def views(self, kind: str, ids: list[str], bulk: RecordBulk | None = None) -> list[ObjectView]:
        """The views of these objects (in this order) that this viewer may see; hidden or
        missing ones are left out. Records are made in bulk: what each record's view takes
        from other tables (cited by, accepted tags, images) is read in one query per table,
        or taken from `bulk` (`record_bulk()` of this viewer and store state, kept by a caller
        making many pages of views, OAI-PMH)."""
        if not ids:  # no query: compiling one costs a fresh process more than its answer
            return []
        wanted = set(ids)
        found = self._rows(kind, wanted if len(wanted) < 500 else None)
        rows = {r.id: r for r in found if r.id in wanted}
        del found
        return self._views(kind, [rows[i] for i in ids if i in rows and self.visibility_of(rows[i]).visible], bulk)

    def _views(self, kind: str, rows: list, bulk: RecordBulk | None = None) -> list[ObjectView]:
        if kind != "record" or (len(rows) < 50 and bulk is None):
            return [self.get(kind, r.id) for r in rows]
        self.__dict__["_record_bulk"] = bulk if bulk is not None else self._record_bulk()
        if self.bulk_markup:  # the site build: every body's Markdown at once, on two cores
            self.__dict__["_record_bulk"]["markup"] = dict(zip([r.id for r in rows], to_html_and_text_many([r.body for r in rows])))
        try:  # the rows are at hand: no lookup by id, the access rule applied to each as in `get`
            return [self._record(r) for r in rows if self._seen(kind, r).visible]
        finally:
            del self.__dict__["_record_bulk"]

    def record_bulk(self) -> RecordBulk:
        """What record views take from other tables, read once for every record (`views`)."""
        return self._record_bulk()

    def _record_bulk(self) -> RecordBulk:
        """What `record()` would otherwise query once per record, read once for all of them."""
        tags: dict[str, set[str]] = {}
        for object_id, concept_id in self.session.exec(
                select(TagSuggestion.object_id, TagSuggestion.concept_id).where(
                    TagSuggestion.object_type == "record", TagSuggestion.status == ACCEPTED)):
            tags.setdefault(object_id, set()).add(concept_id)
        images: dict[str, list[Media]] = {}
        for row in self.session.exec(select(Media).order_by(Media.record_id, Media.position)):
            images.setdefault(row.record_id, []).append(row)
        return {"cited_by": citing_ids(self.session),
                "tags": {k: sorted(v) for k, v in tags.items()}, "images": images, "refs": {}}

    def record(self, object_id: str) -> RecordView:
        # Read without the ORM (archive/record_reads.py): two statements, no objects made. The
        # session's pending changes are written first, as an ORM query would (autoflush).
        if self.session.autoflush:
            self.session.flush()
        row = record_row(self.session, object_id)
        if row is None:
            raise NotFound(f"no record '{object_id}'")
        self._seen("record", row)
        return self._record(row, record_links(self.session, row.id, self.ledger_citing))

    def _record(self, row: m.Record, links: RecordLinks | None = None) -> RecordView:
        """The view of a record row the access rule let through; what it takes from other tables
        comes from `links` (one record) or the bulk read of `_views` (many)."""
        bulk = self.__dict__.get("_record_bulk")
        if bulk is None:
            links = links or record_links(self.session, row.id, self.ledger_citing)
            refs = [self.ref(h) for h in links.cited_by]
            accepted, image_rows = links.tags, links.images
        else:
            known = bulk["refs"]
            refs = [known[h] if h in known else known.setdefault(h, self.ref(h))
                    for h in bulk["cited_by"].get(row.id, [])]
            accepted, image_rows = bulk["tags"].get(row.id, []), bulk["images"].get(row.id, [])
        made = bulk.get("markup") if bulk is not None else None
        if made and row.id in made:
            body_html, body_text = made.pop(row.id)
        elif self.prose_as_html and (plain := self._plain_body(row)) is not None:
            body_html = body_text = plain
        else:
            body_html, body_text = to_html_and_text(row.body)
        images, image_parts = self.images_and_parts(image_rows, row.parts)
        text = body_text + "\n\n" + row.attachment_text if row.attachment_text else body_text
        return {
            "id": row.id, "type": "record", "url": page_url("record", row.id), "title": row.title,
            "date": date_data(row), "record_type": row.type,
            "creators": self.agent_refs(row.creators),
            "subjects": self.concept_refs(_with_accepted(row.subjects, accepted)),
            "language": row.language, "source": row.source, "source_url": row.source_url,
            "rights": row.rights, "body_html": body_html, "text": text,
            "cited_by": [r for r in refs if r],
            "date_as_written": row.date_as_written, "keywords": row.keywords,
            "coverage": row.coverage, "latitude": row.latitude, "longitude": row.longitude,
            "format": row.format, "images": images,
            "iiif_manifest": iiif_manifest_url(row.id) if images else None,
            "parts": parts_view(row.parts or [], images, image_parts),
        }

    def _plain_body(self, row) -> str | None:
        """A record body's text with white space collapsed when it has no Markdown markup at
        all (`prose_as_html`), else None."""
        body = row.body or ""
        return collapse_whitespace(body) if is_plain_prose(body) else None

    @staticmethod
    def images_and_parts(rows: Sequence[Media | ImageRow], parts: list[dict]) -> tuple[list[Image], dict[str, int | None]]:
        """The record's images (in order), each labelled by the part it shows ("Image 3" if
        none), and which part each shows (image id → part number or None)."""
        images: list[Image] = [
            {"id": r.id, "width": r.width, "height": r.height, "sha256": r.sha256,
             "thumbnail": iiif_url(r.id, "thumbnail.jpg"), "web": iiif_url(r.id, "web.jpg"),
             "info": iiif_url(r.id, "info.json"), "alt": r.alt,
             "label": part_title(parts[r.part - 1], r.part) if r.part and r.part <= len(parts) else f"Image {n}"}
            for n, r in enumerate(rows, 1)]
        return images, {r.id: r.part for r in rows}

    def narrative(self, object_id: str) -> NarrativeView:
        row, vis = self._row("narrative", object_id)
        # The public form reads the master text through its approved redactions, field by field,
        # before anything is rendered, so pages, JSON, the index and snippets all agree.
        red = self.redactor(row)
        body = red(row.body)
        segments = narrative_segments(self.session, row.id, body, red)
        passage_notes = notes.apply_passage_notes(segments, notes.notes_of(self.session, row.id), red)
        marked = cast(list[Segment], segments)  # apply_passage_notes gave each its content_note
        shown = {name: red(getattr(row, name)) for name in REDACTED_FIELDS}  # each text field, redacted
        # A redacted place keeps its coordinates to itself: they would say what the redaction hides.
        located = place_of(shown["place"], row.latitude, row.longitude) if shown["place"] == row.place else None
        # What the public may hear (the access rule and the silence plan), whoever is viewing.
        found = publications(self.session, row, self._consent(row.id), self.today)
        recordings = recording_views(row.id, found, whole=vis.form is Form.WHOLE, redact=red)
        link_segments(segments, recordings)
        locate(segments, recordings, folded=bool(shown["content_note"]))
        data: NarrativeView = {
            "id": row.id, "type": "narrative", "url": page_url("narrative", row.id), "title": shown["title"],
            "fictional": row.fictional, "narrator": narrator_label(row, vis.form),
            "name_policy": row.name_policy, "interviewer": shown["interviewer"], "date": date_data(row),
            "coverage_date": coverage_data(row),
            "place": shown["place"], "latitude": located["latitude"] if located else None,
            "longitude": located["longitude"] if located else None,
            "language": row.language, "summary": shown["summary"],
            "content_note": shown["content_note"], "passage_notes": passage_notes,
            "harm_types": self.concept_refs(self.with_accepted_tags("narrative", row.id, row.harm_types)),
            "licence": row.release_licence, "segments": marked, "recordings": recordings,
            "iiif_manifest": narrative_manifest_url(row.id)
            if any(r["url"] and not r["remote"] for r in recordings) else None,
            "text": " ".join(" ".join([s["title"], s["text"], *s.get("keywords", [])]) for s in marked).strip(),
            "credit": f"Interview by {shown['interviewer'] or 'an archive interviewer'}; "
                      f"published with the narrator's consent"
                      + (f" under {row.release_licence}" if row.release_licence else "") + ".",
        }
        if vis.form is Form.WHOLE:
            data["access"] = row.access
            data["embargo_until"] = row.embargo_until
            data["consent"] = [{"date": c.date, "use": c.use, "granted": c.granted,
                                "recorded_by": c.recorded_by, "note": c.note}
                               for c in sorted(self._consent(row.id), key=lambda c: c.position)]
            source = source_of(self.session, row.id)
            if source is not None:
                data["transcript_source"] = {"path": source.path, "format": source.format, "meta": source.meta}
        return data

    def harm(self, object_id: str) -> HarmView:
        row, _ = self._row("harm", object_id)
        links = self.session.exec(select(m.HarmConcept.concept_id).where(m.HarmConcept.harm_id == row.id)).all()
        agents = self.session.exec(select(m.HarmAgent.agent_id).where(m.HarmAgent.harm_id == row.id)).all()
        evidence = self.session.exec(
            select(m.Evidence).where(m.Evidence.harm_id == row.id).order_by(m.Evidence.position)).all()
        events = self.session.exec(
            select(m.AccountabilityEvent).where(m.AccountabilityEvent.harm_id == row.id)
            .order_by(m.AccountabilityEvent.date_lower, m.AccountabilityEvent.position)).all()
        concepts = self.concept_refs(sorted(links))
        visible_evidence: list[EvidenceView] = []
        for ev in evidence:
            source = self.ref(ev.record_id or ev.narrative_id)
            if source is not None:  # evidence from a source this viewer may not see is left out
                quote = ev.quote
                if ev.narrative_id:  # a narrative's redactions hold in quotations from it too
                    quote = self.redactor(self.session.get(m.Narrative, ev.narrative_id))(quote)
                visible_evidence.append({"source": source, "quote": quote, "locator": ev.locator, "note": ev.note,
                                         "reliability": ev.reliability or None,
                                         "reliability_label": RELIABILITY.get(ev.reliability, "")})
        return {
            "id": row.id, "type": "harm", "url": page_url("harm", row.id), "title": row.title,
            "date": date_data(row), "status": row.status, "status_label": STATUS_LABELS[row.status],
            "harm_types": [c for c in concepts if c["scheme"] == "harm-type"],
            "affected_groups": [c for c in concepts if c["scheme"] == "affected-group"],
            "responsible": self.agent_refs(sorted(agents)),
            "description_html": to_html(row.description), "text": to_plain_text(row.description),
            "evidence": visible_evidence,
            "accountability": [{"status": e.status, "status_label": STATUS_LABELS[e.status],
                                "date": date_data(e), "source": self.ref(e.source_record_id), "note": e.note}
                               for e in events],
            "ledger": harm_ledger(self, row.id),
        }

    def timeline(self, object_id: str) -> TimelineView:
        row, _ = self._row("timeline", object_id)
        entries = self.session.exec(
            select(m.TimelineEntry).where(m.TimelineEntry.timeline_id == row.id)
            .order_by(m.TimelineEntry.date_lower, m.TimelineEntry.position)).all()
        shown: list[TimelineEntryView] = []
        for e in entries:
            target = self.ref(e.ref) if e.ref else None
            if e.ref and target is None:
                continue  # an entry about something hidden would describe it: leave it out whole
            shown.append({"date": date_data(e), "title": e.title, "text": e.text, "ref": target})
        return {
            "id": row.id, "type": "timeline", "url": page_url("timeline", row.id), "title": row.title,
            "summary": row.summary, "description_html": to_html(row.description),
            "text": to_plain_text(row.description) + " " + " ".join(f"{e['title']} {e['text']}" for e in shown),
            "entries": shown,
        }

    # -- listings and harvesting (the API's collections, OAI-PMH) ---------------------------
    def summaries(self, kind: str) -> list[Summary]:
        """Every object of one kind this viewer may see, in brief, sorted by (date, id).

        Each summary carries the facet values list filters match on (`harm_types`,
        `affected_groups`, `institutions`, `decade`), read in a few bulk queries so a
        collection of 100,000 records is not 100,000 view builds.
        """
        memo = self.__dict__.setdefault("_summaries", {})
        if kind not in memo:
            memo[kind] = sorted(self._summarise(kind), key=summary_key)
        return memo[kind]

    def listing(self, kind: str, facets: str | tuple[str, ...], value: str) -> list[Summary]:
        """The summaries of a kind (in `summaries` order) holding `value` in any of the facets
        (`institutions`; `harm_types` and `affected_groups`): an agent's or a concept's view.
        Each (kind, facets) is indexed by value once, beside the summaries it is made from
        (shared by a server's answers of one store generation): each of 37 concepts' answers
        went through 100,000 record summaries."""
        memo = self.__dict__.setdefault("_summaries", {})
        key = f"{kind} by {facets}"  # no kind is spelled so: beside the kinds' lists, never one
        index = memo.get(key)
        if index is None:
            found: dict[str, list[Summary]] = {}
            for summary in self.summaries(kind):
                values = summary[facets] if isinstance(facets, str) else [v for f in facets for v in summary[f]]
                for v in dict.fromkeys(values):
                    found.setdefault(v, []).append(summary)
            index = memo[key] = cast(list[Summary], found)  # the memo holds lists by kind, and these
        return cast(dict[str, list[Summary]], index).get(value, [])

    def _rows(self, kind: str, ids: Collection[str] | None = None, ordered: bool = False) -> Sequence:
        """The rows of a kind with these ids (every row: None), in id order when `ordered`.
        Records are read through Core, as `record` reads one (archive/record_reads.py): their
        fields, no ORM objects, half the cost of reading them (at 100,000 records the views,
        OAI-PMH's headers and the summaries spent most of their time making them; the access
        rule reads a record's fields, never its class), with the session's pending changes
        written first, as an ORM query would (autoflush). Other kinds are read as objects."""
        table = m.OBJECT_TYPES[kind]
        if kind == "record":
            if self.session.autoflush:
                self.session.flush()
            columns = table.__table__
            query, key = select(columns), columns.c.id
        else:
            query, key = select(table), table.id
        if ids is not None:
            query = query.where(key.in_(ids))
        if ordered:
            query = query.order_by(key)
        if kind == "record":
            return self.session.connection().execute(query).all()
        return self.session.exec(query).all()

    def _summarise(self, kind: str) -> Iterator[Summary]:
        """The objects of one kind this viewer may see, in brief, in id order (`summaries` sorts).

        Agents and concepts are authorities, listed without a page, a date or facets; the other
        kinds share one shape (`_summary`)."""
        rows = self._summary_rows(kind)
        if kind in ("agent", "concept"):
            return self._authority_summaries(kind, rows)
        return self._faceted_summaries(kind, rows)

    # What a record's summary (`_summary`, `_facet_ids`) and the access rule read of its row.
    RECORD_SUMMARY_COLUMNS = ("id", "title", "type", "date", "date_lower", "date_upper", "coverage",
                              "latitude", "longitude", "subjects", "creators", "deleted", "access", "embargo_until")

    def _summary_rows(self, kind: str) -> Sequence:
        """The rows `_summarise` reads, in id order: of records only `RECORD_SUMMARY_COLUMNS`, not
        the bodies, attachments, keywords and parts (at 100,000 records reading and decoding
        those was two fifths of the summaries, which an API list and the leak audit make);
        every other kind whole. tests/test_catalog_summaries.py holds them to the whole rows'."""
        if kind != "record":
            return self._rows(kind, ordered=True)
        if self.session.autoflush:
            self.session.flush()
        c = m.Record.__table__.c
        query = select(*(c[name] for name in self.RECORD_SUMMARY_COLUMNS)).order_by(c.id)
        return self.session.connection().execute(query).all()

    def _authority_summaries(self, kind: str, rows: Sequence) -> Iterator[Summary]:
        """Agents and concepts in brief: their kind, or their scheme and notation, instead of facets."""
        for row in rows:
            # An authority has no consent entries: only narratives do.
            if not visibility(row, self.viewer, self.today, ()).visible:
                continue
            if kind == "agent":
                yield {"id": row.id, "type": kind, "title": row.name, "url": None,
                       "api_url": api_url(kind, row.id), "date": None, "decade": None, "agent_kind": row.kind}
            else:
                yield {"id": row.id, "type": kind, "title": row.label, "url": None,
                       "api_url": api_url(kind, row.id), "date": None, "decade": None,
                       "scheme": row.scheme, "notation": row.notation}

    def _faceted_summaries(self, kind: str, rows: Sequence) -> Iterator[Summary]:
        """Every other kind in brief, each object with the concept and agent ids its facets come from.

        Consent entries and each harm's concepts and agents are read here in bulk, once, so the
        loop over (up to 100,000) rows makes no query of its own."""
        consent = self._consent_by_narrative() if kind == "narrative" else {}
        links = self._harm_links() if kind == "harm" else ({}, {})
        for row in rows:
            if not visibility(row, self.viewer, self.today, consent.get(row.id, ())).visible:
                continue
            yield self._summary(kind, row, *_facet_ids(kind, row, links))

    @cached_property
    def _harm_type_ids(self) -> frozenset[str]:
        """The harm types' ids (concepts, deleted ones left out, are keyed by id): read for
        each of 100,000 objects by `_harm_types`, where each concept's scheme was looked up."""
        return frozenset(c.id for c in self.concepts.values() if c.scheme == "harm-type")

    def _harm_types(self, concept_ids: list[str]) -> list[str]:
        """The harm types among these concept ids, as a summary lists them (`_summary`)."""
        harm_types = self._harm_type_ids
        return [c for c in sorted(concept_ids) if c in harm_types]

    def _summary(self, kind: str, row, concept_ids: list[str], institutions: list[str]) -> Summary:
        """One object that is not an authority in brief, its facets read from these ids."""
        concepts = [self.concepts[c] for c in sorted(concept_ids) if c in self.concepts]
        dated = kind != "timeline"
        # A narrative's title can hold a redacted span: summaries apply the same redactor as views.
        title = self.redactor(row)(row.title) if kind == "narrative" else row.title
        summary: Summary = {
            "id": row.id, "type": kind, "title": title, "url": page_url(kind, row.id),
            "api_url": api_url(kind, row.id), "date": date_data(row) if dated else None,
            # A narrative is grouped by the period it is about where given (archive.dates.subject_date).
            "decade": decade_of(row.coverage_lower if kind == "narrative" and row.coverage_date else row.date_lower)
            if dated else None,
            "harm_types": self._harm_types(concept_ids),
            "affected_groups": [c.id for c in concepts if c.scheme == "affected-group"],
            "institutions": sorted(a for a in institutions if a in self.agents),
        }
        if kind == "record":
            summary["record_type"] = row.type
            located = place_of(row.coverage, row.latitude, row.longitude)
        elif kind == "narrative":
            name = self.redactor(row)(row.place)  # a redacted place is not placed (as `narrative` says)
            located = place_of(name, row.latitude, row.longitude) if name == row.place else None
        else:
            located = None
        if located is not None:
            summary["place"] = located
        return summary

    def _harm_links(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Each harm's concept ids and agent ids, read in two queries for all harms at once."""
        concepts_of: dict[str, list[str]] = {}
        agents_of: dict[str, list[str]] = {}
        for link in self.session.exec(select(m.HarmConcept)):
            concepts_of.setdefault(link.harm_id, []).append(link.concept_id)
        for link in self.session.exec(select(m.HarmAgent)):
            agents_of.setdefault(link.harm_id, []).append(link.agent_id)
        return concepts_of, agents_of

    def _consent_by_narrative(self) -> dict[str, list[m.ConsentEntry]]:
        found: dict[str, list[m.ConsentEntry]] = {}
        for entry in self.session.exec(select(m.ConsentEntry)):
            found.setdefault(entry.narrative_id, []).append(entry)
        return found

    def agent(self, object_id: str) -> AgentView:
        row, _ = self._row("agent", object_id)
        return {
            "id": row.id, "type": "agent", "api_url": api_url("agent", row.id), "name": row.name,
            "kind": row.kind, "description": row.description,
            "parent": self.agent_refs([row.parent_id])[0] if row.parent_id in self.agents else None,
            "records": [brief(s) for s in self.listing("record", "institutions", row.id)],
            "harms": [brief(s) for s in self.listing("harm", "institutions", row.id)],
        }

    def concept(self, object_id: str) -> ConceptView:
        row, _ = self._row("concept", object_id)
        tagged = [brief(s) for kind in ("record", "narrative", "harm")
                  for s in self.listing(kind, ("harm_types", "affected_groups"), row.id)]
        return {
            "id": row.id, "type": "concept", "api_url": api_url("concept", row.id), "label": row.label,
            "scheme": row.scheme, "notation": row.notation, "definition": row.definition,
            "alt_labels": list(row.alt_labels or []),
            "broader": self.concept_refs([row.broader_id])[0] if row.broader_id in self.concepts else None,
            "narrower": self.concept_refs(sorted(c.id for c in self.concepts.values() if c.broader_id == row.id)),
            "tagged": tagged,
        }

    def changes(self, kind: str) -> list[Change]:
        """What a harvester may know of each object of one kind: `{id, datestamp, deleted,
        harm_types}` (the visible ones' harm types as their summaries list them, OAI-PMH's sets:
        read here, in the same pass, rather than by making every summary of the kind).

        Visible objects are listed with the moment they last became what the public sees:
        their last write, or the day their embargo ended if that is later, so incremental
        harvesting picks up an embargo that lifted without anyone editing the file. Withdrawn
        narratives, and objects the public once saw and no longer may (restricted, embargoed
        again, deleted), are listed as deleted with the moment they left (nothing but the id
        and the time). Objects the public never saw are not listed at all.
        """
        consent = self._consent_by_narrative() if kind == "narrative" else {}
        links = self._harm_links() if kind == "harm" else ({}, {})
        found: list[Change] = []
        hidden = []
        for row in self._change_rows(kind):
            entries = consent.get(row.id, ())
            vis = visibility(row, self.viewer, self.today, entries)
            stamp = row.updated_at.replace(tzinfo=None)
            if vis.visible:
                embargo = getattr(row, "embargo_until", None)
                if getattr(row, "access", "") == "embargoed" and embargo:
                    stamp = max(stamp, datetime.fromisoformat(embargo))
                # A record's concepts are its subjects (`_facet_ids`), its creators not read.
                harm_types = self._harm_types(row.subjects or [] if kind == "record" else _facet_ids(kind, row, links)[0])
                found.append({"id": row.id, "datestamp": stamp, "deleted": False, "harm_types": harm_types})
            elif vis.form is Form.TOMBSTONE:
                found.append({"id": row.id, "datestamp": stamp, "deleted": True, "harm_types": []})
            else:
                hidden.append(row)
        # Objects hidden now that the public once saw (made restricted, staff or embargoed,
        # pruned) stay listed as deleted from the moment they left (archive/public_history.py).
        left = left_public(self.session, kind, [r.id for r in hidden], consent)
        for row in hidden:
            if row.id in left:
                found.append({"id": row.id, "datestamp": left[row.id], "deleted": True, "harm_types": []})
            elif row.deleted and self._was_visible(kind, self._rows(kind, [row.id])[0], consent.get(row.id, ())):
                found.append({"id": row.id, "datestamp": row.updated_at.replace(tzinfo=None), "deleted": True,
                              "harm_types": []})
        return sorted(found, key=lambda change: change["id"])

    def _change_rows(self, kind: str) -> Sequence:
        """The rows `changes` reads, in id order: of records only the columns it (and the
        access rule) reads, not the bodies and every JSON column (at 100,000 records the whole
        rows were most of OAI-PMH's headers, bench/results/39), nor the creators, which no
        harvester's set is made of; every other kind whole."""
        if kind != "record":
            return self._rows(kind, ordered=True)
        if self.session.autoflush:
            self.session.flush()
        c = m.Record.__table__.c
        query = select(c.id, c.deleted, c.access, c.embargo_until, c.updated_at, c.subjects).order_by(c.id)
        return self.session.connection().execute(query).all()

    def _was_visible(self, kind: str, row, consent) -> bool:
        """Would this soft-deleted object be visible (or a tombstone) had it not been deleted?"""
        fields = row.model_dump() if isinstance(row, m.OBJECT_TYPES[kind]) else dict(row._mapping)
        alive = m.OBJECT_TYPES[kind].model_validate({**fields, "deleted": False})
        return visibility(alive, self.viewer, self.today, consent).form is not Form.HIDDEN


    # -- small helpers for the static site (additive) -------------------------------------
    def added_on(self, kind: str) -> dict[str, str]:
        """When each object was first ingested (UTC, ISO 8601): orders "recently added" and the feed.

        Only ids are keys, so the answer says nothing about a hidden object unless the caller
        already holds its id from a visible view.
        """
        table = m.OBJECT_TYPES[kind]
        return {i: (c.replace(tzinfo=None).isoformat(timespec="seconds") + "Z")
                for i, c in self.session.exec(select(table.id, table.created_at))}

    def agent_page(self, object_id: str) -> AgentPageView:
        """An agent (institution or person) as its public page on the site shows it."""
        agent = self.agents.get(object_id)
        if agent is None:
            raise NotFound(f"no agent '{object_id}'")
        parent = self.agents.get(agent.parent_id or "")
        return {"id": agent.id, "type": "agent", "url": agent_url(agent.id), "name": agent.name,
                "title": agent.name, "kind": agent.kind, "description": agent.description,
                "parent": {"id": parent.id, "name": parent.name, "url": agent_url(parent.id)} if parent else None}


def _with_accepted(curated: list[str], accepted: list[str]) -> list[str]:
    """Curated tags plus the accepted suggestions not among them, in that order."""
    return curated + [c for c in accepted if c not in curated]


def decade_of(date_lower: int) -> int | None:
    """The decade facet: from the date's lower bound; None for an undated or open start."""
    return None if date_lower <= 0 else date_lower // 10000 // 10 * 10


def place_of(name: str, latitude: float | None, longitude: float | None) -> Place | None:
    """An object's place on the map (its coverage or place, with coordinates), or None without them."""
    if latitude is None or longitude is None:
        return None
    return {"name": name, "latitude": latitude, "longitude": longitude}


def summary_key(summary: Summary) -> tuple[int, str]:
    """The stable order of every collection: earliest date first, undated first, then id."""
    dated = summary["date"]
    return (dated["lower"] if dated else 0, summary["id"])


def brief(summary: Summary) -> Brief:
    return {"id": summary["id"], "type": summary["type"], "title": summary["title"], "url": summary["url"],
            "api_url": summary["api_url"]}


def _facet_ids(kind: str, row, links: tuple[dict[str, list[str]], dict[str, list[str]]]) -> tuple[list[str], list[str]]:
    """The concept ids and the agent ids an object's facets come from (`links`: each harm's,
    `Catalog._harm_links`, for harms)."""
    if kind == "record":
        return row.subjects or [], row.creators or []
    if kind == "narrative":
        return row.harm_types or [], []
    if kind == "harm":
        return links[0].get(row.id, []), links[1].get(row.id, [])
    return [], []
