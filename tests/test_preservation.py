"""BagIt export, fixity check and restore: the round trip loses nothing."""

from __future__ import annotations

import pytest
from sqlmodel import SQLModel

from archive.db import open_engine
from archive.preservation import BagError, dump_tables, export_bag, import_bag, verify_bag
from ingest.pipeline import ingest
from tests.conftest import make_settings
from web.cli import main


def test_export_verify_import_round_trip_loses_nothing(minimal, tmp_path):
    ingest(minimal)
    path = minimal.content_dir / "records/rec-2008-apology.md"
    path.write_text(path.read_text().replace("The AMA apologizes", "The AMA apologises"))
    ingest(minimal)  # so the bag carries an update revision too
    bag = export_bag(minimal, tmp_path / "bag")
    assert verify_bag(bag) == len(SQLModel.metadata.sorted_tables) + 2  # the tables, reckoning.json, originals.jsonl
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
