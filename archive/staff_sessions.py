"""Staff sessions the server can end: a sign-out ends the session for every copy of its cookie.

The staff session cookie is signed, so it cannot be forged, but a signed cookie alone stays
valid until it expires: one copied before a sign-out (from a shared computer, a proxy log)
would still sign its holder in for hours. So each sign-in makes a row here, named by the
SHA-256 of a random id the cookie carries; every staff request asks that the row still exists,
and signing out deletes it. Changing a password ends every earlier session too (the cookie's
password fingerprint), and disabling an account or changing a role takes effect at once
because the user is read from the store on every request.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel

LIFETIME_SECONDS = 8 * 3600  # as long as the cookie (staff/session.py SESSION_HOURS)


class StaffSession(SQLModel, table=True):
    id: str = Field(primary_key=True)  # the SHA-256 of the cookie's session id: useless if read
    user_id: int = Field(index=True)
    started: float


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(session: Session, user_id: int, now: float | None = None) -> str:
    """A new session for `user_id`; returns the id for the cookie. Expired rows are dropped."""
    now = time.time() if now is None else now
    session.exec(delete(StaffSession).where(StaffSession.started < now - LIFETIME_SECONDS))  # type: ignore[call-overload]
    session_id = secrets.token_urlsafe(32)
    session.add(StaffSession(id=_key(session_id), user_id=user_id, started=now))
    return session_id


def is_live(session: Session, session_id: object, user_id: int, now: float | None = None) -> bool:
    """Whether the cookie's session was started for this user, not ended, and not expired."""
    if not isinstance(session_id, str) or not session_id:
        return False
    row = session.get(StaffSession, _key(session_id))
    now = time.time() if now is None else now
    return row is not None and row.user_id == user_id and row.started >= now - LIFETIME_SECONDS


def end(session: Session, session_id: object) -> None:
    """End one session (sign-out): every copy of its cookie is signed out with it."""
    if isinstance(session_id, str) and session_id:
        session.exec(delete(StaffSession).where(StaffSession.id == _key(session_id)))  # type: ignore[call-overload]
