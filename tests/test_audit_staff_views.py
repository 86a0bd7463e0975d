"""The audit makes a record's staff view only where it can differ from the public one.

`audit.leaks.fingerprints` takes the hidden part of a visible object from the fields where its
staff view differs from its public view. Of records it makes staff views only for those the
public may not see and those something cites (`_staff_may_differ`): a record's view depends on
its viewer only through `RECORD_FIELDS_BY_VIEWER`. This checks that rule against both views of
every record of an archive where hidden objects cite public records; a field that comes to
depend on the viewer fails it."""

from __future__ import annotations

import shutil

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.db import store_transaction
from archive.errors import Gone, NotFound
from audit.leaks import ADMIN, RECORD_FIELDS_BY_VIEWER, _rows, _staff_may_differ, fingerprints
from ingest.pipeline import ingest
from tests.helpers.archives import MINIMAL, make_settings, with_ledger

HIDDEN_TIMELINE = """---
id: tl-hidden
title: Brackenfold chronology
access: staff
entries:
  - {date: 2008-07-10, title: The apology again, ref: rec-2008-apology}
---
Staff notes.
"""
UNCITED = """---
id: rec-1999-uncited
title: A letter nothing cites
date: 1999
type: correspondence
source: "A letter in a box."
---
A letter.
"""


def _archive(tmp_path):
    """The minimal archive with the ledger (a staff-only record, a harm citing records), a
    staff-only timeline citing a public record and a record nothing cites: ingested only."""
    shutil.copytree(MINIMAL, tmp_path / "content")
    with_ledger(tmp_path / "content")
    (tmp_path / "content" / "timelines" / "tl-hidden.md").write_text(HIDDEN_TIMELINE)
    (tmp_path / "content" / "records" / "rec-1999-uncited.md").write_text(UNCITED)
    settings = make_settings(tmp_path, tmp_path / "content")
    ingest(settings)
    return settings


def test_a_record_s_views_differ_by_viewer_only_where_the_audit_makes_both(tmp_path):
    settings = _archive(tmp_path)
    with store_transaction(settings) as session:
        public, admin = Catalog(session, PUBLIC, settings.today()), Catalog(session, ADMIN, settings.today())
        rows = _rows(session, "record")
        seen = {row.id: public.visibility_of(row) for row in rows}
        both = {row.id for row in _staff_may_differ(session, "record", rows, seen)}
        differing, hidden = set(), set()
        for row in rows:
            staff = admin.get("record", row.id)
            try:
                view = public.get("record", row.id)
            except (NotFound, Gone):
                hidden.add(row.id)
                continue
            fields = {k for k in staff.keys() | view.keys() if staff.get(k) != view.get(k)}
            assert fields <= set(RECORD_FIELDS_BY_VIEWER), (row.id, fields)
            if fields:
                differing.add(row.id)
        assert differing and hidden  # the archive exercises both reasons
        assert differing | hidden <= both
        assert len(both) < len(rows)  # and some record's staff view is not made


def test_a_hidden_object_citing_a_public_record_is_a_hidden_part_of_it(tmp_path):
    settings = _archive(tmp_path)
    with store_transaction(settings) as session:
        prints, _ = fingerprints(session, settings.today(), settings.site_dir)
    parts = {f.text for f in prints if f.object_id == "rec-2008-apology" and "part not public" in f.why}
    assert "brackenfold" in parts
