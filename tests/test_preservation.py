"""BagIt export, fixity check and restore: the round trip loses nothing."""

from __future__ import annotations

import pytest
from sqlmodel import SQLModel

from archive.db import open_engine, store_transaction
from archive.preservation import BagError, dump_tables, export_bag, import_bag, verify_bag
from archive.signin_limits import SignInFailure
from ingest.pipeline import ingest
from reckon.cli import main
from tests.helpers.archives import make_settings


def test_export_verify_import_round_trip_loses_nothing(minimal, tmp_path):
    ingest(minimal)
    path = minimal.content_dir / "records/rec-2008-apology.md"
    path.write_text(path.read_text().replace("The AMA apologizes", "The AMA apologises"))
    ingest(minimal)  # so the bag carries an update revision too
    bag = export_bag(minimal, tmp_path / "bag")
    preserved = [t for t in SQLModel.metadata.sorted_tables if t.info.get("preserve") is not False]
    assert verify_bag(bag) == len(preserved) + 2  # the tables, reckoning.json, originals.jsonl
    restored = make_settings(tmp_path / "restored", minimal.content_dir)
    counts = import_bag(restored, bag)
    assert counts["revision"] >= 2 and counts["consententry"] >= 1
    before, after = open_engine(minimal), open_engine(restored)
    try:
        assert dump_tables(after) == dump_tables(before)
    finally:
        before.dispose()
        after.dispose()


def test_a_damaged_bag_is_named_and_refused(minimal, tmp_path, capsys):
    ingest(minimal)
    bag = export_bag(minimal, tmp_path / "bag")
    with open(bag / "data" / "tables" / "record.jsonl", "a") as out:
        out.write("\n")
    assert main(["verify", str(bag)]) == 1
    assert "bag is damaged" in capsys.readouterr().err
    with pytest.raises(BagError, match="damaged"):
        import_bag(make_settings(tmp_path / "restored", minimal.content_dir), bag)


def test_restore_refuses_an_archive_that_is_not_empty(minimal, tmp_path):
    ingest(minimal)
    bag = export_bag(minimal, tmp_path / "bag")
    with pytest.raises(BagError, match="not empty"):
        import_bag(minimal, bag)
    with pytest.raises(BagError, match="already exists"):
        export_bag(minimal, bag)


def test_the_bag_carries_no_sign_in_attempts(minimal, tmp_path):
    ingest(minimal)
    with store_transaction(minimal) as session:
        session.add(SignInFailure(username="somebody", client="203.0.113.9", at=1.0))
        session.commit()
    bag = export_bag(minimal, tmp_path / "bag")
    words = "".join(p.read_text(encoding="utf-8", errors="replace") for p in bag.rglob("*") if p.is_file())
    assert "203.0.113.9" not in words and "somebody" not in words
    assert not (bag / "data" / "tables" / f"{SignInFailure.__tablename__}.jsonl").exists()
