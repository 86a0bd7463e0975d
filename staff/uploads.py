"""Files uploaded with a submission (a transcript, a recording): capped in size, sniffed, kept privately.

Files are kept under `<home>/uploads/<submission id>/`, never inside `public/`. Only the
three transcript formats the ingest readers are meant to read are accepted, and a file must
look like its extension claims (a renamed executable is refused). The file is read into
transcript segments by those readers (`ingest.uploaded_transcripts`) when the narrative is
published.

A recording may be far larger than a form: the multipart parser spools it to a temporary file
as it arrives (a megabyte at most in memory), and `receive_recording` copies it from there a
chunk at a time into `<home>/uploads/.incoming/`, counting against the cap
(`Settings.recording_upload_mb`), then sniffs it with PyAV by its content, whatever its name
says (`ingest.readers.media.sniff`). Only a whole recording of a kind Reckoning takes is kept,
under a name made from its checksum and the extension its content calls for; it becomes the
narrative's recording (`ingest.recordings.uploaded_recording_rows`) when it is published.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from archive.errors import ReckoningError
from ingest.readers.media import EXPECTED, MediaInfo, MediaProblem
from ingest.readers.media import sniff as sniff_recording

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
_SRT_TIMING = re.compile(r"^\s*\d+\s*\r?\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s+-->\s+", re.MULTILINE)


class UploadError(ReckoningError):
    """An uploaded file that is too big or not what its name says."""


def sniff(name: str, head: bytes) -> str:
    """The transcript format of a file from its first bytes, checked against its extension."""
    suffix = Path(name).suffix.lower()
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if len(head) - exc.start > 4:  # not merely a character cut at the end of `head`
            raise UploadError(f"'{name}' is not UTF-8 text; transcripts must be UTF-8") from exc
        text = head[:exc.start].decode("utf-8-sig")
    if suffix == ".vtt":
        if not text.startswith("WEBVTT"):
            raise UploadError(f"'{name}' does not start with WEBVTT, so it is not a WebVTT file")
        return "vtt"
    if suffix == ".srt":
        if not _SRT_TIMING.search(text):
            raise UploadError(f"'{name}' has no SRT cue (a number, then a line like "
                              f"'00:00:01,000 --> 00:00:04,000')")
        return "srt"
    if suffix == ".xml":
        stripped = text.lstrip()
        if not stripped.startswith("<") or not re.search(r"<(ROOT|record)\b", stripped[:4096]):
            raise UploadError(f"'{name}' is not an OHMS XML export (expected a <ROOT> or <record> element)")
        return "ohms"
    raise UploadError(f"'{name}': expected a .vtt, .srt or OHMS .xml transcript")


EXTENSIONS = {"vtt": "vtt", "srt": "srt", "ohms": "xml"}


@dataclass
class Transcript:
    name: str
    kind: str
    data: bytes


async def read_upload(upload: UploadFile) -> Transcript:
    """Read and check an uploaded transcript (size, then type), before anything is stored."""
    name = Path(upload.filename or "").name
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(f"'{name}' is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    if not data:
        raise UploadError(f"'{name}' is empty")
    return Transcript(name=name, kind=sniff(name, data[:8192]), data=data)


def keep(transcript: Transcript, folder: Path) -> Path:
    """Write a checked transcript under `folder` with a safe name; returns its path."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(transcript.name).stem)[:60] or "transcript"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{safe}.{EXTENSIONS[transcript.kind]}"
    target.write_bytes(transcript.data)
    return target


def has_file(upload: object) -> bool:
    return isinstance(upload, UploadFile) and bool(upload.filename)


# -- recordings ------------------------------------------------------------------------------

CHUNK = 1024 * 1024  # bytes copied at a time: the most of a recording ever held in memory
INCOMING = ".incoming"  # under the uploads folder: received and sniffed, not yet a submission's
STALE_SECONDS = 24 * 3600  # an incoming file this old was left by a request that never finished
# What the file chooser offers (the server judges by content, not by these).
RECORDING_ACCEPT = "audio/*,video/mp4,video/webm,.mp3,.m4a,.aac,.ogg,.oga,.opus,.wav,.flac,.mp4,.m4v,.webm"


@dataclass
class ReceivedRecording:
    """An uploaded recording, whole and sniffed, waiting in the incoming folder."""

    name: str  # as it was uploaded (for messages)
    path: Path
    suffix: str  # what its content calls for
    info: MediaInfo


def _copy_capped(source: BinaryIO, target: Path, limit: int, name: str) -> int:
    """Copy `source` to `target` a chunk at a time; UploadError past `limit` bytes."""
    source.seek(0)
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadError(f"'{name}' is larger than the {limit // (1024 * 1024)} MB a recording may be "
                                  f"(RECKON_RECORDING_UPLOAD_MB); expected a smaller {EXPECTED} file")
            out.write(chunk)
    return size


def _sweep(folder: Path) -> None:
    """Remove incoming files left by requests that died between receiving and keeping them."""
    now = time.time()
    for old in folder.glob("*.part"):
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > STALE_SECONDS:
                old.unlink()


def _receive(source: BinaryIO, uploads: Path, limit: int, name: str) -> ReceivedRecording:
    folder = uploads / INCOMING
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    part = folder / f"{secrets.token_hex(8)}.part"
    try:
        if not _copy_capped(source, part, limit, name):
            raise UploadError(f"'{name}' is empty; expected a {EXPECTED} file")
        info, suffix = sniff_recording(part, f"'{name}'")
    except (MediaProblem, OSError) as exc:
        part.unlink(missing_ok=True)
        raise UploadError(str(exc) if isinstance(exc, MediaProblem) else f"'{name}' could not be stored: {exc}") from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return ReceivedRecording(name=name, path=part, suffix=suffix, info=info)


async def receive_recording(upload: UploadFile, uploads: Path, limit_mb: int) -> ReceivedRecording:
    """Copy an uploaded recording out of the request's spool into `uploads`' incoming folder,
    capped at `limit_mb`, and sniff it; UploadError (one line naming the file) when it is too
    big, empty or not a whole recording of a kind Reckoning takes, with nothing left behind."""
    name = Path(upload.filename or "").name or "the recording"
    return await run_in_threadpool(_receive, upload.file, uploads, limit_mb * 1024 * 1024, name)


def keep_recording(received: ReceivedRecording, folder: Path) -> Path:
    """Move a received recording into a submission's folder, named by its checksum."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"recording-{received.info.sha256[:16]}{received.suffix}"
    os.replace(received.path, target)
    return target


def discard(received: ReceivedRecording | None) -> None:
    """Remove a received recording that will not be kept (the form had other problems)."""
    if received is not None:
        received.path.unlink(missing_ok=True)
