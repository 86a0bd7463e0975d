"""The postgres search engine's own promises, read from the database itself (pytest --postgres).

The known answers, snippets, leak and incremental suites run on it as on the other engines;
here what only it has: the two indexes are separate tables and the public one's rows, stems
and vocabulary hold nothing hidden; a full rebuild drops the tables it replaced; a reader open
across a rebuild keeps answering; the app answers each viewer from the right table.
"""

from __future__ import annotations

import dataclasses
import logging

import psycopg
import pytest
from starlette.testclient import TestClient

from archive.db import store_transaction
from archive.users import create_user, issue_token
from publish.pipeline import index_all
from search import engine
from search.engine import Request
from search.language import parse
from search.postgres.compile import Compiler
from search.postgres.store import PREFIX, conninfo, read_pointer
from search.query import open_index, search
from server.app import create_app
from tests.helpers import postgres
from tests.helpers.archives import HIDDEN_WORDS, PRIVATE_NAME
from tests.helpers.staff import PASSWORD

pytestmark = pytest.mark.skipif(not postgres.in_use(), reason="the postgres search engine needs pytest --postgres")


@pytest.fixture
def archive(published_copy):
    """The published minimal archive with both indexes made by the postgres engine."""
    settings = dataclasses.replace(published_copy, search_engine="postgres")
    public, staff = index_all(settings)
    assert public.rebuilt and staff.rebuilt  # made by whoosh before: rebuilt with postgres
    return settings


def query(settings, sql: str, *args) -> list[tuple]:
    with psycopg.connect(conninfo(settings.database_url)) as conn:
        cursor = conn.execute(sql, args)
        return cursor.fetchall() if cursor.description else []


def tables(settings) -> set[str]:
    return {name for (name,) in query(settings, "SELECT tablename FROM pg_tables WHERE tablename LIKE %s",
                                      PREFIX + "%") if name != "reckon_search_tables"}


def test_the_indexes_are_separate_tables_and_the_public_one_holds_nothing_hidden(archive):
    public, staff = read_pointer(archive.index_dir), read_pointer(archive.staff_index_dir)
    assert public and staff and public != staff
    secrets = [w.lower() for w in HIDDEN_WORDS.values()] + [PRIVATE_NAME.lower(), "legalname"]

    def everything(table: str) -> str:
        rows = query(archive, f'SELECT id, title, "text", people, doc::text, words::text FROM {table}')
        rows += query(archive, f"SELECT stem, '' FROM {table}_terms")
        rows += query(archive, f"SELECT word, n::text FROM {table}_vocab")
        return " ".join(str(v) for row in rows for v in row).lower()

    public_text, staff_text = everything(public), everything(staff)
    for secret in secrets:
        assert secret not in public_text, secret
    assert all(w.lower() in staff_text for w in HIDDEN_WORDS.values())  # so the test means something
    assert "zanzibarquux" in staff_text and "zanzibarquux" not in public_text


def test_a_rebuild_drops_the_tables_it_replaced(archive):
    before = tables(archive)
    old = read_pointer(archive.index_dir)
    index_all(archive, rebuild=True)
    after = tables(archive)
    new = read_pointer(archive.index_dir)
    assert old in before and new in after and old not in after
    assert not {t for t in after if t.startswith(old)}  # nor its fuzzy-term and vocabulary tables
    assert len(after) == len(before)  # three tables an index, two indexes: nothing left behind


def test_a_reader_open_across_a_rebuild_keeps_answering(archive):
    handle = open_index(archive.index_dir, archive.database_url)
    reader = engine.open_reader("postgres", archive.index_dir, archive.database_url)
    try:
        expected = search(handle, "apology").total
        assert expected >= 1
        assert not handle.in_process  # its queries wait on the server: the API makes them off the event loop
        index_all(archive, rebuild=True)  # drops the table both were opened on
        assert search(handle, "apology").total == expected  # the handle follows the manifest
        # The engine's reader finds the new table through the folder when its own is gone.
        assert reader.search(Request(parse("apology"))).total == expected
    finally:
        reader.close()
        handle.close()


def test_the_app_answers_each_viewer_from_its_own_table(archive):
    with store_transaction(archive) as session:
        token = issue_token(session, create_user(session, "pg-curator", PASSWORD, "curator"), "search", "test")
    hidden = HIDDEN_WORDS["nar-d"]  # staff only
    with TestClient(create_app(archive)) as client:
        public = client.get("/api/search", params={"q": hidden}).json()
        staff = client.get("/api/search", params={"q": hidden}, headers={"Authorization": f"Bearer {token}"}).json()
        fuzzy = client.get("/api/search", params={"q": hidden[:-1]}).json()
    assert public["index"] == "public" and public["total"] == 0 and public["hits"] == []
    assert staff["index"] == "staff" and staff["total"] >= 1
    assert fuzzy["suggestion"] is None  # not even suggested to the public


HOSTILE = ["apolog\x00*", "o'brien*", "a\\*", "type:\x00", "id:rec\x00", "ap\x00ology", "apology~\x00",
           "'quoted' \"phrase\x00 here\"", "harm_type:ht*", "language:e*", "\x00", "title:o'b*"]


def test_hostile_queries_are_answers_or_query_errors_never_server_errors(archive):
    with TestClient(create_app(archive), raise_server_exceptions=False) as client:
        for text in HOSTILE:
            for filters in ({}, {"harm_type": ["x\x00"]}, {"harm_type": ["x\x00", "ht-exclusion"]}):
                answer = client.get("/api/search", params={"q": text, **filters})
                assert answer.status_code in (200, 400), (text, filters, answer.text)
        only_nul = client.get("/api/search", params={"q": "*:*", "harm_type": ["x\x00"]}).json()
    assert only_nul["total"] == 0  # a filter whose only value cannot match matches nothing


def test_phrases_found_through_pair_lexemes_are_the_phrases_found_by_positions(archive):
    reader = engine.open_reader("postgres", archive.index_dir, archive.database_url)
    try:
        paired = reader.compiler
        assert {"the", "of"} <= paired.common  # chosen from the index's first documents
        phrases = ['"of the"', '"the ama"', '"i remember the"', '"the"', 'title:"the ama"', '"of the" OR apology',
                   '"the story of" NOT apology', '"remember the apology"', '"the the"']
        with_pairs = {p: reader.search(Request(parse(p), limit=100)) for p in phrases}
        reader.compiler = Compiler(reader.expand_fuzzy)  # phrases checked by position alone
        for phrase, found in with_pairs.items():
            plain = reader.search(Request(parse(phrase), limit=100))
            assert (found.total, {h.fields["id"] for h in found.hits}) == \
                   (plain.total, {h.fields["id"] for h in plain.hits}), phrase
        assert with_pairs['"the ama"'].total > 0 and with_pairs['"remember the apology"'].total > 0
        assert paired.compile(parse('"the ama"')).ts == "'the ama'"  # one lexeme: no position check
    finally:
        reader.close()


def test_an_index_whose_tables_are_gone_from_the_store_is_rebuilt_by_the_next_update(archive, caplog):
    # As after a store restored from a bag (which holds no search tables) into the same database.
    table = read_pointer(archive.index_dir)
    query(archive, f"DROP TABLE {table}, {table}_terms, {table}_vocab")
    with caplog.at_level(logging.WARNING, logger="search.incremental"):
        public, staff = index_all(archive)
    assert public.rebuilt and not staff.rebuilt
    assert any(f"its table {table} is not in the store" in r.getMessage() for r in caplog.records)
    ix = open_index(archive.index_dir, archive.database_url)
    try:
        assert search(ix, "apology").total >= 1
    finally:
        ix.close()


def test_an_index_switched_to_another_engine_leaves_no_table_behind(archive):
    old = read_pointer(archive.index_dir)
    index_all(dataclasses.replace(archive, search_engine="whoosh"))  # both indexes rebuilt by whoosh
    assert not {t for t in tables(archive) if t.startswith(old)}
    assert tables(archive) == set()  # the staff index's tables went too
