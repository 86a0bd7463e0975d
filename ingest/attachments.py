"""Files a record points to (images, a PDF), read during the check phase of a run.

They are read before anything is written, with every other problem of the run, so a broken
scan fails the ingest cleanly; what they hold (checksums, sizes, PDF text) rides on the parsed
object, so it is part of the record's content hash and a replaced scan is a changed record.
Paths are relative to the file the record came from (the Markdown file or the spreadsheet),
and must stay inside the content folder (or the folder of a spreadsheet given on the command
line): an absolute path, `../` or a symbolic link leading out is refused, as transcripts are,
so no file elsewhere on the machine can be published by naming it.
"""

from __future__ import annotations

from pathlib import Path

from archive.errors import ContentProblem
from ingest.readers.images import ImageProblem, inspect_image
from ingest.readers.parsed import Parsed
from ingest.readers.pdf_text import PdfProblem, extract_text


def outside_reason(name: str, path: Path, roots: list[Path]) -> str | None:
    """Why `name` (resolved to `path`) may not be read, or None when it is inside a root."""
    if Path(name).is_absolute():
        return f"'{name}' is an absolute path (expected a path relative to this file, inside the content folder)"
    if not any(path.is_relative_to(root) for root in roots):
        return f"'{name}' is outside the content folder (expected a file next to this one; no '../' or links out)"
    return None


def read_attachments(objects: list[Parsed], roots: list[Path]) -> list[ContentProblem]:
    """Fill `obj.attachments` for every record with images or a PDF; return the problems.

    `roots`: the folders attachments may come from (the content folder, and the folder of each
    spreadsheet named on the command line)."""
    roots = [root.resolve() for root in roots]
    problems: list[ContentProblem] = []
    for obj in objects:
        if obj.kind != "record" or not (obj.source.images or obj.source.pdf or obj.source.parts):
            continue
        base = Path(obj.doc.path).parent
        images = []
        # The record's own images, then each part's in order: one sequence, numbered as one.
        named = [(("images", i), name, None) for i, name in enumerate(obj.source.images)]
        named += [(("parts", p, "images", i), name, p + 1)
                  for p, part in enumerate(obj.source.parts) for i, name in enumerate(part.images)]
        alts = obj.source.image_alt
        for index, (where, name, part) in enumerate(named):
            path = (base / name).resolve()
            if why := outside_reason(name, path, roots):
                problems.append(obj.problem(("images", index), why))
                continue
            try:
                info = inspect_image(path)
            except ImageProblem as exc:
                problems.append(obj.problem(where, str(exc)))
                continue
            images.append({"id": f"{obj.id}-{index + 1}", "position": index, "path": str(path),
                           "source_path": name, "sha256": info.sha256, "format": info.format,
                           "width": info.width, "height": info.height, "bytes": info.bytes, "part": part,
                           "alt": alts[index] if part is None and index < len(alts) else ""})
        if images:
            obj.attachments["images"] = images
        if obj.source.pdf:
            pdf = (base / obj.source.pdf).resolve()
            if why := outside_reason(obj.source.pdf, pdf, roots):
                problems.append(obj.problem(("pdf",), why))
                continue
            try:
                obj.attachments["pdf"] = extract_text(pdf) | {"path": str(pdf), "source_path": obj.source.pdf,
                                                            "bytes": pdf.stat().st_size}
            except PdfProblem as exc:
                problems.append(obj.problem(("pdf",), str(exc)))
    return problems
