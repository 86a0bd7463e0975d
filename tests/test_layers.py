"""The layers of docs/internals/layout.md, checked by import-linter as CI runs it.

The contracts live in pyproject.toml ([tool.importlinter]); these tests run `lint-imports` on
the tree, then on a copy with one forbidden import added, to show the check can fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("archive", "ingest", "search", "publish", "web", "staff", "server", "audit", "reckon")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    # import-linter reads the packages from sys.path: the tree's own folder comes first.
    script = ("import sys; sys.path.insert(0, '.'); from importlinter.cli import lint_imports_command; lint_imports_command()")
    return subprocess.run([sys.executable, "-c", script], cwd=tree, capture_output=True, text=True,
                          timeout=120, check=False)


def copy_of_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("archive/access.py", "import publish.build", "archive is not allowed to import publish"),
    ("search/documents.py", "import ingest.pipeline", "search is not allowed to import ingest"),
    ("publish/feeds.py", "import ingest.readers.images", "publish is not allowed to import ingest"),
    ("web/security.py", "import staff.auth", "web is not allowed to import staff"),
    ("archive/dates.py", "import archive.catalog", "No cycles are allowed in archive"),
])
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, broken):
    tree = copy_of_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{line}  # added by the test\n")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert broken in result.stdout
