"""Transcript files uploaded with a submission: capped in size, sniffed, stored privately.

Files are kept under `<home>/uploads/<submission id>/`, never inside `public/`. Only the
three transcript formats the ingest readers are meant to read are accepted, and a file must
look like its extension claims (a renamed executable is refused). The file is read into
transcript segments by those readers (`ingest.uploaded_transcripts`) when the narrative is
published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import UploadFile

from archive.errors import ReckoningError

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
