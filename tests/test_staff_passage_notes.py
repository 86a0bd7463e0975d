"""Content notes on passages, typed in the staff form (CONSENT.md, "Care").

One a line, a segment's start time or a time range, then the note: the same two shapes as a
content file's `content_notes`. Checked for form when saved, for what they cover when
published, and shown on the public page before the passage, which readers choose to open.
Through the real app (TestClient), a real SQLite store and the real publish.
"""

from __future__ import annotations

import re

from tests.helpers.staff import (
    FORM,
    act,
    csrf_of,
    sign_in,
    staff_fixtures,
    stored,
    submissions,
)

BODY = ("## [00:00:00] Beginning\n**Narrator:** I started on the ward in 1961.\n\n"
        "## [00:04:12] The arrest\n**Narrator:** The police came for Mrs Quillfeather that night.\n\n"
        "## [00:09:30] Afterwards\n**Narrator:** We kept working.\n")


template, archive, client = staff_fixtures("passage-notes")


def send(client, **changes):
    page = client.get("/staff/narratives/new")
    return client.post("/staff/narratives/new", data=FORM | {"body": BODY} | changes |
                       {"csrf_token": csrf_of(page.text), "then": "submit"})


def test_typed_notes_announce_their_passages_on_the_public_page(client, archive):
    sign_in(client, "alice")
    response = send(client, redact_names="Mrs Quillfeather", passage_notes=(
        "00:04:12 Describes the arrest of Mrs Quillfeather.\n\n0:09:00 - 00:12:00 Grief."))
    assert response.status_code == 200, response.text
    sub_id = str(response.url).rstrip("/").rsplit("/", 1)[-1]
    assert "Describes the arrest" in response.text  # staff see the notes on the submission page
    sign_in(client, "carol")
    assert "Published" in act(client, sub_id, "publish").text

    notes = client.get(f"/api/narratives/{sub_id}").json()["passage_notes"]
    assert [(n["at"], n["from"], n["to"], n["segments"]) for n in notes] == [
        ("00:04:12", None, None, ["00:04:12"]),
        (None, "00:09:00", "00:12:00", ["00:04:12", "00:09:30"])]  # the arrest runs on to 00:09:30
    # The note passes through the narrative's redactor like every other public field.
    assert "Quillfeather" not in notes[0]["note"] and "[redacted" in notes[0]["note"]

    page = client.get(f"/narratives/{sub_id}/").text
    arrest = page.index("The police came")
    note = page.rindex('<details class="passage-note"', 0, arrest)
    assert page.index("Describes the arrest of", note) < arrest  # the note comes first, folded
    assert page.index("We kept working") > page.index("Grief.")
    assert "Quillfeather" not in page


def test_a_line_that_is_not_a_note_is_refused_beside_the_field_naming_it(client, archive):
    sign_in(client, "alice")
    before = len(submissions(archive))
    response = send(client, passage_notes="00:04:12 Arrest.\nat four minutes: grief")
    assert response.status_code == 400
    error = re.search(r'id="passage_notes-error">([^<]+)<', response.text).group(1)
    assert "line 2: expected" in error and "00:04:12-00:09:30 note" in error and "at four minutes" in error
    assert "00:04:12 Arrest." in response.text  # what was typed is still there
    assert len(submissions(archive)) == before
    backwards = send(client, passage_notes="00:09:30-00:04:12 Arrest.")
    assert "line 1: the range 00:09:30-00:04:12 ends before it starts" in backwards.text


def test_a_note_that_covers_no_passage_stops_the_publish_and_nothing_is_published(client, archive):
    sign_in(client, "alice")
    response = send(client, passage_notes="00:05:00 Describes the arrest.")
    sub_id = str(response.url).rstrip("/").rsplit("/", 1)[-1]
    sign_in(client, "carol")
    refused = act(client, sub_id, "publish")
    assert refused.status_code == 400
    assert ("the content note at 00:05:00 (&#39;Describes the arrest.&#39;) covers no transcript segment; "
            "segments start at 00:00:00, 00:04:12, 00:09:30") in refused.text
    assert client.get(f"/api/narratives/{sub_id}").status_code == 404
    assert stored(archive, sub_id).state == "submitted"
