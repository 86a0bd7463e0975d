"""What the published copies (static site, search indexes) do not show yet of the store.

Narrowing access (a withdrawal, a narrative made staff-only or embargoed again, an approved
redaction) must reach every public copy at once. The staff action writes a `SiteLag` row in
the same transaction as the change itself, then publishes; the publish that read the store
after that row was written deletes it when it succeeds (`settle`), and a publish that fails
writes its reason on every row it was meant to settle (`failed`). So:

- a row with a `failure` says "public site out of date" loudly, on every staff page, until
  a later publish succeeds;
- a row without one is a publish still under way, or one that never ran (the process was
  killed between the commit and the publish): shown too, never silently forgotten.

Rows are operational, never published: the change log ignores this table and no preservation
bag holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import Field, Session, SQLModel, select

from archive.models import utcnow

TABLE = "sitelag"


class SiteLag(SQLModel, table=True):
    """One change the public copies may not show yet."""

    __tablename__ = TABLE
    __table_args__ = {"info": {"preserve": False}}  # operational, not archive
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    action: str  # what was done, in a curator's words ("withdrew nar-a")
    actor: str = ""
    failure: str = ""  # why the publish meant to settle it failed (empty: none failed yet)


@dataclass(frozen=True)
class Lag:
    """What the staff pages say about the public copies."""

    pending: list[SiteLag]

    @property
    def failed(self) -> list[SiteLag]:
        return [row for row in self.pending if row.failure]

    @property
    def out_of_date(self) -> bool:
        return bool(self.pending)


def note(session: Session, action: str, actor: str = "") -> None:
    """Record, in the caller's transaction, a change the public copies must follow."""
    session.add(SiteLag(action=action, actor=actor))


def mark(session: Session) -> int:
    """The newest row's id (0 for none): a publish reads it before the store, and settles up to it."""
    return session.exec(select(func.max(SiteLag.id))).one() or 0


def settle(session: Session, upto: int) -> None:
    """A publish that read the store after row `upto` was written succeeded: those rows are done."""
    session.exec(delete(SiteLag).where(SiteLag.id <= upto))


def failed(session: Session, upto: int, reason: str, actor: str = "") -> None:
    """A publish failed: every row it was meant to settle says why (and one is added if none
    was pending, so a failed publish of any kind is shown)."""
    result = session.exec(update(SiteLag).where(SiteLag.id <= upto).values(failure=reason))
    if not result.rowcount:
        session.add(SiteLag(action="publish", actor=actor, failure=reason))


def current(session: Session) -> Lag:
    return Lag(list(session.exec(select(SiteLag).order_by(SiteLag.id))))
