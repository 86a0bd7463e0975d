"""The curator's screen for the harm tagger's suggestions: judge each in place, accept or reject.

Each suggestion is shown with the object (a record, or one segment of a narrative), the harm
type, and the passage that triggered it with the matched words highlighted. Deciding goes
through `archive.tag_suggestions.decide`, the same function as `reckon tags`, so the
revision and the audit line are the same whichever way a curator works.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive import models as m
from archive.access import Role
from archive.db import transaction
from archive.errors import ReckoningError
from archive.numbers import whole_number
from archive.tag_suggestions import (
    ACCEPTED,
    REJECTED,
    STATUSES,
    SUGGESTED,
    TagSuggestion,
    decide,
    list_suggestions,
)
from archive.urls import page_url
from ingest.tagging import phrase_pattern
from staff.auth import guard
from staff.errors import refused
from staff.pages import flash, render

DECISIONS = {"accept": ACCEPTED, "reject": REJECTED}


def highlight(passage: str, phrase: str) -> list[tuple[str, bool]]:
    """The passage as pieces, the words the phrase matched flagged (the template marks them)."""
    match = phrase_pattern(phrase).search(passage)
    if match is None:  # the passage was cut around the match, or the lexicon changed since
        return [(passage, False)]
    return [(passage[:match.start()], False), (match.group(0), True), (passage[match.end():], False)]


def _filters(source) -> dict[str, str]:
    status = str(source.get("status", SUGGESTED))
    return {"status": status if status in STATUSES or status == "" else SUGGESTED,
            "object": str(source.get("object", "")).strip()}


def _titles(session: Session, rows: list[TagSuggestion]) -> dict[str, str]:
    titles = {}
    for kind in {r.object_type for r in rows}:
        table = m.OBJECT_TYPES[kind]
        ids = {r.object_id for r in rows if r.object_type == kind}
        titles |= {o.id: o.title for o in session.exec(select(table).where(table.id.in_(ids)))}
    return titles


def listing(request: Request, user: m.User, filters: dict[str, str], status: int = 200,
            error: str = "") -> Response:
    with Session(request.app.state.engine) as session:
        rows = list_suggestions(session, filters["status"] or None, filters["object"] or None)
        everything = list_suggestions(session)
        concepts = {c.id: c.label for c in session.exec(select(m.Concept))}
        titles = _titles(session, rows)
    objects = sorted({(r.object_type, r.object_id) for r in everything}, key=lambda o: o[1])
    items = [{"row": r, "label": concepts.get(r.concept_id, r.concept_id), "title": titles.get(r.object_id, ""),
              "url": page_url(r.object_type, r.object_id), "pieces": highlight(r.passage, r.phrase)}
             for r in rows]
    return render(request, "tag_review.html", status=status, user=user, items=items, filters=filters,
                  statuses=STATUSES, objects=objects, error=error, query=urlencode(filters))


@guard(Role.CURATOR)
async def show(request: Request, user: m.User) -> Response:
    return listing(request, user, _filters(request.query_params))


@guard(Role.CURATOR)
async def decide_one(request: Request, user: m.User) -> Response:
    form = request.state.form
    filters = _filters(form)  # the list comes back filtered as the curator had it
    choice = DECISIONS.get(str(form.get("decision", "")))
    if choice is None:
        return listing(request, user, filters, 400, "choose accept or reject")
    try:
        with transaction(request.app.state.engine) as session:
            row = decide(session, whole_number(request.path_params["id"]) or 0, choice, user.username)
            message = (f"Suggestion {row.id} ({row.concept_id} on {row.object_id}) {row.status}. "
                       "The API shows it now; the site and search at the next publish.")
    except ReckoningError as exc:
        return refused(request, user, exc, lambda status, err: listing(request, user, filters, status, str(err)))
    flash(request, message)
    return RedirectResponse(f"/staff/tags?{urlencode(filters)}#s{row.id}", 303)


@guard(Role.CURATOR)
async def decide_many(request: Request, user: m.User) -> Response:
    """Several suggestions, ticked on the list, accepted or rejected by one POST: all of them
    or, if one cannot be decided, none (the list comes back saying which)."""
    form = request.state.form
    filters = _filters(form)
    choice = DECISIONS.get(str(form.get("decision", "")))
    ids = [whole_number(str(v)) for v in form.getlist("ids")]
    if choice is None:
        return listing(request, user, filters, 400, "choose accept or reject")
    if not ids or any(i is None for i in ids):
        return listing(request, user, filters, 400, "tick the suggestions to decide first")
    try:
        with transaction(request.app.state.engine) as session:
            rows = [decide(session, i, choice, user.username) for i in sorted(set(ids))]
    except ReckoningError as exc:
        return refused(request, user, exc, lambda status, err: listing(request, user, filters, status, str(err)))
    flash(request, f"{len(rows)} suggestion{'' if len(rows) == 1 else 's'} {choice} "
                   f"({', '.join(str(r.id) for r in rows)}). The API shows them now; the site and search at "
                   "the next publish.")
    return RedirectResponse(f"/staff/tags?{urlencode(filters)}", 303)


ROUTES = [
    Route("/tags", show),
    Route("/tags/decide", decide_many, methods=["POST"]),
    Route("/tags/{id:int}", decide_one, methods=["POST"]),
]
