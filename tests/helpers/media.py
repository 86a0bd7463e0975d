"""Recordings made for tests with PyAV: a voice-like tone that is never silent, in any format."""

from __future__ import annotations

import math
from array import array
from pathlib import Path

import av
from av.audio.fifo import AudioFifo

CODECS = {".wav": ("wav", "pcm_s16le"), ".mp3": ("mp3", "libmp3lame"), ".ogg": ("ogg", "libopus"),
          ".m4a": ("mp4", "aac"), ".flac": ("flac", "flac"), ".webm": ("webm", "libopus")}


def tone_samples(seconds: float, rate: int) -> bytes:
    """A warbling tone whose loudness swells but never falls below a quarter of full scale."""
    count = int(seconds * rate)
    samples = array("h", (int(12000 * (1.25 + math.sin(2 * math.pi * 0.7 * i / rate)) / 2.25 * 2
                              * math.sin(2 * math.pi * (300 + 80 * math.sin(2 * math.pi * 3 * i / rate)) * i / rate))
                          for i in range(count)))
    return samples.tobytes()


def write_tone(path: Path, seconds: float, rate: int = 22050) -> Path:
    """A mono recording of `seconds` at `path`, encoded as its extension says."""
    fmt, codec = CODECS[path.suffix]
    if codec == "libopus":
        rate = 48000
    pcm = tone_samples(seconds, rate)
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        sample_format = "s16" if codec in ("pcm_s16le", "flac", "libopus") else stream.codec_context.format.name
        fifo = AudioFifo()
        size = stream.codec_context.frame_size or 1024
        step = rate // 10
        for start in range(0, len(pcm) // 2, step):
            frame = av.AudioFrame(format="s16", layout="mono", samples=min(step, len(pcm) // 2 - start))
            frame.rate = rate
            frame.planes[0].update(pcm[start * 2:(start + frame.samples) * 2])
            if sample_format != "s16":
                frame = av.AudioResampler(format=sample_format, layout="mono", rate=rate).resample(frame)[0]
            frame.pts = None
            fifo.write(frame)
            while fifo.samples >= size:
                for packet in stream.encode(fifo.read(size)):
                    out.mux(packet)
        rest = fifo.read()
        if rest is not None:
            for packet in stream.encode(rest):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path
