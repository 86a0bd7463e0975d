"""Titles a curator gives the cues of an uploaded transcript, from the staff narrative page.

The page previews the parsed cues (start, speaker, first words) with a title field each; one
form (CSRF-checked, with the version it was made from) saves them all as a revision of the
submission. A titled cue is called by its title instead of its first words (archive/passages.py)
once published, and the title goes through the one redactor like every other title.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive import site_lag, workflow
from archive.access import Role
from archive.db import transaction
from archive.errors import ReckoningError
from archive.models import User
from archive.users import viewer_of
from ingest.uploaded_transcripts import segment_rows
from staff.auth import guard
from staff.errors import refused
from staff.narratives import FIELD, view_again, view_page
from staff.pages import LOST_VERSION, flash, form_version
from staff.refresh import publish_change


@guard(Role.CURATOR)
async def save_titles(request: Request, user: User) -> Response:
    sub_id = request.path_params["id"]
    form = request.state.form
    version = form_version(request)
    if version is None:
        return view_page(request, user, sub_id, 400, LOST_VERSION)
    titles = {name[len(FIELD):]: str(value) for name, value in form.items()
              if name.startswith(FIELD) and name[len(FIELD):].isdigit()}
    try:
        with transaction(request.app.state.engine) as session:
            sub = workflow.get(session, viewer_of(user), sub_id)
            live = sub.state == "published"
            kept = Path(sub.upload_path) if sub.upload_path else None
            segments = segment_rows(sub_id, kept, titles) if live else None
            sub = workflow.title_cues(session, viewer_of(user), sub_id, version, titles, segments)
            if live:
                site_lag.note(session, f"titled passages of {sub_id}", user.username)
    except ReckoningError as exc:
        return refused(request, user, exc, view_again(request, user, sub_id))
    notice = f"Saved {len(sub.cue_titles)} passage title(s)."
    if live:
        outcome = await publish_change(request, user.username)
        notice = outcome.said(notice)
    flash(request, notice)
    return RedirectResponse(f"/staff/narratives/{sub_id}", 303)


ROUTES = [Route("/narratives/{id}/cue-titles", save_titles, methods=["POST"])]
