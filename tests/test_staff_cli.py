"""`reckon user`: accounts and tokens from the command line, as a script would make them."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlmodel import Session
from starlette.testclient import TestClient

from archive.db import open_engine
from archive.users import get_user
from tests.staff_helpers import sign_in
from web.app import create_app

RECKON = os.path.join(os.path.dirname(sys.executable), "reckon")


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

    again = reckon(minimal, "user", "add", "ada", "--password-stdin", stdin="another passphrase\n")
    assert again.returncode == 1 and again.stderr.strip() == "error: there is already a user 'ada'"
    short = reckon(minimal, "user", "add", "bo", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    bad_role = reckon(minimal, "user", "add", "cy", "--role", "owner", "--password-stdin", stdin="x" * 12)
    assert bad_role.returncode == 2 and "invalid choice: 'owner'" in bad_role.stderr

    token = reckon(minimal, "user", "token", "ada", "--label", "nightly")
    assert token.returncode == 0 and token.stdout.startswith("rk_")
    missing = reckon(minimal, "user", "token", "nobody")
    assert missing.returncode == 1 and "no user 'nobody'" in missing.stderr
