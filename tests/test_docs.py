"""The README is tested: its commands are the ones CI runs and the CLI it documents exists."""

from __future__ import annotations

import re
from pathlib import Path

from reckon.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


def test_ci_runs_exactly_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    command = re.search(r'^TEST_COMMAND="(.*)"$', ci, re.MULTILINE).group(1)
    assert f"```sh\n{command}\n```" in README


def test_readme_documents_every_command_and_setting():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"`reckon {name}" in README, name
    for setting in ("DATABASE_URL", "RECKON_HOME", "RECKON_CONTENT", "RECKON_TODAY", "SOURCE_DATE_EPOCH",
                    "RECKON_TRUSTED_PROXIES"):
        assert setting in README
