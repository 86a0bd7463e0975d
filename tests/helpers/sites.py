"""Built sites compared file by file: an incremental or patched build must equal a build from
scratch, and a killed build must leave the live tree exactly as it was."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from publish.build import MANIFEST, build_site, edition_date
from publish.site_manifest import read_pages


def site_files(public_dir) -> dict[str, bytes]:
    return {p.relative_to(public_dir).as_posix(): p.read_bytes()
            for p in sorted(public_dir.rglob("*")) if p.is_file()}


def assert_same_as_fresh_build(settings, tmp_path, name: str = "fresh") -> dict[str, bytes]:
    """The incrementally built site equals, file by file, a full build from scratch of the same
    edition: printed with the live build's date, which patches keep (`edition_date`)."""
    epoch = settings.source_date_epoch
    if epoch is None:
        epoch = int(datetime.fromisoformat(edition_date(settings)).replace(tzinfo=UTC).timestamp())
    fresh = replace(settings, public_dir=tmp_path / name, source_date_epoch=epoch)
    report = build_site(fresh)
    assert report.unchanged == 0
    built, expected = site_files(settings.public_dir), site_files(fresh.public_dir)
    assert sorted(built) == sorted(expected)
    ours_keys, their_keys = read_pages(settings.public_dir), read_pages(fresh.public_dir)
    assert {p: k for p, k in ours_keys.items() if their_keys.get(p) != k} == {}, "keys differ"
    for path in expected:
        if path != MANIFEST:  # it also names the build (a token, the change log's position)
            assert built[path] == expected[path], path  # manifest shards too: the same keys
    ours, theirs = json.loads(built[MANIFEST]), json.loads(expected[MANIFEST])
    assert ours["iiif"] == theirs["iiif"]
    assert read_pages(settings.public_dir) == read_pages(fresh.public_dir)
    return built


def all_text(files: dict[str, bytes]) -> str:
    return "\n".join(f"{path}\n{data.decode('utf-8', 'replace')}" for path, data in files.items())


def tree(folder) -> dict[str, tuple[int, bytes]]:
    """Every file under `folder` with its inode and bytes: a file rewritten in place or renamed
    over shows up as changed, one left alone does not."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def read_or_empty(path: Path) -> bytes:
    """A file's bytes, or none while a build has it moved away or not yet written."""
    try:
        return path.read_bytes()
    except OSError:
        return b""
