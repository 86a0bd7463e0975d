"""What the full build does to go faster changes nothing it outputs.

- the static search index made in a forked process (archive/side_process.py), its records'
  later half in another, is the one made in the build's own process, carries nothing hidden, and a failure there fails the build and
  leaves the previous site whole;
- the templates' dict-first attribute lookup (publish/jinja/dicts.py) renders what Jinja's own
  lookup renders, including its errors.

The fork starts only from `SIDE_INDEX_FROM` records (thousands): the build tests lower it so a
small archive takes the path a big one takes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import DictLoader, Environment, StrictUndefined, UndefinedError

from archive.side_process import SideError, SideResult
from ingest.pipeline import ingest
from publish import build, render_workers
from publish.build import build_site
from publish.jinja.dicts import DictViewEnvironment
from publish.static_search import index as static_search
from tests.helpers.archives import HIDDEN_WORDS
from tests.helpers.sites import site_files


def test_forked_search_index_builds_the_same_site_with_nothing_hidden(many_ingested, tmp_path, monkeypatch):
    serial = replace(many_ingested, public_dir=tmp_path / "serial")
    monkeypatch.setattr(build, "SIDE_INDEX_FROM", 10**9)
    build_site(serial)  # the index made in this process
    monkeypatch.setattr(build, "SIDE_INDEX_FROM", 1)
    monkeypatch.setattr(static_search, "SPLIT_FROM", 1)  # its records' later half in a process of its own
    monkeypatch.setattr(render_workers, "PARALLEL_FROM", 1)  # and record pages by early workers
    build_site(many_ingested)
    built, expected = site_files(many_ingested.public_dir), site_files(serial.public_dir)
    assert sorted(built) == sorted(expected)
    assert [p for p in expected if built[p] != expected[p]] == []
    index = b"".join(body for path, body in built.items() if path.startswith("search/"))
    assert b"word7x" in index  # a public record's word is found offline
    for word in HIDDEN_WORDS.values():
        assert word.lower().encode() not in index.lower(), word


@pytest.mark.forks
def test_a_failing_forked_index_fails_the_build_and_leaves_the_previous_site(many_ingested, monkeypatch):
    build_site(many_ingested)
    before = site_files(many_ingested.public_dir)

    def broken(views, sink=None):
        raise ValueError("no shard for these views")

    monkeypatch.setattr(build, "SIDE_INDEX_FROM", 1)
    monkeypatch.setattr(build, "static_search_index", broken)
    agents = many_ingested.content_dir / "agents.yaml"  # something the full build remakes (agents name every view)
    agents.write_text(agents.read_text().replace("name: American Medical Association", "name: The AMA"))
    ingest(many_ingested)
    with pytest.raises(ValueError, match="no shard for these views") as raised:  # the child's own error
        build_site(many_ingested)
    assert "in broken" in "".join(raised.value.__notes__)  # where the child raised it
    assert site_files(many_ingested.public_dir) == before
    leftovers = [p.name for p in many_ingested.public_dir.parent.iterdir() if "prerender" in p.name or ".stage-" in p.name]
    assert leftovers == []


@pytest.mark.forks
def test_side_result_gives_the_childs_value_or_its_error():
    views = {"record": [{"id": "r1", "title": "Minutes", "text": "membership society", "people": "",
                         "type": "record"}]}
    forked = SideResult(lambda: {"pid": os.getpid(), "words": sorted(static_search.tokens(views["record"][0]["text"]))})
    value = forked.result()
    assert value["pid"] != os.getpid()  # really computed elsewhere
    assert value["words"] == ["membership", "society"]
    assert forked.result() is value  # taken once, kept
    inline = SideResult(lambda: os.getpid(), fork=False)
    assert inline.result() == os.getpid()

    failing = SideResult(lambda: 1 // 0)
    with pytest.raises(ZeroDivisionError):  # raised as itself
        failing.result()

    def unpicklable():
        raise Unpicklable(lambda: None)

    with pytest.raises(SideError, match="Unpicklable"):  # one that cannot cross the pipe: as text
        SideResult(unpicklable).result()


class Unpicklable(Exception):
    """An exception holding what pickle cannot carry (a lambda)."""


@pytest.mark.forks
def test_side_result_closed_unused_stops_the_child():
    started = time.monotonic()
    slow = SideResult(lambda: time.sleep(60))
    pid = slow.pid
    slow.close()
    assert slow.pid is None
    assert time.monotonic() - started < 30
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left



REPO = Path(__file__).resolve().parents[1]
INTERRUPTED_WAIT = """
import os, signal, sys, time
from archive.side_process import SideResult

def interrupt(*_):
    raise KeyboardInterrupt
signal.signal(signal.SIGALRM, interrupt)
side = SideResult(lambda: time.sleep(1) or b"x" * 4_000_000)  # more than a pipe holds
pid = side.pid
signal.setitimer(signal.ITIMER_REAL, 0.3)  # Ctrl-C while waiting for the child's result
try:
    side.result()
except KeyboardInterrupt:
    pass
try:
    os.waitpid(pid, os.WNOHANG)
except ChildProcessError:
    print("reaped")
"""


def test_side_result_interrupted_while_waiting_ends(tmp_path):
    """Ctrl-C while the result is awaited ends the wait: the child, writing a result larger
    than a pipe holds to no reader, is stopped instead of waited for (a warm ingest hung so)."""
    ran = subprocess.run([sys.executable, "-c", INTERRUPTED_WAIT], check=False, cwd=REPO, capture_output=True, text=True,
                         timeout=30)
    assert ran.stdout.strip() == "reaped", ran.stderr


TEMPLATE = ("{{ d.title }}|{{ d.count }}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|"
            "{{ d.items is callable }}|{{ o.title }}|{{ s.title }}")


class Titled(dict):
    title = "an attribute"


@pytest.mark.parametrize("env_class", [Environment, DictViewEnvironment])
def test_dict_first_lookup_renders_what_jinja_renders(env_class):
    env = env_class(undefined=StrictUndefined, autoescape=True)
    data = {"d": {"title": "<b>Minutes</b>", "count": 3, "items": "a key named items"},
            "o": SimpleNamespace(title="object"), "s": Titled(title="the key")}
    assert env.from_string(TEMPLATE).render(**data) == (
        "&lt;b&gt;Minutes&lt;/b&gt;|3|title=&lt;b&gt;Minutes&lt;/b&gt;;count=3;items=a key named items;|"
        "True|object|an attribute")
    with pytest.raises(UndefinedError, match="has no attribute 'missing'"):
        env.from_string("{{ d.missing }}").render(d={"title": "x"})


def test_frozen_globals_render_what_the_chain_renders():
    source = "{{ site_name }} · {{ built_on }} · {{ own }}{% import 'm.html' as m %} {{ m.hello(who) }}"
    outputs = []
    for freeze in (False, True):
        env = DictViewEnvironment(undefined=StrictUndefined, autoescape=True,
                                  loader=DictLoader({"m.html": "{% macro hello(x) %}hi {{ x }}{% endmacro %}"}))
        env.globals.update(site_name="Reckoning & co", built_on="2026-11-23")
        if freeze:
            env.freeze_globals()
        template = env.from_string(source, globals={"own": "<own>"})
        assert not freeze or type(template.globals) is dict
        outputs.append(template.render(who="<you>"))
    assert outputs[0] == outputs[1] == "Reckoning &amp; co · 2026-11-23 · &lt;own&gt; hi &lt;you&gt;"
