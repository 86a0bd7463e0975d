"""The `narratives/` folder: Markdown narratives, the transcripts they name, lone OHMS exports.

A narrative's Markdown file holds what only the archive knows (consent, release, how the
narrator appears, redactions); its transcript file holds what the recording tool made. An
OHMS export with no Markdown file naming it becomes a narrative of its own, staff-only,
because an export carries no consent log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from archive.errors import ContentError, ContentProblem
from ingest.readers.ohms import narrative_fields, read_ohms
from ingest.readers.parsed import Parsed, ReadResult, validate
from ingest.readers.transcripts import Transcript, read_caption_file
from ingest.readers.yaml_source import YamlDocument
from ingest.schema import NarrativeSource


def read_transcript(path: Path, display: str) -> Transcript:
    if path.suffix.lower() == ".xml":
        return read_ohms(path, display)
    return read_caption_file(path, display)


def _display(path: Path, content_dir: Path) -> str:
    try:
        return str(Path(content_dir.name) / path.relative_to(content_dir))
    except ValueError:
        return str(path)


def read_narrative_files(content_dir: Path, read_markdown: Callable[[Path], ReadResult]) -> ReadResult:
    result = read_markdown(content_dir)
    named: set[Path] = set()
    for obj in result.objects:
        name = obj.source.transcript  # type: ignore[attr-defined]
        if not name:
            continue
        path = (obj.doc.path.parent / name).resolve()
        named.add(path)
        display = _display(path, content_dir)
        if not path.is_relative_to(content_dir.resolve()):
            result.problems.append(obj.problem(("transcript",), f"'{name}' is outside the content folder "
                                                                "(expected a file next to this one)"))
            continue
        if not path.is_file():
            result.problems.append(obj.problem(("transcript",), f"no transcript file '{name}' next to this file "
                                                                "(expected a .vtt, .srt or OHMS .xml file)"))
            continue
        try:
            obj.transcript = read_transcript(path, display)
        except ContentError as exc:
            result.problems += exc.problems
            continue
        result.warnings += obj.transcript.warnings
    folder = content_dir / "narratives"
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.resolve() in named or path.suffix.lower() not in (".xml", ".vtt", ".srt"):
            continue
        if path.suffix.lower() != ".xml":
            result.warnings.append(ContentProblem(_display(path, content_dir), None,
                                                  "no narrative names this transcript (expected `transcript: "
                                                  f"{path.name}` in a narrative's front matter)"))
            continue
        display = _display(path, content_dir)
        try:
            transcript = read_ohms(path, display)
        except ContentError as exc:
            result.problems += exc.problems
            continue
        result.warnings += transcript.warnings
        doc = YamlDocument(path, display, None, None, 0)
        source, problems = validate(NarrativeSource, narrative_fields(transcript, path.stem), doc)
        result.problems += problems
        if source is not None:
            result.objects.append(Parsed("narrative", source, doc, transcript=transcript))
    return result
