"""When did an object stop being public? Read back from its revisions, for persistent deletes.

OAI-PMH with `deletedRecord` `persistent` promises harvesters that whatever they once
collected is never silently dropped: when an object leaves the public archive it must be
reported as deleted, with the moment it left, so an incremental harvest (`from=`) learns of
it. An object leaves the public in many ways (a re-ingest that makes it restricted, staff
or embargoed; a staff edit; `--prune`, which soft-deletes it), and every one of them goes
through the unit of work that records a revision with the changed fields' old and new
values (archive/revisions.py, ingest/bulk.py). So rather than hook each write path, this
module replays an object's revisions: each revision closes the state before it, and if that
state was public on the revision's day and the state after it is not, the object left the
public at that moment. The access rule itself (`access.visibility`) judges each state, so
an embargo that had lifted before the object was restricted again counts as public.

Only objects hidden now are asked about, so a harvest of a large archive replays few.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlmodel import Session, SQLModel, select

from archive import models as m
from archive.access import PUBLIC, visibility

CHUNK = 500  # ids per IN (...) clause, well under SQLite's variable limit


def _state_object(table: type[SQLModel], values: dict) -> SQLModel:
    """A detached row holding one past state, for the access rule to judge."""
    return table(**{k: v for k, v in values.items() if k in table.model_fields})


def _public_on(table: type[SQLModel], values: dict, moment: datetime,
               consent: Sequence[m.ConsentEntry]) -> bool:
    return visibility(_state_object(table, values), PUBLIC, moment.date(), consent).visible


def left_public(session: Session, kind: str, object_ids: Iterable[str],
                consent: Mapping[str, Sequence[m.ConsentEntry]] | None = None) -> dict[str, datetime]:
    """For each of `object_ids` that was once public: when it last stopped being public (UTC, naive).

    Ids that were never public (restricted from the start, an embargo that never lifted,
    a narrative never released) are absent from the answer: a harvester never saw them.
    A narrative's consent log is append-only, so its present log judges its past states.
    """
    table = m.OBJECT_TYPES[kind]
    ids = sorted(set(object_ids))
    consent = consent or {}
    revisions: dict[str, list[m.Revision]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        query = (select(m.Revision).where(m.Revision.object_type == kind, m.Revision.object_id.in_(chunk))
                 .order_by(m.Revision.at, m.Revision.id))
        for revision in session.exec(query):
            revisions.setdefault(revision.object_id, []).append(revision)
    found: dict[str, datetime] = {}
    for object_id, history in revisions.items():
        entries = consent.get(object_id, ())
        state: dict = {}
        for revision in history:
            moment = revision.at.replace(tzinfo=None)
            was_public = bool(state) and _public_on(table, state, moment, entries)
            for name, change in (revision.changes or {}).items():
                state[name] = change[1]
            if was_public and not _public_on(table, state, moment, entries):
                found[object_id] = moment
    return found
