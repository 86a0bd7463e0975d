"""Review and publishing of staff submissions: who may do what, in which state.

States: draft → submitted → in review → published, or returned (with a comment, back to
its contributor) or rejected; withdrawn at any time. Every write goes through
`revisions.record_write` (who, when, previous values), and every edit names the version it
started from: a stale edit is refused with `StaleEdit`, never silently overwriting a
colleague's work.
"""

from __future__ import annotations

import difflib
import re
import secrets
from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, update
from sqlmodel import Session, select

from archive.access import PUBLISH_MEDIA, PUBLISH_TEXT, Viewer, consent_decision
from archive.catalog import narrative_segments
from archive.dates import parse_date
from archive.errors import Forbidden, NotFound, StaleEdit, WorkflowError
from archive.models import AuditEvent, ConsentEntry, Narrative, Revision
from archive.passage_notes import PassageNote, parse_note_lines, uncovered
from archive.recordings import Recording
from archive.redaction_detection import Listed, detect, refresh_narrative
from archive.redactions import STAFF_FORM, Redactor, narrator_spans, redactor_for, token
from archive.revisions import record_write, snapshot
from archive.submissions import FIELDS, STATE_LABELS, Submission, publish_problems, readable
from archive.transcripts import TranscriptSegment, TranscriptSource, replace_segments

EDITABLE_BY_OWNER = ("draft", "returned")
CLOSED = ("rejected", "withdrawn")
# action → (states it may start from, state it leads to, curators only?)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "submit": (("draft", "returned"), "submitted", False),
    "start_review": (("submitted",), "in_review", True),
    "return": (("submitted", "in_review"), "returned", True),
    "reject": (("submitted", "in_review"), "rejected", True),
    "publish": (("submitted", "in_review"), "published", True),
}


def source_path(owner: str) -> str:
    """Where a staff narrative came from; ingest leaves rows with this prefix alone."""
    return f"staff:{owner}"


def can_view(viewer: Viewer, sub: Submission) -> bool:
    return viewer.is_curator or sub.owner == viewer.username


def can_edit(viewer: Viewer, sub: Submission) -> bool:
    if sub.state in CLOSED:
        return False
    if viewer.is_curator:
        return True
    return sub.owner == viewer.username and sub.state in EDITABLE_BY_OWNER


def get(session: Session, viewer: Viewer, sub_id: str) -> Submission:
    """The submission if this viewer may see it. Another contributor's draft is answered exactly
    as an unknown id is, so no contributor can learn which (perhaps hidden) narratives exist."""
    sub = session.get(Submission, sub_id)
    if sub is None or not can_view(viewer, sub):
        raise NotFound(f"no submission '{sub_id}'")
    return sub


def visible_to(session: Session, viewer: Viewer) -> list[Submission]:
    query = select(Submission).order_by(Submission.updated_at.desc(), Submission.id)
    if not viewer.is_curator:
        query = query.where(Submission.owner == viewer.username)
    return list(session.exec(query))


def _slug(title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return words[:48].rstrip("-") or "untitled"


def public_title(values: dict) -> str:
    """The title as the public would read it: the names the form lists, the narrator's private
    name (unless shown in full) and detected personal details withheld, as the Catalog will."""
    title = values.get("title", "")
    narrator = narrator_spans(Narrative(id="", title=title, narrator_name=values.get("narrator_name", ""),
                                        narrator_display=values.get("narrator_display", ""),
                                        name_policy="pseudonym" if values.get("anonymize") else "full"))
    listed = [Listed(n) for n in str(values.get("redact_names", "")).splitlines() if n.strip()]
    found = detect({"title": title}, listed, narrator, None, STAFF_FORM)
    return Redactor([(p.text, p.replacement or token(p.category)) for p in found] + narrator)(title)


def new_id(session: Session, values: dict) -> str:
    """A stable, readable id made from public text only: `nar-<redacted title>-<4 random letters>`.

    Never from the title as typed: an id becomes a permanent URL, a sitemap and feed entry, an
    OAI identifier and a CSV row, so a private name in it would be public however the shown title
    is redacted. The random ending is always there, so an id tells a contributor nothing about
    which other (perhaps hidden) narratives exist, as a `-2` after a taken id would.
    """
    base = f"nar-{_slug(public_title(values))}"
    while True:
        candidate = f"{base}-{secrets.token_hex(2)}"
        if not (session.get(Submission, candidate) or session.get(Narrative, candidate)):
            return candidate


def _id_spells_withheld_text(session: Session, row: Narrative) -> bool:
    """Whether the narrative's id, read as words, holds anything its public form withholds."""
    words = row.id.replace("-", " ")
    return redactor_for(session, row)(words) != words


def create(session: Session, viewer: Viewer, values: dict, upload_path: str = "",
           sub_id: str | None = None, recording_path: str = "") -> Submission:
    """A new draft owned by `viewer`, from values already checked by `submissions.validate`."""
    if not viewer.is_staff:
        raise Forbidden("only staff may submit narratives")
    sub = Submission(id=sub_id or new_id(session, values), owner=viewer.username, **values)
    sub.upload_path = upload_path
    sub.recording_path = recording_path
    record_write(session, sub, object_type="submission", action="create", actor=viewer.username, before=None)
    session.flush()
    return sub


def _claim_version(session: Session, sub: Submission, expected: int) -> None:
    """Move the version on by one only if it is still `expected` (one conditional UPDATE)."""
    result = session.exec(update(Submission).where(Submission.id == sub.id, Submission.version == expected)
                          .values(version=expected + 1))
    if result.rowcount != 1:
        session.refresh(sub)
        last = session.exec(select(Revision).where(Revision.object_type == "submission",
                                                   Revision.object_id == sub.id)
                            .order_by(Revision.id.desc())).first()
        who = f" by {last.actor} at {last.at:%Y-%m-%d %H:%M} UTC" if last else ""
        raise StaleEdit(f"'{sub.title}' was changed{who} after you opened it (you started from version "
                        f"{expected}, it is now version {sub.version}). Your changes were NOT saved; "
                        f"they are still in the form. Open the current version, compare, and apply them again.")
    sub.version = expected + 1


def save(session: Session, viewer: Viewer, sub_id: str, version: int, values: dict,
         upload_path: str | None = None,
         segments: Sequence[TranscriptSegment | TranscriptSource] | None = None,
         recording_path: str | None = None, recordings: Sequence[Recording] | None = None) -> Submission:
    """Write an edit made from `version`; refuses stale edits and edits the viewer may not make.

    `segments`: the rows of a newly uploaded transcript (see `act`); None keeps the stored ones.
    `recording_path` and `recordings`: a newly uploaded recording and its row, likewise.
    """
    sub = get(session, viewer, sub_id)
    if not can_edit(viewer, sub):
        raise Forbidden(f"'{sub.title}' is {STATE_LABELS[sub.state].lower()}: you may not edit it now")
    before = snapshot(sub)
    _claim_version(session, sub, version)
    for name in FIELDS:
        setattr(sub, name, values[name])
    if upload_path:
        sub.upload_path = upload_path
    if recording_path:
        sub.recording_path = recording_path
    record_write(session, sub, object_type="submission", action="update", actor=viewer.username, before=before)
    if sub.state == "published":  # a curator's edit of a live narrative
        _sync_narrative(session, sub, viewer.username, None, segments, recordings)
    session.flush()
    return sub


def act(session: Session, viewer: Viewer, sub_id: str, action: str, version: int,
        comment: str = "", today: date | None = None,
        segments: Sequence[TranscriptSegment | TranscriptSource] | None = None,
        recordings: Sequence[Recording] | None = None) -> Submission:
    """Move a submission through review: submit, start_review, return, reject, publish.

    On publish, `segments` are the rows of the submission's uploaded transcript, read by the
    caller with the ingest readers (`ingest.uploaded_transcripts.segment_rows`): the store
    keeps rows, it does not read files of formats it does not know. None keeps the stored rows.
    `recordings` likewise: the row of its uploaded recording, probed by the caller
    (`ingest.recordings.uploaded_recording_rows`).
    """
    if action not in TRANSITIONS:
        raise WorkflowError(f"unknown action '{action}'")
    sub = get(session, viewer, sub_id)
    starts, target, curators_only = TRANSITIONS[action]
    if curators_only and not viewer.is_curator:
        raise Forbidden("only curators may review and publish")
    if not curators_only and sub.owner != viewer.username and not viewer.is_curator:
        raise Forbidden(f"'{sub_id}' belongs to another contributor")
    if sub.state not in starts:
        raise WorkflowError(f"a {STATE_LABELS[sub.state].lower()} narrative cannot be sent to "
                            f"'{STATE_LABELS[target].lower()}'")
    if action == "return" and not comment.strip():
        raise WorkflowError("say what needs changing: returning a narrative needs a comment")
    if action == "publish" and (problems := publish_problems(sub)):
        raise WorkflowError("cannot publish yet: " + "; ".join(problems))
    before = snapshot(sub)
    _claim_version(session, sub, version)
    sub.state = target
    if action in ("return", "reject"):
        sub.comment = comment.strip()
    elif action == "submit":
        sub.comment = ""
    record_write(session, sub, object_type="submission", action=action, actor=viewer.username,
                 before=before, detail=f"now {target}")
    if action == "publish":
        _sync_narrative(session, sub, viewer.username, today, segments, recordings)
    session.flush()
    return sub


def _access(sub: Submission) -> str:
    if sub.scope == "staff":
        return "staff"
    return "embargoed" if sub.embargo_until else "public"


def _sync_narrative(session: Session, sub: Submission, actor: str, today: date | None,
                    segments: Sequence[TranscriptSegment | TranscriptSource] | None,
                    recordings: Sequence[Recording] | None = None) -> Narrative:
    """Write the published submission into the store as a Narrative with its consent log."""
    when = parse_date(sub.date)
    # The master text goes into the store, as ingest does; what the public may not read is held
    # as redactions beside it (archive/redactions.py), the one path every output reads through.
    values = {
        "title": sub.title, "date": when.text, "date_lower": when.lower, "date_upper": when.upper,
        "narrator_name": sub.narrator_name, "narrator_display": sub.narrator_display,
        "name_policy": "pseudonym" if sub.anonymize else "full",
        "interviewer": sub.interviewer, "place": sub.place, "language": sub.language, "summary": sub.summary,
        "content_note": sub.content_note, "body": sub.body,
        "release_signed": sub.release_date if sub.release_signed else None,
        "release_licence": sub.release_licence, "access": _access(sub),
        "embargo_until": sub.embargo_until or None, "source_path": source_path(sub.owner),
        "deleted": False,
    }
    row = session.get(Narrative, sub.id)
    before = snapshot(row) if row is not None else None
    if row is None:
        row = Narrative(id=sub.id, **values)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    record_write(session, row, object_type="narrative", action="publish" if before is None else "update",
                 actor=actor, before=before)
    session.flush()
    # The uploaded transcript's rows (if any) become the narrative's segments, stored as the master
    # text; then the same detection as ingest runs over every field, segments included: listed
    # names approved, found e-mails, phones, addresses proposed (and hidden until rejected).
    if segments is not None:
        replace_segments(session, sub.id, segments)
    if recordings is not None:  # the uploaded recording: its public copy is made at the next build
        session.execute(delete(Recording).where(Recording.narrative_id == sub.id))
        session.add_all(recordings)
    _store_passage_notes(session, sub)
    refresh_narrative(session, row, [Listed(n) for n in sub.redact_names.splitlines() if n.strip()], STAFF_FORM)
    session.flush()
    if _id_spells_withheld_text(session, row):  # e.g. a name listed only after the id was made
        raise WorkflowError(f"cannot publish '{row.id}': its id spells words the public form withholds; "
                            "submit it again under a title without them")
    consent = list(session.exec(select(ConsentEntry).where(ConsentEntry.narrative_id == sub.id)))
    # Staff-only scope is an access level, not a refusal: appending a refusal here would read
    # as a withdrawal. So the log only ever gains a grant, when the scope is public.
    day = sub.release_date or (today or date.today()).isoformat()
    if sub.scope == "public" and consent_decision(consent, PUBLISH_TEXT) is not True:
        consent.append(ConsentEntry(narrative_id=sub.id, position=len(consent), date=day, use=PUBLISH_TEXT,
                                    granted=True, recorded_by=sub.owner, note="recorded with the staff submission"))
        session.add(consent[-1])
    # The recording's own use: granted with the box ticked (for a public narrative); a box
    # unticked after a grant is the narrator's refusal, appended like every decision.
    media = consent_decision(consent, PUBLISH_MEDIA)
    if sub.media_consent and sub.scope == "public" and media is not True:
        session.add(ConsentEntry(narrative_id=sub.id, position=len(consent), date=day, use=PUBLISH_MEDIA,
                                 granted=True, recorded_by=sub.owner, note="recorded with the staff submission"))
    elif not sub.media_consent and media is True:
        session.add(ConsentEntry(narrative_id=sub.id, position=len(consent),
                                 date=(today or date.today()).isoformat(), use=PUBLISH_MEDIA, granted=False,
                                 recorded_by=actor, note="the staff submission no longer records consent "
                                                         "to publishing the recording"))
    return row


def _store_passage_notes(session: Session, sub: Submission) -> None:
    """The submission's passage notes replace the narrative's, once each is shown to cover a
    segment of the transcript as published (typed headings and uploaded cues alike): a note
    that covered nothing would leave the hard passage it was written for unannounced."""
    notes = parse_note_lines(sub.passage_notes, sub.id)
    segments = narrative_segments(session, sub.id, sub.body, str)  # as the page will show them
    if problems := uncovered(notes, segments):
        raise WorkflowError("cannot publish yet: " + "; ".join(problems))
    session.execute(delete(PassageNote).where(PassageNote.narrative_id == sub.id))
    session.add_all(notes)


def withdraw(session: Session, viewer: Viewer, sub_id: str, today: date) -> Submission:
    """Withdraw consent: one action, effective for every live reader of the store at once.

    Appends a refusal to the consent log (never edits it) and sets the narrative's access
    to withdrawn; the audit line says who and when, and nothing of the content.
    """
    sub = get(session, viewer, sub_id)
    if sub.state == "withdrawn":
        raise WorkflowError("this narrative is already withdrawn")
    if not viewer.is_curator and sub.owner != viewer.username:
        raise Forbidden(f"'{sub_id}' belongs to another contributor")
    before = snapshot(sub)
    sub.version += 1
    sub.state = "withdrawn"
    record_write(session, sub, object_type="submission", action="withdraw", actor=viewer.username,
                 before=before, detail="consent withdrawn")
    row = session.get(Narrative, sub.id)
    if row is not None:
        consent = list(session.exec(select(ConsentEntry).where(ConsentEntry.narrative_id == sub.id)))
        session.add(ConsentEntry(narrative_id=sub.id, position=len(consent), date=today.isoformat(),
                                 use=PUBLISH_TEXT, granted=False, recorded_by=viewer.username,
                                 note="consent withdrawn at the narrator's request"))
        row_before = snapshot(row)
        row.access = "withdrawn"
        record_write(session, row, object_type="narrative", action="withdraw", actor=viewer.username,
                     before=row_before, detail="consent withdrawn")
    session.flush()
    return sub


# -- history and diffs --------------------------------------------------------------------

def history(session: Session, sub_id: str) -> list[Revision]:
    return list(session.exec(select(Revision).where(Revision.object_type == "submission",
                                                    Revision.object_id == sub_id).order_by(Revision.id)))


def state_at(revisions: list[Revision], revision_id: int) -> dict:
    """The submission's values just after `revision_id`, rebuilt from the changes logged."""
    values: dict = {}
    for rev in revisions:
        for name, (_old, new) in rev.changes.items():
            values[name] = new
        if rev.id == revision_id:
            return values
    raise NotFound(f"no revision {revision_id} of this submission")


def diff_revisions(session: Session, sub_id: str, old_id: int, new_id: int) -> list[dict]:
    """Field by field, what changed between two revisions (any two, in either order): the
    values as people read them (`submissions.readable`), long text as a unified diff, and who
    changed the field when, revision by revision, in between."""
    revisions = history(session, sub_id)
    if old_id > new_id:
        old_id, new_id = new_id, old_id
    old, new = state_at(revisions, old_id), state_at(revisions, new_id)
    between = [r for r in revisions if old_id < r.id <= new_id]
    changes = []
    for name in FIELDS | {"state": None, "comment": None}:
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        entry = {"field": name, "label": FIELDS.get(name, (name.capitalize(), ""))[0],
                 "old": a, "new": b, "old_text": readable(name, a), "new_text": readable(name, b), "lines": [],
                 "by": [{"id": r.id, "action": r.action, "actor": r.actor, "at": r.at}
                        for r in between if name in r.changes]}
        if isinstance(a, str) and isinstance(b, str) and ("\n" in a or "\n" in b):
            entry["lines"] = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "before", "after",
                                                       lineterm="", n=2))
        changes.append(entry)
    return changes


def audit_log(session: Session, limit: int = 500) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)))
