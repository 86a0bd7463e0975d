"""Curators' additions to the harm ledger from the staff app: evidence links, accountability events.

A curator links a record, a narrative or one segment of a narrative to a harm as evidence
(the quotation is checked word for word against the source by `archive.quotations`, the same
check `reckon ingest` makes), or adds a dated accountability event. Each addition:

- names the harm version it started from (the id of the harm's latest revision); a harm
  changed since, by a colleague or by an ingest of its file, refuses the edit (`StaleHarm`);
- writes a revision (with the values added) and an audit line (who, what, which source id;
  never the quotation, which may come from a staff-only narrative);
- is remembered in `LedgerEdit`, because harms come from content files and `reckon ingest`
  replaces a changed harm's evidence and events with the file's.

**Web edits and the next ingest.** The file and the staff app each only ever add: the app
never changes or removes what the file says, and an ingest never silently drops what the app
added. After every ingest `reconcile()` looks for each recorded addition: still there (the file
was unchanged) — nothing to do; the file now holds the same entry — the addition is marked
`in-file` and the file is its record from then on; otherwise the file replaced the harm's
entries without it — it is added again after the file's entries and the ingest reports a
warning naming the file, the addition, who made it and when, until someone copies it into the
file. An edit started before an ingest changed the harm is refused as stale, so neither side
overwrites the other without a person seeing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, Column, func, update
from sqlmodel import Field, Session, SQLModel, select

from archive.access import Role, Viewer
from archive.catalog import Catalog
from archive.dates import parse_date
from archive.errors import ContentProblem, DateError, NotFound, ReckoningError
from archive.ledger import RELIABILITY
from archive.markup import collapse_whitespace
from archive.models import (
    AccountabilityEvent,
    AuditEvent,
    Evidence,
    Harm,
    Narrative,
    Record,
    Revision,
    utcnow,
)
from archive.quotations import quotation_found, source_plain_text
from archive.transcripts import segments_of

STAGES = ("documented", "acknowledged", "apologized", "repair-committed", "repaired")
SOURCE_KINDS = {"record": "A record", "narrative": "A narrative (anywhere in its text)",
                "segment": "One segment of a narrative (by its time)"}
EVIDENCE, EVENT = "evidence", "event"
ACTIVE, IN_FILE = "active", "in-file"


class LedgerEdit(SQLModel, table=True):
    """One evidence link or accountability event a curator added in the staff app."""

    id: int | None = Field(default=None, primary_key=True)
    harm_id: str = Field(index=True)
    kind: str  # evidence | event
    row_id: int | None = None  # the Evidence or AccountabilityEvent row that holds it now
    values: dict = Field(default_factory=dict, sa_column=Column(JSON))
    actor: str
    at: datetime = Field(default_factory=utcnow)
    state: str = ACTIVE  # active | in-file (the content file now says the same)


class LedgerFormError(ReckoningError):
    """Values a curator typed that cannot be saved; `errors` maps each field to what was expected."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class StaleHarm(ReckoningError):
    """The harm changed after the curator opened it; nothing was written."""


class NotCurator(ReckoningError):
    """Only curators (and admins) edit the ledger."""


# -- versions ------------------------------------------------------------------------------

def _latest_revision(session: Session, harm_id: str) -> Revision | None:
    return session.exec(select(Revision).where(Revision.object_type == "harm", Revision.object_id == harm_id)
                        .order_by(Revision.id.desc())).first()


def harm_version(session: Session, harm_id: str) -> int:
    """The harm's version: the id of its latest revision (ingest and the staff app both add one)."""
    latest = _latest_revision(session, harm_id)
    return latest.id if latest is not None else 0


def _claim(session: Session, harm: Harm, version: int) -> None:
    """Take the harm's row for writing, then refuse if anyone wrote it after `version`.

    The UPDATE comes first so two curators saving at once are serialised by the database
    (SQLite's write lock, a row lock elsewhere): the second sees the first's revision.
    """
    session.exec(update(Harm).where(Harm.id == harm.id).values(updated_at=utcnow()))  # type: ignore[call-overload]
    latest = _latest_revision(session, harm.id)
    current = latest.id if latest is not None else 0
    if current != version:
        who = f" by {latest.actor} at {latest.at:%Y-%m-%d %H:%M} UTC" if latest is not None else ""
        raise StaleHarm(f"'{harm.title}' was changed{who} after you opened it (you started from version {version}, "
                        f"it is now version {current}). Nothing was saved; what you typed is still in the form. "
                        "Check the current evidence and events below, then save again.")


def _bookkeeping(session: Session, harm: Harm, action: str, actor: str, changes: dict, detail: str) -> None:
    session.add(Revision(object_type="harm", object_id=harm.id, action=action, actor=actor, changes=changes))
    session.add(AuditEvent(actor=actor, action=action, object_type="harm", object_id=harm.id, detail=detail))


def _harm(session: Session, viewer: Viewer, harm_id: str) -> Harm:
    if not viewer.is_curator:
        raise NotCurator("only curators may edit the harm ledger")
    harm = session.get(Harm, harm_id)
    if harm is None or harm.deleted:
        raise NotFound(f"no harm '{harm_id}'")
    return harm


# -- evidence ------------------------------------------------------------------------------

def _text(raw: dict, name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def segment_texts(session: Session, narrative: Narrative, today: date) -> list[dict]:
    """A narrative's segments as a curator sees them (master text): time, title, text."""
    view = Catalog(session, Viewer(Role.CURATOR, "ledger-edit"), today).narrative(narrative.id)
    return [{"time": s.get("time"), "title": s.get("title", ""), "text": s.get("text", "")}
            for s in view["segments"]]


def check_evidence(session: Session, raw: dict, today: date) -> dict:
    """Clean an evidence link's values; raise LedgerFormError naming each bad field.

    The quotation is looked for in the source exactly as `reckon ingest` looks for it."""

    values = {name: _text(raw, name) for name in ("source_kind", "source_id", "segment", "quote", "locator",
                                                  "note", "reliability")}
    errors = _field_errors(values)
    kind = values["source_kind"]
    find_source = _EVIDENCE_SOURCES.get(kind)
    source = find_source(session, values, today, errors) if find_source is not None else None
    if source is not None and values["quote"] and not quotation_found(values["quote"], source.plain):
        short = values["quote"][:60] + ("…" if len(values["quote"]) > 60 else "")
        errors["quote"] = f"quotation not found word for word in {source.where}: \"{short}\""
    if errors:
        raise LedgerFormError(errors)
    if kind != "segment":
        values["segment"] = ""
    return values


@dataclass(frozen=True)
class _QuotedSource:
    """The plain text a quotation must be found in, and how the error names that source."""

    plain: str
    where: str


def _field_errors(values: dict) -> dict[str, str]:
    """The errors in the fields that need no lookup; found first, so their messages come first."""
    errors: dict[str, str] = {}
    if values["source_kind"] not in SOURCE_KINDS:
        errors["source_kind"] = f"expected one of {', '.join(SOURCE_KINDS)}, got '{values['source_kind']}'"
    if values["reliability"] and values["reliability"] not in RELIABILITY:
        errors["reliability"] = f"expected one of {', '.join(RELIABILITY)} or nothing, got '{values['reliability']}'"
    if not values["quote"]:
        errors["quote"] = "quote the passage that shows the harm, word for word from the source"
    return errors


def _record_source(session: Session, values: dict, today: date, errors: dict[str, str]) -> _QuotedSource | None:
    """A record's text; None, with an error, when the id names no live record."""
    source_id = values["source_id"]
    row = session.get(Record, source_id)
    if row is None or row.deleted:
        errors["source_id"] = f"'{source_id}' is not a known record id (expected an id such as rec-1870-minutes)"
        return None
    return _QuotedSource(source_plain_text(row.body), f"record {source_id}")


def _live_narrative(session: Session, source_id: str, errors: dict[str, str]) -> Narrative | None:
    """The narrative a narrative or segment link names; None, with an error, when there is none."""
    row = session.get(Narrative, source_id)
    if row is None or row.deleted:
        errors["source_id"] = f"'{source_id}' is not a known narrative id (expected an id such as nar-…)"
        return None
    return row


def _narrative_source(session: Session, values: dict, today: date, errors: dict[str, str]) -> _QuotedSource | None:
    """A narrative's whole text, body and transcript: a quotation may come from anywhere in it."""
    source_id = values["source_id"]
    row = _live_narrative(session, source_id, errors)
    if row is None:
        return None
    return _QuotedSource(source_plain_text(row.body, [s.text for s in segments_of(session, row.id)]),
                         f"narrative {source_id}")


def _segment_source(session: Session, values: dict, today: date, errors: dict[str, str]) -> _QuotedSource | None:
    """The text of the narrative's segment(s) at the chosen time, as a curator sees it.

    An empty locator becomes the segment's time, so the link says where in the narrative it points."""
    source_id = values["source_id"]
    row = _live_narrative(session, source_id, errors)
    if row is None:
        return None
    segments = [s for s in segment_texts(session, row, today) if s["time"]]
    chosen = [s for s in segments if s["time"] == values["segment"]]
    if not chosen:
        times = ", ".join(s["time"] for s in segments[:12]) or "none: it has no timed segments"
        errors["segment"] = (f"'{values['segment']}' is not the time of a segment of {source_id} "
                             f"(expected HH:MM:SS, one of {times})")
        return None
    values["locator"] = values["locator"] or f"segment at {values['segment']}"
    return _QuotedSource(collapse_whitespace(" ".join(s["text"] for s in chosen)),
                         f"the segment at {values['segment']} of {source_id}")


# Where each kind of source keeps the text its quotation is checked against. All three take the
# same arguments; only a segment needs `today` (its text is read through a curator's Catalog).
_EVIDENCE_SOURCES = {"record": _record_source, "narrative": _narrative_source, "segment": _segment_source}


def _same_evidence(row: Evidence, values: dict) -> bool:
    source = row.record_id if values["source_kind"] == "record" else row.narrative_id
    return source == values["source_id"] and collapse_whitespace(row.quote) == collapse_whitespace(values["quote"])


def _add_evidence_row(session: Session, harm_id: str, values: dict) -> Evidence:
    position = session.exec(select(func.max(Evidence.position)).where(Evidence.harm_id == harm_id)).one()
    row = Evidence(harm_id=harm_id, position=(position if position is not None else -1) + 1,
                   record_id=values["source_id"] if values["source_kind"] == "record" else None,
                   narrative_id=values["source_id"] if values["source_kind"] != "record" else None,
                   quote=values["quote"], locator=values["locator"], note=values["note"],
                   reliability=values["reliability"])
    session.add(row)
    session.flush()
    return row


def link_evidence(session: Session, viewer: Viewer, harm_id: str, version: int, raw: dict, today: date) -> Evidence:
    """Link a record, narrative or segment to the harm as evidence, from `version` of the harm."""
    harm = _harm(session, viewer, harm_id)
    values = check_evidence(session, raw, today)
    _claim(session, harm, version)
    row = _add_evidence_row(session, harm.id, values)
    session.add(LedgerEdit(harm_id=harm.id, kind=EVIDENCE, row_id=row.id, values=values, actor=viewer.username or "?"))
    _bookkeeping(session, harm, "link-evidence", viewer.username or "?", {"evidence": [None, values]},
                 f"evidence from {values['source_kind']} {values['source_id']}")
    session.flush()
    return row


# -- accountability events -------------------------------------------------------------------

def check_event(session: Session, raw: dict) -> dict:
    values = {name: _text(raw, name) for name in ("status", "date", "source", "note")}
    errors: dict[str, str] = {}
    if values["status"] not in STAGES:
        errors["status"] = f"expected one of {', '.join(STAGES)}, got '{values['status']}'"
    try:
        values["date"] = parse_date(values["date"]).text
    except DateError as exc:
        errors["date"] = str(exc)
    record = session.get(Record, values["source"]) if values["source"] else None
    if record is None or record.deleted:
        errors["source"] = (f"'{values['source']}' is not a known record id (expected the record that shows "
                            "this step, such as rec-2008-apology)") if values["source"] else \
            "name the record that shows this step (its id, such as rec-2008-apology)"
    if errors:
        raise LedgerFormError(errors)
    return values


def furthest_stage(session: Session, harm_id: str) -> str:
    """The furthest stage reached, as ingest derives it: a later acknowledgement does not undo an apology."""
    stages = session.exec(select(AccountabilityEvent.status).where(AccountabilityEvent.harm_id == harm_id)).all()
    reached = sorted((s for s in stages if s in STAGES), key=STAGES.index)
    return reached[-1] if reached else "documented"


def _add_event_row(session: Session, harm_id: str, values: dict) -> AccountabilityEvent:
    when = parse_date(values["date"])
    position = session.exec(select(func.max(AccountabilityEvent.position))
                            .where(AccountabilityEvent.harm_id == harm_id)).one()
    row = AccountabilityEvent(harm_id=harm_id, position=(position if position is not None else -1) + 1,
                              status=values["status"], source_record_id=values["source"], note=values["note"],
                              date=when.text, date_lower=when.lower, date_upper=when.upper)
    session.add(row)
    session.flush()
    return row


def _same_event(row: AccountabilityEvent, values: dict) -> bool:
    return (row.status, row.date, row.source_record_id or "") == (values["status"], values["date"], values["source"])


def add_event(session: Session, viewer: Viewer, harm_id: str, version: int, raw: dict) -> AccountabilityEvent:
    """Add a dated accountability event to the harm, from `version`; the harm's status follows."""
    harm = _harm(session, viewer, harm_id)
    values = check_event(session, raw)
    _claim(session, harm, version)
    row = _add_event_row(session, harm.id, values)
    old_status, harm.status = harm.status, furthest_stage(session, harm.id)
    session.add(harm)
    session.add(LedgerEdit(harm_id=harm.id, kind=EVENT, row_id=row.id, values=values, actor=viewer.username or "?"))
    changes = {"accountability": [None, values]} | ({"status": [old_status, harm.status]}
                                                     if old_status != harm.status else {})
    _bookkeeping(session, harm, "add-event", viewer.username or "?", changes,
                 f"{values['status']} {values['date']}, source {values['source']}")
    session.flush()
    return row


# -- after an ingest -----------------------------------------------------------------------

def edits_of(session: Session, harm_id: str) -> list[LedgerEdit]:
    return list(session.exec(select(LedgerEdit).where(LedgerEdit.harm_id == harm_id).order_by(LedgerEdit.id)))


def reconcile(session: Session) -> list[ContentProblem]:
    """Keep the staff app's additions through an ingest that replaced a harm's entries.

    Returns one warning per addition the harm's file does not hold (see the module's notes)."""
    warnings: list[ContentProblem] = []
    restated: set[str] = set()
    for edit in session.exec(select(LedgerEdit).where(LedgerEdit.state == ACTIVE).order_by(LedgerEdit.id)).all():
        table, same, add = ((Evidence, _same_evidence, _add_evidence_row) if edit.kind == EVIDENCE
                            else (AccountabilityEvent, _same_event, _add_event_row))
        current = session.get(table, edit.row_id) if edit.row_id is not None else None
        if current is not None and current.harm_id == edit.harm_id and same(current, edit.values):
            continue  # untouched: the harm's file did not change
        harm = session.get(Harm, edit.harm_id)
        if harm is None or harm.deleted:
            continue  # the harm itself went away (pruned); the record of the edit stays
        in_file = [r for r in session.exec(select(table).where(table.harm_id == harm.id)).all()
                   if same(r, edit.values)]
        if in_file:
            edit.state, edit.row_id = IN_FILE, in_file[0].id
            session.add(edit)
            continue
        edit.row_id = add(session, harm.id, edit.values).id
        session.add(edit)
        restated.add(harm.id)
        what = (f"evidence from {edit.values['source_kind']} {edit.values['source_id']}" if edit.kind == EVIDENCE
                else f"accountability event '{edit.values['status']}' of {edit.values['date']}")
        warnings.append(ContentProblem(harm.source_path or harm.id, "evidence" if edit.kind == EVIDENCE else
                                       "accountability", (
            f"{what}, added in the staff app by {edit.actor} on {edit.at:%Y-%m-%d}, is not in this file; it is "
            "kept after the file's entries (expected the file to hold it too: copy it in to make the file its record)")))
    for harm_id in sorted(restated):
        harm = session.get(Harm, harm_id)
        status = furthest_stage(session, harm_id)
        if harm.status != status:
            _bookkeeping(session, harm, "restate-edits", "ingest", {"status": [harm.status, status]},
                         "staff-app additions kept beside the file's")
            harm.status = status
            session.add(harm)
    session.flush()
    return warnings
