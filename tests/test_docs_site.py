"""The MkDocs site builds with `--strict`: every page is in the nav, every link and anchor
resolves, and nothing but the built-in theme and Python-Markdown's own extensions is needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def test_mkdocs_builds_strict(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                             "--config-file", str(REPO / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
                            check=False, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "internals" / "layout" / "index.html").is_file()


def test_mkdocs_never_builds_over_the_theme_folder():
    """`mkdocs build` empties its output folder first, and MkDocs' default one, `site/`, is where
    the archive's templates live."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    site_dir = (REPO / config["site_dir"]).resolve()
    assert site_dir != (REPO / "site").resolve() and (REPO / "site") not in site_dir.parents
    assert config["theme"]["name"] in ("mkdocs", "readthedocs"), "only the built-in themes"
    assert "plugins" not in config, "no plugins to install"
