"""A curator's decision on something the software only proposed: one path for every proposal.

Tag suggestions (`archive.tag_suggestions`) and redaction proposals (`archive.redactions`)
are both rows with a `status`, `decided_by` and `decided_at`; the command line and the staff
app decide them through `decide` here, so a decision is checked, recorded as a revision (the
previous values, for the history) and written to the audit log in the same way everywhere.
The audit line names the decision and the row, never the words, so it can outlive a purge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session, SQLModel, select

from archive.errors import NotFound, ReckoningError
from archive.models import AuditEvent, Revision, utcnow
from archive.revisions import diff, snapshot

Row = TypeVar("Row", bound=SQLModel)


class DecisionError(ReckoningError):
    """A decision the row does not allow (an unknown status, a span its source file lists)."""


def listing(session: Session, table: type[Row], order: tuple, *, status: str | None,
            allowed: tuple[str, ...], **where: object) -> list[Row]:
    """Proposal rows in `order`, of one `status` (checked against `allowed`) if given, and with
    each column in `where` equal to its value where that value is given (None: any)."""
    query = select(table).order_by(*order)
    if status:
        if status not in allowed:
            raise ReckoningError(f"unknown status {status!r} (expected one of {', '.join(allowed)})")
        query = query.where(table.status == status)
    for column, value in where.items():
        if value:
            query = query.where(getattr(table, column) == value)
    return list(session.exec(query))


def decide(session: Session, table: type[Row], row_id: int, status: str, actor: str, *,
           allowed: tuple[str, ...], kind: str, subject: Callable[[Row], tuple[str, str]],
           describe: Callable[[Row], str], missing_hint: str = "",
           check: Callable[[Row, str], None] | None = None) -> Row:
    """Set a proposal's status to `status` (one of `allowed`) on behalf of `actor`.

    `kind` names the proposal in messages and in the revision's object type ("tag suggestion");
    `subject` gives the object the proposal is about (type, id), which the audit line names;
    `describe` gives the audit line's words-free description of the row; `check` may refuse a
    decision the row's origin does not allow by raising `DecisionError`.
    """
    if status not in allowed:
        raise DecisionError(f"unknown decision {status!r} (expected {' or '.join(allowed)})")
    row = session.get(table, row_id)
    if row is None:
        raise NotFound(f"no {kind} {row_id}" + (f": {missing_hint}" if missing_hint else ""))
    if check is not None:
        check(row, status)
    record_change(session, row, kind, subject(row), actor, status, f"{kind} {row.id} {describe(row)}: {status}",
                  status=status, decided_by=actor, decided_at=utcnow())
    return row


def record_change(session: Session, row: SQLModel, kind: str, about: tuple[str, str], actor: str, action: str,
                  detail: str, **values: object) -> None:
    """Apply `values` to a proposal row with its revision and an audit line about its object."""
    before = {} if row.id is None else snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()  # a new row gets its id here, for the revision
    session.add(Revision(object_type=kind.replace(" ", "-"), object_id=str(row.id), action=action, actor=actor,
                         changes=diff(before, snapshot(row))))
    session.add(AuditEvent(actor=actor, action=action, object_type=about[0], object_id=about[1], detail=detail))
