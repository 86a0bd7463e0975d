"""The unit of work's bookkeeping: every write records a revision and an audit line.

A revision keeps the previous values so any change can be shown as a diff and undone; the
audit line keeps only who did what to which id, never the content, so it can outlive a purge.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, SQLModel

from archive.models import AuditEvent, Revision, utcnow

_BOOKKEEPING = {"created_at", "updated_at", "content_hash"}


def _plain(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def snapshot(obj: SQLModel) -> dict:
    return {k: _plain(v) for k, v in obj.model_dump().items() if k not in _BOOKKEEPING}


def diff(before: dict, after: dict) -> dict:
    """Changed fields as {field: [old, new]}."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record_write(
    session: Session,
    obj: SQLModel,
    *,
    object_type: str,
    action: str,
    actor: str,
    before: dict | None,
    detail: str = "",
) -> None:
    """Add `obj` to the session with its revision and audit line."""
    after = snapshot(obj)
    if hasattr(obj, "updated_at"):
        obj.updated_at = utcnow()
    session.add(obj)
    changes = diff(before or {}, after) if action != "delete" else {"deleted": [False, True]}
    session.add(
        Revision(
            object_type=object_type,
            object_id=str(obj.id),
            action=action,
            actor=actor,
            changes=changes,
        )
    )
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(obj.id),
            detail=detail,
        )
    )
