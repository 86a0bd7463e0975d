"""One record as the Catalog reads it for a single view: its row and what it takes from other
tables, in two statements, with no ORM objects made.

A record view asked for by id (an API GET that misses the answer cache) used to cost eight ORM
queries and ~40 ORM objects (the record, each of three "cited by" tables, accepted tags, images,
and every agent and concept again); most of its time went to SQLAlchemy's ORM, not to SQLite.
Here the row is read through Core (the same columns, JSON decoded by the column types) and the
harms and timelines citing it, its accepted tags and its images come back from one `UNION ALL`,
the same rows `Catalog._record_bulk` reads for many records at once. Nothing here decides what
is public: the Catalog applies the access rule to the row and to each object citing it.

On SQLite both statements are compiled once and run on the session's own DBAPI connection
(`_run`), in its transaction, with the column types' result processors (their public
`TypeEngine.result_processor`, for the dialect's implementation) applied as Core would:
of the ~150 us an API record GET spent reading at 100,000 records, ~90 were Core's execution
machinery around ~30 us of SQLite.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, bindparam, literal, null, select, union_all
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select
from sqlmodel import Session

from archive import models as m
from archive.ledger import ledger_citations
from archive.media import Media
from archive.tag_suggestions import ACCEPTED, TagSuggestion

CITED, TAG, IMAGE = "cited", "tag", "image"


class ImageRow(NamedTuple):
    """What a record view shows of one image (the `Media` columns `Catalog.images_and_parts` reads)."""

    id: str
    width: int
    height: int
    sha256: str
    part: int | None
    alt: str = ""


class RecordLinks(NamedTuple):
    cited_by: list[str]  # ids of the objects citing the record, sorted (`archive.catalog.citing_ids`)
    tags: list[str]  # accepted tag suggestions' concept ids, sorted
    images: list[ImageRow]  # in their order on the record


@functools.cache
def _row_statement() -> Select:
    table = m.Record.__table__
    return select(table).where(table.c.id == bindparam("id"))


@functools.cache
def _links_statement():
    ev, ae, te = m.Evidence.__table__, m.AccountabilityEvent.__table__, m.TimelineEntry.__table__
    ts, me = TagSuggestion.__table__, Media.__table__
    wanted = bindparam("id", type_=String)
    blank = (null().cast(Integer), null().cast(Integer), null().cast(String), null().cast(Integer),
             literal(0, Integer), null().cast(String))

    def linked(what: str, ref, where) -> Select:
        return select(literal(what, String).label("what"), ref.label("ref"), *blank).where(where)

    return union_all(
        linked(CITED, ev.c.harm_id, ev.c.record_id == wanted),
        linked(CITED, ae.c.harm_id, ae.c.source_record_id == wanted),
        linked(CITED, te.c.timeline_id, te.c.ref == wanted),
        linked(TAG, ts.c.concept_id, (ts.c.object_type == "record") & (ts.c.object_id == wanted)
               & (ts.c.status == ACCEPTED)),
        select(literal(IMAGE, String), me.c.id, me.c.width, me.c.height, me.c.sha256, me.c.part, me.c.position,
               me.c.alt)
        .where(me.c.record_id == wanted),
    )


class _Compiled(NamedTuple):
    sql: str
    parameters: Callable[[str], Any]  # the record id -> the DBAPI parameters
    processors: tuple[Callable[[Any], Any] | None, ...]  # per result column: the type's result processor
    row: Callable[..., Any]  # the result columns -> one row, attributes named as the columns


@functools.cache
def _compiled(statement: Callable[[], Select], dialect: Dialect) -> _Compiled:
    """`statement()` compiled for `dialect`, with how to bind its one parameter, `id`, and how to
    make its rows: what Core does for every execution, done once."""
    compiled = statement().compile(dialect=dialect)
    if any(b.type.dialect_impl(dialect).bind_processor(dialect) for b in compiled.binds.values()):
        raise TypeError(f"{statement.__name__}: bind processors are not applied here")  # none for String, Integer
    fixed = compiled.construct_params({"id": ""})
    if compiled.positional:
        order = tuple(compiled.positiontup)

        def parameters(record_id: str):
            return tuple(record_id if name == "id" else fixed[name] for name in order)
    else:
        def parameters(record_id: str):
            return {**fixed, "id": record_id}
    columns = list(statement().selected_columns)
    processors = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    return _Compiled(compiled.string, parameters, processors,
                     namedtuple("RecordRow", [c.key for c in columns], rename=True)._make)


def _run(session: Session, statement: Callable[[], Select], record_id: str) -> list:
    """The rows of `statement()` for `record_id`, on the session's connection (its transaction,
    its pending changes written first by the caller) without Core's per-execution work."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":  # elsewhere a result processor depends on the cursor's column types
        return connection.execute(statement(), {"id": record_id}).all()
    made = _compiled(statement, connection.dialect)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(made.sql, made.parameters(record_id))
        raw = cursor.fetchall()
    finally:
        cursor.close()
    processors = made.processors
    return [made.row([p(v) if p else v for p, v in zip(processors, r, strict=True)]) for r in raw]


def record_row(session: Session, record_id: str):
    """The record's row (attributes named as `Record`'s fields), or None when there is none."""
    rows = _run(session, _row_statement, record_id)
    return rows[0] if rows else None


def record_links(session: Session, record_id: str,
                 ledger_citing: Mapping[str, Sequence[str]] | None = None) -> RecordLinks:
    """What the record's view takes from other tables, in one statement. `ledger_citing`: the
    ledger's links to records (`ledger_citing`), when the caller read them once for many views
    (a server, once per store generation); otherwise this record's are read (four statements,
    which were half the time of an API GET at 100,000 records)."""
    cited: set[str] = set()
    tags: set[str] = set()
    images: list[tuple[int, ImageRow]] = []
    for what, ref, width, height, sha256, part, position, alt in _run(session, _links_statement, record_id):
        if what == CITED:
            cited.add(ref)
        elif what == TAG:
            tags.add(ref)
        else:
            images.append((position, ImageRow(ref, width, height, sha256, part, alt or "")))
    if ledger_citing is None:
        cited |= {object_id for _, object_id in ledger_citations(session, record_id)}  # the ledger's links
    else:
        cited.update(ledger_citing.get(record_id, ()))
    return RecordLinks(sorted(cited), sorted(tags), [image for _, image in sorted(images, key=lambda i: i[0])])


def ledger_citing(session: Session) -> dict[str, tuple[str, ...]]:
    """Record id -> the ledger objects citing it (commitments, attribution stages' harms,
    responses), for all records in one read of the ledger's few rows."""
    citing: dict[str, set[str]] = {}
    for record_id, object_id in ledger_citations(session):
        citing.setdefault(record_id, set()).add(object_id)
    return {record_id: tuple(sorted(ids)) for record_id, ids in citing.items()}
