"""What every reader returns: parsed source objects with where they came from, and problems.

Shared by the readers (each builds `Parsed` objects and a `ReadResult`) and by the pipeline's
checks after them, which report a problem at the file and field an object came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from archive.errors import ContentProblem
from ingest.readers.yaml_source import YamlDocument


@dataclass(slots=True)
class Parsed:
    """One source object, with the document it came from (for error locations)."""

    kind: str  # agent, concept, record, narrative, harm, timeline
    source: BaseModel
    doc: YamlDocument
    loc: tuple = ()  # where in the document this object sits (for list-based files)
    scheme: str = ""  # concepts only: harm-type or affected-group
    attachments: dict = field(default_factory=dict)  # what attached files held (ingest.attachments)
    transcript: Any = None  # narratives only: an ingest.readers.transcripts.Transcript, when one is named

    @property
    def id(self) -> str:
        return self.source.id  # type: ignore[attr-defined]

    @property
    def body(self) -> str:
        return self.doc.body

    def problem(self, field_loc: tuple, message: str) -> ContentProblem:
        return self.doc.problem(self.loc + field_loc, message)


@dataclass
class ReadResult:
    objects: list[Parsed] = field(default_factory=list)
    problems: list[ContentProblem] = field(default_factory=list)
    warnings: list[ContentProblem] = field(default_factory=list)
    skipped: int = 0  # sources read but deliberately not ingested (e.g. blank spreadsheet rows)


def _clean_message(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown field (check its spelling against content/README.md)"
    if error["type"] == "missing":
        return "required field is missing"
    if "input" in error and error["type"] not in ("value_error",) and not isinstance(error["input"], (dict, list)):
        message += f" (got {error['input']!r})"
    return message


def validate(model: type[BaseModel], data: object, doc: YamlDocument, loc: tuple = ()) -> tuple[BaseModel | None, list[ContentProblem]]:
    if not isinstance(data, dict):
        return None, [doc.problem(loc, "expected a mapping of 'field: value' lines")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [doc.problem(loc + tuple(e["loc"]), _clean_message(e)) for e in exc.errors()]


def display_path(path: Path, content_dir: Path) -> str:
    try:
        return str(Path(content_dir.name) / path.relative_to(content_dir))
    except ValueError:
        return str(path)
