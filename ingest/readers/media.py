"""Recording files (audio and video) of narratives: what they hold, checked before ingest.

Read with PyAV, which ships FFmpeg's libraries in its wheels, so no binary the machine may lack
is run. A file is sniffed by its content: its first bytes must be those of one of the containers
Reckoning takes (`container_of`), and FFmpeg is then told to read it as that container, never
left to guess (its guesses include playlists and concatenation scripts, which open other files
and URLs). Every packet is read (a file cut short ends well before the duration its header
claims) and the start of each audio stream is decoded (a fake file with a right header decodes
to nothing). Each failure is one line naming the file and what to do.

`probe` checks a file named in the content against the kind its extension names; `sniff`
checks a staff upload by its content alone, whatever its name says, and says which extension
it should be kept under.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archive.checksums import sha256_of
from archive.errors import ReckoningError

if TYPE_CHECKING:  # PyAV (FFmpeg) is imported where a recording is read: an ingest without one never pays for it
    import av

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
# The extension a sniffed upload is kept under, by the container its first bytes name.
KEPT_SUFFIX = {"mp3": ".mp3", "aac": ".aac", "mov": ".m4a", "ogg": ".ogg", "wav": ".wav", "flac": ".flac",
               "matroska": ".webm"}
MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")  # what an MP4 or QuickTime file opens with
ID3_SCAN = 4096  # bytes after an ID3 tag searched for the first frame (some taggers pad after the tag)
TRUNCATED_SLACK_MS = 1000  # a header may round its duration; more missing than this is a cut file
DECODE_CHECK = 8  # audio packets decoded to show the stream is what it claims


class MediaProblem(ReckoningError):
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
    import av

    return stream.type == "video" and bool(stream.disposition & av.stream.Disposition.attached_pic)


def _mpeg_audio(head: bytes) -> str | None:
    """'aac' for an ADTS frame header, 'mp3' for an MPEG audio one, else None."""
    if len(head) < 2 or head[0] != 0xFF:
        return None
    if head[1] & 0xF6 == 0xF0:  # 12 sync bits, layer 00: ADTS
        return "aac"
    if head[1] & 0xE0 == 0xE0 and head[1] & 0x06:  # 11 sync bits and a layer
        return "mp3"
    return None


def container_of(path: Path) -> str | None:
    """The FFmpeg demuxer a file's first bytes name (mp3, aac, mov, ogg, wav, flac, matroska),
    or None when they are those of none of them."""
    with path.open("rb") as handle:
        head = handle.read(64)
        if head[:3] == b"ID3" and len(head) >= 10:  # a tag before MP3, AAC or FLAC: look past it
            size = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
            handle.seek(size + (10 if head[5] & 0x10 else 0))
            after = handle.read(ID3_SCAN).lstrip(b"\0")
            if after.startswith(b"fLaC"):
                return "flac"
            return _mpeg_audio(after) or None
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[4:8] in MP4_BOXES:
        return "mov"
    return _mpeg_audio(head)


def probe(path: Path, display: str) -> MediaInfo:
    """What `path` holds (duration, streams, codec) and its SHA-256; MediaProblem when unusable
    or when its content is not the kind its extension names."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise MediaProblem(f"{display}: not a recording format Reckoning reads (expected {EXPECTED})")
    if not path.is_file():
        raise MediaProblem(f"{display}: no such file (expected it next to the narrative's file)")
    demuxer = _sniffed(path, display)
    if not _container_ok(demuxer, suffix):
        raise MediaProblem(f"{display}: the file holds {demuxer!r}, not what its name {suffix} says "
                           f"(expected {EXPECTED}; rename it or convert it)")
    return _open(path, display, demuxer, suffix)


def sniff(path: Path, display: str) -> tuple[MediaInfo, str]:
    """What an uploaded file holds, judged by its content alone (`display`, the name it came
    under, only names it in messages), and the extension to keep it under; MediaProblem when it
    is not a whole recording of a kind Reckoning takes."""
    demuxer = _sniffed(path, display)
    info = _open(path, display, demuxer, KEPT_SUFFIX[demuxer])
    suffix = ".mp4" if demuxer == "mov" and info.kind == "video" else KEPT_SUFFIX[demuxer]
    return info, suffix


def _sniffed(path: Path, display: str) -> str:
    demuxer = container_of(path)
    if demuxer is None:
        raise MediaProblem(f"{display}: cannot be read as a recording (its first bytes are those of no "
                           f"{EXPECTED} file); expected a whole {EXPECTED} file")
    return demuxer


def _open(path: Path, display: str, demuxer: str, suffix: str) -> MediaInfo:
    import av
    import av.error

    try:
        with av.open(str(path), format=demuxer, metadata_errors="ignore") as container:
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
    import av

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
