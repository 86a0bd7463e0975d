"""Input a hostile caller sends is refused with a 400 (or the page's own 404), never a 500:
strings, lists, floats and integers past 64 bits where a number is asked for, and JSON nested
deeper than the parser goes."""

from __future__ import annotations

import pytest

from tests.helpers.staff import FORM, act, csrf_of, sign_in, staff_fixtures, submit

template, archive, client = staff_fixtures("hostile")
HUGE = str(2**70)


def token_for(client) -> dict:
    sign_in(client, "alice")
    page = client.get("/staff/tokens")
    made = client.post("/staff/tokens", data={"csrf_token": csrf_of(page.text), "label": "probe"})
    client.cookies.clear()
    token = made.text.split('id="new-token">')[1].split("<")[0]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("version", ["two", [2], 1e300, 2**70, -1, True])
def test_the_token_api_refuses_a_version_that_is_not_a_whole_number(client, version):
    auth = token_for(client)
    created = client.post("/staff/api/narratives", json=dict(FORM, title="Scripted"), headers=auth).json()
    answer = client.put(f"/staff/api/narratives/{created['id']}", json=dict(FORM, version=version), headers=auth)
    assert answer.status_code == 400, answer.text
    assert answer.json()["fields"]["version"].startswith("expected the whole number")


def test_the_token_api_refuses_json_nested_too_deeply(client):
    auth = token_for(client)
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    answer = client.post("/staff/api/narratives", content=deep,
                         headers={**auth, "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert "nested too deeply" in answer.json()["detail"]


def test_numbers_past_64_bits_in_staff_forms_and_paths_are_not_server_errors(client):
    sign_in(client, "carol")
    sub_id = submit(client)
    page = client.get(f"/staff/narratives/{sub_id}")
    acted = client.post(f"/staff/narratives/{sub_id}/act",
                        data={"csrf_token": csrf_of(page.text), "version": HUGE, "action": "start_review"})
    assert acted.status_code == 400
    tokens = client.get("/staff/tokens")
    assert client.post("/staff/tokens", data={"csrf_token": csrf_of(tokens.text), "revoke": HUGE}).status_code == 404
    assert client.get(f"/staff/narratives/{sub_id}/diff", params={"from": HUGE, "to": "1"}).status_code == 404
    tags = client.get("/staff/tags")
    assert client.post(f"/staff/tags/{HUGE}", data={"csrf_token": csrf_of(tags.text),
                                                    "decision": "accept"}).status_code == 404
    assert act(client, sub_id, "start_review").status_code == 200  # the narrative is as it was


def test_search_paging_past_any_reader_is_a_clear_400(client):
    for params in ({"q": "ward", "page": HUGE}, {"q": "ward", "limit": HUGE + "0"}, {"q": "ward", "page": "1e9"}):
        answer = client.get("/api/search", params=params)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.json()["error"] == "bad_request"


def test_a_search_longer_than_any_question_is_refused_and_long_words_get_no_suggestion(client):
    refused = client.get("/api/search", params={"q": "x" * 20_000})
    assert refused.status_code == 400
    assert "at most 1,000" in refused.json()["detail"]
    long_word = client.get("/api/search", params={"q": "segregationx" * 80 + "~"})  # within the limit
    assert long_word.status_code == 200
    assert long_word.json()["suggestion"] is None
