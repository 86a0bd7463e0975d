"""The curator's screen for a narrative's redactions: every span shown where it stands.

A curator sees the narrative's master text (title, summary, content note, each transcript
segment) with every redaction marked in place: approved, pending (hidden from the public
until a curator rejects it) or rejected (shown to the public). From there they approve or
reject each span, change the reason class the public reads in `[redacted: …]`, or propose a
span: by selecting words in the text (site/static/redact-select.js fills in the field and the
offsets), or by its exact words, or by a field and character offsets. A proposal is decided
like a detected one. All of it goes through
`archive/redactions.py`, the same functions as `reckon redactions`. Each change is published
in the same request (`staff.refresh.publish_change`): both search indexes and the static site
show it at once, so no copy keeps words just hidden.
"""

from __future__ import annotations

from sqlmodel import Session, func, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive import redactions as red
from archive import site_lag
from archive.access import Role
from archive.db import transaction
from archive.errors import NotFound, ReckoningError
from archive.models import Narrative, User
from archive.numbers import whole_number
from staff.auth import guard
from staff.errors import Again, refused
from staff.pages import flash, render
from staff.refresh import publish_change

DECISIONS = {"approve": red.APPROVED, "reject": red.REJECTED}
STATUS_LABELS = {red.PROPOSED: "pending (hidden until rejected)", red.APPROVED: "approved (hidden)",
                 red.REJECTED: "rejected (shown)"}


def in_context(fields: dict[str, str], rows: list[red.Redaction]) -> list[dict]:
    """Each field of the master text as pieces, the spans of `rows` attached where they occur.

    Spans are found afresh (as the public redactor finds them), so the marks are where the
    words are today. Where two spans overlap, one that hides wins over a rejected one, then
    the longer.
    """
    shown = []
    for name, value in fields.items():
        hits = [(loc["start"], loc["end"], row) for row in rows for loc in red.locate({name: value}, row.text)]
        hits.sort(key=lambda h: (h[0], h[2].status == red.REJECTED, h[0] - h[1]))
        pieces, at = [], 0
        for start, end, row in hits:
            if start < at:
                continue
            pieces += [(value[at:start], None), (value[start:end], row)]
            at = end
        pieces.append((value[at:], None))
        shown.append({"field": name, "length": len(value), "pieces": [p for p in pieces if p[0]]})
    return shown


@guard(Role.CURATOR)
async def overview(request: Request, user: User) -> Response:
    with Session(request.app.state.engine) as session:
        counts = session.exec(select(red.Redaction.narrative_id, red.Redaction.status, func.count())
                              .group_by(red.Redaction.narrative_id, red.Redaction.status)).all()
        titles = dict(session.exec(select(Narrative.id, Narrative.title)).all())
    table: dict[str, dict[str, int]] = {}
    for narrative_id, status, n in counts:
        table.setdefault(narrative_id, dict.fromkeys(red.STATUSES, 0))[status] = n
    rows = [{"id": k, "title": titles.get(k, ""), **v} for k, v in sorted(table.items())]
    others = sorted(set(titles) - set(table))
    return render(request, "redaction_overview.html", user=user, rows=rows, others=others, titles=titles)


def narrative_page(request: Request, user: User, narrative_id: str, status: int = 200, error: str = "",
                   typed: dict | None = None) -> Response:
    with Session(request.app.state.engine) as session:
        row = session.get(Narrative, narrative_id)
        if row is None:
            raise NotFound(f"no narrative '{narrative_id}'")
        spans = red.list_redactions(session, narrative_id=narrative_id)
        fields = red.narrative_fields(row, session)
    return render(request, "redaction_review.html", status=status, user=user, narrative=row,
                  spans=spans, context=in_context(fields, spans), fields=list(fields),
                  labels=STATUS_LABELS, categories=red.CATEGORIES, error=error,
                  listed=red.LISTED_ORIGINS + (red.NARRATOR,),
                  typed=typed or {"text": "", "field": "", "start": "", "end": "",
                                  "category": red.THIRD_PARTY})


def narrative_again(request: Request, user: User, narrative_id: str, typed: dict | None = None) -> Again:
    """The narrative's screen again with a refusal's status and reason (for staff.errors.refused)."""
    return lambda status, exc: narrative_page(request, user, narrative_id, status, str(exc), typed)


@guard(Role.CURATOR)
async def show(request: Request, user: User) -> Response:
    return narrative_page(request, user, request.path_params["id"])


def span_of(session: Session, narrative_id: str, redaction_id: int) -> red.Redaction:
    row = session.get(red.Redaction, redaction_id) if whole_number(redaction_id) is not None else None
    if row is None or row.narrative_id != narrative_id:
        raise NotFound(f"narrative '{narrative_id}' has no redaction {redaction_id}")
    return row


@guard(Role.CURATOR)
async def decide(request: Request, user: User) -> Response:
    narrative_id, redaction_id = request.path_params["id"], request.path_params["rid"]
    choice = DECISIONS.get(str(request.state.form.get("decision", "")))
    if choice is None:
        return narrative_page(request, user, narrative_id, 400, "choose approve or reject")
    try:
        with transaction(request.app.state.engine) as session:
            span_of(session, narrative_id, redaction_id)
            row = red.decide(session, redaction_id, choice, user.username)
            site_lag.note(session, f"redaction {row.id} of {narrative_id} {row.status}", user.username)
    except ReckoningError as exc:
        return refused(request, user, exc, narrative_again(request, user, narrative_id))
    outcome = await publish_change(request, user.username)
    flash(request, outcome.said(f"Redaction {row.id} ({row.category}) {row.status}: "
                                + ("the words are now public." if row.status == red.REJECTED else
                                   "the words are hidden in every public output.")))
    return RedirectResponse(f"/staff/redactions/{narrative_id}#r{row.id}", 303)


@guard(Role.CURATOR)
async def reason(request: Request, user: User) -> Response:
    narrative_id, redaction_id = request.path_params["id"], request.path_params["rid"]
    try:
        with transaction(request.app.state.engine) as session:
            span_of(session, narrative_id, redaction_id)
            row = red.set_category(session, redaction_id, str(request.state.form.get("category", "")),
                                   user.username)
            site_lag.note(session, f"redaction {row.id} of {narrative_id} now {row.category}", user.username)
    except ReckoningError as exc:
        return refused(request, user, exc, narrative_again(request, user, narrative_id))
    outcome = await publish_change(request, user.username)
    flash(request, outcome.said(f"Redaction {row.id} now reads [redacted: {row.category}]."))
    return RedirectResponse(f"/staff/redactions/{narrative_id}#r{row.id}", 303)


@guard(Role.CURATOR)
async def add(request: Request, user: User) -> Response:
    narrative_id = request.path_params["id"]
    form = request.state.form
    typed = {k: str(form.get(k, "")).strip() for k in ("text", "field", "start", "end", "category")}
    offsets = [whole_number(typed[k], 0) if typed[k] else None for k in ("start", "end")]
    if any(typed[k] and o is None for k, o in zip(("start", "end"), offsets, strict=True)):
        return narrative_page(request, user, narrative_id, 400,
                              f"offsets: expected whole numbers, got '{typed['start']}' and '{typed['end']}'",
                              typed)
    try:
        with transaction(request.app.state.engine) as session:
            row = red.add_span(session, narrative_id, user.username, typed["category"], text=typed["text"],
                               field=typed["field"], start=offsets[0], end=offsets[1])
            site_lag.note(session, f"redaction {row.id} added to {narrative_id}", user.username)
    except ReckoningError as exc:
        return refused(request, user, exc, narrative_again(request, user, narrative_id, typed))
    outcome = await publish_change(request, user.username)
    flash(request, outcome.said(f"Proposed redaction {row.id}: found {len(row.locations)} time(s), hidden as "
                                f"[redacted: {row.category}] while it waits for a curator's decision "
                                "(approve or reject it in the list)."
                                if row.status == red.PROPOSED else
                                f"Redaction {row.id} already hides these words ({row.status})."))
    return RedirectResponse(f"/staff/redactions/{narrative_id}#r{row.id}", 303)


ROUTES = [
    Route("/redactions", overview),
    Route("/redactions/{id}", show),
    Route("/redactions/{id}/add", add, methods=["POST"]),
    Route("/redactions/{id}/{rid:int}/decide", decide, methods=["POST"]),
    Route("/redactions/{id}/{rid:int}/reason", reason, methods=["POST"]),
]
