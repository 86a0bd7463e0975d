"""Fixtures that build real archives: a real SQLite file, a real whoosh index, a real site."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

# Before the helpers are imported: their asserts report the values they compared, as a test's do.
pytest.register_assert_rewrite("tests.helpers")

from hypothesis import settings as hypothesis_settings
from sqlmodel import Session

from archive.db import open_engine
from archive.settings import Settings, load_settings
from ingest.pipeline import ingest
from publish.pipeline import publish
from tests.helpers import postgres

pytest_plugins = ["tests.helpers.postgres"]  # `pytest --postgres`: the stores in PostgreSQL

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "content"
MINIMAL = Path(__file__).resolve().parent / "fixtures" / "minimal"
# The machine is shared and often loaded: a per-example time limit would make property tests
# fail by the neighbours' load, not by our code. Slowness is measured in bench/, not here.
hypothesis_settings.register_profile("reckoning", deadline=None)
hypothesis_settings.load_profile("reckoning")

# A fixed "today" so embargo tests do not change meaning as the calendar moves.
TODAY = date(2026, 11, 23)


def make_settings(home: Path, content: Path, today: date = TODAY) -> Settings:
    return load_settings(home=home, environ={}, content_dir=content, today_override=today,
                         database_url=postgres.store_url(home))


def published_minimal(home: Path, prepare: Callable[[Path], None] | None = None) -> Settings:
    """The minimal content copied into `home` (changed by `prepare` first, if given), ingested
    and published: the starting archive most module-scoped fixtures build once."""
    shutil.copytree(MINIMAL, home / "content")
    if prepare is not None:
        prepare(home / "content")
    settings = make_settings(home, home / "content")
    ingest(settings)
    publish(settings)
    return settings


def copy_home(template: Path, tmp_path: Path) -> Settings:
    """A test's own copy of an archive built once (content, store, indexes, both site buffers,
    with `public` kept the symlink it is): copying is much cheaper than ingesting and publishing
    again, and the copy is the same archive (ingest finds nothing changed, a build writes nothing)."""
    home = tmp_path / "home"
    # A replaced folder (`.NAME.old-…`) is removed by a background thread (archive.files.
    # staged_directory) that may still be at it: it is garbage, and copying it races its removal.
    shutil.copytree(template, home, symlinks=True, ignore=shutil.ignore_patterns(".*.old-*"))
    postgres.copy_store(template, home)
    return make_settings(home, home / "content")


@pytest.fixture(scope="session")
def published_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal archive ingested and published once (`published_minimal`); never written to:
    tests take a copy (`published_copy`)."""
    home = tmp_path_factory.mktemp("published-template")
    published_minimal(home)
    return home


@pytest.fixture
def published_copy(published_template: Path, tmp_path: Path) -> Settings:
    """The minimal archive, ingested and published: the test's own copy, in `tmp_path / "home"`."""
    return copy_home(published_template, tmp_path)


@pytest.fixture
def minimal(tmp_path: Path) -> Settings:
    """A small, valid content folder copied into a temporary home (not yet ingested)."""
    shutil.copytree(MINIMAL, tmp_path / "content")
    return make_settings(tmp_path, tmp_path / "content")


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled sample collection, ingested, indexed and built once for the session."""
    home = tmp_path_factory.mktemp("sample")
    settings = make_settings(home, SAMPLE)
    ingest(settings)
    publish(settings)
    return settings


@pytest.fixture
def session_for():
    engines = []

    def open_session(settings: Settings) -> Session:
        engine = open_engine(settings)
        engines.append(engine)
        return Session(engine)

    yield open_session
    for engine in engines:
        engine.dispose()


def pytest_configure(config: pytest.Config) -> None:
    """Keep the "N passed in S s" line: pyproject's addopts already has -q, and a second -q (or
    -qq) would hide it, leaving CI logs with no count of what ran."""
    config.option.verbose = max(config.option.verbose, -1)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (pyproject's addopts) gives the whole suite a worker per core; a run of one to
    three named test files stays in one process, where starting workers (each collecting the
    files again) costs more than it saves. An explicit `-n N` is never changed."""
    named = [arg.split("::")[0] for arg in config.args]
    if config.args_source == pytest.Config.ArgsSource.ARGS and len(set(named)) <= 3 \
            and all(name.endswith(".py") for name in named):
        return 0
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every test a node id of its own. schemathesis names each test it generates per API
    operation after the function alone (with pytest 9), and pytest-xdist schedules by node id:
    all but one of them would silently not run. The item's name holds the operation, so the id
    becomes e.g. `...::test_every_operation_answers_as_documented[GET /api/records]`, which
    also says which operation failed. Any id still shared stops the run, naming it."""
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and item.parent is not None:
            unique = f"{item.parent.nodeid}::{item.name}"
            if hasattr(item, "_id"):  # pytest >= 9: a structured NodeId
                item._id = type(item._id).parse(unique)
            else:
                item._nodeid = unique
    shared = [nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1]
    if shared:
        raise pytest.UsageError(f"tests sharing a node id would not all run under xdist: {shared[:5]}")


def pytest_terminal_summary(terminalreporter) -> None:
    """Print measured figures (tests attach them with `record_property("figure", text)`)."""
    figures = [value for report in terminalreporter.stats.get("passed", [])
               for key, value in report.user_properties if key == "figure"]
    if figures:
        terminalreporter.section("measured figures")
        for figure in figures:
            terminalreporter.write_line(figure)
