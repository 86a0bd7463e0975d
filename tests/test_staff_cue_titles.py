"""Titles a curator gives the cues of an uploaded transcript, on the staff narrative page.

Through the real app (TestClient), real sign-ins and CSRF tokens, a real SQLite store and the
real publish: the page previews the parsed cues, the form saves titles as a revision, and the
published passage is called by its title (redacted) instead of its first words.
"""

from __future__ import annotations

import re

from sqlmodel import select

from archive.db import store_transaction
from archive.models import Revision
from tests.helpers.staff import FORM, act, csrf_of, sign_in, staff_fixtures, version_of

VTT = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>Where did you train?\n\n"
       "00:00:04.500 --> 00:00:09.000\n<v Narrator>At Provident, because Mercy would not take me "
       "and Mrs Quillfeather said so.\n")

template, archive, client = staff_fixtures("cue-titles")


def upload(client) -> str:
    sign_in(client, "alice")
    page = client.get("/staff/narratives/new")
    response = client.post("/staff/narratives/new",
                           data=FORM | {"body": "", "redact_names": "Quillfeather"}
                           | {"csrf_token": csrf_of(page.text), "then": "submit"},
                           files={"transcript_file": ("talk.vtt", VTT.encode(), "text/vtt")})
    assert response.status_code == 200, response.text
    return str(response.url).rstrip("/").rsplit("/", 1)[-1]


def give_titles(client, sub_id: str, **titles: str):
    page = client.get(f"/staff/narratives/{sub_id}")
    return client.post(f"/staff/narratives/{sub_id}/cue-titles",
                       data={"csrf_token": csrf_of(page.text), "version": version_of(page.text), **titles})


def test_a_curator_titles_a_previewed_cue_and_the_public_passage_is_called_by_it_redacted(client, archive):
    sub_id = upload(client)
    sign_in(client, "carol")
    page = client.get(f"/staff/narratives/{sub_id}").text
    # The preview: each cue's start, speaker and first words, with a title field named by its start.
    assert re.search(r"<td>00:00:04</td><td>Narrator</td><td>At Provident, because Mercy would not take me…</td>",
                     page)
    assert 'name="cue-4500"' in page and 'name="cue-1000"' in page
    response = give_titles(client, sub_id, **{"cue-4500": "Turned away by Mercy and Quillfeather", "cue-1000": ""})
    assert response.status_code == 200 and "Saved 1 passage title(s)." in response.text
    assert 'value="Turned away by Mercy and Quillfeather"' in response.text
    assert act(client, sub_id, "publish").status_code == 200
    view = client.get(f"/api/narratives/{sub_id}").json()
    labels = [s["label"] for s in view["segments"]]
    assert labels == ["Where did you train?", "Turned away by Mercy and [redacted: name of a third party]"]
    assert "Quillfeather" not in str(view)
    html = (archive.public_dir / "narratives" / sub_id / "index.html").read_text()
    assert "Turned away by Mercy and" in html and "Quillfeather" not in html
    with store_transaction(archive) as session:
        revisions = list(session.exec(select(Revision).where(Revision.object_id == sub_id,
                                                             Revision.actor == "carol")))
    assert any("cue_titles" in r.changes for r in revisions)


def test_titles_on_a_published_narrative_reach_the_public_copy_at_once(client, archive):
    sub_id = upload(client)
    sign_in(client, "carol")
    assert act(client, sub_id, "publish").status_code == 200
    assert client.get(f"/api/narratives/{sub_id}").json()["segments"][1]["label"].startswith("At Provident")
    assert give_titles(client, sub_id, **{"cue-4500": "Provident"}).status_code == 200
    assert client.get(f"/api/narratives/{sub_id}").json()["segments"][1]["label"] == "Provident"


def test_only_a_curator_may_title_cues_and_a_form_without_its_token_is_refused(client, archive):
    sub_id = upload(client)
    page = client.get(f"/staff/narratives/{sub_id}").text
    assert 'name="cue-4500"' not in page  # the contributor sees no title form
    refused = client.post(f"/staff/narratives/{sub_id}/cue-titles",
                          data={"csrf_token": csrf_of(page), "version": "2", "cue-4500": "Mine"})  # submitted: 2
    assert refused.status_code == 403
    sign_in(client, "carol")
    page = client.get(f"/staff/narratives/{sub_id}").text
    forged = client.post(f"/staff/narratives/{sub_id}/cue-titles",
                         data={"version": version_of(page), "cue-4500": "No token"})
    assert forged.status_code == 403
    stale = client.post(f"/staff/narratives/{sub_id}/cue-titles",
                        data={"csrf_token": csrf_of(page), "version": "1", "cue-4500": "Late"})
    assert stale.status_code == 409 and "NOT saved" in stale.text
