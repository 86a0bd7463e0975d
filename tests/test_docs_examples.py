"""Every example in the README and in docs/ is run (docs/index.md, "About the examples").

- ```console blocks: each `$ ` line is run in one working folder holding a copy of the sample,
  ingested and built (RECKON_HOME set to it, the virtual environment's bin/ first on PATH), in the
  order of the pages: by bash, or, when it is nothing but a `reckon` command, by the `reckon`
  entry point in this process. It must exit 0, and each line shown under it must appear in a line
  it printed (`...` stands for lines left out).
- ```http blocks: each `GET` line is sent to the app `reckon serve` runs, on the same folder; the
  status must be 200, or the one on an `HTTP/1.1 NNN` line after it.
- ```sh blocks are not run: in docs/ their first line is a `# not run…` comment saying why; the
  README's only ones are the two commands (tests/test_docs.py holds them to CI's).
- ```yaml blocks must parse.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from ingest.pipeline import ingest
from publish.pipeline import publish
from reckon.cli import main
from server.app import create_app
from tests.helpers.archives import SAMPLE, TODAY, make_settings

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
REQUEST = re.compile(r"^(GET|HEAD) (/\S*)$")
STATUS = re.compile(r"^HTTP/1\.1 (\d{3})\b")


def pages() -> list[Path]:
    """The README, then every page in the order of mkdocs.yml's nav."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text())

    def flatten(nav) -> list[str]:
        out = []
        for item in nav:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            out += flatten(value) if isinstance(value, list) else [value]
        return out

    return [REPO / "README.md"] + [REPO / "docs" / name for name in flatten(config["nav"])]


@dataclass
class Block:
    path: Path
    line: int  # of the opening fence
    lang: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def blocks(lang: str | None = None) -> list[Block]:
    found = []
    for path in pages():
        text = path.read_text()
        for match in FENCE.finditer(text):
            if lang is None or match.group(1) == lang:
                found.append(Block(path, text.count("\n", 0, match.start()) + 1, match.group(1), match.group(2)))
    return found


@dataclass
class Command:
    line: str
    shown: list[str] = field(default_factory=list)


def commands(block: Block) -> list[Command]:
    out: list[Command] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            out.append(Command(line[2:]))
        elif line.strip():
            assert out, f"{block.where}: output before the first `$ ` command"
            out[-1].shown.append(line.strip())
    assert out, f"{block.where}: a console block without a `$ ` command"
    return out


def requests(block: Block) -> list[tuple[str, str, int]]:
    out: list[list] = []
    for line in block.text.splitlines():
        if request := REQUEST.match(line):
            out.append([request.group(1), request.group(2), 200])
        elif status := STATUS.match(line):
            assert out, f"{block.where}: a status before any request"
            out[-1][2] = int(status.group(1))
        else:
            assert not line.strip(), f"{block.where}: not a request or a status line: {line!r}"
    assert out, f"{block.where}: an http block without a request"
    return [tuple(r) for r in out]


# -- the conventions -------------------------------------------------------------------------

def test_the_pages_are_every_page():
    """Examples are collected from the nav: a page left out of it would have its examples skipped."""
    listed = set(pages())
    on_disk = {REPO / "README.md"} | set((REPO / "docs").rglob("*.md"))
    assert listed == on_disk


def test_every_fence_is_found():
    """Fences are never indented (in a list, say), so the pattern above sees every block."""
    for path in pages():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not re.match(r"^\s+```", line), f"{path.relative_to(REPO)}:{number}: indented fence"


def test_blocks_that_are_not_run_say_why():
    for block in blocks("sh"):
        if block.path.name == "README.md":
            continue  # the two commands, held to CI's by tests/test_docs.py
        first = block.text.splitlines()[0]
        assert first.startswith("# not run"), f"{block.where}: an sh block must start '# not run…: why'"


def test_readme_sh_blocks_are_the_two_commands():
    readme = [b for b in blocks("sh") if b.path.name == "README.md"]
    assert len(readme) == 2, [b.where for b in readme]
    assert readme[0].text.rstrip().endswith("reckon serve")
    assert readme[1].text.rstrip().endswith("pytest")


def test_reckon_commands_are_only_in_console_and_sh_blocks():
    """A command shown in a text or other block would escape the tests: commands go in console
    blocks (run), or in sh blocks that say why they are not."""
    for block in blocks():
        if block.lang in ("console", "sh"):
            continue
        for line in block.text.splitlines():
            assert not re.match(r"^(\$ )?(\.venv/bin/)?reckon [a-z-]", line), f"{block.where}: {line!r}"


@pytest.mark.parametrize("block", blocks("yaml"), ids=lambda b: b.where)
def test_yaml_examples_parse(block):
    yaml.safe_load(block.text)


def test_there_are_examples_to_run():
    assert len(blocks("console")) >= 8 and len(blocks("http")) >= 6


# -- running them ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_home(tmp_path_factory) -> Path:
    """One working folder for every example: the sample copied in, ingested and built."""
    home = tmp_path_factory.mktemp("docs-examples")
    shutil.copytree(SAMPLE, home / "content")
    settings = make_settings(home, home / "content")
    ingest(settings)
    publish(settings)
    return home


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("RECKON_") and k not in ("DATABASE_URL", "SOURCE_DATE_EPOCH")}
    env.update(RECKON_HOME=str(home), RECKON_TODAY=TODAY.isoformat(), RECKON_WARM="off",  # none left behind
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    return env


def plain_reckon(line: str) -> list[str] | None:
    """The arguments of a line that is nothing but a `reckon` command (no pipe, redirection,
    variable or other shell syntax), or None."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        return None
    if tokens[:1] != ["reckon"] or any(set(t) <= set("();<>|&") for t in tokens) or re.search(r"[$`]", line):
        return None
    return tokens[1:]


def run(command: str, home: Path, monkeypatch, capsys) -> tuple[int, str]:
    """A plain `reckon` line is run by the `reckon` entry point (`reckon.cli:main`) in this
    process, with the environment and folder bash would give it (a new interpreter for each of
    two dozen commands would cost most of the suite's time); anything else by bash."""
    argv = plain_reckon(command)
    if argv is None:
        result = subprocess.run(["bash", "-c", command], check=False, cwd=home, env=environment(home),
                                capture_output=True, text=True, timeout=180)
        return result.returncode, result.stdout + result.stderr
    for name in os.environ:
        if name.startswith("RECKON_") or name in ("DATABASE_URL", "SOURCE_DATE_EPOCH"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RECKON_HOME", str(home))
    monkeypatch.setenv("RECKON_TODAY", TODAY.isoformat())
    monkeypatch.chdir(home)
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refusing the arguments
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize("block", blocks("console"), ids=lambda b: b.where)
def test_console_example(block, sample_home, monkeypatch, capsys):
    for command in commands(block):
        code, output = run(command.line, sample_home, monkeypatch, capsys)
        printed = output.splitlines()
        assert code == 0, f"{block.where}: `{command.line}` exited {code}:\n{output}"
        for shown in command.shown:
            if shown != "...":
                assert any(shown in line for line in printed), \
                    f"{block.where}: `{command.line}` did not print {shown!r}; it printed:\n{output}"


@pytest.fixture(scope="module")
def client(sample_home):
    with TestClient(create_app(make_settings(sample_home, sample_home / "content"))) as client:
        yield client


@pytest.mark.parametrize("block", blocks("http"), ids=lambda b: b.where)
def test_http_example(block, client):
    for method, url, status in requests(block):
        answer = client.request(method, url)
        assert answer.status_code == status, f"{block.where}: {method} {url}: {answer.status_code} {answer.text[:300]}"
