"""The public copy of a recording: AAC in MP4 (`.m4a`; for a video, H.264 and AAC in `.mp4`),
with every planned passage silenced.

Made with PyAV (FFmpeg's libraries, shipped in its wheels) from the master's first audio stream:
decoded, converted to the encoder's planar float samples, passages overwritten with digital zero
sample by sample (counted from the first decoded sample, so every other moment keeps its time and
the copy keeps the master's duration), then encoded. AAC is chosen because every browser and
phone plays it, and because an AAC frame of zeros decodes to exact zeros, so a test (and `reckon
audit`) can prove by decoding that a passage holds no sound at all; Opus, tried first, decodes
its silence to faint noise. Each passage is silenced `CODEC_MARGIN_MS` wider on both sides than
planned, as the encoder spreads the noise of a frame that holds speech a few milliseconds into
its neighbours. The `moov` index is written first (`faststart`), so a browser starts playing
before the whole file arrives. Nothing of the master's metadata (tags, cover art, chapters) is
copied.

A video master's copy (`write_public_video`) carries the same silenced sound beside its pictures,
re-encoded as H.264 (x264, which PyAV's wheels ship) in 4:2:0 at the size that
`archive.recordings.video_size` gives (at most 720 lines), so every browser and phone plays it;
each picture keeps its time from the start of the sound, so the transcript's times (and the
silences) stay true in both tracks. The pictures themselves are not altered where the sound is
silenced.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import av.error
from av.audio.fifo import AudioFifo
from av.audio.resampler import AudioResampler

from archive.errors import ReckoningError
from archive.recordings import CODEC_MARGIN_MS

ENCODER = "aac-lc/48k-mono/64k-stereo/faststart/v1"  # part of each copy's cache key: change it to remake all
VIDEO_ENCODER = f"{ENCODER}+x264-veryfast-crf26-yuv420p-720/v1"  # likewise, for the copies of videos
VIDEO_TIME_BASE = Fraction(1, 90000)
AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
BYTES_PER_SAMPLE = 4  # planar 32-bit float, the AAC encoder's input


def _sample_ranges(passages: Sequence[tuple[int, int]], rate: int) -> list[tuple[int, int]]:
    ranges = []
    for start_ms, end_ms in passages:
        start = max(start_ms - CODEC_MARGIN_MS, 0) * rate // 1000
        end = (end_ms + CODEC_MARGIN_MS) * rate // 1000 + 1
        ranges.append((start, end))
    return ranges


def write_public_audio(master: Path, target: Path, passages: Sequence[tuple[int, int]]) -> None:
    """Write the public copy of `master` to `target` with `passages` (ms from its start) silenced.

    Written to a temporary name beside `target` and renamed, so a copy is whole or absent."""
    _write(master, target, passages, None)


def write_public_video(master: Path, target: Path, passages: Sequence[tuple[int, int]],
                       size: tuple[int, int]) -> None:
    """Write the public copy of a video `master` (its pictures at `size`, `archive.recordings.
    video_size`, and its silenced sound) to `target`."""
    _write(master, target, passages, size)


def _write(master: Path, target: Path, passages: Sequence[tuple[int, int]], size: tuple[int, int] | None) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with av.open(str(master), metadata_errors="ignore") as source, \
                av.open(str(temporary), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            _transcode(source, out, passages, size)
        os.replace(temporary, target)
    except av.error.FFmpegError as exc:
        raise ReckoningError(f"{master.name}: could not make the public copy of the recording ({exc}); "
                             "check the file with `reckon ingest`") from exc
    finally:
        temporary.unlink(missing_ok=True)


class _SilencedSound:
    """The master's first audio stream, its passages overwritten with zeros, encoded as AAC."""

    def __init__(self, out: av.container.OutputContainer, audio: av.audio.stream.AudioStream,
                 passages: Sequence[tuple[int, int]]) -> None:
        rate = audio.codec_context.sample_rate if audio.codec_context.sample_rate in AAC_RATES else 48000
        layout = "mono" if audio.codec_context.channels == 1 else "stereo"
        self.out = out
        self.stream = out.add_stream("aac", rate=rate, layout=layout)
        self.stream.bit_rate = 48000 if layout == "mono" else 64000
        self.frame_size = self.stream.codec_context.frame_size or 1024
        self.resampler = AudioResampler(format="fltp", layout=layout, rate=rate)
        self.fifo = AudioFifo()
        self.silences = _sample_ranges(passages, rate)
        self.done = 0  # samples passed to the encoder so far: the position of the next one

    def _encode(self, frame: av.AudioFrame | None) -> None:
        for packet in self.stream.encode(frame):
            self.out.mux(packet)

    def _take(self, frame: av.AudioFrame) -> None:
        count = frame.samples
        for start, end in self.silences:
            low, high = max(start, self.done), min(end, self.done + count)
            if low < high:
                zeros = bytes((high - low) * BYTES_PER_SAMPLE)
                for plane in frame.planes:
                    memoryview(plane)[(low - self.done) * BYTES_PER_SAMPLE:(high - self.done) * BYTES_PER_SAMPLE] = zeros
        self.done += count
        frame.pts = None  # the FIFO and the encoder count samples; gaps in the master's stamps are not kept
        self.fifo.write(frame)
        while self.fifo.samples >= self.frame_size:
            self._encode(self.fifo.read(self.frame_size))

    def feed(self, decoded: av.AudioFrame) -> None:
        for frame in self.resampler.resample(decoded):
            self._take(frame)

    def finish(self) -> None:
        for frame in self.resampler.resample(None):
            self._take(frame)
        rest = self.fifo.read()
        if rest is not None:
            self._encode(rest)
        self._encode(None)


class _Pictures:
    """The master's video stream re-encoded as H.264, each picture timed from `start` (seconds:
    where the sound begins, which the transcript's times count from)."""

    def __init__(self, out: av.container.OutputContainer, video: av.video.stream.VideoStream, start: float,
                 size: tuple[int, int]) -> None:
        self.width, self.height = size
        rate = video.average_rate or video.guessed_rate or Fraction(25)
        self.out = out
        self.stream = out.add_stream("libx264", rate=rate, options={"preset": "veryfast", "crf": "26"})
        self.stream.width, self.stream.height, self.stream.pix_fmt = self.width, self.height, "yuv420p"
        self.stream.codec_context.time_base = VIDEO_TIME_BASE
        self.start = start
        self.last = -1

    def feed(self, decoded: av.VideoFrame) -> None:
        if decoded.time is None or decoded.time < self.start:
            return  # before the sound starts: no transcript time names it
        frame = decoded.reformat(width=self.width, height=self.height, format="yuv420p")
        pts = max(round((decoded.time - self.start) / VIDEO_TIME_BASE), self.last + 1)
        frame.pts, frame.time_base, self.last = pts, VIDEO_TIME_BASE, pts
        for packet in self.stream.encode(frame):
            self.out.mux(packet)

    def finish(self) -> None:
        for packet in self.stream.encode(None):
            self.out.mux(packet)


def _is_picture(stream: av.stream.Stream) -> bool:
    """Cover art is a video stream of one attached picture, not video."""
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _transcode(source: av.container.InputContainer, out: av.container.OutputContainer,
               passages: Sequence[tuple[int, int]], size: tuple[int, int] | None) -> None:
    audio = source.streams.audio[0]
    sound = _SilencedSound(out, audio, passages)
    moving = [s for s in source.streams.video if not _is_picture(s)][:1] if size else []
    start = float(audio.start_time * audio.time_base) if audio.start_time is not None else 0.0
    pictures = _Pictures(out, moving[0], start, size) if moving and size else None
    for packet in source.demux(audio, *moving):
        for decoded in packet.decode():
            if packet.stream is audio:
                sound.feed(decoded)
            elif pictures is not None:
                pictures.feed(decoded)
    sound.finish()
    if pictures is not None:
        pictures.finish()
