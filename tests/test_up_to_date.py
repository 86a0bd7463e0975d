"""`publish.up_to_date`: the stamp a whole publish leaves, from which `reckon build` answers
"nothing to do" without loading the ORM, and `reckon ingest` publishing the site's patch.

The stamp must never say "current" when the full path would change a file: each test changes
one thing the site or an index depends on (the store, a pending withdrawal, the date, the
templates, an index's files) and expects the stamp to stop holding.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys

import pytest
from sqlmodel import Session

from archive import change_log, site_lag
from archive.code_digest import code_of
from archive.db import open_engine
from ingest.pipeline import ingest
from publish import site_manifest, up_to_date
from publish.pipeline import publish, publishing
from search.indexer import MANIFEST as INDEX_MANIFEST
from tests.helpers.archives import REPO
from tests.helpers.content import edit
from tests.helpers.postgres import in_use as postgres_in_use
from tests.helpers.sites import assert_same_as_fresh_build

pytestmark = pytest.mark.skipif(postgres_in_use(), reason="the stamp is read from a SQLite store only")


def test_the_names_it_reads_without_the_orm_are_the_stores_own():
    assert up_to_date.CHANGE_LOG == change_log.TABLE
    assert up_to_date.SITE_LAG == site_lag.TABLE
    assert up_to_date.INDEX_MANIFEST == INDEX_MANIFEST
    assert up_to_date.SITE_MANIFEST == site_manifest.MANIFEST


def test_its_code_digest_covers_every_package_a_publish_runs():
    packages = {name.split(".")[0] for name in code_of("publish.pipeline", "publish.build")}
    assert packages <= set(up_to_date.CODE)


def test_a_publish_leaves_a_stamp_at_the_stores_place_in_its_log(published_copy):
    publish(published_copy)
    stamp = up_to_date.current(published_copy)
    assert stamp is not None
    engine = open_engine(published_copy)
    with Session(engine) as session:
        assert stamp.mark == change_log.latest(session) == up_to_date.store_mark(published_copy)
    engine.dispose()
    assert stamp.pages == len(site_manifest.read_pages(published_copy.public_dir.resolve()))


def test_the_store_is_read_where_its_path_has_characters_a_uri_reserves(published_copy, tmp_path):
    odd = tmp_path / "a b#c?d%"
    odd.mkdir()
    shutil.copy(published_copy.sqlite_path, odd / published_copy.sqlite_path.name)
    moved = dataclasses.replace(published_copy, database_url=f"sqlite:///{odd / published_copy.sqlite_path.name}")
    assert up_to_date.store_mark(moved) == up_to_date.store_mark(published_copy) is not None


def test_a_write_to_the_store_ends_it(published_copy):
    publish(published_copy)
    edit(published_copy, "records/rec-2008-apology.md", "The AMA apologized.", "The AMA apologized, in writing.")
    ingest(published_copy)
    assert up_to_date.current(published_copy) is None


def test_a_withdrawal_waiting_to_be_published_ends_it(published_copy):
    publish(published_copy)
    engine = open_engine(published_copy)
    with Session(engine) as session, session.begin():
        site_lag.note(session, "withdrew nar-a", "curator")
    engine.dispose()
    assert up_to_date.current(published_copy) is None


def test_a_new_day_or_other_settings_end_it(published_copy):
    publish(published_copy)
    later = dataclasses.replace(published_copy, today_override=published_copy.today().replace(year=2030))
    assert up_to_date.current(later) is None  # an embargo may have ended
    elsewhere = dataclasses.replace(published_copy, base_url="https://example.org/archive/")
    assert up_to_date.current(elsewhere) is None
    moved = dataclasses.replace(published_copy, content_dir=published_copy.home / "elsewhere")
    assert up_to_date.current(moved) is not None  # publishing never reads the content folder


def test_other_templates_end_it(published_copy):
    publish(published_copy)
    theme = published_copy.home / "site"
    shutil.copytree(published_copy.site_dir, theme)
    with_theme = dataclasses.replace(published_copy, site_dir=theme)
    assert up_to_date.current(with_theme) is None  # another folder: another setting
    publish(with_theme)
    assert up_to_date.current(with_theme) is not None
    page = theme / "templates" / "record.html"
    page.write_text(page.read_text() + "\n")
    assert up_to_date.current(with_theme) is None


@pytest.mark.parametrize("where", ["index_dir", "staff_index_dir"])
def test_an_index_remade_or_removed_ends_it(published_copy, where):
    publish(published_copy)
    manifest = getattr(published_copy, where) / INDEX_MANIFEST
    os.replace(manifest, manifest.with_suffix(".old"))
    assert up_to_date.current(published_copy) is None
    shutil.copy(manifest.with_suffix(".old"), manifest)  # the same bytes, another file
    assert up_to_date.current(published_copy) is None


def test_every_publisher_removes_it_before_touching_anything(published_copy):
    publish(published_copy)
    assert up_to_date.path_of(published_copy).exists()
    with publishing(published_copy):
        assert not up_to_date.path_of(published_copy).exists()
    assert up_to_date.current(published_copy) is None  # until a publish finishes whole


def run(settings, *args: str) -> subprocess.CompletedProcess:
    """The `reckon` command line in a fresh process that says afterwards which libraries it loaded."""
    script = ("import sys; from reckon.cli import main; code = main(sys.argv[1:]); "
              "print('loaded:', *sorted({'sqlalchemy', 'jinja2', 'sqlmodel'} & set(sys.modules))); sys.exit(code)")
    env = dict(os.environ, RECKON_TODAY=settings.today().isoformat())
    return subprocess.run([sys.executable, "-c", script, "--home", str(settings.home), *args], env=env, cwd=REPO,
                          capture_output=True, text=True, check=False, timeout=300)


def test_reckon_ingest_patches_the_site_and_reckon_build_then_loads_no_orm(published_copy, tmp_path):
    assert run(published_copy, "build").returncode == 0  # a whole publish by the command: its stamp
    built = run(published_copy, "build")
    assert "(0 written," in built.stdout and built.stdout.rstrip().endswith("loaded:"), built.stdout
    edit(published_copy, "records/rec-2008-apology.md", "The AMA apologized.", "The AMA apologized, in writing.")
    ingested = run(published_copy, "ingest", "--content", str(published_copy.content_dir))
    assert ingested.returncode == 0, ingested.stderr
    assert "published the change to" in ingested.stdout
    page = (published_copy.public_dir / "records" / "rec-2008-apology" / "index.html").read_text()
    assert "apologized, in writing." in page
    built = run(published_copy, "build")
    assert built.returncode == 0, built.stderr
    assert "(0 written," in built.stdout
    assert built.stdout.rstrip().endswith("loaded:"), built.stdout  # no SQLAlchemy, SQLModel or Jinja
    assert_same_as_fresh_build(published_copy, tmp_path)
    again = run(published_copy, "ingest", "--content", str(published_copy.content_dir))
    assert "(0 written, 0 removed)" in again.stdout
    assert again.stdout.rstrip().endswith("loaded:"), again.stdout  # nothing changed: told without the ORM
