"""Transcript files uploaded with a staff submission are parsed by the ingest readers.

Real files: the OHMS exports in ../shared/samples/ohms (a 6.x export with a WebVTT
transcript, a legacy 5.x export, a near-empty one), and WebVTT/SRT files written here.
Through the real app (TestClient), a real SQLite store and the real publish.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from archive.db import store_transaction
from archive.redactions import Redaction
from archive.transcripts import TranscriptSegment
from audit.leaks import audit
from tests.helpers.staff import (
    FORM,
    act,
    csrf_of,
    sign_in,
    staff_fixtures,
    submissions,
)

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "ohms"
if not SAMPLES.is_dir():  # a worktree beside /work/shared, or the main checkout
    SAMPLES = Path("/work/shared/samples/ohms")
VTT = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>Where did you train?\n\n"
       "00:00:04.500 --> 00:00:09.000\n<v Narrator>At Provident, because Mercy would not take me.\n")
SRT = ("1\n00:00:01,000 --> 00:00:04,000\nINTERVIEWER: Where did you train?\n\n"
       "2\n00:00:04,500 --> 00:00:09,000\nNARRATOR: At Provident. Ask Mrs Quillfeather.\n")


template, archive, client = staff_fixtures("upload")


def send(client, name: str, data: bytes, **changes):
    page = client.get("/staff/narratives/new")
    return client.post("/staff/narratives/new",
                       data=FORM | {"body": ""} | changes | {"csrf_token": csrf_of(page.text), "then": "submit"},
                       files={"transcript_file": (name, data, "application/octet-stream")})



def publish_as_curator(client, sub_id: str) -> None:
    sign_in(client, "carol")
    response = act(client, sub_id, "publish")
    assert response.status_code == 200, response.text
    assert "Published" in response.text


@pytest.mark.parametrize("name", ["small-sample-vtt-ohms.xml", "duarte_OH0344.xml"])
def test_an_uploaded_ohms_export_becomes_the_narratives_timed_segments(client, archive, name):
    data = (SAMPLES / name).read_bytes()
    sign_in(client, "alice")
    response = send(client, name, data, title=f"Upload {name}")
    assert response.status_code == 200, response.text
    sub_id = str(response.url).rstrip("/").rsplit("/", 1)[-1]
    assert "timed passage(s)" in response.text  # what the readers found, shown to staff
    publish_as_curator(client, sub_id)

    narrative = client.get(f"/api/narratives/{sub_id}").json()
    segments = narrative["segments"]
    first = segments[0]
    assert first["start_ms"] is not None and first["time"] is not None
    assert all(s["end_ms"] is None or s["end_ms"] >= s["start_ms"] for s in segments)
    if name.startswith("duarte"):
        # Seven index points, each holding the speaker turns that fall within its time.
        assert len([s for s in segments if s["kind"] == "index"]) == 7
        assert first["title"] == "Early childhood and Duarte family history"
        assert "<strong>BROCK:</strong>" in first["html"] and "<strong>DUARTE:</strong>" in first["html"]
    else:
        assert {s["speaker"] for s in segments} >= {"SCHNEIDER"}
        assert first["time"] == "01:00:03" and first["speaker"] == "SCHNEIDER"  # the cues start an hour in
    page = client.get(f"/narratives/{sub_id}/")  # the static page after the publish
    assert page.status_code == 200
    assert f'id="t-{first["time"].replace(":", "-")}"' in page.text


def test_an_uploaded_srt_is_redacted_like_typed_text(client, archive):
    sign_in(client, "alice")
    response = send(client, "interview.srt", SRT.encode(), redact_names="Mrs Quillfeather")
    assert response.status_code == 200, response.text
    sub_id = str(response.url).rstrip("/").rsplit("/", 1)[-1]
    publish_as_curator(client, sub_id)
    narrative = client.get(f"/api/narratives/{sub_id}").json()
    texts = [(s["speaker"], s["text"]) for s in narrative["segments"]]
    assert texts[0][0] == "INTERVIEWER" and texts[1][0] == "NARRATOR"
    assert "Quillfeather" not in str(narrative)
    assert "[redacted: name of a third party]" in texts[1][1]
    assert [s["start_ms"] for s in narrative["segments"]] == [1000, 4500]
    assert [s["end_ms"] for s in narrative["segments"]] == [4000, 9000]
    with store_transaction(archive) as session:
        stored = list(session.exec(select(TranscriptSegment).where(TranscriptSegment.narrative_id == sub_id)))
        spans = list(session.exec(select(Redaction).where(Redaction.narrative_id == sub_id)))
    # The store keeps the master words (for staff, as CONSENT.md asks); the approved span stands
    # beside them and every output applies it.
    assert any("Quillfeather" in row.text for row in stored)
    assert any(r.text == "Mrs Quillfeather" and r.status == "approved" and
               any(loc["field"].startswith("transcript segment") for loc in r.locations) for r in spans)


def test_a_vtt_upload_with_voices_is_kept_with_its_speakers(client, archive):
    sign_in(client, "alice")
    untidy = VTT.replace("00:00:01.000 --> 00:00:04.000", "00:00:01.000 --> 00:00:01.000")  # zero length
    response = send(client, "talk.vtt", untidy.encode())
    assert "1 warning(s), first: cue 1 (00:00:01.000 --&gt; 00:00:01.000): zero-length cue" in response.text
    sub_id = str(response.url).rstrip("/").rsplit("/", 1)[-1]
    publish_as_curator(client, sub_id)
    segments = client.get(f"/api/narratives/{sub_id}").json()["segments"]
    assert [(s["speaker"], s["time"]) for s in segments] == [("Interviewer", "00:00:01"), ("Narrator", "00:00:04")]
    assert [s["end_ms"] for s in segments] == [4500, 9000]  # the zero-length cue ends where the next begins


@pytest.mark.parametrize("name, data, expected", [
    ("broken.vtt", VTT.replace("00:00:04.500 --> 00:00:09.000", "00:00:04.500 --> 00:0x:09.000").encode(),
     "broken.vtt:6: cue 2: the timing"),
    ("broken.srt", SRT.replace("00:00:04,500", "00:00:04,5").encode(), "broken.srt:6: cue 2: the timing"),
    ("nowebvtt.vtt", b"00:00:01.000 --> 00:00:02.000\nhello\n", "does not start with WEBVTT"),
    ("empty_ohms.xml", None, "empty_ohms.xml: the file holds no transcript text"),
    ("broken.xml", b"<ROOT><record><title>x</title></record>", "broken.xml:1: not well-formed XML"),
])
def test_a_broken_upload_is_refused_beside_the_field_and_nothing_typed_is_lost(client, archive, name, data,
                                                                                expected):
    if data is None:
        data = (SAMPLES / name).read_bytes()
    sign_in(client, "alice")
    response = send(client, name, data, title="Typed title kept", summary="A typed summary kept.")
    assert response.status_code == 400
    assert 'id="transcript_file-error"' in response.text
    assert expected in response.text.replace("&#39;", "'")
    beside = response.text.split('id="transcript_file-error"')[1].split("</p>")[0]
    assert "expected" in beside or "so it is not a WebVTT file" in beside  # says what was expected
    assert 'value="Typed title kept"' in response.text
    assert "A typed summary kept." in response.text
    assert submissions(archive) == []  # nothing stored
    assert not (Path(archive.home) / "uploads").exists() or not any((Path(archive.home) / "uploads").iterdir())


def test_an_embargoed_upload_reaches_no_public_output(client, archive):
    sign_in(client, "alice")
    words = SRT.replace("Ask Mrs Quillfeather.", "The Vexhollow ward was the worst.")
    response = send(client, "embargoed.srt", words.encode(), embargo_until="2040-01-01")
    sub_id = str(response.url).rstrip("/").rsplit("/", 1)[-1]
    publish_as_curator(client, sub_id)
    assert client.get(f"/api/narratives/{sub_id}").status_code == 404
    assert client.get("/api/search?q=Vexhollow").json()["total"] == 0
    assert not (archive.public_dir / "narratives" / sub_id).exists()
    assert audit(archive).leaks == []
    sign_in(client, "carol")
    assert "1 timed passage(s)" not in client.get(f"/staff/narratives/{sub_id}").text  # two: the staff page
    assert "srt: 2 timed passage(s)" in client.get(f"/staff/narratives/{sub_id}").text


def test_a_kept_upload_is_parsed_once_however_often_its_page_is_viewed(client):
    from ingest.uploaded_transcripts import _described

    sign_in(client, "alice")
    long_vtt = "WEBVTT\n\n" + "".join(
        f"00:{i // 60:02d}:{i % 60:02d}.000 --> 00:{i // 60:02d}:{i % 60:02d}.900\n<v Narrator>Line {i}.\n\n"
        for i in range(3000))
    response = send(client, "long.vtt", long_vtt.encode())
    assert "3000 timed passage(s)" in response.text
    sub_id = str(response.url).rstrip("/").rsplit("/", 1)[-1]
    before = _described.cache_info()
    for _ in range(5):
        assert "3000 timed passage(s)" in client.get(f"/staff/narratives/{sub_id}").text
    after = _described.cache_info()
    assert after.misses - before.misses == 0 and after.hits - before.hits == 5
