"""Fixtures that build real archives: a real SQLite file, real search indexes, a real site.

Each archive is built once per session (with xdist, once per worker process) and never
written to afterwards: a test that needs an archive of its own gets a copy of its home folder
(`copy_home`: store, indexes, both site buffers and the `public` symlink), which is much
cheaper than ingesting and publishing again. The functions that build and copy them, and every
other helper the test modules share, are in tests/helpers/; the fixtures are here.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

# The suite's `reckon` commands run themselves: a warm process (reckon/warm_client.py) outlives
# the command that starts it, which a test must not leave behind. tests/test_warm_process.py runs
# commands through warm processes of its own and stops them.
os.environ["RECKON_WARM"] = "off"

# Before the helpers are imported: their asserts report the values they compared, as a test's do.
pytest.register_assert_rewrite("tests.helpers")

from hypothesis import settings as hypothesis_settings
from lxml import etree
from sqlmodel import Session

from archive.db import open_engine
from archive.fork_safety import can_fork, leave_out_present_threads
from archive.settings import Settings
from ingest.pipeline import ingest
from publish.build import build_site
from search.query import open_index
from tests.helpers import browser as chromium
from tests.helpers.archives import (
    MINIMAL,
    copy_home,
    make_settings,
    published_minimal,
    published_sample,
    with_ledger,
)
from tests.helpers.content import add_records
from tests.helpers.oai import load_oai_schema
from tests.helpers.search_corpus import ENGINES, build_corpus, skip_unless_available
from tests.helpers.servers import reckon_serve
from tests.helpers.staff import add_users
from tests.helpers.warm import warm_environment

pytest_plugins = ["tests.helpers.postgres"]  # `pytest --postgres`: the stores in PostgreSQL

# The machine is shared and often loaded: a per-example time limit would make property tests
# fail by the neighbours' load, not by our code. Slowness is measured in bench/, not here.
hypothesis_settings.register_profile("reckoning", deadline=None)
hypothesis_settings.load_profile("reckoning")


# -- the minimal archive (tests/fixtures/minimal) ---------------------------------------------

@pytest.fixture
def warm(tmp_path: Path) -> Iterator[dict]:
    """An environment whose warm processes are this test's own (`tests.helpers.warm`)."""
    yield from warm_environment(tmp_path)


@pytest.fixture
def minimal(tmp_path: Path) -> Settings:
    """A small, valid content folder copied into a temporary home (not yet ingested)."""
    shutil.copytree(MINIMAL, tmp_path / "content")
    return make_settings(tmp_path, tmp_path / "content")


@pytest.fixture(scope="session")
def published_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal archive ingested and published once (`published_minimal`); never written to:
    tests take a copy (`published_copy`, or `copy_home` for a module's own)."""
    home = tmp_path_factory.mktemp("published-template")
    published_minimal(home)
    return home


@pytest.fixture
def published_copy(published_template: Path, tmp_path: Path) -> Settings:
    """The minimal archive, ingested and published: the test's own copy, in `tmp_path / "home"`."""
    return copy_home(published_template, tmp_path)


@pytest.fixture(scope="session")
def staff_template(published_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published minimal archive with the four staff accounts (tests.helpers.staff.USERS);
    never written to: tests take a copy."""
    settings = copy_home(published_template, tmp_path_factory.mktemp("staff-template"))
    add_users(settings)
    return settings.home


@pytest.fixture(scope="session")
def ledger_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal archive with the harm ledger's files (tests/fixtures/ledger), ingested and
    published once; never written to: tests take a copy."""
    home = tmp_path_factory.mktemp("ledger-template")
    published_minimal(home, with_ledger)
    return home


# -- the minimal archive with MANY generated records ------------------------------------------

@pytest.fixture(scope="session")
def many_ingested_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal content with `MANY` generated records (tests.helpers.content.add_records),
    ingested once; its site not built. Never written to."""
    home = tmp_path_factory.mktemp("many-ingested")
    shutil.copytree(MINIMAL, home / "content")
    settings = make_settings(home, home / "content")
    add_records(settings)
    ingest(settings)
    return home


@pytest.fixture(scope="session")
def many_template(many_ingested_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`many_ingested_template` with its site built once. Never written to."""
    settings = copy_home(many_ingested_template, tmp_path_factory.mktemp("many"))
    build_site(settings)
    return settings.home


@pytest.fixture
def many(many_template: Path, tmp_path: Path) -> Settings:
    """The minimal archive with MANY more records, ingested and built: each test's own copy."""
    return copy_home(many_template, tmp_path)


@pytest.fixture
def many_ingested(many_ingested_template: Path, tmp_path: Path) -> Settings:
    """The same archive as `many`, ingested but with no site yet (for tests of a first build)."""
    return copy_home(many_ingested_template, tmp_path)


# -- the bundled sample (content/) -------------------------------------------------------------

@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled sample collection, ingested, indexed and built once for the session; only
    read by the tests (the running app may add its own working files)."""
    return published_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The known-answer search corpus (tests.helpers.search_corpus): the sample plus the date
    records, ingested and indexed by both engines; the public documents as the Catalog sees them."""
    return build_corpus(tmp_path_factory.mktemp("search"))


@pytest.fixture(scope="session", params=ENGINES)
def ix(request: pytest.FixtureRequest, corpus: dict):
    """The corpus's index, opened, once per engine: each test that takes it runs on every one
    (postgres under --postgres only, skipped otherwise)."""
    skip_unless_available(request.param)
    index = open_index(corpus["home"] / f"index-{request.param}", corpus["settings"].database_url)
    yield index
    index.close()


# -- protocols, servers and browsers ------------------------------------------------------------

@pytest.fixture(scope="session")
def oai_schema() -> etree.XMLSchema:
    """The official OAI-PMH and oai_dc schemas, read offline (tests.helpers.oai)."""
    return load_oai_schema()


@pytest.fixture(scope="module")
def static_host(sample: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built sample site on a plain static file server: no /api at all."""
    root = tmp_path_factory.mktemp("host") / "public"
    shutil.copytree(sample.public_dir, root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(chromium.QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Headless Chromium for the axe-core checked pages (tests.helpers.browser.axe_marks)."""
    # Imported here: playwright is a test extra, and the modules using this skip without it.
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        # A persistent context is how Playwright takes a fresh --user-data-dir of our own.
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(chromium.CHROMIUM), headless=True, args=chromium.CHROMIUM_FLAGS)
        yield context
        context.close()


@pytest.fixture
def staff_server(published_template: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`reckon serve` on a copy of the published minimal archive (so it starts with nothing to
    build; tests/test_serve.py starts one on a fresh checkout), with a contributor `ana` and a
    curator `cora` (password tests.helpers.browser.PASSWORD): (base URL, home)."""
    home = copy_home(published_template, tmp_path).home
    with reckon_serve(home, {"ana": "contributor", "cora": "curator"}, chromium.PASSWORD) as base:
        yield base, home


# -- the store -----------------------------------------------------------------------------------

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


# -- hooks -----------------------------------------------------------------------------------------

def pytest_configure(config: pytest.Config) -> None:
    """Keep the "N passed in S s" line: pyproject's addopts already has -q, and a second -q (or
    -qq) would hide it, leaving CI logs with no count of what ran."""
    config.option.verbose = max(config.option.verbose, -1)
    if os.path.isdir("/proc/self/task"):
        # A pytest-xdist worker's channel thread (execnet's) runs already: the tests judge
        # forking by the threads they start, as the commands do (archive.fork_safety).
        leave_out_present_threads()


FRESH = "RECKON_TEST_FRESH_PROCESS"  # set in the process a `forks` test was handed to


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """A test marked `forks` runs where the archive may fork (archive.fork_safety): in this
    process when no other thread runs here, else in a fresh one (`pytest -n 0` of this test
    alone). A worker that ran other tests first keeps their threads: a staff publish drew charts
    in-process (vl-convert's V8 and tokio threads stay for the process's life), an open index
    keeps its facet counters. There, the archive rightly forks nothing, and a test of what it
    forks would test nothing."""
    if pyfuncitem.get_closest_marker("forks") is None or can_fork() or os.environ.get(FRESH):
        return None
    ran = subprocess.run([sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider", pyfuncitem.nodeid],
                         cwd=pyfuncitem.config.rootpath, env={**os.environ, FRESH: "1"}, capture_output=True,
                         text=True, timeout=600, check=False)
    if ran.returncode != 0:
        pytest.fail(f"in a fresh process (this one has other threads):\n{ran.stdout[-6000:]}{ran.stderr[-2000:]}",
                    pytrace=False)
    return True


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
