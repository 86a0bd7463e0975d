"""Recording files (audio and video) of narratives: what they hold, checked before ingest.

Read with PyAV, which ships FFmpeg's libraries in its wheels, so no binary the machine may lack
is run. A file is sniffed by its content (the container FFmpeg recognises must be one of the
formats its extension names), every packet is read (a file cut short ends well before the
duration its header claims) and the start of each audio stream is decoded (a fake file with a
right header decodes to nothing). Each failure is one line naming the file and what to do.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import av
import av.error

from archive.checksums import sha256_of

# Extension -> the FFmpeg demuxer names a file of that kind may be sniffed as.
FORMATS: dict[str, tuple[str, ...]] = {
    ".mp3": ("mp3",),
    ".m4a": ("mov", "mp4", "m4a"),
    ".aac": ("aac",),
    ".mp4": ("mov", "mp4"),
    ".m4v": ("mov", "mp4"),
    ".ogg": ("ogg",),
    ".oga": ("ogg",),
    ".opus": ("ogg",),
    ".wav": ("wav",),
    ".flac": ("flac",),
    ".webm": ("matroska", "webm"),
}
EXPECTED = "MP3, M4A/AAC, Ogg/Opus, WAV, FLAC, MP4 or WebM"
TRUNCATED_SLACK_MS = 1000  # a header may round its duration; more missing than this is a cut file
DECODE_CHECK = 8  # audio packets decoded to show the stream is what it claims


class MediaProblem(Exception):
    """A recording that cannot be used: the message names the file and the fix."""


@dataclass
class MediaInfo:
    path: Path
    sha256: str
    bytes: int
    kind: str  # audio or video
    container: str
    codec: str  # of the first audio stream
    duration_ms: int
    streams: list[dict] = field(default_factory=list)


def _container_ok(container: str, suffix: str) -> bool:
    names = set(container.split(","))
    return bool(names & set(FORMATS[suffix]))


def _stream_info(stream: av.stream.Stream) -> dict:
    info: dict = {"index": stream.index, "type": stream.type, "codec": stream.codec_context.name}
    if stream.type == "audio":
        info |= {"rate": stream.codec_context.sample_rate, "channels": stream.codec_context.channels}
    elif stream.type == "video":
        info |= {"width": stream.codec_context.width, "height": stream.codec_context.height}
    return info


def _is_picture(stream: av.stream.Stream) -> bool:
    """Cover art (an MP3's or M4A's attached picture) is a video stream of one frame, not video."""
    return stream.type == "video" and bool(stream.disposition & av.stream.Disposition.attached_pic)


def probe(path: Path, display: str) -> MediaInfo:
    """What `path` holds (duration, streams, codec) and its SHA-256; MediaProblem when unusable."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise MediaProblem(f"{display}: not a recording format Reckoning reads (expected {EXPECTED})")
    if not path.is_file():
        raise MediaProblem(f"{display}: no such file (expected it next to the narrative's file)")
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            return _read(container, path, display, suffix)
    except av.error.FFmpegError as exc:
        raise MediaProblem(f"{display}: cannot be read as a recording ({exc.strerror or exc}); "
                           f"expected a whole {EXPECTED} file") from exc


def _read(container: av.container.InputContainer, path: Path, display: str, suffix: str) -> MediaInfo:
    fmt = container.format.name
    if not _container_ok(fmt, suffix):
        raise MediaProblem(f"{display}: the file holds {fmt!r}, not what its name {suffix} says "
                           f"(expected {EXPECTED}; rename it or convert it)")
    audio = [s for s in container.streams if s.type == "audio"]
    video = [s for s in container.streams if s.type == "video" and not _is_picture(s)]
    if not audio:
        raise MediaProblem(f"{display}: has no audio stream (expected a recording with sound)")
    claimed = container.duration * 1000 // av.time_base if container.duration else None
    first = audio[0]
    end_ms, decoded = _sound_end(container, first)
    if decoded == 0 or end_ms == 0:
        raise MediaProblem(f"{display}: its audio holds no sound that can be decoded (expected a whole {EXPECTED} file)")
    if claimed is not None and claimed - end_ms > TRUNCATED_SLACK_MS:
        raise MediaProblem(f"{display}: the file is cut short: its header says {claimed / 1000:.1f} s but its "
                           f"sound ends at {end_ms / 1000:.1f} s (copy the whole file again)")
    if fmt == "wav":
        _check_wav_length(path, display)
    streams = [_stream_info(s) for s in container.streams if not _is_picture(s)]
    return MediaInfo(path=path, sha256=sha256_of(path), bytes=path.stat().st_size,
                     kind="video" if video else "audio", container=fmt,
                     codec=first.codec_context.name, duration_ms=end_ms, streams=streams)


def _sound_end(container: av.container.InputContainer, first: av.stream.Stream) -> tuple[int, int]:
    """Where the last packet of any stream ends (ms), read from every packet's timing rather
    than the header's claim, and how many of the first audio stream's packets were decoded
    (the first DECODE_CHECK, so a file of noise named .mp3 is caught without decoding it all)."""
    end_ms, decoded = 0, 0
    for packet in container.demux():
        if packet.pts is not None and packet.time_base is not None:
            end = (packet.pts + (packet.duration or 0)) * packet.time_base
            end_ms = max(end_ms, int(end * 1000))
        if packet.stream is first and decoded < DECODE_CHECK and packet.size:
            packet.decode()
            decoded += 1
    return end_ms, decoded


def _check_wav_length(path: Path, display: str) -> None:
    """FFmpeg times a WAV file by its size, so a cut one looks whole: compare the size its
    `data` chunk declares with the bytes that follow it."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        if handle.read(12)[8:12] != b"WAVE":
            return
        while True:
            header = handle.read(8)
            if len(header) < 8:
                return
            name, length = header[:4], struct.unpack("<I", header[4:])[0]
            if name == b"data":
                missing = length - (size - handle.tell())
                if 0 < length < 0xFFFFFFFF and missing > 0:  # 0 and 0xFFFFFFFF: a stream written live
                    raise MediaProblem(f"{display}: the file is cut short: {missing} bytes of its sound are "
                                       "missing (copy the whole file again)")
                return
            handle.seek(length + (length & 1), 1)
