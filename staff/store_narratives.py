"""Every narrative in the store, for curators: withdrawal of any of them, content-file ones too.

Staff submissions are withdrawn from their own page (archive/workflow.py); a narrative read
from a Markdown file has no submission, so it is withdrawn here. Either way the refusal is
appended to the store's consent log, and `archive.store_consent` keeps the next
`reckon ingest` of the file from re-publishing it.
"""

from __future__ import annotations

from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive import site_lag
from archive.access import Role
from archive.db import transaction
from archive.errors import ReckoningError
from archive.models import Narrative, User
from archive.recordings import public_status
from archive.store_consent import is_withdrawn, withdraw_narrative
from archive.submissions import Submission
from archive.users import viewer_of
from staff.auth import guard
from staff.errors import refused
from staff.pages import flash, render
from staff.refresh import publish_change


def listing(request: Request, user: User, status: int = 200, error: str = "") -> Response:
    with Session(request.app.state.engine) as session:
        rows = list(session.exec(select(Narrative).where(Narrative.deleted == False)
                                 .order_by(Narrative.id)))
        submitted = set(session.exec(select(Submission.id)))
        today = request.app.state.settings.today()
        items = [{"id": r.id, "title": r.title, "source": r.source_path, "access": r.access,
                  "withdrawn": is_withdrawn(session, r), "submission": r.id in submitted,
                  "recordings": public_status(session, r, today)} for r in rows]
    return render(request, "store_narratives.html", status=status, user=user, items=items, error=error)


@guard(Role.CURATOR)
async def index(request: Request, user: User) -> Response:
    return listing(request, user)


@guard(Role.CURATOR)
async def withdraw(request: Request, user: User) -> Response:
    narrative_id = request.path_params["id"]
    if request.state.form.get("confirm") != "yes":
        return listing(request, user, 400, f"{narrative_id}: tick the box to confirm the narrator "
                                           "withdrew consent")
    try:
        with transaction(request.app.state.engine) as session:
            withdraw_narrative(session, viewer_of(user), narrative_id, request.app.state.settings.today())
            site_lag.note(session, f"withdrew {narrative_id}", user.username)
    except ReckoningError as exc:
        return refused(request, user, exc, lambda status, err: listing(request, user, status, str(err)))
    outcome = await publish_change(request, user.username)
    flash(request, outcome.said(f"Withdrew {narrative_id}; no ingest of its file can bring it back."))
    return RedirectResponse("/staff/store/narratives", 303)


ROUTES = [
    Route("/store/narratives", index),
    Route("/store/narratives/{id}/withdraw", withdraw, methods=["POST"]),
]
