"""A copy of an archive built once (tests.helpers.archives.copy_home, how the fixtures hand
each test its own) is the same archive, whole and on its own: its links point inside it, ingest
finds nothing changed, a build writes nothing, and what the copy does never reaches the
template it came from."""

from __future__ import annotations

import os
from pathlib import Path

from ingest.pipeline import ingest
from publish.buffers import buffers, live_buffer
from publish.build import build_site
from publish.spent import spent_folder
from tests.helpers.archives import copy_home
from tests.helpers.content import edit


def links(home: Path) -> dict[str, str]:
    return {p.relative_to(home).as_posix(): os.readlink(p) for p in sorted(home.rglob("*")) if p.is_symlink()}


def files(home: Path) -> dict[str, tuple[int, int]]:
    """Every file of the home and its size and time, but for the old versions a patch left to a
    detached process to delete (`publish.spent`): that process empties them at its own pace,
    whenever it runs, so they may be there in one look and gone in the next (a CI run's did)."""
    spent = {spent_folder(home / "public").name}
    return {p.relative_to(home).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(home.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.relative_to(home).parts[0] not in spent}


def test_a_copied_home_links_only_into_itself_and_is_the_same_archive(published_template, published_copy):
    copy = published_copy
    assert links(copy.home) == links(published_template) == {"public": ".public.a"}  # relative
    assert copy.public_dir.resolve() == (copy.home / ".public.a").resolve()
    assert live_buffer(copy.public_dir) == buffers(copy.public_dir)[0]
    assert not ingest(copy).changed
    report = build_site(copy)
    assert (report.written, report.records_made) == (0, 0) and report.unchanged == report.pages


def test_a_copy_of_a_home_with_both_buffers_keeps_the_live_one_and_leaves_its_template_alone(many, tmp_path):
    edit(many, "records/rec-gen-003.md", "word3x", "wordthree")
    ingest(many)
    build_site(many)  # the second buffer made and flipped to
    assert live_buffer(many.public_dir) == buffers(many.public_dir)[1]
    before = files(many.home)
    copy = copy_home(many.home, tmp_path / "again")
    assert links(copy.home) == links(many.home) == {"public": ".public.b"}
    assert live_buffer(copy.public_dir) == buffers(copy.public_dir)[1]
    assert "wordthree" in (copy.public_dir / "records/rec-gen-003/index.html").read_text()
    edit(copy, "records/rec-gen-004.md", "word4x", "wordfour")
    ingest(copy)
    assert build_site(copy).written > 0
    assert live_buffer(copy.public_dir) == buffers(copy.public_dir)[0]
    assert files(many.home) == before and live_buffer(many.public_dir) == buffers(many.public_dir)[1]
    assert "wordfour" not in (many.public_dir / "records/rec-gen-004/index.html").read_text()
