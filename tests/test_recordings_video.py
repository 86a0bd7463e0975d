"""A video recording: its public copy is H.264 and AAC in MP4 that every browser plays, with the
same silences in its sound as an audio recording's, and the page plays it in a <video> with
captions. The copy is decoded to check both tracks and the silences."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest
from jsonschema import Draft7Validator

from archive.recordings import Recording, video_size
from audit.leaks import audit
from publish.media.levels import peaks
from tests.helpers.media import make_archive

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "iiif_3_0.json").read_text(encoding="utf-8"))
WHOLE_CUE = (2000, 4500)  # the cue naming the third party (tests/helpers/media.py's VTT)
AUDIBLE = [(0, 1850), (4650, 5300), (7100, 9900)]


@pytest.fixture(scope="module", params=["nar-rec.webm", "nar-rec.mp4"])
def filmed(request, tmp_path_factory):
    settings, report = make_archive(tmp_path_factory.mktemp("video"), media=request.param)
    assert report.warnings == []
    return settings


def test_the_public_copy_of_a_video_is_h264_and_aac_with_the_redacted_passages_silent(filmed):
    public = filmed.public_dir / "narratives" / "nar-rec" / "recording-1.mp4"
    assert not (filmed.public_dir / "narratives" / "nar-rec" / "recording-1.m4a").exists()
    with av.open(str(public)) as container:
        assert container.format.name.startswith("mov")
        codecs = {s.type: s.codec_context.name for s in container.streams}
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (160, 120)
        assert video.codec_context.pix_fmt == "yuv420p"
        pictures = sum(1 for _ in container.decode(video))
    assert codecs == {"video": "h264", "audio": "aac"}
    assert pictures >= 95  # ten seconds at ten frames a second: the pictures are there
    data = public.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: a browser plays before the whole file is in
    silent, length = peaks(public, [WHOLE_CUE])
    assert silent == [0] and abs(length - 10000) < 100
    audible, _ = peaks(public, AUDIBLE)
    assert min(audible) > 1000, audible
    assert not list(filmed.public_dir.rglob("*.webm")) and not list(filmed.public_dir.rglob("nar-rec.mp4"))


def test_the_page_plays_a_video_with_its_captions_and_the_manifest_paints_it(filmed):
    page = (filmed.public_dir / "narratives" / "nar-rec" / "index.html").read_text()
    assert '<video controls preload="metadata" src="/narratives/nar-rec/recording-1.mp4"' in page
    assert 'kind="captions" src="/narratives/nar-rec/recording-1.captions.vtt"' in page
    assert "<audio" not in page and "autoplay" not in page and "(H.264 video with AAC sound)" in page
    assert 'href="/narratives/nar-rec/recording-1.mp4#t=2"' in page
    manifest = json.loads((filmed.public_dir / "narratives" / "nar-rec" / "manifest.json").read_text())
    assert list(Draft7Validator(SCHEMA).iter_errors(manifest)) == []
    canvas = manifest["items"][0]
    body = canvas["items"][0]["items"][0]["body"]
    assert (body["type"], body["format"], body["width"], body["height"]) == ("Video", "video/mp4", 160, 120)
    assert (canvas["width"], canvas["height"]) == (160, 120) and abs(canvas["duration"] - 10) < 0.1


def test_the_audit_decodes_the_video_copys_sound(filmed):
    found = audit(filmed)
    assert "recording public/narratives/nar-rec/recording-1.mp4" in "\n".join(found.where)
    assert not [leak for leak in found.leaks if "recording-1" in str(leak)]


def test_a_tall_video_is_published_at_most_720_lines_high():
    row = Recording(narrative_id="x", kind="video", streams=[{"type": "audio"}, {"type": "video", "width": 1921,
                                                                                 "height": 1081}])
    assert video_size(row) == (1278, 720)
    assert video_size(Recording(narrative_id="x", kind="audio", streams=[{"type": "audio"}])) is None
