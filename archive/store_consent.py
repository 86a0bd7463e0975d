"""Consent decisions made in the staff app, which no content file may override.

A narrative read from a Markdown file carries its consent log in the file's front matter,
and `reckon ingest` replaces the stored log with the file's whenever the file changes. A
withdrawal made in the staff app is appended to the stored log (never an edit) and also
kept here, so that:

- ingest's append-only check (`ingest.pipeline`) compares the file's log with the stored
  log *without* these decisions (the file never knew of them, so it is not "removing" one);
- after every ingest, `reapply()` puts each narrative's staff-made decisions back at the end
  of its log and keeps the narrative's access `withdrawn`: the file's consent fields, changed
  or not, can never re-publish a withdrawn narrative. Each time it has to, it says so in the
  ingest report (a warning naming the file), so the conflict is never silent.

A narrator who later consents again is a new decision a person records deliberately; it is
not something a file edit can do (see docs/staff-guide.md, consent and withdrawal).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Field, Session, SQLModel, select

from archive.access import PUBLISH_TEXT, Viewer, consent_withdrawn
from archive.errors import ContentProblem, NotFound, WorkflowError
from archive.models import ConsentEntry, Narrative, utcnow
from archive.revisions import record_write, snapshot

WITHDRAWN_NOTE = "consent withdrawn at the narrator's request"


class StoreConsentDecision(SQLModel, table=True):
    """A consent decision recorded in the staff app (not in any content file)."""

    id: int | None = Field(default=None, primary_key=True)
    narrative_id: str = Field(index=True)
    date: str
    use: str
    granted: bool
    recorded_by: str
    note: str = ""
    at: datetime = Field(default_factory=utcnow)


def _key(entry: ConsentEntry | StoreConsentDecision) -> tuple:
    return (entry.date, entry.use, entry.granted, entry.recorded_by, entry.note)


def decisions_for(session: Session, narrative_id: str) -> list[StoreConsentDecision]:
    return list(session.exec(select(StoreConsentDecision).where(StoreConsentDecision.narrative_id == narrative_id)
                             .order_by(StoreConsentDecision.id)))


def without_store_decisions(session: Session, narrative_id: str,
                            stored: Sequence[ConsentEntry]) -> list[ConsentEntry]:
    """The stored log as the content file knew it: staff-made decisions left out."""
    made = {_key(d) for d in decisions_for(session, narrative_id)}
    return [c for c in stored if _key(c) not in made]


def is_withdrawn(session: Session, narrative: Narrative) -> bool:
    log = list(session.exec(select(ConsentEntry).where(ConsentEntry.narrative_id == narrative.id)))
    return narrative.access == "withdrawn" or consent_withdrawn(log)


def withdraw_narrative(session: Session, viewer: Viewer, narrative_id: str, today: date) -> Narrative:
    """Withdraw consent for any stored narrative, from a content file or not: one action.

    Appends a refusal to the consent log (and keeps it here, out of any file's reach) and sets
    the narrative's access to withdrawn; the revision and audit line say who and when, and
    nothing of the content. The caller checks the viewer is a curator.
    """
    row = session.get(Narrative, narrative_id)
    if row is None or row.deleted:
        raise NotFound(f"no narrative '{narrative_id}'")
    if is_withdrawn(session, row):
        raise WorkflowError(f"'{narrative_id}' is already withdrawn")
    log = list(session.exec(select(ConsentEntry).where(ConsentEntry.narrative_id == narrative_id)))
    decision = StoreConsentDecision(narrative_id=narrative_id, date=today.isoformat(), use=PUBLISH_TEXT,
                                    granted=False, recorded_by=viewer.username or "?", note=WITHDRAWN_NOTE)
    session.add(decision)
    session.add(ConsentEntry(narrative_id=narrative_id, position=max((c.position for c in log), default=-1) + 1,
                             date=decision.date, use=decision.use, granted=False,
                             recorded_by=decision.recorded_by, note=decision.note))
    before = snapshot(row)
    row.access = "withdrawn"
    record_write(session, row, object_type="narrative", action="withdraw", actor=viewer.username or "?",
                 before=before, detail="consent withdrawn")
    session.flush()
    return row


def reapply(session: Session, actor: str = "ingest") -> list[ContentProblem]:
    """Put staff-made decisions back where an ingest replaced a narrative's consent log.

    Each narrative's staff-made decisions must be the last word for their use: where the log's
    last decision for that use now says otherwise (the file's log replaced it, perhaps with a
    new grant), the staff-made one is appended again; a narrative whose last staff-made
    publication decision is a refusal stays withdrawn. A file whose log itself now ends with a
    refusal agrees, and is left as it is. Returns one warning per narrative whose log it had
    to correct, naming its file.
    """
    warnings: list[ContentProblem] = []
    ids = sorted(set(session.exec(select(StoreConsentDecision.narrative_id))))
    for narrative_id in ids:
        row = session.get(Narrative, narrative_id)
        if row is None:
            continue
        made = decisions_for(session, narrative_id)
        log = sorted(session.exec(select(ConsentEntry).where(ConsentEntry.narrative_id == narrative_id)),
                     key=lambda c: c.position)
        corrected = False
        for use in dict.fromkeys(d.use for d in made):
            last_made = [d for d in made if d.use == use][-1]
            last_logged = [c for c in log if c.use == use]
            if last_logged and last_logged[-1].granted == last_made.granted:
                continue  # the log's last word for this use already agrees (ours, or the file now says so)
            entry = ConsentEntry(narrative_id=narrative_id, position=(log[-1].position + 1) if log else 0,
                                 date=last_made.date, use=use, granted=last_made.granted,
                                 recorded_by=last_made.recorded_by, note=last_made.note)
            session.add(entry)
            log.append(entry)
            corrected = True
        publication = [d.granted for d in made if d.use == PUBLISH_TEXT]
        refused = bool(publication) and publication[-1] is False
        if refused and row.access != "withdrawn":
            before = snapshot(row)
            row.access = "withdrawn"
            record_write(session, row, object_type="narrative", action="withdraw-kept", actor=actor,
                         before=before, detail="a staff-app withdrawal outranks the content file")
            # Not itself a conflict to report: the log (now) ends with the refusal either way.
        if corrected:
            warnings.append(ContentProblem(row.source_path or narrative_id, "consent", (
                "consent was withdrawn in the staff app; the file's consent fields cannot undo that, so "
                "the narrative stays withdrawn (expected the file's consent log to end with that refusal)")))
    session.flush()
    return warnings
