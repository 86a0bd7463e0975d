"""`reckon user`: accounts and tokens from the command line, as a script would make them."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from archive.db import open_engine
from archive.users import get_user
from reckon.cli import main
from server.app import create_app
from tests.helpers.archives import RECKON
from tests.helpers.staff import sign_in


def reckon(settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([RECKON, "--home", str(settings.home), *args], input=stdin, text=True, check=False,
                          capture_output=True, timeout=60, env={**os.environ, "RECKON_CONTENT": str(settings.content_dir)})


def test_user_add_reads_the_password_from_stdin_and_the_account_signs_in(minimal):
    done = reckon(minimal, "user", "add", "ada", "--role", "curator", "--password-stdin",
                  stdin="a long passphrase\n")
    assert done.returncode == 0, done.stderr
    assert "added ada (curator)" in done.stdout
    engine = open_engine(minimal)
    with Session(engine) as session:
        user = get_user(session, "ada")
        assert user.role == "curator" and user.password_hash.startswith("$argon2id$")
    engine.dispose()
    with TestClient(create_app(minimal)) as client:
        assert "Signed in as <strong>ada</strong> (curator)" in sign_in(client, "ada", "a long passphrase").text



def cli(settings, monkeypatch, capsys, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """The same command in-process (faster than a new interpreter), reading `stdin`."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["--home", str(settings.home), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_user_errors_are_one_line_and_change_nothing(minimal, monkeypatch, capsys):
    assert cli(minimal, monkeypatch, capsys, "user", "add", "ada", "--password-stdin",
               stdin="a long passphrase\n")[0] == 0
    code, _, err = cli(minimal, monkeypatch, capsys, "user", "add", "ada", "--password-stdin",
                       stdin="another passphrase\n")
    assert code == 1 and err.strip() == "error: there is already a user 'ada'"
    code, _, err = cli(minimal, monkeypatch, capsys, "user", "add", "bo", "--password-stdin", stdin="short\n")
    assert code == 1 and err.strip() == "error: a password needs at least 10 characters"
    with pytest.raises(SystemExit) as info:
        cli(minimal, monkeypatch, capsys, "user", "add", "cy", "--role", "owner", "--password-stdin")
    assert info.value.code == 2 and "invalid choice: 'owner'" in capsys.readouterr().err
    code, out, _ = cli(minimal, monkeypatch, capsys, "user", "token", "ada", "--label", "nightly")
    assert code == 0 and out.startswith("rk_")
    code, _, err = cli(minimal, monkeypatch, capsys, "user", "token", "nobody")
    assert code == 1 and "no user 'nobody'" in err
    engine = open_engine(minimal)
    with Session(engine) as session:
        assert get_user(session, "bo") is None and get_user(session, "cy") is None
    engine.dispose()
