"""The text of a PDF a record points to, so a policy's words are searchable with its record.

pypdf extracts the text layer; a scanned PDF without one gives no text (and a warning), an
encrypted or damaged one is a clear error naming the file, never a crash.
"""

from __future__ import annotations

import logging
from pathlib import Path

from archive.checksums import sha256_of

MAX_CHARS = 2_000_000  # a generous ceiling so one huge PDF cannot swamp the store or the index


class PdfProblem(ValueError):
    """An attached PDF that cannot be read; the message says what was expected."""


def extract_text(path: Path) -> dict:
    """{"sha256", "pages", "text"} of a PDF; raises PdfProblem."""
    if not path.is_file():
        raise PdfProblem(f"no such file '{path.name}' (expected a PDF beside the record)")
    with path.open("rb") as handle:
        if handle.read(5) != b"%PDF-":
            raise PdfProblem(f"'{path.name}' is not a PDF (it does not start with '%PDF-')")
    from pypdf import PdfReader  # here, not at the top: an ingest without PDFs never imports it
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf logs recoverable quirks as warnings
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise PdfProblem(f"'{path.name}' is encrypted; expected a PDF whose text can be read")
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfProblem:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise PdfProblem(f"'{path.name}' is damaged or truncated ({exc}); expected a complete PDF") from exc
    text = "\n\n".join(" ".join(p.split()) for p in pages if p.strip())
    return {"sha256": sha256_of(path), "pages": len(pages), "text": text[:MAX_CHARS]}
