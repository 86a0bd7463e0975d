"""Make the sample collection's synthetic recordings: espeak-ng speaks each transcript cue.

    python tools/sample_recordings.py content/narratives/nar-composite-02.md

For each narrative named, reads its transcript (the same reader ingest uses), has Debian's
`espeak-ng` speak every cue at the cue's time (the interviewer and the narrator in two voices),
and writes one small Ogg/Opus file with PyAV, named by the narrative's first `media:` entry and
starting at its `starts_at`. The result is labelled synthetic in the narrative's front matter:
no real person speaks in the sample. Needs `apt-get install espeak-ng`; run it only to remake
the committed files (about 100 KB each).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import av
import frontmatter
from av.audio.fifo import AudioFifo
from av.audio.resampler import AudioResampler

from ingest.readers.narrative_files import read_transcript

RATE = 48000
BITRATE = 12000  # speech at 12 kbit/s: a two-and-a-half-minute sample stays near 100 KB
VOICES = {"Interviewer": "en-us+f3"}  # everyone else: the default voice


def _ms(time: str) -> int:
    h, m, s = (int(x) for x in time.split(":"))
    return ((h * 60 + m) * 60 + s) * 1000


def _speech(text: str, voice: str, folder: Path) -> list[av.AudioFrame]:
    wav = folder / "cue.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(wav), text], check=True)
    resampler = AudioResampler(format="s16", layout="mono", rate=RATE)
    with av.open(str(wav)) as container:
        frames = [f for frame in container.decode(audio=0) for f in resampler.resample(frame)]
    return frames + resampler.resample(None)


def _silence(samples: int) -> av.AudioFrame:
    frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
    frame.rate = RATE
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    return frame


def make(narrative_file: Path) -> Path:
    post = frontmatter.load(narrative_file)
    entry = post["media"][0]
    target = narrative_file.parent / entry["file"]
    start = _ms(entry.get("starts_at", "00:00:00"))
    transcript = read_transcript(narrative_file.parent / post["transcript"], post["transcript"])
    cues = [s for s in transcript.segments if s.start_ms is not None and s.start_ms >= start]
    with tempfile.TemporaryDirectory() as tmp, av.open(str(target), "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=RATE, layout="mono")
        stream.bit_rate = BITRATE
        fifo, written = AudioFifo(), 0

        def push(frame: av.AudioFrame) -> None:
            nonlocal written
            frame.pts = None
            written += frame.samples
            fifo.write(frame)
            while fifo.samples >= 960:
                for packet in stream.encode(fifo.read(960)):
                    out.mux(packet)

        for cue in cues:
            # A cue with word timings is spoken in pieces, each at its time, so the words
            # a timing names are heard exactly there (and silenced there in public).
            cuts = [(0, cue.start_ms)] + [(offset, ms) for offset, ms in cue.word_times]
            for index, (offset, ms) in enumerate(cuts):
                text = cue.text[offset:cuts[index + 1][0] if index + 1 < len(cuts) else None].strip(" ,.")
                at = (ms - start) * RATE // 1000
                if at > written:
                    push(_silence(at - written))
                elif index and written > at:  # the words would be heard after their timing says
                    raise SystemExit(f"{cue.text[:40]!r}: the speech before {ms} ms runs past it; "
                                     "move the word timing later")
                if text:
                    for frame in _speech(text, VOICES.get(cue.speaker, "en-us"), Path(tmp)):
                        push(frame)
        end = ((cues[-1].end_ms or cues[-1].start_ms) - start) * RATE // 1000 if cues else written
        if end > written:
            push(_silence(end - written))
        rest = fifo.read()
        if rest is not None:
            for packet in stream.encode(rest):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return target


if __name__ == "__main__":
    for name in sys.argv[1:]:
        made = make(Path(name))
        print(f"{made}: {made.stat().st_size} bytes")
