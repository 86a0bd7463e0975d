"""The bag carries the original files too (scan, PDF, transcript file, staff upload), and the
round trip gives every one of them back byte for byte, with its SHA-256."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from starlette.testclient import TestClient

from archive.db import open_engine
from archive.originals import KINDS, OriginalError
from archive.preservation import BagError, dump_tables, export_bag, import_bag, verify_bag
from ingest.pipeline import ingest
from reckon.cli import main
from server.app import create_app
from tests.helpers.archives import REPO, make_settings
from tests.helpers.content import attach, make_pdf
from tests.helpers.media import write_tone
from tests.helpers.staff import FORM, add_users, csrf_of, sign_in

IMAGE = REPO / "content" / "catalog" / "images" / "illustration-nma-founding-title-page.png"
VTT = REPO / "content" / "narratives" / "nar-composite-02.vtt"
PATH_COLUMNS: dict[str, list[str]] = {}
for _kind in KINDS:
    PATH_COLUMNS.setdefault(_kind.table.__tablename__, []).append(_kind.path)


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def originals_of(settings) -> dict[tuple[str, str], bytes]:
    """Every original the store points to, by (table, row), with its bytes."""
    engine = open_engine(settings)
    try:
        tables = dump_tables(engine)
    finally:
        engine.dispose()
    found = {}
    for table, columns in PATH_COLUMNS.items():
        for column in columns:
            for row in tables[table]:
                if row[column]:
                    key = json.dumps({k: v for k, v in row.items() if k not in columns} | {"file": column},
                                     sort_keys=True, default=str)
                    found[(table, key)] = (settings.content_dir.parent / row[column]).read_bytes()
    return found


def without_paths(tables: dict) -> dict:
    return {name: [{k: v for k, v in row.items() if k not in PATH_COLUMNS.get(name, [])} for row in rows]
            for name, rows in tables.items()}


@pytest.fixture
def with_originals(minimal, tmp_path):
    """The minimal archive with a scanned image and a PDF on a record, a WebVTT transcript on a
    narrative, and a transcript uploaded through the staff app."""
    records = minimal.content_dir / "records"
    shutil.copy(IMAGE, records / "scan.png")
    make_pdf(records / "policy.pdf", "Hospitals built under the program")
    attach(minimal, "images: [scan.png]\npdf: policy.pdf")
    shutil.copy(VTT, minimal.content_dir / "narratives" / "nar-e.vtt")
    narrative = minimal.content_dir / "narratives" / "nar-e.md"
    narrative.write_text(narrative.read_text().replace("\n---\n", "\ntranscript: nar-e.vtt\nmedia: [nar-e.wav]\n---\n", 1))
    write_tone(minimal.content_dir / "narratives" / "nar-e.wav", 2.0)
    ingest(minimal)
    add_users(minimal)
    with TestClient(create_app(minimal)) as client:
        sign_in(client, "alice")
        page = client.get("/staff/narratives/new")
        answer = client.post("/staff/narratives/new", data=FORM | {"csrf_token": csrf_of(page.text), "then": "save"},
                             files={"transcript_file": ("interview.vtt", VTT.read_bytes(), "text/vtt"),
                                    "recording_file": ("session.wav", write_tone(tmp_path / "session.wav", 1.5)
                                                       .read_bytes(), "audio/wav")})
        assert answer.status_code == 200, answer.text
    return minimal


def test_the_bag_holds_every_original_and_the_round_trip_gives_back_every_byte(with_originals, tmp_path,
                                                                             monkeypatch):
    before = originals_of(with_originals)
    assert {table for table, _ in before} == {"media", "attachment", "transcriptsource", "submission", "recording"}
    bag = export_bag(with_originals, tmp_path / "bag")
    index = [json.loads(line) for line in (bag / "data" / "originals.jsonl").read_text().splitlines()]
    assert sorted(e["kind"] for e in index) == ["attachments", "images", "recording-uploads", "recordings",
                                                "transcripts", "uploads"]
    manifest = (bag / "manifest-sha256.txt").read_text()
    for entry in index:  # each original sits in the bag under the bag's own SHA-256 manifest
        assert f"{entry['sha256']}  data/{entry['path']}" in manifest
        assert sha(bag / "data" / entry["path"]) == entry["sha256"]
    assert verify_bag(bag) == len(dump_tables_names(with_originals)) + 2 + len(index)

    restored = make_settings(tmp_path / "restored", with_originals.content_dir)
    monkeypatch.setenv("DATABASE_URL", restored.database_url)
    assert main(["--home", str(restored.home), "import", "--bag", str(bag)]) == 0
    after = originals_of(restored)
    assert sorted(after.values()) == sorted(before.values())  # every file, byte for byte
    assert sorted(after) == sorted(before)  # ... belonging to the same rows
    engine_a, engine_b = open_engine(with_originals), open_engine(restored)
    try:
        old, new = dump_tables(engine_a), dump_tables(engine_b)
    finally:
        engine_a.dispose()
        engine_b.dispose()
    assert without_paths(new) == without_paths(old)
    for table, columns in PATH_COLUMNS.items():  # the rows point into the new working folder
        for row in new[table]:
            for column in columns:
                if row[column]:
                    assert row[column].startswith(str(restored.home)), row[column]


def dump_tables_names(settings) -> list[str]:
    engine = open_engine(settings)
    try:
        return list(dump_tables(engine))
    finally:
        engine.dispose()


def test_a_flipped_byte_in_an_original_is_caught_by_verify(with_originals, tmp_path, capsys):
    bag = export_bag(with_originals, tmp_path / "bag")
    scan = next((bag / "data" / "originals" / "images").rglob("*.png"))
    data = bytearray(scan.read_bytes())
    data[len(data) // 2] ^= 0x01
    scan.write_bytes(bytes(data))
    assert main(["verify", str(bag)]) == 1
    err = capsys.readouterr().err
    assert "bag is damaged" in err and "scan.png" in err
    restored = make_settings(tmp_path / "restored", with_originals.content_dir)
    with pytest.raises(BagError, match="damaged"):
        import_bag(restored, bag)
    assert not (restored.home / "originals").exists()


def test_a_missing_or_changed_original_stops_the_export(with_originals, tmp_path):
    scan = with_originals.content_dir / "records" / "scan.png"
    scan.write_bytes(scan.read_bytes() + b"changed")
    with pytest.raises(OriginalError, match="images rec-2008-apology-1: .*scan.png has changed"):
        export_bag(with_originals, tmp_path / "bag")
    scan.unlink()
    with pytest.raises(OriginalError, match="scan.png is missing"):
        export_bag(with_originals, tmp_path / "bag")
    assert not (tmp_path / "bag").exists() and not (tmp_path / "bag.partial").exists()
