"""Scripted submission with an API token: `Authorization: Bearer rk_…`.

The same validation and workflow as the form; JSON in and out, errors in the API's one
shape plus a `fields` map saying what each bad field expected. No cookie is read here, so
no CSRF token is needed: a forged cross-site request cannot carry the bearer token.
"""

from __future__ import annotations

import json

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from archive import site_lag, workflow
from archive.access import Viewer
from archive.db import transaction
from archive.errors import Forbidden, NotFound, StaleEdit, WorkflowError
from archive.models import User
from archive.numbers import whole_number
from archive.submissions import Submission, validate
from archive.users import user_for_token, viewer_of
from staff.errors import status_of
from staff.refresh import publish_change
from web.errors import error

MAX_JSON = 4 * 1024 * 1024
# The refusals answered in the API's shape; the status is the staff app's (staff.errors).
REFUSALS = (NotFound, Forbidden, StaleEdit, WorkflowError)
CODES = {400: "workflow", 403: "forbidden", 404: "not_found", 409: "stale_edit"}


def _summary(sub: Submission) -> dict:
    return {"id": sub.id, "state": sub.state, "version": sub.version, "owner": sub.owner,
            "comment": sub.comment, "url": f"/staff/narratives/{sub.id}"}


def token_user(request: Request) -> User | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with transaction(request.app.state.engine) as session:
        return user_for_token(session, token.strip())


async def body(request: Request) -> dict:
    raw = await request.body()
    if len(raw) > MAX_JSON:
        raise ValueError(f"the request body is larger than {MAX_JSON // (1024 * 1024)} MB")
    data = json.loads(raw or b"{}")
    if not isinstance(data, dict):
        raise TypeError("expected a JSON object")
    return data


def unauthorized() -> Response:
    response = error(401, "unauthorized", "send 'Authorization: Bearer <token>' with a token made at /staff/tokens")
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def narratives(request: Request) -> Response:
    """GET one submission; POST a new one; PUT a new version of one (`version` as read)."""
    user = token_user(request)
    if user is None:
        return unauthorized()
    try:
        if request.method == "GET":
            with Session(request.app.state.engine) as session:
                return JSONResponse(_summary(workflow.get(session, viewer_of(user), request.path_params["id"])))
        return await _write(request, viewer_of(user))
    except REFUSALS as exc:
        status = status_of(exc)
        return error(status, CODES[status], str(exc))


async def _write(request: Request, viewer: Viewer) -> Response:
    sub_id = request.path_params.get("id")
    try:
        data = await body(request)
    except (ValueError, TypeError) as exc:
        return error(400, "bad_request", f"cannot read the JSON body: {exc}")
    except RecursionError:
        return error(400, "bad_request", "cannot read the JSON body: nested too deeply")
    version = whole_number(data.get("version", 0), 0)
    if version is None:
        return error(400, "invalid", "some fields are not valid; see 'fields'",
                     fields={"version": "expected the whole number of the version you read"})
    checked = validate(data)
    if not checked.ok:
        return error(400, "invalid", "some fields are not valid; see 'fields'", fields=checked.errors)
    with transaction(request.app.state.engine) as session:
        if sub_id is None:
            sub = workflow.create(session, viewer, checked.values)
        else:
            sub = workflow.save(session, viewer, sub_id, version, checked.values)
        live = sub.state == "published"  # a curator's edit of a live narrative: the public copies follow
        if live:
            site_lag.note(session, f"edited {sub.id} (token API)", viewer.username or "")
        if data.get("submit"):
            sub = workflow.act(session, viewer, sub.id, "submit", sub.version)
        result = _summary(sub)
    if live:
        outcome = await publish_change(request, viewer.username or "")
        result["published"] = outcome.ok
        if not outcome.ok:
            result["publish_error"] = outcome.error
    return JSONResponse(result, status_code=201 if sub_id is None else 200)


ROUTES = [
    Route("/api/narratives", narratives, methods=["POST"]),
    Route("/api/narratives/{id}", narratives, methods=["GET", "PUT"]),
]
