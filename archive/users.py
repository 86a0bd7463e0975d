"""Staff accounts: argon2 password hashes, roles, and API tokens hashed at rest.

A password is only ever kept as an argon2id hash. API tokens are long random strings, so a
plain SHA-256 of one is enough at rest (no dictionary can guess it) and lets a request's
token be looked up by its hash; the token itself is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Field, Session, SQLModel, select

from archive.access import Role, Viewer
from archive.errors import ReckoningError
from archive.models import AuditEvent, User, utcnow

ROLES = ("contributor", "curator", "admin")
LOCKED = "!locked"  # a password hash no password can match: the account is disabled
TOKEN_PREFIX = "rk_"
# OWASP's recommended argon2id parameters (19 MiB, 2 passes, 1 lane): about 0.1 s a hash on
# this 2-core machine, where argon2-cffi's default (64 MiB, 3 passes, 4 lanes) took 0.5 s and
# let a handful of concurrent sign-ins stall the server.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user is unknown or disabled, so a sign-in takes as long
    either way; made on first use (~0.1 s), not when the module is imported."""
    return _hasher.hash(secrets.token_urlsafe(16))


class UserError(ReckoningError):
    """An account operation that cannot be done (unknown user, bad role, weak password)."""


class ApiToken(SQLModel, table=True):
    """A token for scripted submission; only its SHA-256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(index=True, unique=True)
    label: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    last_used: datetime | None = None


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, got '{role}'")
    return role


def check_password(password: str) -> str:
    if len(password) < 10:
        raise UserError("a password needs at least 10 characters")
    return password


def get_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def create_user(session: Session, username: str, password: str, role: str, actor: str = "cli") -> User:
    """Add an account; the username must be new and the password at least 10 characters."""
    username = username.strip()
    if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise UserError("a username is letters, digits, '.', '-' or '_'")
    check_role(role)
    check_password(password)
    if get_user(session, username) is not None:
        raise UserError(f"there is already a user '{username}'")
    user = User(username=username, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.add(AuditEvent(actor=actor, action="user-add", object_type="user", object_id=username,
                           detail=f"role {role}"))
    session.flush()
    return user


def set_password(session: Session, user: User, password: str, actor: str) -> None:
    user.password_hash = _hasher.hash(check_password(password))
    session.add(user)
    session.add(AuditEvent(actor=actor, action="password-set", object_type="user", object_id=user.username))


def set_role(session: Session, user: User, role: str, actor: str) -> None:
    user.role = check_role(role)
    session.add(user)
    session.add(AuditEvent(actor=actor, action="role-set", object_type="user", object_id=user.username,
                           detail=f"role {role}"))


def disable_user(session: Session, user: User, actor: str) -> None:
    """Lock the account and revoke its tokens; its history stays attributed to it."""
    user.password_hash = LOCKED
    session.add(user)
    for token in session.exec(select(ApiToken).where(ApiToken.user_id == user.id)):
        session.delete(token)
    session.add(AuditEvent(actor=actor, action="user-disable", object_type="user", object_id=user.username))


def is_disabled(user: User) -> bool:
    return user.password_hash == LOCKED


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password matches, else None (taking the same time either way)."""
    user = get_user(session, username)
    stored = user.password_hash if user is not None and not is_disabled(user) else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or is_disabled(user):
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
        session.add(user)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, label: str, actor: str) -> str:
    """Make a token for `user`; returns the token, which is never stored or shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), label=label.strip()[:80]))
    session.add(AuditEvent(actor=actor, action="token-issue", object_type="user", object_id=user.username,
                           detail=label.strip()[:80]))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or is_disabled(user):
        return None
    row.last_used = utcnow()
    session.add(row)
    return user


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(session: Session, user: User, token_id: int, actor: str) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise UserError("no such token")
    session.delete(row)
    session.add(AuditEvent(actor=actor, action="token-revoke", object_type="user", object_id=user.username))


def viewer_of(user: User) -> Viewer:
    return Viewer(role=Role(user.role), username=user.username)
