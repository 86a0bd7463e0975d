"""Admin pages (users, the audit log) and every user's own API tokens."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive import users as accounts
from archive.access import Role
from archive.db import transaction
from archive.errors import NotFound, ReckoningError
from archive.models import User
from archive.numbers import whole_number
from archive.workflow import audit_log
from staff.auth import guard
from staff.errors import refused
from staff.pages import flash, render


def users_page(request: Request, user: User, status: int = 200, error: str = "",
               typed: dict | None = None) -> Response:
    with Session(request.app.state.engine) as session:
        everyone = list(session.exec(select(User).order_by(User.username)))
    return render(request, "users.html", status=status, user=user, users=everyone,
                  roles=accounts.ROLES, error=error, typed=typed or {"username": "", "role": "contributor"},
                  disabled={u.username for u in everyone if accounts.is_disabled(u)})


@guard(Role.ADMIN)
async def users(request: Request, user: User) -> Response:
    if request.method == "GET":
        return users_page(request, user)
    form = request.state.form
    typed = {"username": str(form.get("username", "")), "role": str(form.get("role", ""))}
    try:
        # Hashing the password takes a while (argon2): off the event loop.
        await run_in_threadpool(_add_user, request.app.state.engine, typed, str(form.get("password", "")),
                                user.username)
    except ReckoningError as exc:
        return refused(request, user, exc, lambda status, err: users_page(request, user, status, str(err), typed))
    flash(request, f"Added {typed['username']} as {typed['role']}.")
    return RedirectResponse("/staff/admin/users", 303)


def _add_user(engine: Engine, typed: dict[str, str], password: str, actor: str) -> None:
    with transaction(engine) as session:
        accounts.create_user(session, typed["username"], password, typed["role"], actor=actor)


@guard(Role.ADMIN)
async def change(request: Request, user: User) -> Response:
    name = request.path_params["name"]
    what = request.state.form.get("change")
    try:
        with transaction(request.app.state.engine) as session:
            _change_user(session, user, name, what, request.state.form)
    except ReckoningError as exc:
        return refused(request, user, exc, lambda status, err: users_page(request, user, status, f"{name}: {err}"))
    flash(request, f"Changed {name}: {what}.")
    return RedirectResponse("/staff/admin/users", 303)


def _change_user(session: Session, admin: User, name: str, what: object, form: FormData) -> None:
    target = accounts.get_user(session, name)
    if target is None:
        raise NotFound(f"no user '{name}'")
    if target.id == admin.id and what in ("disable", "role"):
        raise accounts.UserError("you cannot disable yourself or change your own role")
    if what == "role":
        accounts.set_role(session, target, str(form.get("role", "")), admin.username)
    elif what == "disable":
        accounts.disable_user(session, target, admin.username)
    elif what == "password":
        accounts.set_password(session, target, str(form.get("password", "")), admin.username)
    else:
        raise accounts.UserError(f"unknown change '{what}'")


@guard(Role.ADMIN)
async def audit(request: Request, user: User) -> Response:
    with Session(request.app.state.engine) as session:
        events = audit_log(session)
    return render(request, "audit.html", user=user, events=events)


@guard(Role.CONTRIBUTOR)
async def tokens(request: Request, user: User) -> Response:
    new_token = ""
    if request.method == "POST":
        form = request.state.form
        with transaction(request.app.state.engine) as session:
            me = session.get(User, user.id)
            if form.get("revoke"):
                try:
                    number = whole_number(form.get("revoke"))
                    if number is None:
                        raise ValueError("not a token number")
                    accounts.revoke_token(session, me, number, user.username)
                except (accounts.UserError, ValueError) as exc:
                    # Someone else's token is answered like one that never existed.
                    raise NotFound("no such token") from exc
            else:
                new_token = accounts.issue_token(session, me, str(form.get("label", "")) or "script", user.username)
    with Session(request.app.state.engine) as session:
        mine = accounts.tokens_of(session, user)
    return render(request, "tokens.html", user=user, tokens=mine, new_token=new_token)


ROUTES = [
    Route("/admin/users", users, methods=["GET", "POST"]),
    Route("/admin/users/{name}", change, methods=["POST"]),
    Route("/admin/audit", audit),
    Route("/tokens", tokens, methods=["GET", "POST"]),
]
