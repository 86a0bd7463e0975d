"""Benchmark: the public copy of a 60-minute interview, redacted passages silenced.

    .venv/bin/python bench/media_bench.py                     # 60 min, MP3 128 kbit/s stereo 44.1 kHz
    .venv/bin/python bench/media_bench.py --minutes 60 --format wav
    .venv/bin/python bench/media_bench.py --minutes 2 --video 720    # H.264 720p25 with AAC sound

Makes a master once (a warbling tone, never silent, encoded with PyAV; kept in the temp folder
for the next run), then times `publish.media.derivative.write_public_audio`, the whole of what a
build does for a recording it has not made before: decode, silence, encode AAC, write the MP4.
The plan silences 40 word-timed names (2.5 s each) and 5 whole cues (30 s each). Prints wall and
CPU seconds of this process and the ratio to real time (the target is at least 20x on one core:
the work is one thread), then decodes the copy to check the silences (`publish.media.levels`)
and times that too (what `reckon audit` does per recording). With `--video HEIGHT` the master
is a video (H.264 and AAC, 16:9, 25 frames a second, pictures changing every frame) and
`write_public_video` is timed: the same sound, and every picture decoded and encoded again as
H.264. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.recordings import VIDEO_HEIGHT
from publish.media.derivative import write_public_audio, write_public_video
from publish.media.levels import peaks
from tests.helpers.media import SoundEncoder, tone_samples, write_video

CODECS = {"mp3": ("mp3", "libmp3lame", 128000, "stereo", 44100), "wav": ("wav", "pcm_s16le", 0, "stereo", 48000),
          "flac": ("flac", "flac", 0, "mono", 48000), "m4a": ("mp4", "aac", 128000, "stereo", 44100)}


def make_master(path: Path, minutes: int, kind: str) -> None:
    fmt, codec, bitrate, layout, rate = CODECS[kind]
    second = tone_samples(10.0, rate)  # ten seconds, repeated: generating every sample in Python is slow
    channels = 2 if layout == "stereo" else 1
    if channels == 2:
        second = b"".join(second[i:i + 2] * 2 for i in range(0, len(second), 2))
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        if bitrate:
            stream.bit_rate = bitrate
        sound = SoundEncoder(out, stream, layout, fallback_frame_size=1152)
        for _ in range(minutes * 6):
            sound.write(second)
        sound.finish()


def plan(minutes: int) -> list[tuple[int, int]]:
    length = minutes * 60_000
    names = [(length * (i + 1) // 42, length * (i + 1) // 42 + 2500) for i in range(40)]
    cues = [(length * (i + 1) // 6 + 7000, length * (i + 1) // 6 + 37000) for i in range(5)]
    return sorted(names + cues)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--format", choices=sorted(CODECS), default="mp3")
    parser.add_argument("--video", type=int, metavar="HEIGHT", help="a video master this many lines high")
    args = parser.parse_args()
    kind = f"{args.video}p.mp4" if args.video else args.format
    master = Path(tempfile.gettempdir()) / f"reckoning-media-bench-{args.minutes}min.{kind}"
    if not master.exists():
        started = time.perf_counter()
        if args.video:
            write_video(master, args.minutes * 60, size=(args.video * 16 // 9 // 2 * 2, args.video), fps=25)
        else:
            make_master(master, args.minutes, args.format)
        print(f"made the master {master} in {time.perf_counter() - started:.1f} s")
    passages = plan(args.minutes)
    real = args.minutes * 60
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / ("public.mp4" if args.video else "public.m4a")
        wall, cpu = time.perf_counter(), time.process_time()
        if args.video:
            height = min(args.video, VIDEO_HEIGHT)
            write_public_video(master, target, passages, (height * 16 // 9 // 2 * 2, height))
        else:
            write_public_audio(master, target, passages)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = target.stat().st_size
        check_wall = time.perf_counter()
        loudest, length = peaks(target, passages)
        check_wall = time.perf_counter() - check_wall
    print(f"master: {args.minutes} min {kind} ({master.stat().st_size / 1e6:.1f} MB); "
          f"{len(passages)} passages silenced ({sum(b - a for a, b in passages) / 1000:.0f} s)")
    print(f"public copy: {wall:.1f} s wall, {cpu:.1f} s CPU = {real / cpu:.0f}x real time on one core "
          f"({real / wall:.0f}x by the wall clock); {size / 1e6:.1f} MB, {length / 1000:.1f} s long")
    print(f"check by decoding: {check_wall:.1f} s; every passage silent: {not any(loudest)}; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
