"""Making the folders of many files written in one pass, each folder once.

A build or a mirror writes ~200,000 files whose folders mostly exist already or were made a
moment ago for a sibling: one `mkdir` per new folder, `makedirs` only when a parent is missing,
instead of `makedirs(exist_ok=True)` (a stat per path component) before every file."""

from __future__ import annotations

import os


def make_folder_once(folder: str, made: set[str]) -> None:
    """Make `folder` (and its parents if missing) unless it is in `made`; then note it there."""
    if folder in made:
        return
    try:
        os.mkdir(folder)  # one call: the parent folder mostly exists already
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
    made.add(folder)
