"""`reckon audit` after publishes checks what they changed (audit/since.py): the files each
publish wrote, for every fingerprint, and material hidden since the last audit, everywhere."""

from __future__ import annotations

import time

from archive.access import Role, Viewer
from archive.db import store_transaction
from archive.store_consent import withdraw_narrative
from audit.leaks import fingerprints
from audit.since import audit_since
from publish.pipeline import publish
from reckon.cli import main

CAROL = Viewer(Role.CURATOR, "carol")


def withdraw(settings) -> None:
    with store_transaction(settings) as session:
        withdraw_narrative(session, CAROL, "nar-a", settings.today())


def test_the_first_audit_is_full_then_only_what_changed_is_checked(published_copy):
    settings = published_copy
    time.sleep(2.1)  # the copy's files are older than the audit by more than its slack for a coarse clock
    first = audit_since(settings)
    assert first.full and first.report.leaks == [] and first.report.places > 10
    again = audit_since(settings)
    assert not again.full and (again.files, again.new, again.report.places) == (0, 0, 0)
    time.sleep(2.1)  # past the audit's slack for a coarse clock
    withdraw(settings)
    publish(settings)
    after = audit_since(settings)
    assert not after.full and 0 < after.files < first.report.places and after.new > 0 and after.report.leaks == []


def hidden_word(settings, object_id: str) -> str:
    with store_transaction(settings) as session:
        prints, _ = fingerprints(session, settings.today(), settings.site_dir)
    return next(f.text for f in prints if f.kind == "word" and f.object_id == object_id)


def test_material_hidden_since_the_last_audit_is_looked_for_in_every_file(published_copy):
    settings = published_copy
    audit_since(settings)
    withdraw(settings)
    publish(settings)
    word = hidden_word(settings, "nar-a")
    # A copy the publish did not touch (a stale file, one put there by hand): found all the same.
    stale = settings.public_dir / "about" / "index.html"
    stale.write_text(stale.read_text() + f"<p>{word}</p>")
    leaks = audit_since(settings).report.leaks
    assert {(leak.fingerprint.text, leak.where.endswith("about/index.html")) for leak in leaks} == {(word, True)}


def test_a_file_written_since_is_checked_for_every_fingerprint_and_full_checks_all(published_copy):
    settings = published_copy
    audit_since(settings)
    word = hidden_word(settings, "nar-b")  # hidden before the last audit: not looked for everywhere
    page = settings.public_dir / "records" / "rec-2008-apology" / "index.html"
    page.write_text(page.read_text() + f"<p>{word}</p>")  # written since: checked for every fingerprint
    leaks = audit_since(settings).report.leaks
    assert {(leak.fingerprint.text, leak.where.endswith("rec-2008-apology/index.html")) for leak in leaks} \
        == {(word, True)}
    assert main(["--home", str(settings.home), "audit", "--full"]) == 1  # everything: found again
