"""The public copy of a recording: AAC in MP4 (`.m4a`), with every planned passage silenced.

Made with PyAV (FFmpeg's libraries, shipped in its wheels) from the master's first audio stream:
decoded, converted to the encoder's planar float samples, passages overwritten with digital zero
sample by sample (counted from the first decoded sample, so every other moment keeps its time and
the copy keeps the master's duration), then encoded. AAC is chosen because every browser and
phone plays it, and because an AAC frame of zeros decodes to exact zeros, so a test (and `reckon
audit`) can prove by decoding that a passage holds no sound at all; Opus, tried first, decodes
its silence to faint noise. Each passage is silenced `CODEC_MARGIN_MS` wider on both sides than
planned, as the encoder spreads the noise of a frame that holds speech a few milliseconds into
its neighbours. The `moov` index is written first (`faststart`), so a browser starts playing
before the whole file arrives. Video masters give a sound-only copy: their pictures are not
published. Nothing of the master's metadata (tags, cover art, chapters) is copied.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import av
import av.error
from av.audio.fifo import AudioFifo
from av.audio.resampler import AudioResampler

from archive.errors import ReckoningError
from archive.recordings import CODEC_MARGIN_MS

ENCODER = "aac-lc/48k-mono/64k-stereo/faststart/v1"  # part of each copy's cache key: change it to remake all
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
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with av.open(str(master), metadata_errors="ignore") as source:
            _transcode(source, temporary, passages)
        os.replace(temporary, target)
    except av.error.FFmpegError as exc:
        raise ReckoningError(f"{master.name}: could not make the public copy of the recording ({exc}); "
                             "check the file with `reckon ingest`") from exc
    finally:
        temporary.unlink(missing_ok=True)


def _transcode(source: av.container.InputContainer, temporary: Path, passages: Sequence[tuple[int, int]]) -> None:
    audio = source.streams.audio[0]
    rate = audio.codec_context.sample_rate if audio.codec_context.sample_rate in AAC_RATES else 48000
    layout = "mono" if audio.codec_context.channels == 1 else "stereo"
    with av.open(str(temporary), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("aac", rate=rate, layout=layout)
        stream.bit_rate = 48000 if layout == "mono" else 64000
        frame_size = stream.codec_context.frame_size or 1024
        resampler = AudioResampler(format="fltp", layout=layout, rate=rate)
        fifo = AudioFifo()
        silences = _sample_ranges(passages, rate)
        done = 0  # samples passed to the encoder so far: the position of the next one

        def encode(frame: av.AudioFrame | None) -> None:
            for packet in stream.encode(frame):
                out.mux(packet)

        def take(frame: av.AudioFrame) -> None:
            nonlocal done
            count = frame.samples
            for start, end in silences:
                low, high = max(start, done), min(end, done + count)
                if low < high:
                    zeros = bytes((high - low) * BYTES_PER_SAMPLE)
                    for plane in frame.planes:
                        memoryview(plane)[(low - done) * BYTES_PER_SAMPLE:(high - done) * BYTES_PER_SAMPLE] = zeros
            done += count
            frame.pts = None  # the FIFO and the encoder count samples; gaps in the master's stamps are not kept
            fifo.write(frame)
            while fifo.samples >= frame_size:
                encode(fifo.read(frame_size))

        for packet in source.demux(audio):
            for decoded in packet.decode():
                for frame in resampler.resample(decoded):
                    take(frame)
        for frame in resampler.resample(None):
            take(frame)
        rest = fifo.read()
        if rest is not None:
            encode(rest)
        encode(None)
