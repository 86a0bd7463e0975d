"""Curator screens for the harm ledger: link evidence to a harm, add accountability events.

The rules (quotation checked word for word, optimistic concurrency, revision and audit line,
how a web edit and the next `reckon ingest` of the harm's file meet) live in
`archive/ledger_edits.py`; this module only shows the forms and reports what it said.
The API reads the store, so it shows a change at once; the static site at the next publish.
"""

from __future__ import annotations

from sqlmodel import Session, func, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive import ledger_edits as edits
from archive.access import Role
from archive.db import transaction
from archive.errors import NotFound, ReckoningError
from archive.ledger import RELIABILITY
from archive.models import AccountabilityEvent, Evidence, Harm, Narrative, Record, User
from archive.urls import api_url, page_url
from archive.users import viewer_of
from staff.auth import guard
from staff.errors import refused
from staff.pages import LOST_VERSION, flash, form_version, render

EVIDENCE_FIELDS = ("source_kind", "source_id", "segment", "quote", "locator", "note", "reliability")
EVENT_FIELDS = ("status", "date", "source", "note")
STAGE_LABELS = {"documented": "Documented", "acknowledged": "Acknowledged", "apologized": "Apologized",
                "repair-committed": "Repair committed", "repaired": "Repaired"}


def harm_page(request: Request, user: User, harm_id: str, status: int = 200, form: str = "",
              typed: dict | None = None, errors: dict | None = None, stale: str = "",
              version: int | None = None) -> Response:
    """The harm with its evidence and events; `form` ("evidence" or "event") names the form that
    was sent, shown again with what was `typed` and its `errors`."""
    with Session(request.app.state.engine) as session:
        harm = session.get(Harm, harm_id)
        if harm is None or harm.deleted:
            raise NotFound(f"no harm '{harm_id}'")
        evidence = list(session.exec(select(Evidence).where(Evidence.harm_id == harm_id)
                                     .order_by(Evidence.position)))
        events = list(session.exec(select(AccountabilityEvent).where(AccountabilityEvent.harm_id == harm_id)
                                   .order_by(AccountabilityEvent.date_lower, AccountabilityEvent.position)))
        made = {(e.kind, e.row_id): e for e in edits.edits_of(session, harm_id) if e.state == edits.ACTIVE}
        current = edits.harm_version(session, harm_id)
        narratives = list(session.exec(select(Narrative.id).where(Narrative.deleted == False)
                                       .order_by(Narrative.id)))
        records = list(session.exec(select(Record.id).where(Record.deleted == False)
                                    .order_by(Record.id).limit(500)))
    typed = typed or {}
    return render(
        request, "harm_edit.html", status=status, user=user, harm=harm, evidence=evidence, events=events,
        made=made, version=current if version is None else version, current_version=current,
        evidence_values=typed if form == "evidence" else {"source_kind": "narrative"},
        event_values=typed if form == "event" else {}, evidence_errors=(errors or {}) if form == "evidence"
        else {}, event_errors=(errors or {}) if form == "event" else {}, stale=stale, stale_form=form,
        source_kinds=edits.SOURCE_KINDS, stages=STAGE_LABELS, reliability=RELIABILITY,
        narratives=narratives, records=records, public_url=page_url("harm", harm_id),
        api=api_url("harm", harm_id))


@guard(Role.CURATOR)
async def listing(request: Request, user: User) -> Response:
    with Session(request.app.state.engine) as session:
        harms = list(session.exec(select(Harm).where(Harm.deleted == False).order_by(Harm.id)))
        counts = dict(session.exec(select(Evidence.harm_id, func.count()).group_by(Evidence.harm_id)).all())
    return render(request, "harm_list_staff.html", user=user, harms=harms, counts=counts, stages=STAGE_LABELS)


@guard(Role.CURATOR)
async def show(request: Request, user: User) -> Response:
    return harm_page(request, user, request.path_params["id"])


@guard(Role.CURATOR)
async def link_evidence(request: Request, user: User) -> Response:
    return save(request, user, "evidence")


@guard(Role.CURATOR)
async def add_event(request: Request, user: User) -> Response:
    return save(request, user, "event")


def save(request: Request, user: User, kind: str) -> Response:
    """One evidence link or accountability event (`kind`) from its form, or the form again."""
    harm_id = request.path_params["id"]
    form = request.state.form
    typed = {name: str(form.get(name, "")) for name in (EVIDENCE_FIELDS if kind == "evidence" else EVENT_FIELDS)}
    version = form_version(request)
    if version is None:
        return harm_page(request, user, harm_id, 400, kind, typed, {"version": LOST_VERSION})

    def again(status: int, exc: ReckoningError) -> Response:
        if isinstance(exc, edits.LedgerFormError):  # each bad field marked beside it
            return harm_page(request, user, harm_id, status, kind, typed, exc.errors, version=version)
        return harm_page(request, user, harm_id, status, kind, typed, {}, stale=str(exc), version=version)

    try:
        with transaction(request.app.state.engine) as session:
            if kind == "evidence":
                today = request.app.state.settings.today()
                edits.link_evidence(session, viewer_of(user), harm_id, version, typed, today)
            else:
                edits.add_event(session, viewer_of(user), harm_id, version, typed)
    except ReckoningError as exc:
        return refused(request, user, exc, again)
    done = "Linked the evidence" if kind == "evidence" else "Added the accountability event"
    flash(request, f"{done}. The API shows it now; publish the site to update the harm's public page.")
    return RedirectResponse(f"/staff/harms/{harm_id}", 303)


ROUTES = [
    Route("/harms/", listing),
    Route("/harms/{id}", show),
    Route("/harms/{id}/evidence", link_evidence, methods=["POST"]),
    Route("/harms/{id}/events", add_event, methods=["POST"]),
]
