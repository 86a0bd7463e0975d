"""A throwaway PostgreSQL cluster for the tests, and a store of its own in it for every archive.

`pytest --postgres` runs the store-backed test modules (`POSTGRES_MODULES`) with every archive's
store in PostgreSQL instead of its SQLite file; without the flag nothing here starts and the
suite runs on SQLite as always. The cluster is made per test process (each xdist worker has
its own) with Debian's `initdb` and `pg_ctl`, in a temporary folder, listening only on a Unix
socket there, and is removed when the process ends. Durability is switched off (`fsync=off`):
a test cluster that dies is thrown away, not recovered.

An archive home is a folder (content, indexes, site); its store is the database named after
the folder (`database_for`), made empty on first use. `copy_home` copies a home built once;
`copy_store` gives the copy the template's store as PostgreSQL copies a database, as the
folder copy carries the SQLite file. So every fixture and helper that makes settings for a
home works unchanged on both stores.
"""

from __future__ import annotations

import atexit
import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import pytest

# The modules whose tests `pytest --postgres` runs again on PostgreSQL: everything that reads or
# writes the store through our code (store, ingest, change log, publish, API, OAI, staff,
# concurrency, audit, bag round trip). The rest test files, search engines, templates or
# SQLite's own files, and would only repeat what the SQLite run shows.
POSTGRES_MODULES = (
    "test_postgres.py",
    "test_store_schema.py",
    "test_ingest.py",
    "test_ingest_runs.py",
    "test_build_changes.py",
    "test_build_incremental.py",
    "test_search_incremental.py",
    "test_search.py",  # the known-answer suite: with the postgres search engine, whose index is in the store
    "test_search_leak.py",
    "test_search_snippets.py",
    "test_search_postgres.py",
    "test_publish.py",
    "test_api.py",
    "test_record_reads.py",
    "test_view_cache.py",
    "test_oai.py",
    "test_oai_deletes.py",
    "test_staff.py",
    "test_staff_workflow.py",
    "test_concurrent_writers.py",
    "test_serve_workers.py",
    "test_front_door.py",
    "test_audit.py",
    "test_preservation.py",
    "test_preservation_originals.py",
    "test_signin_store.py",
    "test_session_cookie.py",
    "test_staff_ledger.py",
    "test_patch_changes.py",
    "test_consent_propagation.py",
    "test_ingest_changed_files.py",
    "test_places.py",
)
SUPERUSER = "reckon"
UNCLOSED = ".*was deleted while still open"  # psycopg's warning of a connection collected open


def _binaries() -> Path:
    """The folder of `initdb`, `pg_ctl` and `postgres`: Debian keeps them per major version."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not versions:
        raise RuntimeError("PostgreSQL's server is not installed: apt-get install postgresql")
    return Path(versions[-1]).parent


class Cluster:
    """One PostgreSQL cluster in a temporary folder, reached by its Unix socket."""

    def __init__(self, root: Path, owned: bool):
        self.root = root
        self.data = root / "data"
        self.owned = owned  # made by this process, so stopped and removed by it
        self.bin = _binaries()
        # initdb refuses to run as root: as root, the cluster belongs to Debian's `postgres` user.
        self.user = "postgres" if os.geteuid() == 0 else None

    @classmethod
    def start(cls) -> Cluster:
        cluster = cls(Path(tempfile.mkdtemp(prefix="reckon-pg-")), owned=True)  # short: a socket path has ~100 bytes
        if cluster.user is not None:
            account = pwd.getpwnam(cluster.user)
            os.chown(cluster.root, account.pw_uid, account.pw_gid)
        cluster._run("initdb", "-D", str(cluster.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                     "--locale=C.UTF-8", "--no-sync")
        options = " ".join([
            "-c listen_addresses=''", f"-c unix_socket_directories={cluster.root}",
            "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
            "-c max_connections=300", "-c shared_buffers=64MB",
        ])
        cluster._run("pg_ctl", "-D", str(cluster.data), "-o", options, "-l", str(cluster.root / "log"),
                     "-w", "-t", "60", "start")
        atexit.register(cluster.stop)
        return cluster

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([str(self.bin / program), *args], check=True, user=self.user,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def url(self, database: str) -> str:
        """A SQLAlchemy URL for `database` (psycopg 3, over the cluster's socket)."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.root}"

    def execute(self, statement: str, database: str = "postgres") -> list[tuple]:
        """Run one statement outside any transaction (CREATE DATABASE cannot run in one)."""
        import psycopg  # the [postgres] extra: imported only when a cluster is in use

        with psycopg.connect(host=str(self.root), user=SUPERUSER, dbname=database, autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def create(self, database: str, template: str | None = None) -> None:
        if template is not None:
            # A template must have no other session: a pool of a finished fixture may keep one.
            self.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         f"WHERE datname = '{template}' AND pid <> pg_backend_pid()")
        clause = f" TEMPLATE {template or 'template1'} STRATEGY FILE_COPY"
        self.execute(f"CREATE DATABASE {database}{clause}")

    def exists(self, database: str) -> bool:
        return bool(self.execute(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"))

    def stop(self) -> None:
        if self.owned and self.data.exists():
            # "fast": the server and all its processes are gone when pg_ctl returns (after
            # "immediate", dying backends still wrote files while the folder was being removed).
            subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                           check=False, user=self.user, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(5):
                shutil.rmtree(self.root, ignore_errors=True)
                if not self.root.exists():
                    break
                time.sleep(0.2)


_cluster: Cluster | None = None  # this test process's cluster, under --postgres only
CLUSTER_VARIABLE = "RECKON_TEST_POSTGRES"  # where a running cluster is, for the processes a test starts


def cluster() -> Cluster:
    """This process's cluster: the one a parent process started (a test running `reckon` or a
    script as a process of its own), else one started now."""
    global _cluster
    if _cluster is None:
        found = os.environ.get(CLUSTER_VARIABLE)
        _cluster = Cluster(Path(found), owned=False) if found else Cluster.start()
        os.environ[CLUSTER_VARIABLE] = str(_cluster.root)
    return _cluster


def in_use() -> bool:
    """Whether this run keeps its stores in PostgreSQL (`pytest --postgres`)."""
    return os.environ.get("RECKON_TEST_STORE") == "postgres"


def database_for(home: Path) -> str:
    """The database that is the store of the archive in `home`: named after the folder."""
    return "home_" + hashlib.blake2b(str(Path(home).resolve()).encode(), digest_size=12).hexdigest()


def store_url(home: Path) -> str | None:
    """The DATABASE_URL of the archive in `home`: its own database, made empty when new, under
    `--postgres`; None otherwise (the SQLite file in the home, the default)."""
    if not in_use():
        return None
    name = database_for(home)
    if not cluster().exists(name):
        cluster().create(name)
    return cluster().url(name)


def copy_store(template_home: Path, home: Path) -> None:
    """Under `--postgres`, give the archive copied into `home` a copy of the template's store."""
    if in_use():
        cluster().create(database_for(home), template=database_for(template_home))


def new_database(prefix: str = "db") -> str:
    """The URL of a new empty database in this process's cluster (for a test's own store)."""
    name = f"{prefix}_{int(time.monotonic_ns())}"
    cluster().create(name)
    return cluster().url(name)


# -- the pytest plugin (registered in tests/conftest.py) ------------------------------------

def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres", action="store_true",
                     help="run the store-backed test modules with every store in a throwaway "
                          "PostgreSQL cluster (Debian's postgresql package)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about SQLite's own file or locking; "
                                       "skipped under --postgres")
    # Through the environment, so that xdist workers and `reckon` processes the tests start
    # see the same choice.
    if config.getoption("--postgres"):
        os.environ["RECKON_TEST_STORE"] = "postgres"
        # psycopg warns when a connection is garbage-collected open. SQLAlchemy closes a pooled
        # connection its session dropped by a weak reference's callback, which Python skips when
        # the session, pool and connection die together in one collected cycle (as test stores'
        # engines do, at random moments): then psycopg's own warning is all that is left.
        config.addinivalue_line("filterwarnings", f"ignore:{UNCLOSED}:ResourceWarning")  # in tests
        warnings.filterwarnings("ignore", UNCLOSED, ResourceWarning)  # and between them
        # A command run with no DATABASE_URL of the archive's own would quietly use a SQLite file:
        # here it fails instead, naming what to do (`monkeypatch.setenv("DATABASE_URL", ...)`).
        os.environ["DATABASE_URL"] = "postgresql+psycopg:///set_DATABASE_URL_to_the_archive_s_settings.database_url"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under `--postgres` only POSTGRES_MODULES are collected."""
    if in_use() and collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        return collection_path.name not in POSTGRES_MODULES or None
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.sqlite_only` tests (SQLite's own file, WAL, locks) are skipped on PostgreSQL."""
    if not in_use():
        return
    skip = pytest.mark.skip(reason="about SQLite's own file or locking")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)
