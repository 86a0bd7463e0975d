"""`reckon build --changed-list FILE`: exactly the site paths a publish wrote or removed, so an
upload tool (rclone `--files-from`) sends only those and deletes what left the site.

Each test runs the real `reckon` command on its own copy of the published minimal archive,
changes the content, and compares the list with the published folder before and after: every
file whose bytes changed or that is new, every file that left (marked), and nothing else but
the files whose inputs changed though their bytes came out the same (the build keys a file by
what it is made from: a list page whose data changed in a part it does not show). Those are
read from the site's own manifest, and are few.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess

from publish.changed_list import DELETED
from publish.site_manifest import MANIFEST, PAGES_DIR, read
from tests.helpers.archives import RECKON
from tests.helpers.content import edit
from tests.helpers.sites import site_files


def reckon(settings, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, RECKON_TODAY=settings.today().isoformat(), DATABASE_URL=settings.database_url)
    return subprocess.run([RECKON, "--home", str(settings.home), *args], env=env, capture_output=True,
                          text=True, check=False, timeout=300)


def served(settings) -> dict[str, bytes]:
    """The published files a host would serve (the build's bookkeeping left out)."""
    return {p: b for p, b in site_files(settings.public_dir.resolve()).items()
            if p != MANIFEST and not p.startswith(PAGES_DIR + "/")}


def keys(settings) -> dict[str, str]:
    return read(settings.public_dir.resolve())["pages"]


def expected_list(before: dict, after: dict) -> list[str]:
    """What the list must say, from the files (and their keys) before and after the build."""
    written = {p for p, data in after["files"].items() if before["files"].get(p) != data}
    rekeyed = {p for p, key in after["keys"].items() if before["keys"].get(p) != key}
    gone = sorted(p for p in before["files"] if p not in after["files"])
    return sorted(written | rekeyed) + [DELETED + p for p in gone]


def build_listing(settings, tmp_path) -> tuple[list[str], dict, dict]:
    before = {"files": served(settings), "keys": keys(settings)}
    listing = tmp_path / "changed.txt"
    ingested = reckon(settings, "ingest")
    assert ingested.returncode == 0, ingested.stderr
    built = reckon(settings, "build", "--changed-list", str(listing))
    assert built.returncode == 0, built.stderr
    lines = listing.read_text(encoding="utf-8").splitlines()
    assert f"listed {len(lines)} changed files in {listing}" in built.stdout
    after = {"files": served(settings), "keys": keys(settings)}
    # The files listed only for their key are few: the list is the change, not the site.
    same_bytes = [p for p in lines if p in after["files"] and after["files"][p] == before["files"].get(p)]
    assert len(same_bytes) <= 3, same_bytes
    return lines, before, after


def test_the_list_holds_exactly_the_files_an_edit_changed(published_copy, tmp_path):
    edit(published_copy, "records/rec-2008-apology.md", "The AMA apologized.", "The AMA apologized, in writing.")
    lines, before, after = build_listing(published_copy, tmp_path)
    assert lines == expected_list(before, after)
    assert "records/rec-2008-apology/index.html" in lines
    assert not any(line.startswith(DELETED) for line in lines)
    assert len(lines) < len(after["files"]) / 2  # only what changed, not the site


def test_a_withdrawal_lists_the_removed_pages_as_deleted(published_copy, tmp_path):
    edit(published_copy, "records/rec-2008-apology.md", "type: press-release", "type: press-release\naccess: restricted")
    lines, before, after = build_listing(published_copy, tmp_path)
    assert lines == expected_list(before, after)
    assert DELETED + "records/rec-2008-apology/index.html" in lines
    assert "records/rec-2008-apology/index.html" not in after["files"]


def test_nothing_changed_is_an_empty_list(published_copy, tmp_path):
    lines, before, after = build_listing(published_copy, tmp_path)
    assert before == after and lines == []


def test_a_first_build_lists_every_file(published_copy, tmp_path):
    # Another working folder sharing the store (DATABASE_URL): it has no site yet.
    fresh = tmp_path / "fresh-home"
    fresh.mkdir()
    settings = dataclasses.replace(published_copy, home=fresh, public_dir=fresh / "public")
    listing = tmp_path / "all.txt"
    built = reckon(settings, "build", "--changed-list", str(listing))
    assert built.returncode == 0, built.stderr
    assert listing.read_text(encoding="utf-8").splitlines() == sorted(served(settings))


def test_a_list_inside_the_published_folder_is_refused_before_publishing(published_copy):
    edit(published_copy, "records/rec-2008-apology.md", "The AMA apologized.", "The AMA apologized again.")
    assert reckon(published_copy, "ingest").returncode == 0
    page = (published_copy.public_dir / "records/rec-2008-apology/index.html").read_bytes()
    refused = reckon(published_copy, "build", "--changed-list", str(published_copy.public_dir / "changed.txt"))
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert "inside the published folder" in refused.stderr and "Traceback" not in refused.stderr
    assert (published_copy.public_dir / "records/rec-2008-apology/index.html").read_bytes() == page
    missing = reckon(published_copy, "build", "--changed-list", "/nonexistent-folder/changed.txt")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
