"""The library under the staff app: validation, redaction, transitions and history, on a real store."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from archive import workflow
from archive.access import Role, Viewer
from archive.db import open_engine, transaction
from archive.models import Narrative
from archive.submissions import REDACTED_NAME, Submission, redact, redaction_names, validate
from tests.staff_helpers import FORM

ALICE = Viewer(Role.CONTRIBUTOR, "alice")
BOB = Viewer(Role.CONTRIBUTOR, "bob")
CAROL = Viewer(Role.CURATOR, "carol")


def test_redaction_takes_whole_words_in_any_case_and_longest_names_first():
    sub = Submission(id="x", owner="a", narrator_name="Ann Lee", anonymize=True, redact_names="Lee\nBo Chen")
    names = redaction_names(sub)
    assert names == ["Ann Lee", "Bo Chen", "Lee"]
    text = redact("Ann Lee met BO CHEN at the Leeward annual; Lee left.", names)
    assert text == f"{REDACTED_NAME} met {REDACTED_NAME} at the Leeward annual; {REDACTED_NAME} left."
    shown = Submission(id="y", owner="a", narrator_name="Ann Lee", anonymize=False)
    assert redaction_names(shown) == []  # a narrator who chose to be named is not hidden


def test_validation_names_each_bad_field_and_keeps_the_rest():
    checked = validate(FORM | {"date": "1962-13", "language": "English", "scope": "everyone",
                               "release_signed": "1", "release_date": ""})
    assert set(checked.errors) == {"date", "language", "scope", "release_date"}
    assert checked.values["title"] == FORM["title"] and checked.values["release_signed"] is True
    assert validate(FORM).ok


def test_transitions_follow_the_states_and_history_rebuilds_each_version(minimal):
    engine = open_engine(minimal)
    try:
        with transaction(engine) as session:
            sub = workflow.create(session, ALICE, validate(FORM).values)
            with pytest.raises(workflow.WorkflowError, match="cannot be sent to 'in review'"):
                workflow.act(session, CAROL, sub.id, "start_review", 1)
            with pytest.raises(workflow.Forbidden):
                workflow.act(session, BOB, sub.id, "submit", 1)
            workflow.save(session, ALICE, sub.id, 1, validate(FORM | {"place": "Evanston"}).values)
            with pytest.raises(workflow.StaleEdit, match="now version 2"):
                workflow.save(session, ALICE, sub.id, 1, validate(FORM).values)
            workflow.act(session, ALICE, sub.id, "submit", 2)
            workflow.act(session, CAROL, sub.id, "publish", 3)
        with Session(engine) as session:
            assert session.get(Narrative, sub.id).access == "public"
            revisions = workflow.history(session, sub.id)
            assert [r.action for r in revisions] == ["create", "update", "submit", "publish"]
            assert [r.actor for r in revisions] == ["alice", "alice", "alice", "carol"]
            assert workflow.state_at(revisions, revisions[0].id)["place"] == "Chicago"
            changes = workflow.diff_revisions(session, sub.id, revisions[0].id, revisions[-1].id)
            assert {c["field"]: (c["old"], c["new"]) for c in changes} == {
                "place": ("Chicago", "Evanston"), "state": ("draft", "published")}
    finally:
        engine.dispose()
