"""Private text never reaches a public field or address: every narrative text field goes through
the one redactor (the interviewer included), staff submissions' ids are made from public text
only, and `reckon audit` finds a private name spelled inside an id."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import String

from archive import workflow
from archive.access import Role, Viewer
from archive.catalog import Catalog
from archive.db import open_engine, store_transaction, transaction
from archive.errors import WorkflowError
from archive.models import Narrative
from archive.redactions import NOT_REDACTED, REDACTED_FIELDS
from archive.submissions import validate
from audit.leaks import audit
from publish.pipeline import publish
from tests.helpers.staff import FORM

ALICE = Viewer(Role.CONTRIBUTOR, "alice")
CAROL = Viewer(Role.CURATOR, "carol")
PRIVATE = "Private Personname"  # FORM's narrator, shown under the pseudonym "R. M."


def publish_submission(settings, **changes) -> str:
    with store_transaction(settings) as session:
        sub = workflow.create(session, ALICE, validate(FORM | changes).values)
        workflow.act(session, ALICE, sub.id, "submit", 1)
        workflow.act(session, CAROL, sub.id, "publish", 2)
        return sub.id


def public_text(settings) -> str:
    """Every public file of the built site, with its path (ids and URLs count)."""
    return "\n".join(f"{p.relative_to(settings.public_dir)}\n{p.read_text(errors='replace')}"
                     for p in sorted(settings.public_dir.rglob("*")) if p.is_file())


def test_every_text_column_of_a_narrative_is_redacted_or_says_why_not():
    text_columns = {c.name for c in Narrative.__table__.columns if isinstance(c.type, String)}
    declared = set(REDACTED_FIELDS) | set(NOT_REDACTED)
    assert text_columns - declared == set(), "a new narrative text field must be redacted or listed in NOT_REDACTED"
    assert not set(REDACTED_FIELDS) & set(NOT_REDACTED)


def test_the_interviewer_field_is_redacted_everywhere_the_public_reads(minimal):
    narrative_id = publish_submission(minimal, interviewer=f"{PRIVATE} and Bo Quillfeather",
                                      redact_names="Bo Quillfeather")
    publish(minimal)
    site = public_text(minimal)
    assert narrative_id in site  # published, and read below
    for secret in ("Personname", "Quillfeather"):
        assert secret not in site
    with store_transaction(minimal) as session:
        view = Catalog(session, today=minimal.today()).narrative(narrative_id)
    assert "Personname" not in json.dumps(view) and "Quillfeather" not in json.dumps(view)
    assert view["interviewer"].startswith("R. M. and ")


def test_a_submission_titled_with_a_private_name_gets_an_id_of_public_words(minimal):
    with store_transaction(minimal) as session:
        ids = {workflow.new_id(session, validate(FORM | {"title": f"{PRIVATE} remembers"}).values)
               for _ in range(5)}
        listed = workflow.new_id(session, validate(FORM | {"title": "Visiting Bo Quillfeather",
                                                           "redact_names": "Bo Quillfeather"}).values)
    assert all(i.startswith("nar-r-m-remembers-") for i in ids), ids
    assert len(ids) == 5  # a random ending every time: an id says nothing of other narratives
    assert "quillfeather" not in listed


def test_publishing_is_refused_when_the_id_spells_a_name_listed_after_it_was_made(minimal):
    engine = open_engine(minimal)
    try:
        with transaction(engine) as session:
            sub = workflow.create(session, ALICE, validate(FORM | {"title": "Visiting Bo Quillfeather"}).values)
            assert "quillfeather" in sub.id  # not listed yet: the name was public text then
            workflow.save(session, ALICE, sub.id, 1, validate(FORM | {"title": "Visiting Bo Quillfeather",
                                                                      "redact_names": "Bo Quillfeather"}).values)
            workflow.act(session, ALICE, sub.id, "submit", 2)
        with (pytest.raises(WorkflowError, match="its id spells words the public form withholds"),
              transaction(engine) as session):
            workflow.act(session, CAROL, sub.id, "publish", 3)
    finally:
        engine.dispose()


def test_the_audit_finds_a_private_name_spelled_in_an_id(minimal):
    narrative_id = publish_submission(minimal)
    publish(minimal)
    assert not audit(minimal).leaks
    engine = open_engine(minimal)
    try:  # a narrative made before ids came from public text: its id spells the private name
        with transaction(engine) as session:
            row = session.get(Narrative, narrative_id)
            session.add(Narrative(**{**row.model_dump(), "id": "nar-private-personname-remembers"}))
    finally:
        engine.dispose()
    publish(minimal)
    leaks = audit(minimal).leaks
    assert any(leak.fingerprint.text == PRIVATE and "nar-private-personname-remembers" in leak.where
               for leak in leaks), [str(leak) for leak in leaks]
