"""The `reckon` commands as a user runs them: exit codes and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from reckon.cli import build_parser, main


def run(settings, *args: str) -> int:
    return main(["--home", str(settings.home), *args])


def test_every_command_has_help(capsys):
    parser = build_parser()
    for command in ("ingest", "check", "build", "search", "serve"):
        with pytest.raises(SystemExit) as info:
            parser.parse_args([command, "--help"])
        assert info.value.code == 0
        assert "usage: reckon " + command in capsys.readouterr().out


def test_ingest_build_search_from_the_working_folder(minimal, capsys):
    assert run(minimal, "ingest") == 0
    assert run(minimal, "build") == 0
    assert (minimal.public_dir / "index.html").exists()
    capsys.readouterr()
    assert run(minimal, "search", "apology") == 0
    out = capsys.readouterr().out
    assert "The AMA apologizes" in out and "/records/rec-2008-apology/" in out


def test_check_reports_each_problem_on_one_line_and_exits_non_zero(minimal, capsys):
    path = minimal.content_dir / "harms/harm-exclusion.md"
    path.write_text(path.read_text().replace('date: "1870/1968"', 'date: "1870/19680"'))
    assert run(minimal, "check") == 1
    err = capsys.readouterr().err.strip().splitlines()
    expected = ("error: content/harms/harm-exclusion.md:4: field 'date': '1870/19680' is not an EDTF "
                "date (expected e.g. 1870, 1895-08, 1950~, 1910/1968, 196X)")
    assert err == [expected]
    assert not minimal.sqlite_path.exists()  # check never writes


def test_search_before_build_says_what_to_do(minimal, capsys):
    assert run(minimal, "search", "apology") == 1
    assert "run 'reckon build' first" in capsys.readouterr().err


def test_console_script_is_installed(minimal):
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "reckon"), "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "ingest" in result.stdout


def test_the_command_keeps_its_bytecode_cache_where_the_environment_says_not_to():
    # Each `reckon` run would otherwise compile its own modules anew (0.15–0.3 s of CPU).
    probe = "import sys; before = sys.dont_write_bytecode; import reckon; print(before, sys.dont_write_bytecode)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.stdout.split() == ["True", "False"]


def test_python_dash_m_reckon_exits_with_the_commands_status(tmp_path):
    """`python -m reckon` is the `reckon` command: a failing command's status reaches the shell
    (it was dropped, so a script saw 0)."""
    missing = tmp_path / "no-such-content"
    ran = subprocess.run([sys.executable, "-m", "reckon", "--home", str(tmp_path), "check", "--content", str(missing)],
                         check=False, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "RECKON_WARM": "off"})
    assert ran.returncode == 1, ran.stderr
    assert "no-such-content" in ran.stderr
