"""Admin pages (users, the audit log) and every user's own API tokens."""

from __future__ import annotations

from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive import users as accounts
from archive.access import Role
from archive.db import transaction
from archive.errors import NotFound
from archive.models import User
from archive.workflow import audit_log
from staff.auth import Guard
from staff.pages import Pages, flash


def admin_routes(pages: Pages, guard: Guard) -> list[Route]:
    def users_page(request: Request, user: User, status: int = 200, error: str = "", typed: dict | None = None):
        with Session(request.app.state.engine) as session:
            everyone = list(session.exec(select(User).order_by(User.username)))
        return pages.render(request, "users.html", status=status, user=user, users=everyone,
                            roles=accounts.ROLES, error=error, typed=typed or {"username": "", "role": "contributor"},
                            disabled={u.username for u in everyone if accounts.is_disabled(u)})

    async def users(request: Request, user: User) -> Response:
        if request.method == "GET":
            return users_page(request, user)
        form = request.state.form
        typed = {"username": str(form.get("username", "")), "role": str(form.get("role", ""))}

        def add() -> None:
            with transaction(request.app.state.engine) as session:
                accounts.create_user(session, typed["username"], str(form.get("password", "")), typed["role"],
                                     actor=user.username)
        try:
            await run_in_threadpool(add)
        except accounts.UserError as exc:
            return users_page(request, user, 400, str(exc), typed)
        flash(request, f"Added {typed['username']} as {typed['role']}.")
        return RedirectResponse("/staff/admin/users", 303)

    async def change(request: Request, user: User) -> Response:
        form = request.state.form
        name = request.path_params["name"]
        what = form.get("change")
        try:
            with transaction(request.app.state.engine) as session:
                target = accounts.get_user(session, name)
                if target is None:
                    raise NotFound(f"no user '{name}'")
                if target.id == user.id and what in ("disable", "role"):
                    raise accounts.UserError("you cannot disable yourself or change your own role")
                if what == "role":
                    accounts.set_role(session, target, str(form.get("role", "")), user.username)
                elif what == "disable":
                    accounts.disable_user(session, target, user.username)
                elif what == "password":
                    accounts.set_password(session, target, str(form.get("password", "")), user.username)
                else:
                    raise accounts.UserError(f"unknown change '{what}'")
        except accounts.UserError as exc:
            return users_page(request, user, 400, f"{name}: {exc}")
        flash(request, f"Changed {name}: {what}.")
        return RedirectResponse("/staff/admin/users", 303)

    async def audit(request: Request, user: User) -> Response:
        with Session(request.app.state.engine) as session:
            events = audit_log(session)
        return pages.render(request, "audit.html", user=user, events=events)

    async def tokens(request: Request, user: User) -> Response:
        new_token = ""
        if request.method == "POST":
            form = request.state.form
            with transaction(request.app.state.engine) as session:
                me = session.get(User, user.id)
                if form.get("revoke"):
                    try:
                        accounts.revoke_token(session, me, int(form.get("revoke")), user.username)
                    except (accounts.UserError, ValueError):
                        return pages.error(request, 404, "Not found", "no such token", user=user)
                else:
                    new_token = accounts.issue_token(session, me, str(form.get("label", "")) or "script",
                                                     user.username)
        with Session(request.app.state.engine) as session:
            mine = accounts.tokens_of(session, user)
        return pages.render(request, "tokens.html", user=user, tokens=mine, new_token=new_token)

    return [
        Route("/admin/users", guard(Role.ADMIN)(users), methods=["GET", "POST"]),
        Route("/admin/users/{name}", guard(Role.ADMIN)(change), methods=["POST"]),
        Route("/admin/audit", guard(Role.ADMIN)(audit)),
        Route("/tokens", guard()(tokens), methods=["GET", "POST"]),
    ]
