"""Failed staff sign-ins, kept in the store: slowed, then refused for a while.

The count lives in a small table rather than in a server process's memory, so a restart
does not wipe it and several uvicorn workers (or servers) on one store share it: an
attacker gains nothing by being spread over processes. Rows hold a username as typed,
a client address and a wall-clock time, nothing else; rows older than the window are
removed as new failures arrive.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from archive.transaction import transaction

Key = tuple[str, str]  # (username in lower case, client address)


class SignInFailure(SQLModel, table=True):
    # Operational data (usernames and client addresses), not the archive: preservation bags
    # leave it out, so a bag handed to another institution carries no one's sign-in attempts.
    __table_args__ = {"info": {"preserve": False}}

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True)
    client: str
    at: float = Field(index=True)  # seconds since the epoch: comparable across processes


class StoreSignInLimiter:
    """Failed sign-ins per username and client address, counted across processes.

    Five failures in fifteen minutes lock the pair out until the oldest of them leaves the
    window; each failure is answered more slowly (0.2 s more each, at most 2 s).
    """

    def __init__(self, max_failures: int = 5, window_seconds: int = 900, step_seconds: float = 0.2,
                 clock=time.time):
        self.max_failures = max_failures
        self.window = window_seconds
        self.step = step_seconds
        self.clock = clock

    def _recent(self, session: Session, key: Key, now: float) -> list[float]:
        username, client = key
        return list(session.exec(select(SignInFailure.at).where(
            SignInFailure.username == username, SignInFailure.client == client,
            SignInFailure.at > now - self.window).order_by(SignInFailure.at)))

    def retry_after(self, engine: Engine, key: Key) -> int:
        """Seconds until this key may try again; 0 when it may try now."""
        now = self.clock()
        with Session(engine) as session:
            recent = self._recent(session, key, now)
        if len(recent) < self.max_failures:
            return 0
        return max(1, int(self.window - (now - recent[-self.max_failures])))

    def failed(self, engine: Engine, key: Key) -> float:
        """Count a failure; returns how long to hold the answer back (grows with each failure)."""
        now = self.clock()
        with transaction(engine) as session:
            session.exec(delete(SignInFailure).where(SignInFailure.at <= now - self.window))  # type: ignore[call-overload]
            session.add(SignInFailure(username=key[0], client=key[1], at=now))
            session.flush()
            count = len(self._recent(session, key, now))
        return min(self.step * count, 2.0)

    def succeeded(self, engine: Engine, key: Key) -> None:
        with transaction(engine) as session:
            session.exec(delete(SignInFailure).where(  # type: ignore[call-overload]
                SignInFailure.username == key[0], SignInFailure.client == key[1]))


def failures_stored(engine: Engine) -> int:
    """How many failures the store holds (for the admin's eyes and the tests)."""
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(SignInFailure)).one()
