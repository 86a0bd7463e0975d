"""`reckon` commands run by a warm process (reckon/warm_client.py) answer exactly as commands
that run themselves: the same output, status, files and failures, in the caller's folder and
environment; a warm process whose code changed, or whose folder others could enter, is not used;
Ctrl-C reaches the command; an idle warm process leaves."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from contextlib import suppress
from pathlib import Path

import pytest

from tests.helpers.archives import MINIMAL, RECKON
from tests.helpers.warm import _state, home_with, reckon, started, warm_pids

pytestmark = pytest.mark.skipif(os.uname().sysname != "Linux", reason="warm processes are Linux only")

STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
BAD_RECORD = "---\nid: rec-bad\ntitle: [unclosed\n---\nText.\n"


def differing_files(a: Path, b: Path) -> list[str]:
    """Files that differ or exist on one side only, the moments of ingest aside (the store's
    update times, shown in the feed) and the manifests (which keep them, and each build's token)."""
    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): STAMP.sub(b"T", p.read_bytes()) for p in root.rglob("*")
                if p.is_file() and not str(p.relative_to(root)).startswith(".manifest")}
    left, right = files(a), files(b)
    return sorted(name for name in left.keys() | right.keys() if left.get(name) != right.get(name))


def test_a_warm_ingest_and_build_say_and_publish_what_cold_ones_do(warm, tmp_path):
    started(warm)
    # A first ingest, warm and cold, into two new homes: the same words and status.
    first = {mode: reckon(warm, "--home", str(home), "ingest", "--content", str(home / "content"), mode=mode)
             for mode, home in (("off", home_with(tmp_path, "first-cold")), ("require", home_with(tmp_path, "first-warm")))}
    # The rest from one store copied twice: two stores ingested apart can order records whose
    # moments of ingest tie differently (the front page and the feed), which is not what is tested.
    base = tmp_path / "first-cold"
    cold_home, warm_home = tmp_path / "cold", tmp_path / "warm"
    for home in (cold_home, warm_home):
        shutil.copytree(base, home, symlinks=True)
    outputs = {}
    for name, home, mode in (("cold", cold_home, "off"), ("warm", warm_home, "require")):
        steps = [first[mode], reckon(warm, "--home", str(home), "ingest", "--content", str(home / "content"), mode=mode)]
        (home / "content" / "records" / "rec-2008-apology.md").write_text(
            (home / "content" / "records" / "rec-2008-apology.md").read_text().replace("title: ", "title: Changed ", 1))
        steps.append(reckon(warm, "--home", str(home), "ingest", "--content", str(home / "content"), mode=mode))
        steps.append(reckon(warm, "--home", str(home), "build", mode=mode))
        outputs[name] = [(s.returncode, s.stdout.replace(str(home), "HOME"), s.stderr.replace(str(home), "HOME"))
                         for s in steps]
    for name, home in (("cold", "first-cold"), ("warm", "first-warm")):  # the first ingest's own home
        code, out, err = outputs[name][0]
        outputs[name][0] = (code, out.replace(str(tmp_path / home), "HOME"), err.replace(str(tmp_path / home), "HOME"))
    assert [s[0] for s in outputs["warm"]] == [0, 0, 0, 0]
    # Seconds vary from run to run; everything else is word for word.
    def steady(text: str) -> str:
        return "\n".join(line for line in text.splitlines() if " s CPU" not in line and " in " not in line)
    assert [(c, steady(o), steady(e)) for c, o, e in outputs["warm"]] == \
           [(c, steady(o), steady(e)) for c, o, e in outputs["cold"]]
    assert "Changed" in (warm_home / "public" / "records" / "rec-2008-apology" / "index.html").read_text()
    assert differing_files((cold_home / "public").resolve(), (warm_home / "public").resolve()) == []
    assert len(warm_pids(warm)) == 1


def test_failures_are_the_commands_own(warm, tmp_path):
    home = home_with(tmp_path, "home")
    (home / "content" / "records" / "rec-bad.md").write_text(BAD_RECORD)
    started(warm)
    for args, status in ((["ingest", "--content", str(home / "content")], 1), (["ingest", "--no-such-option"], 2),
                         (["build", "--help"], 0)):
        cold = reckon(warm, "--home", str(home), *args, mode="off")
        hot = reckon(warm, "--home", str(home), *args, mode="require")
        assert (hot.returncode, hot.stdout, hot.stderr) == (cold.returncode, cold.stdout, cold.stderr)
        assert hot.returncode == status
        if status == 1:
            assert "rec-bad.md" in hot.stderr  # the one-line error naming the file


def test_the_callers_folder_and_environment_are_the_commands(warm, tmp_path):
    home = home_with(tmp_path, "home")
    started(warm)
    env = {**warm, "RECKON_BASE_URL": "https://archive.example.org/reckoning/"}
    ingest = reckon(env, "ingest", cwd=home, mode="require", umask=0o027)  # no --home: the caller's folder
    assert ingest.returncode == 0, ingest.stderr
    assert (home / "reckon.db").exists()
    build = reckon(env, "build", cwd=home, mode="require", umask=0o027)
    assert "https://archive.example.org/reckoning/" in build.stdout
    assert "https://archive.example.org/reckoning/" in (home / "public" / "sitemap.xml").read_text()
    made = home / "public" / "index.html"
    assert oct(made.stat().st_mode & 0o777) == oct(0o666 & ~0o027)  # the caller's umask, not the warm process's


def test_a_warm_process_whose_code_changed_is_not_used(warm, tmp_path):
    home = home_with(tmp_path, "home")
    started(warm)
    (first,) = warm_pids(warm)
    module = Path(warm["PYTHONPATH"]) / "sitecustomize.py"  # loaded by the warm process at its start
    later = time.time() + 5
    os.utime(module, (later, later))
    refused = reckon(warm, "--home", str(home), "ingest", "--content", str(home / "content"), mode="require")
    assert refused.returncode == 1 and "its code changed" in refused.stderr
    assert not (home / "reckon.db").exists()  # refused before anything ran
    ran = reckon(warm, "--home", str(home), "ingest", "--content", str(home / "content"))
    assert ran.returncode == 0 and "ingested" in ran.stdout  # the command ran itself
    for _ in range(200):
        if (pids := warm_pids(warm)) and first not in pids:
            break
        time.sleep(0.05)
    assert pids and first not in pids  # the stale one left, a new one serves


def test_a_folder_others_may_enter_is_not_used(warm, tmp_path):
    home = home_with(tmp_path, "home")
    folder = Path(warm["XDG_RUNTIME_DIR"]) / f"reckon-{os.getuid()}"
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    refused = reckon(warm, "--home", str(home), "check", "--content", str(home / "content"), mode="require")
    assert refused.returncode == 1 and "only this user may enter" in refused.stderr
    ran = reckon(warm, "--home", str(home), "check", "--content", str(home / "content"))
    assert ran.returncode == 0
    assert not list(folder.iterdir())  # nothing started there


def test_ctrl_c_reaches_the_command(warm, tmp_path):
    home = tmp_path / "home"
    records = home / "content" / "records"
    shutil.copytree(MINIMAL, home / "content")
    body = " ".join(["testimony"] * 300)
    for i in range(4000):  # enough to take several seconds
        (records / f"rec-many-{i:05d}.md").write_text(
            f'---\nid: rec-many-{i:05d}\ntitle: "Minutes {i}"\ndate: "1950"\ntype: minutes\n'
            f'creators: [agent-ama]\nsource: "Box {i}"\n---\n{body}\n')
    started(warm)
    (server,) = warm_pids(warm)
    command = subprocess.Popen([RECKON, "--home", str(home), "ingest", "--content", str(home / "content")],
                               env={**warm, "RECKON_WARM": "require"}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    children = _children(server)
    assert children, "the command should still be running in the warm process's child"
    command.send_signal(signal.SIGINT)
    try:
        _out, err = command.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        for pid in children:  # leave nothing running into the next tests
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        command.kill()
        command.communicate()
        raise AssertionError("the command did not end within 60 s of Ctrl-C") from None
    assert command.returncode == 130, err
    for _ in range(100):
        if not [pid for pid in children if Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid)]:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the command's process outlived Ctrl-C")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_an_idle_warm_process_leaves(warm):
    env = {**warm, "RECKON_WARM_IDLE": "1"}
    started(env)
    for _ in range(200):
        if not warm_pids(env) and not list(Path(env["XDG_RUNTIME_DIR"]).glob("reckon-*/*.sock")):
            return
        time.sleep(0.05)
    raise AssertionError("an idle warm process stayed past its time")


def test_a_folder_too_long_for_a_socket_is_not_used(warm, tmp_path):
    home = home_with(tmp_path, "home")
    deep = Path(warm["XDG_RUNTIME_DIR"]) / ("d" * 90)
    deep.mkdir(mode=0o700)
    env = {**warm, "XDG_RUNTIME_DIR": str(deep)}
    refused = reckon(env, "--home", str(home), "check", "--content", str(home / "content"), mode="require")
    assert refused.returncode == 1 and "too long a path for a socket" in refused.stderr
    ran = reckon(env, "--home", str(home), "check", "--content", str(home / "content"))
    assert ran.returncode == 0
    time.sleep(0.5)
    assert not warm_pids(env)  # none started that could not listen


def test_the_work_of_a_warm_command_is_reported_where_asked(warm, tmp_path):
    """`time` sees only the caller of a warm command: its own CPU and peak are reported on
    stderr, or into a file for a benchmark that discards the output."""
    home = home_with(tmp_path, "home")
    started(warm)
    report = tmp_path / "use.txt"
    done = reckon({**warm, "RECKON_WARM_REPORT": str(report)}, "--home", str(home), "ingest", "--content",
                  str(home / "content"), mode="require")
    assert done.returncode == 0 and "warm process's child" not in done.stderr
    lines = report.read_text().splitlines()
    assert [line for line in lines if line.startswith("content watch: every file statted")]  # which way it took
    (line,) = [line for line in lines if line.startswith("warm process's child")]
    assert re.fullmatch(r"warm process's child: [\d.]+ s CPU \(.*\), peak \d+ MB, [\d,]+ page faults: reckon --home \S+ ingest --content \S+",
                        line), line
    shown = reckon({**warm, "RECKON_WARM_REPORT": "1"}, "--home", str(home), "ingest", "--content",
                   str(home / "content"), mode="require")
    assert re.search(r"^warm process's child: [\d.]+ s CPU .*peak \d+ MB, [\d,]+ page faults$", shown.stderr, flags=re.MULTILINE), shown.stderr
