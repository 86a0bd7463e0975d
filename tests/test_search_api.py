"""Search at the edges: `/api/search` parameters and errors, `reckon search` and `reckon index`,
incremental updates, and a running app that follows rebuilds of its index folder."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from archive.settings import load_settings
from ingest.pipeline import ingest
from publish.pipeline import index_all, publish
from reckon.cli import main
from search.engine import EngineError
from search.query import open_index, search
from server.app import create_app


def run(settings, *args: str) -> int:
    return main(["--home", str(settings.home), *args])


def test_api_search_takes_dates_facets_sort_and_pages(sample):
    with TestClient(create_app(sample)) as client:
        params = {"q": "hospital", "type": "record", "from": "1900", "to": "1970", "sort": "date",
                  "limit": "5", "page": "2"}
        body = client.get("/api/search", params=params).json()
        assert body["page"] == 2 and body["per_page"] == 5 and body["pages"] == -(-body["total"] // 5)
        assert body["hits"] and all(h["type"] == "record" for h in body["hits"])
        assert body["filters"] == {"type": ["record"]} and body["from"] == "1900"
        assert set(body["facets"]) == {"type", "harm_type", "affected_group", "institution", "decade"}
        assert body["facets"]["type"] == [{"value": "record", "label": "Records", "count": body["total"]}]
        several = client.get("/api/search?q=hospital&type=record&type=harm").json()
        assert {h["type"] for h in several["hits"]} == {"record", "harm"}
        assert client.get("/api/search", params={"q": "segregaton"}).json()["suggestion"] == "segregation"


@pytest.mark.parametrize("params, status, code, detail", [
    ({"q": '"color bar'}, 400, "bad_query", 'a phrase is not closed; add the missing "'),
    ({"q": "apology AND"}, 400, "bad_query", "'AND' needs a word after it"),
    ({"q": "colour:red"}, 400, "bad_query", "unknown field 'colour'"),
    ({"q": "apology", "from": "someday"}, 400, "bad_query", "from: expected a year"),
    ({"q": "apology", "sort": "title"}, 400, "bad_query", "unknown sort 'title'"),
    ({"q": "apology", "page": "0"}, 400, "bad_request", "page must be a whole number from 1"),
    ({"q": "apology", "page": "two"}, 400, "bad_request", "page must be a whole number from 1"),
    ({"q": "apology", "page": "99999999999999999999"}, 400, "bad_request", "page must be a whole number from 1 to 10000"),
    ({"q": "apology", "limit": "many"}, 400, "bad_request", "limit must be a whole number"),
])
def test_api_search_refuses_what_it_cannot_read_with_the_error_shape(sample, params, status, code, detail):
    with TestClient(create_app(sample)) as client:
        answer = client.get("/api/search", params=params)
    assert answer.status_code == status
    body = answer.json()
    assert set(body) == {"error", "detail"} and body["error"] == code and detail in body["detail"]


def test_cli_search_prints_hits_facets_and_one_line_errors(sample, capsys):
    assert run(sample, "search", "hospital", "--type", "harm", "--facets", "--sort", "date") == 0
    out = capsys.readouterr().out
    assert "results for 'hospital'" in out and "/harms/" in out and "/records/" not in out
    assert "  type: harm (" in out and "  harm_type: ht-" in out
    assert run(sample, "search", "segregaton") == 0
    assert "did you mean: segregation" in capsys.readouterr().out
    assert run(sample, "search", '"color bar') == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: cannot read the query '\"color bar': a phrase is not closed; add the missing \""]
    assert run(sample, "search", "apology", "--from", "1950", "--to", "1900") == 1
    assert capsys.readouterr().err.strip() == "error: from (1950) is after to (1900)"


def test_reckon_index_updates_only_what_changed_and_removes_what_went(minimal, capsys):
    ingest(minimal)
    assert run(minimal, "index") == 0
    assert "public index rebuilt" in capsys.readouterr().out
    assert run(minimal, "index") == 0
    assert "public index updated (0 written, 0 removed)" in capsys.readouterr().out

    record = minimal.content_dir / "records/rec-2008-apology.md"
    record.write_text(record.read_text().replace("The AMA apologized.", "The AMA apologized in Gribbleton."))
    (minimal.content_dir / "narratives/nar-a.md").unlink()
    ingest(minimal, prune=True)  # a removed source is only kept-and-reported without --prune
    public, _ = index_all(minimal)
    assert (public.added, public.deleted, public.rebuilt) == (1, 2, False)  # nar-a and its segment
    ix = open_index(minimal.index_dir)
    assert [h.id for h in search(ix, "Gribbleton").hits] == ["rec-2008-apology"]
    assert search(ix, "remember").total == 0 and search(ix, "type:segment").total == 0
    assert run(minimal, "index", "--rebuild") == 0
    assert "public index rebuilt" in capsys.readouterr().out


def test_a_running_app_follows_rebuilds_and_updates_of_its_index(minimal):
    ingest(minimal)
    publish(minimal)
    record = minimal.content_dir / "records/rec-2008-apology.md"
    with TestClient(create_app(minimal)) as client:
        def total(word: str) -> int:
            return client.get("/api/search", params={"q": word}).json()["total"]

        assert total("apologized") >= 1 and total("Gribbleton") == 0
        record.write_text(record.read_text().replace("The AMA apologized.", "The AMA apologized in Gribbleton."))
        ingest(minimal)
        publish(minimal)  # a new folder swapped into place
        assert total("Gribbleton") == 1
        record.write_text(record.read_text().replace("Gribbleton", "Quorndale"))
        ingest(minimal)
        index_all(minimal)  # an update in place
        assert total("Gribbleton") == 0 and total("Quorndale") == 1


def test_an_app_started_before_the_first_build_finds_the_index_once_built(minimal):
    ingest(minimal)
    with TestClient(create_app(minimal)) as client:
        assert client.get("/api/search", params={"q": "apology"}).json()["error"] == "not_built"
        publish(minimal)
        assert client.get("/api/search", params={"q": "apology"}).json()["total"] >= 1


def test_the_engine_is_a_setting_and_an_unknown_one_is_a_clear_error(minimal, capsys):
    settings = load_settings(home=minimal.home, environ={"RECKON_SEARCH_ENGINE": "tantivy"},
                             content_dir=minimal.content_dir, today_override=minimal.today_override)
    assert settings.search_engine == "tantivy"
    ingest(settings)
    index_all(settings)
    assert open_index(settings.index_dir).engine_name == "tantivy"
    ix = open_index(settings.index_dir)
    assert search(ix, "apology").total >= 1
    record = settings.content_dir / "records/rec-2008-apology.md"
    record.write_text(record.read_text().replace("The AMA apologized.", "The AMA apologized in Gribbleton."))
    ingest(settings)
    public, _ = index_all(settings)  # an update in place, by the tantivy engine
    assert (public.added, public.rebuilt) == (1, False)
    assert [h.id for h in search(ix, "Gribbleton").hits] == ["rec-2008-apology"]
    wrong = load_settings(home=minimal.home, environ={"RECKON_SEARCH_ENGINE": "lucene"},
                          content_dir=minimal.content_dir)
    with pytest.raises(EngineError, match="unknown search engine 'lucene': expected one of whoosh, tantivy"):
        index_all(wrong)


def test_the_postgres_engine_on_a_sqlite_store_is_one_line_naming_the_settings(minimal, monkeypatch, capsys):
    ingest(minimal)
    monkeypatch.setenv("RECKON_SEARCH_ENGINE", "postgres")
    monkeypatch.setenv("DATABASE_URL", minimal.database_url)  # the SQLite file
    monkeypatch.setenv("RECKON_CONTENT", str(minimal.content_dir))
    assert main(["--home", str(minimal.home), "index"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert "RECKON_SEARCH_ENGINE=postgres" in err and "DATABASE_URL is a sqlite store" in err
    assert minimal.database_url not in err  # a URL is never printed (it may hold a password)
