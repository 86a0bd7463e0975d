"""archive/catalog.py `Catalog.summaries`: a record's summary is made from the few columns it
reads (`_summary_rows`), not the whole row with its body; the summaries are those the whole
rows give, hidden, embargoed, deleted and placed records among them."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import select

from archive import models as m
from archive.access import PUBLIC, Role, Viewer
from archive.catalog import Catalog, summary_key


def _whole_row_summaries(catalog: Catalog) -> list:
    return sorted(catalog._faceted_summaries("record", catalog._rows("record", ordered=True)), key=summary_key)


def test_record_summaries_are_the_whole_rows_and_read_no_body(sample, session_for):
    with session_for(sample) as session:
        records = session.exec(select(m.Record).order_by(m.Record.id)).all()
        assert len(records) >= 8
        # Each field the access rule and a summary read, set on a few records (not committed).
        changes = [{"access": "restricted"}, {"access": "staff"}, {"deleted": True},
                   {"access": "embargoed", "embargo_until": "2999-01-01"},
                   {"access": "embargoed", "embargo_until": "2000-01-01"},
                   {"coverage": "Chicago", "latitude": 41.88, "longitude": -87.63},
                   {"subjects": ["ht-exclusion", "no-such-concept"], "creators": ["no-such-agent"]},
                   {"date": "1947-06", "date_lower": 19470601, "date_upper": 19470630, "type": "letter"}]
        for record, change in zip(records, changes):
            for name, value in change.items():
                setattr(record, name, value)
        session.flush()
        for viewer in (PUBLIC, Viewer(Role.ADMIN, "test")):
            catalog = Catalog(session, viewer, sample.today())
            statements: list[str] = []

            def seen(conn, cursor, statement, parameters, context, executemany, statements=statements):
                statements.append(statement)

            event.listen(session.get_bind(), "before_cursor_execute", seen)
            try:
                summaries = catalog.summaries("record")
            finally:
                event.remove(session.get_bind(), "before_cursor_execute", seen)
            assert summaries == _whole_row_summaries(catalog)
            read = [s for s in statements if "FROM record" in s]
            assert read and not any("record.body" in s or "attachment_text" in s for s in read), read
        assert {r.id for r in records[:5]} - {s["id"] for s in Catalog(session, PUBLIC, sample.today()).summaries("record")} \
            == {r.id for r in records[:4]}, "the hidden ones are left out, the lifted embargo is not"
        session.rollback()
