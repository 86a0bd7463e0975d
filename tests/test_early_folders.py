"""The record pages' folders made by a forked process while the views are made
(publish/early_folders.py): every folder under every root, none left empty once the pages are
written, since an empty `records/<id>/` would still name its record."""

from __future__ import annotations

import os

from publish.early_folders import EarlyFolders


def folders_under(root) -> list[str]:
    return sorted(os.path.relpath(path, root) for path, _dirs, _files in os.walk(root) if path != os.fspath(root))


def test_every_folder_is_made_under_every_root(tmp_path):
    roots = [tmp_path / "pages", tmp_path / "twin"]
    for root in roots:
        root.mkdir()
    (roots[0] / "records").mkdir()
    (roots[0] / "records" / "rec-b").mkdir()  # one a worker made first
    making = EarlyFolders(roots, ["records/rec-a", "records/rec-b", "records/rec-c"])
    making.finish()
    for root in roots:
        assert folders_under(root) == ["records", "records/rec-a", "records/rec-b", "records/rec-c"]


def test_a_folder_no_page_was_written_in_is_removed_everywhere(tmp_path):
    roots = [tmp_path / "pages", tmp_path / "twin"]
    for root in roots:
        root.mkdir()
    making = EarlyFolders(roots, ["records/rec-a", "records/rec-b"])
    making.finish()
    (roots[0] / "records" / "rec-a" / "index.html").write_text("page")
    making.remove_unused(["records/rec-a/index.html", "records/index.html"])
    for root in roots:
        assert folders_under(root) == ["records", "records/rec-a"]


def test_closing_before_the_end_stops_the_process(tmp_path):
    making = EarlyFolders([tmp_path], [f"records/rec-{n:05d}" for n in range(20000)])
    making.close()
    making.close()  # a second close (a failed build's cleanup) does nothing
    assert len(os.listdir(tmp_path / "records")) < 20000
