"""Measuring a recording by decoding it: how loud it is within given stretches of time.

How a test and `reckon audit` prove that a public copy keeps no sound where a redacted passage
was: decode the published file itself (not the plan it was made from) and find the loudest
16-bit sample inside each passage; digital silence is exactly 0. Decoded frame by frame, so a
long interview is checked in a few megabytes of memory.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from pathlib import Path

import av
from av.audio.resampler import AudioResampler


def peaks(path: Path, ranges: Sequence[tuple[int, int]]) -> tuple[list[int], int]:
    """The loudest absolute sample (0..32768) within each range (ms from the start) of the first
    audio stream of `path`, and the length of that stream in ms."""
    result = [0] * len(ranges)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        layout = "mono" if stream.codec_context.channels == 1 else "stereo"
        width = 1 if layout == "mono" else 2  # samples per moment, interleaved
        resampler = AudioResampler(format="s16", layout=layout, rate=rate)  # the same rate: no filter smears edges
        spans = [(start * rate // 1000, -(-end * rate // 1000)) for start, end in ranges]
        position = 0
        for decoded in container.decode(stream):
            for frame in resampler.resample(decoded):
                count = frame.samples
                data = bytes(frame.planes[0])[: count * width * 2]
                for index, (start, end) in enumerate(spans):
                    low, high = max(start, position), min(end, position + count)
                    if low < high:
                        part = data[(low - position) * width * 2:(high - position) * width * 2]
                        if part.count(0) != len(part):
                            samples = array("h", part)
                            result[index] = max(result[index], max(samples), -min(samples))
                position += count
    return result, position * 1000 // rate
