"""The one visibility rule, over every level, viewer and consent state."""

from datetime import date

import pytest

from archive.access import PUBLIC, Form, Role, Viewer, visibility
from archive.models import ConsentEntry, Narrative, Record

TODAY = date(2026, 11, 23)
CURATOR = Viewer(Role.CURATOR, "cur")
CONTRIBUTOR = Viewer(Role.CONTRIBUTOR, "con")


def narrative(**fields) -> Narrative:
    defaults = {"id": "nar-x", "title": "T", "access": "public", "release_signed": "2019-01-01"}
    return Narrative(**(defaults | fields))


def granted(*decisions: bool) -> list[ConsentEntry]:
    return [ConsentEntry(narrative_id="nar-x", position=i, date=f"20{10 + i}-01-01", use="publish-text", granted=g)
            for i, g in enumerate(decisions)]


@pytest.mark.parametrize(
    ("access", "public_form", "contributor_form", "curator_form"),
    [
        ("public", Form.WHOLE, Form.WHOLE, Form.WHOLE),
        ("staff", Form.HIDDEN, Form.WHOLE, Form.WHOLE),
        ("restricted", Form.HIDDEN, Form.HIDDEN, Form.WHOLE),
        ("withdrawn", Form.TOMBSTONE, Form.TOMBSTONE, Form.WHOLE),
    ],
)
def test_levels_for_each_viewer(access, public_form, contributor_form, curator_form):
    record = Record(id="rec-x", title="T", access=access)
    assert visibility(record, PUBLIC, TODAY).form is public_form
    assert visibility(record, CONTRIBUTOR, TODAY).form is contributor_form
    assert visibility(record, CURATOR, TODAY).form is curator_form


def test_embargo_lifts_on_its_date_without_anyone_acting():
    record = Record(id="rec-x", title="T", access="embargoed", embargo_until="2045-01-01")
    assert not visibility(record, PUBLIC, date(2044, 12, 31)).visible
    assert visibility(record, PUBLIC, date(2045, 1, 1)).visible
    assert visibility(record, CONTRIBUTOR, date(2030, 1, 1)).visible


def test_public_narrative_needs_consent_and_release():
    assert visibility(narrative(), PUBLIC, TODAY, granted(True)).form is Form.REDACTED
    assert not visibility(narrative(), PUBLIC, TODAY, []).visible
    assert not visibility(narrative(), PUBLIC, TODAY, granted(False)).visible
    assert not visibility(narrative(release_signed=None), PUBLIC, TODAY, granted(True)).visible


def test_withdrawal_in_the_consent_log_overrides_a_public_level():
    form = visibility(narrative(), PUBLIC, TODAY, granted(True, False)).form
    assert form is Form.TOMBSTONE
    assert visibility(narrative(), CURATOR, TODAY, granted(True, False)).form is Form.WHOLE


def test_deleted_objects_are_hidden_from_all_but_admins():
    record = Record(id="rec-x", title="T", deleted=True)
    assert visibility(record, CURATOR, TODAY).form is Form.HIDDEN
    assert visibility(record, Viewer(Role.ADMIN), TODAY).visible
