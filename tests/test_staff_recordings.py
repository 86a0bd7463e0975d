"""Recordings uploaded with a staff submission: streamed to disk, capped, sniffed, kept privately,
and published silenced where the transcript is redacted.

Real files made with PyAV (tests/helpers/media.py), sent through the real app (TestClient, its
lifespan run) with real CSRF tokens; the public copy is decoded to check its silences.
"""

from __future__ import annotations

import asyncio
import html
import os
import tracemalloc
import wave
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select
from starlette.datastructures import UploadFile
from starlette.testclient import TestClient

from archive.access import PUBLISH_MEDIA
from archive.db import store_transaction
from archive.models import ConsentEntry
from archive.recordings import Recording
from publish.media.levels import peaks
from server.app import create_app
from staff.uploads import CHUNK, UploadError, receive_recording
from tests.helpers.media import tone_samples, write_tone, write_video
from tests.helpers.staff import FORM, act, csrf_of, sign_in, staff_fixtures, stored, version_of

template, archive, client = staff_fixtures("recordings")

# Cue 2 names a third party listed for redaction; it has cue timing only, so the whole cue is silenced.
VTT = ("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Narrator>I worked on the east wing.\n\n"
       "00:00:02.000 --> 00:00:04.500\n<v Narrator>Her name was Harriet Coyle, and she ran the floor.\n\n"
       "00:00:04.500 --> 00:00:08.000\n<v Narrator>Then one night she called me by name.\n")
SILENCED = (2000, 4500)
AUDIBLE = [(0, 1850), (4650, 7900)]
RECORDED = {"body": "", "redact_names": "Harriet Coyle", "media_consent": "1"}


def send(client, files: dict, url: str = "/staff/narratives/new", **changes):
    page = client.get(url)
    data = FORM | RECORDED | changes | {"csrf_token": csrf_of(page.text), "then": "submit"}
    if "version" in page.text:
        data["version"] = version_of(page.text)
    return client.post(url, data=data, files=files)


def sub_id_of(response) -> str:
    return str(response.url).rstrip("/").rsplit("/", 1)[-1]


def kept_files(settings) -> list[Path]:
    """Every file under the uploads folder (received, kept or left over)."""
    return sorted(p for p in settings.uploads_dir.rglob("*") if p.is_file())


def test_an_uploaded_recording_is_kept_privately_and_published_silenced(client, archive, tmp_path):
    wav = write_tone(tmp_path / "tone.wav", 8.0)
    sign_in(client, "alice")
    # A WAV sent under an MP3's name: judged by what it holds, kept as what it is.
    response = send(client, {"transcript_file": ("interview.vtt", VTT.encode(), "text/vtt"),
                             "recording_file": ("session one.mp3", wav.read_bytes(), "audio/mpeg")})
    assert response.status_code == 200, response.text
    sub_id = sub_id_of(response)
    kept = Path(stored(archive, sub_id).recording_path)
    assert kept.parent == archive.uploads_dir / sub_id and kept.suffix == ".wav"
    assert kept.read_bytes() == wav.read_bytes()
    assert kept_files(archive) == sorted([kept, Path(stored(archive, sub_id).upload_path)])  # nothing left over
    assert "it becomes the narrative&#39;s recording when the narrative is published" in response.text

    sign_in(client, "carol")
    published = act(client, sub_id, "publish")
    assert published.status_code == 200 and "Published" in published.text, published.text
    assert "recording 1: public, 1 redacted passage silenced" in published.text

    page = client.get(f"/narratives/{sub_id}/")
    assert f'src="/narratives/{sub_id}/recording-1.m4a"' in page.text
    assert "a passage of 2 seconds at 00:00:02" in page.text and "Coyle" not in page.text
    assert kept.name not in page.text and "session one" not in page.text
    heard = client.get(f"/narratives/{sub_id}/recording-1.m4a")
    assert heard.status_code == 200 and heard.content[4:8] == b"ftyp"
    public = archive.public_dir / "narratives" / sub_id / "recording-1.m4a"
    assert public.read_bytes() == heard.content
    silent, length = peaks(public, [SILENCED])
    assert silent == [0] and abs(length - 8000) < 100
    audible, _ = peaks(public, AUDIBLE)
    assert min(audible) > 1000, audible
    assert not list(archive.public_dir.rglob("*.wav")) and not list(archive.public_dir.rglob("recording-*.mp3"))
    captions = client.get(f"/narratives/{sub_id}/recording-1.captions.vtt").text
    assert "Coyle" not in captions and "[redacted: name of a third party]" in captions

    # Unticking the narrator's consent to the recording appends a refusal: the copy goes at once.
    edit = client.get(f"/staff/narratives/{sub_id}/edit")
    form = FORM | RECORDED | {"media_consent": "", "csrf_token": csrf_of(edit.text), "then": "save",
                              "version": version_of(edit.text)}
    saved = client.post(f"/staff/narratives/{sub_id}/edit", data=form)
    assert saved.status_code == 200, saved.text
    assert "withheld from the public: consent does not cover publishing the recording" in saved.text
    assert client.get(f"/narratives/{sub_id}/recording-1.m4a").status_code in (404, 410)
    assert not public.exists() and "<audio" not in client.get(f"/narratives/{sub_id}/").text
    with store_transaction(archive) as session:
        media = [(c.granted, c.recorded_by) for c in session.exec(
            select(ConsentEntry).where(ConsentEntry.narrative_id == sub_id, ConsentEntry.use == PUBLISH_MEDIA)
            .order_by(ConsentEntry.position))]
        [row] = session.exec(select(Recording).where(Recording.narrative_id == sub_id))
    assert media == [(True, "alice"), (False, "carol")]
    assert Path(row.path) == kept and row.kind == "audio" and abs(row.duration_ms - 8000) < 50


def test_an_uploaded_video_is_kept_as_what_it_holds_and_published_as_a_video(client, archive, tmp_path):
    webm = write_video(tmp_path / "film.webm", 6.0)
    sign_in(client, "alice")
    response = send(client, {"transcript_file": ("interview.vtt", VTT.encode(), "text/vtt"),
                             "recording_file": ("film.mov", webm.read_bytes(), "video/quicktime")})
    assert response.status_code == 200, response.text
    sub_id = sub_id_of(response)
    assert Path(stored(archive, sub_id).recording_path).suffix == ".webm"
    sign_in(client, "carol")
    assert "Published" in act(client, sub_id, "publish").text
    page = client.get(f"/narratives/{sub_id}/").text
    assert f'<video controls preload="metadata" src="/narratives/{sub_id}/recording-1.mp4"' in page
    public = archive.public_dir / "narratives" / sub_id / "recording-1.mp4"
    silent, length = peaks(public, [SILENCED])
    assert silent == [0] and abs(length - 6000) < 100


def test_a_new_recording_replaces_the_published_one_at_once(client, archive, tmp_path):
    sign_in(client, "alice")
    response = send(client, {"transcript_file": ("interview.vtt", VTT.encode(), "text/vtt"),
                             "recording_file": ("first.wav", write_tone(tmp_path / "a.wav", 8.0).read_bytes(), "audio/wav")})
    sub_id = sub_id_of(response)
    first = Path(stored(archive, sub_id).recording_path)
    sign_in(client, "carol")
    assert "Published" in act(client, sub_id, "publish").text
    edit = client.get(f"/staff/narratives/{sub_id}/edit")
    assert "A recording is on record: " + first.name in edit.text
    saved = client.post(f"/staff/narratives/{sub_id}/edit",
                        data=FORM | RECORDED | {"csrf_token": csrf_of(edit.text), "then": "save",
                                                "version": version_of(edit.text)},
                        files={"recording_file": ("second.flac", write_tone(tmp_path / "b.flac", 9.0).read_bytes(),
                                                  "audio/flac")})
    assert saved.status_code == 200 and "recording 1: public, 1 redacted passage silenced" in saved.text
    second = Path(stored(archive, sub_id).recording_path)
    assert second.suffix == ".flac" and second.exists() and not first.exists()
    silent, length = peaks(archive.public_dir / "narratives" / sub_id / "recording-1.m4a", [SILENCED])
    assert silent == [0] and abs(length - 9000) < 100  # the new one, silenced too


@pytest.mark.parametrize("name, make, expected", [
    ("fake.mp3", lambda tmp: b"ID3 not a recording at all\n" * 400,
     "'fake.mp3': cannot be read as a recording"),
    ("cut.m4a", lambda tmp: write_tone(tmp / "whole.m4a", 6.0).read_bytes()[:20000], "'cut.m4a': "),
    ("notes.wav", lambda tmp: VTT.encode(), "'notes.wav': cannot be read as a recording"),
])
def test_a_fake_or_cut_recording_is_refused_beside_the_field(client, archive, tmp_path, name, make, expected):
    sign_in(client, "alice")
    response = send(client, {"recording_file": (name, make(tmp_path), "application/octet-stream")},
                    title="Kept when refused")
    assert response.status_code == 400
    error = html.unescape(response.text.split('id="recording_file-error">', 1)[1].split("</p>", 1)[0])
    assert error.startswith(expected) and "expected" in error, error
    assert 'value="Kept when refused"' in response.text  # nothing typed is lost
    assert kept_files(archive) == []


def test_an_oversize_recording_is_refused_and_nothing_is_kept(archive, tmp_path):
    big = write_tone(tmp_path / "big.wav", 30.0)  # about 1.3 MB
    small_cap = replace(archive, recording_upload_mb=1)
    with TestClient(create_app(small_cap)) as capped:
        sign_in(capped, "alice")
        response = send(capped, {"recording_file": ("big.wav", big.read_bytes(), "audio/wav")})
        assert response.status_code == 400
        assert "&#39;big.wav&#39; is larger than the 1 MB a recording may be (RECKON_RECORDING_UPLOAD_MB)" \
               in response.text
        assert kept_files(archive) == []
        # A body past the cap and the form's own allowance is refused before it is read.
        page = capped.get("/staff/narratives/new")
        huge = capped.post("/staff/narratives/new", data=FORM | {"csrf_token": csrf_of(page.text)},
                           files={"recording_file": ("huge.wav", bytes(18 * 1024 * 1024), "audio/wav")})
        assert huge.status_code == 413
        assert kept_files(archive) == []


def test_a_recording_sent_without_the_forms_csrf_token_is_refused(client, archive, tmp_path):
    sign_in(client, "alice")
    wav = write_tone(tmp_path / "tone.wav", 2.0)
    response = client.post("/staff/narratives/new", data=FORM | RECORDED | {"csrf_token": "forged"},
                           files={"recording_file": ("tone.wav", wav.read_bytes(), "audio/wav")})
    assert response.status_code == 403 and "Form refused" in response.text
    assert kept_files(archive) == []


def test_a_recording_is_copied_from_the_spool_a_chunk_at_a_time(tmp_path):
    """The copy out of the request's spooled file never holds the recording in memory."""
    wav = tmp_path / "long.wav"  # about 10 MB: ten seconds of the tone, over and over
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(tone_samples(10.0, 22050) * 24)
    assert wav.stat().st_size > 8 * CHUNK

    async def receive() -> Path:
        with wav.open("rb") as handle:
            received = await receive_recording(UploadFile(handle, filename="long.wav"), tmp_path / "uploads", 64)
        return received.path

    tracemalloc.start()
    try:
        path = asyncio.run(receive())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert path.read_bytes() == wav.read_bytes()
    assert peak < 3 * CHUNK, peak
    with wav.open("rb") as handle, pytest.raises(UploadError, match=r"^'long.wav' is larger than the 8 MB"):
        asyncio.run(receive_recording(UploadFile(handle, filename="long.wav"), tmp_path / "uploads", 8))
    assert [p.name for p in (tmp_path / "uploads" / ".incoming").iterdir()] == [path.name]
    # One left by a request that died a day ago goes with the next upload; a fresh one stays.
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime - 25 * 3600))
    fresh = asyncio.run(receive())
    assert not path.exists() and fresh.exists()


def test_a_signed_out_upload_larger_than_a_form_is_refused_unread(client, archive):
    small = client.post("/staff/narratives/new", data=FORM | {"csrf_token": "forged"})
    assert small.status_code == 403  # a forged form is refused first, once read
    # A big one is refused for the missing sign-in before it is read: had it been read, its
    # forged token would have been refused (403) first.
    big = client.post("/staff/narratives/new", data=FORM | {"csrf_token": "forged"},
                      files={"recording_file": ("big.wav", bytes(17 * 1024 * 1024), "audio/wav")})
    assert big.status_code == 401 and "Sign in again" in big.text
    assert kept_files(archive) == []
