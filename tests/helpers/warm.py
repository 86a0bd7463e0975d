"""Warm processes for the tests (reckon/warm_client.py): an environment whose warm processes live
in a folder of the test's own and are stopped after it, and `reckon` run through one or not."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.helpers.archives import MINIMAL, RECKON


def warm_environment(tmp_path):
    """An environment whose warm processes live in a folder of this test's, stopped after it (in
    /tmp: a socket's path must be short, and xdist's temporary folders are long)."""
    runtime = Path(tempfile.mkdtemp(prefix="rw", dir="/tmp"))
    extra = tmp_path / "extra"  # on the import path of the command and of its warm process
    extra.mkdir()
    (extra / "sitecustomize.py").write_text("# loaded by every process of this test\n")
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "RECKON_WARM": "on", "RECKON_WARM_IDLE": "120",
           "RECKON_SEARCH_ENGINE": "whoosh", "RECKON_TODAY": "2026-12-06", "SOURCE_DATE_EPOCH": "1764979200",
           "PYTHONPATH": str(extra)}
    env.pop("DATABASE_URL", None)
    yield env
    for lock in runtime.glob("reckon-*/*.lock"):
        _stop(lock)
    shutil.rmtree(runtime, ignore_errors=True)


def _stop(lock: Path) -> None:
    text = lock.read_text().strip()
    if not text:
        return
    pid = int(text)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists() or "zombie" in _state(pid):
            return
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return ""


def reckon(env, *args, cwd=None, mode=None, umask=0o022) -> subprocess.CompletedProcess:
    env = {**env, "RECKON_WARM": mode or env["RECKON_WARM"]}
    return subprocess.run([RECKON, *args], env=env, cwd=cwd, capture_output=True, text=True, umask=umask,
                          timeout=300, check=False)


def warm_pids(env) -> set[int]:
    return {int(lock.read_text()) for lock in Path(env["XDG_RUNTIME_DIR"]).glob("reckon-*/*.lock")
            if lock.read_text().strip() and Path(f"/proc/{int(lock.read_text())}").exists()
            and "zombie" not in _state(int(lock.read_text()))}


def started(env) -> None:
    """A warm process started (by a command that found none) and answering."""
    reckon(env, "--home", "/nonexistent-home", "check", "--content", str(MINIMAL))
    for _ in range(600):  # 30 s: a warm process imports the commands' code first (seconds on a loaded machine)
        if list(Path(env["XDG_RUNTIME_DIR"]).glob("reckon-*/*.sock")):
            return
        time.sleep(0.05)
    raise AssertionError("no warm process started within 30 s")


def home_with(tmp_path, name) -> Path:
    home = tmp_path / name
    shutil.copytree(MINIMAL, home / "content")
    return home
