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

from archive import workflow
from archive.db import transaction
from archive.errors import NotFound
from archive.models import User
from archive.submissions import Submission, validate
from archive.users import user_for_token, viewer_of
from web.errors import error

MAX_JSON = 4 * 1024 * 1024


def _summary(sub: Submission) -> dict:
    return {"id": sub.id, "state": sub.state, "version": sub.version, "owner": sub.owner,
            "comment": sub.comment, "url": f"/staff/narratives/{sub.id}"}


def api_routes() -> list[Route]:
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

    async def handle(request: Request) -> Response:
        user = token_user(request)
        if user is None:
            return unauthorized()
        viewer = viewer_of(user)
        sub_id = request.path_params.get("id")
        try:
            if request.method == "GET":
                with Session(request.app.state.engine) as session:
                    return JSONResponse(_summary(workflow.get(session, viewer, sub_id)))
            try:
                data = await body(request)
            except (ValueError, TypeError) as exc:
                return error(400, "bad_request", f"cannot read the JSON body: {exc}")
            checked = validate(data)
            if not checked.ok:
                return error(400, "invalid", "some fields are not valid; see 'fields'", fields=checked.errors)
            with transaction(request.app.state.engine) as session:
                if sub_id is None:
                    sub = workflow.create(session, viewer, checked.values)
                else:
                    sub = workflow.save(session, viewer, sub_id, int(data.get("version", 0)), checked.values)
                if data.get("submit"):
                    sub = workflow.act(session, viewer, sub.id, "submit", sub.version)
                result = _summary(sub)
            return JSONResponse(result, status_code=201 if sub_id is None else 200)
        except NotFound as exc:
            return error(404, "not_found", str(exc))
        except workflow.Forbidden as exc:
            return error(403, "forbidden", str(exc))
        except workflow.StaleEdit as exc:
            return error(409, "stale_edit", str(exc))
        except workflow.WorkflowError as exc:
            return error(400, "workflow", str(exc))

    return [
        Route("/api/narratives", handle, methods=["POST"]),
        Route("/api/narratives/{id}", handle, methods=["GET", "PUT"]),
    ]
