"""A full disk or a write that fails mid-way is one clear line, never a corrupt archive.

Two real ways to make writes fail part-way through a real `reckon` process (we run as root,
so permissions would not stop it): a file-size limit (RLIMIT_FSIZE: any write past it fails
with EFBIG, as on a filesystem that cannot take a bigger file) and, where the machine lets us
mount one, a tiny tmpfs that really fills up (ENOSPC). After each failure the previous
site, search index, store and bags must be exactly as they were.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from search.query import open_index, search
from tests.helpers.archives import RECKON, copy_home, make_settings

BIG = "The committee heard Quillonbury testimony again. " * 2000  # ~100 KB: bigger than the limit
LIMIT = 64 * 1024


def reckon(settings, *args: str, file_limit: int | None = None) -> subprocess.CompletedProcess:
    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, not the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    env = dict(os.environ, RECKON_TODAY=settings.today().isoformat())
    return subprocess.run([RECKON, "--home", str(settings.home), *args], env=env, capture_output=True, text=True, check=False,
                          preexec_fn=limited if file_limit else None, timeout=120)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def store_state(settings) -> tuple:
    with sqlite3.connect(settings.sqlite_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        records = db.execute("SELECT id, title, body FROM record ORDER BY id").fetchall()
        revisions = db.execute("SELECT count(*) FROM revision").fetchone()[0]
    return records, revisions


def add_big_record(settings) -> None:
    (settings.content_dir / "records" / "rec-big.md").write_text(
        f"---\nid: rec-big\ntitle: The Quillonbury minutes\ndate: 1931\ntype: minutes\nsource: \"Minutes, 1931.\"\n---\n{BIG}\n")


@pytest.fixture
def built(published_copy):
    return published_copy


@pytest.fixture
def tiny_disk(tmp_path):
    """A 6 MB tmpfs, or a skip saying why there is none."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True, check=False,
                          text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({made.stderr.strip()}); the RLIMIT_FSIZE tests cover ENOSPC's kin")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_build_whose_writes_fail_midway_leaves_the_previous_site_and_index_whole(built):
    site_before = files(built.public_dir)
    found_before = search(open_index(built.index_dir), "apologized", 10).total
    add_big_record(built)
    ingest(built)  # the next build has a page and index document bigger than any write may be
    err = one_line_error(reckon(built, "build", file_limit=LIMIT))
    assert err.startswith("error: cannot write or read") and "File too large" in err, err
    assert files(built.public_dir) == site_before
    assert not list(built.home.glob(".public.new-*"))
    # The index is written (atomically, in its own step) before the site; it is whole either way.
    assert search(open_index(built.index_dir), "apologized", 10).total == found_before > 0
    assert reckon(built, "build").returncode == 0  # with room again, the build goes through
    assert "Quillonbury" in (built.public_dir / "records" / "rec-big" / "index.html").read_text()


@pytest.mark.slow
def test_a_build_on_a_full_disk_is_a_clear_error(published_template, tiny_disk):
    settings = copy_home(published_template, tiny_disk)  # the minimal archive, published, on the tiny disk
    site_before = files(settings.public_dir)
    add_big_record(settings)
    ingest(settings)
    filler = tiny_disk / "filler"
    with open(filler, "wb", buffering=0) as out:  # fill the disk to the brim
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    # Leave a little room, so the store opens and the build fails part-way through its writes.
    os.truncate(filler, max(filler.stat().st_size - 256 * 1024, 0))
    err = one_line_error(reckon(settings, "build"))
    assert "No space left on device" in err, err
    assert files(settings.public_dir) == site_before
    filler.unlink()


@pytest.mark.slow
def test_an_export_that_runs_out_of_room_leaves_no_bag(built, tmp_path):
    add_big_record(built)
    ingest(built)
    bag = tmp_path / "bag"
    err = one_line_error(reckon(built, "export", "--bag", str(bag), file_limit=LIMIT))
    assert "File too large" in err
    assert not bag.exists() and not (tmp_path / "bag.partial").exists()


@pytest.mark.slow
def test_an_ingest_whose_store_write_fails_changes_nothing(built):
    before = store_state(built)
    add_big_record(built)
    err = one_line_error(reckon(built, "ingest", file_limit=LIMIT))
    assert "store" in err or "File too large" in err
    assert store_state(built) == before  # all or nothing: not the record, not its revision
    assert reckon(built, "ingest").returncode == 0
    assert len(store_state(built)[0]) == len(before[0]) + 1


def test_a_build_into_a_folder_that_cannot_be_made_is_a_clear_error(built, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the working folder should be")
    settings = make_settings(blocker / "home", built.content_dir)
    err = one_line_error(reckon(settings, "build"))
    assert "not-a-folder" in err and "Not a directory" in err
