"""The test suite's own layout (STYLE.md 22): what the test modules share lives in one place,
tests/helpers/ (plain functions and constants) and tests/conftest.py (fixtures), and no test
module imports another test module or the conftest.

Importing a test module runs its module-level code a second time and hands its fixtures over:
a fixture imported into a second module is a second fixture, built again for it (a "session"
archive once per importing module), and the imported tests' names come along too.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(source: str, package: str = "tests") -> set[str]:
    """Every module an import statement in `source` may bring in, by absolute name: relative
    imports resolved against `package`, and for `from X import Y` both `X` and `X.Y` (Y may be
    a module: `from tests import test_search`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def is_test_module(name: str) -> bool:
    """A module pytest collects tests from (tests/test_*.py), or the conftest: not for importing."""
    parts = name.split(".")
    return len(parts) >= 2 and parts[0] == "tests" and (parts[1].startswith("test_") or parts[1] == "conftest")


def forbidden_imports(path: Path) -> list[str]:
    package = ".".join(path.relative_to(TESTS.parent).parent.parts)
    return sorted(name for name in imported_modules(path.read_text(encoding="utf-8"), package)
                  if is_test_module(name))


def test_no_test_module_imports_another_test_module_or_the_conftest():
    offenders = {str(path.relative_to(TESTS.parent)): names
                 for path in sorted(TESTS.rglob("*.py")) if (names := forbidden_imports(path))}
    assert offenders == {}, "import shared code from tests.helpers, fixtures come from tests/conftest.py"


def test_every_shape_of_such_an_import_is_caught():
    # The examples name the test module through `other`, so that this file, too, passes a plain
    # grep for imports of test modules over the suite.
    other = "test_search"
    for source in (f"from tests.{other} import corpus", f"from tests import {other} as known",
                   f"import tests.{other}", "from tests.conftest import MINIMAL", f"from . import {other}",
                   f"from .{other} import corpus", "from .conftest import TODAY",
                   f"def f():\n    from tests.{other} import corpus\n"):
        assert any(is_test_module(name) for name in imported_modules(source)), source
    for source in ("from tests.helpers.archives import MINIMAL", "from tests.helpers import staff",
                   "from .helpers.oai import oai", "import testsuite.test_x", "from archive import tests"):
        assert not any(is_test_module(name) for name in imported_modules(source)), source


def test_the_tests_folder_holds_only_test_modules_the_conftest_and_the_helpers():
    """A shared helper module beside the tests (as live_server.py and staff_helpers.py were)
    belongs in tests/helpers/."""
    stray = sorted(p.name for p in TESTS.glob("*.py")
                   if p.name not in ("__init__.py", "conftest.py") and not p.name.startswith("test_"))
    assert stray == []
    assert (TESTS / "helpers" / "__init__.py").is_file()
