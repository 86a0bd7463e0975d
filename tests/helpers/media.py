"""Recordings made for tests with PyAV: a voice-like tone that is never silent, in any format;
and a small archive with one recorded narrative (`make_archive`)."""

from __future__ import annotations

import math
import shutil
from array import array
from pathlib import Path

import av
from av.audio.fifo import AudioFifo

from ingest.pipeline import ingest
from publish.pipeline import publish
from tests.helpers.archives import MINIMAL, make_settings

CODECS = {".wav": ("wav", "pcm_s16le"), ".mp3": ("mp3", "libmp3lame"), ".ogg": ("ogg", "libopus"),
          ".m4a": ("mp4", "aac"), ".flac": ("flac", "flac"), ".webm": ("webm", "libopus")}


def tone_samples(seconds: float, rate: int) -> bytes:
    """A warbling tone whose loudness swells but never falls below a quarter of full scale."""
    count = int(seconds * rate)
    samples = array("h", (int(12000 * (1.25 + math.sin(2 * math.pi * 0.7 * i / rate)) / 2.25 * 2
                              * math.sin(2 * math.pi * (300 + 80 * math.sin(2 * math.pi * 3 * i / rate)) * i / rate))
                          for i in range(count)))
    return samples.tobytes()


class SoundEncoder:
    """PCM handed to an audio stream's encoder in the frame size it takes (a FIFO between the
    two), converted to its sample format first, and muxed as it comes: the loop every recording
    generated here shares. `finish` flushes what is left."""

    def __init__(self, out: av.container.OutputContainer, stream: av.audio.stream.AudioStream,
                 layout: str = "mono", fallback_frame_size: int = 1024) -> None:
        self.out, self.stream = out, stream
        rate = stream.codec_context.sample_rate
        self.resampler = av.AudioResampler(format=stream.codec_context.format.name, layout=layout, rate=rate)
        self.fifo = AudioFifo()
        self.size = stream.codec_context.frame_size or fallback_frame_size
        self.rate, self.layout = rate, layout

    def write(self, pcm: bytes) -> None:
        """Signed 16-bit samples in `layout` at the stream's rate."""
        frame = av.AudioFrame(format="s16", layout=self.layout,
                              samples=len(pcm) // (2 * (2 if self.layout == "stereo" else 1)))
        frame.rate = self.rate
        frame.planes[0].update(pcm)
        for converted in self.resampler.resample(frame):
            converted.pts = None
            self.fifo.write(converted)
        while self.fifo.samples >= self.size:
            self._encode(self.fifo.read(self.size))

    def finish(self) -> None:
        rest = self.fifo.read()
        if rest is not None:
            self._encode(rest)
        self._encode(None)

    def _encode(self, frame: av.AudioFrame | None) -> None:
        for packet in self.stream.encode(frame):
            self.out.mux(packet)


def write_tone(path: Path, seconds: float, rate: int = 22050) -> Path:
    """A mono recording of `seconds` at `path`, encoded as its extension says."""
    fmt, codec = CODECS[path.suffix]
    if codec == "libopus":
        rate = 48000
    pcm = tone_samples(seconds, rate)
    with av.open(str(path), "w", format=fmt) as out:
        sound = SoundEncoder(out, out.add_stream(codec, rate=rate, layout="mono"))
        step = rate // 10 * 2  # a tenth of a second of 16-bit samples at a time
        for start in range(0, len(pcm), step):
            sound.write(pcm[start:start + step])
        sound.finish()
    return path



VIDEO_CODECS = {".mp4": ("mp4", "libx264", "aac"), ".webm": ("webm", "libvpx-vp9", "libopus")}


def write_video(path: Path, seconds: float, size: tuple[int, int] = (160, 120), fps: int = 10) -> Path:
    """A video of `seconds` at `path` (H.264 and AAC in .mp4, VP9 and Opus in .webm): pictures
    whose colour changes every frame, and the tone of `write_tone` as its sound."""
    fmt, vcodec, acodec = VIDEO_CODECS[path.suffix]
    rate = 48000
    pcm = tone_samples(seconds, rate)
    with av.open(str(path), "w", format=fmt) as out:
        video = out.add_stream(vcodec, rate=fps)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        sound = SoundEncoder(out, out.add_stream(acodec, rate=rate, layout="mono"))
        step = rate // fps
        for index in range(int(seconds * fps)):
            shade = (index * 7) % 256
            picture = av.VideoFrame(size[0], size[1], "rgb24")
            picture.planes[0].update(bytes([shade, 255 - shade, 128]) * (size[0] * size[1]))
            frame = picture.reformat(format="yuv420p")
            frame.pts = index
            for packet in video.encode(frame):
                out.mux(packet)
            sound.write(pcm[index * step * 2:(index + 1) * step * 2])
        sound.finish()
        for packet in video.encode(None):
            out.mux(packet)
    return path

NARRATIVE = """---
id: nar-rec
title: Recorded story
fictional: true
narrator: {name: Secret Legalname, display_name: Dr. Q, name_policy: pseudonym}
date: 2019
consent:
  - {date: 2019-01-01, use: publish-text, granted: true}
  - {date: 2019-01-01, use: publish-media, granted: true}
release: {signed: 2019-01-01}
transcript: nar-rec.vtt
media: [{file: nar-rec.wav, label: "Talking about Harriet Coyle"}]
redact:
  - {text: Harriet Coyle, category: name of a third party}
---
"""
# Cue 2 has cue timing only: the whole cue is silenced. Cue 3 has word timings: only the two
# words, with a guard band. Nothing else may be silent.
VTT = """WEBVTT

00:00:00.000 --> 00:00:02.000
<v Narrator>I worked on the east wing.

00:00:02.000 --> 00:00:04.500
<v Narrator>Her name was Harriet Coyle, and she ran the floor.

00:00:04.500 --> 00:00:08.000
<v Narrator>Then <00:00:05.000>one <00:00:05.400>night <00:00:05.800>Harriet <00:00:06.300>Coyle <00:00:06.800>called me <00:00:07.300>by name.

00:00:08.000 --> 00:00:10.000
<v Narrator>That is all.
"""


def recorded_content(content: Path, narrative: str = NARRATIVE, vtt: str = VTT, seconds: float = 10.0,
                     media: str = "nar-rec.wav") -> None:
    """The recorded narrative `nar-rec` in `content`: its file, its WebVTT transcript and its
    recording (`media`: a tone, or a video for a name ending .mp4 or .webm)."""
    if media != "nar-rec.wav":
        narrative = narrative.replace("{file: nar-rec.wav,", f"{{file: {media},")
    (content / "narratives" / "nar-rec.md").write_text(narrative + "## [00:00:00] Start\nA recorded story.\n")
    (content / "narratives" / "nar-rec.vtt").write_text(vtt)
    target = content / "narratives" / media
    if target.suffix in VIDEO_CODECS:
        write_video(target, seconds)
    else:
        write_tone(target, seconds)


def make_archive(home: Path, **changes):
    shutil.copytree(MINIMAL, home / "content")
    recorded_content(home / "content", **changes)
    settings = make_settings(home, home / "content")
    report = ingest(settings)
    publish(settings)
    return settings, report
