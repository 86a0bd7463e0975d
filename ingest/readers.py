"""One small reader per source format, listed in one explicit registry.

Each reader takes the content folder and returns parsed source objects plus warnings. A
reader never writes to the store; validation of references across files happens after all
readers have run (see `ingest.references`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from archive.errors import ContentError, ContentProblem
from ingest.ledger_schema import CommitmentSource, ResponseSource
from ingest.progress import tick
from ingest.schema import (
    AgentSource,
    HarmSource,
    NarrativeSource,
    RecordSource,
    TaxonomySource,
    TimelineSource,
)
from ingest.yaml_source import YamlDocument, read_markdown_file, read_yaml_file


@dataclass(slots=True)
class Parsed:
    """One source object, with the document it came from (for error locations)."""

    kind: str  # agent, concept, record, narrative, harm, timeline
    source: BaseModel
    doc: YamlDocument
    loc: tuple = ()  # where in the document this object sits (for list-based files)
    scheme: str = ""  # concepts only: harm-type or affected-group
    attachments: dict = field(default_factory=dict)  # what attached files held (ingest.attachments)
    transcript: Any = None  # narratives only: an ingest.transcripts.Transcript, when one is named

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


def _display(path: Path, content_dir: Path) -> str:
    try:
        return str(Path(content_dir.name) / path.relative_to(content_dir))
    except ValueError:
        return str(path)


def read_agents(content_dir: Path) -> ReadResult:
    result = ReadResult()
    path = content_dir / "agents.yaml"
    if not path.exists():
        return result
    doc = read_yaml_file(path, _display(path, content_dir))
    if not isinstance(doc.data, list):
        result.problems.append(doc.problem((), "expected a list of agents ('- id: agent-…' items)"))
        return result
    for index, item in enumerate(doc.data):
        source, problems = validate(AgentSource, item, doc, (index,))
        result.problems += problems
        if source is not None:
            result.objects.append(Parsed("agent", source, doc, (index,)))
    return result


def read_taxonomy(content_dir: Path) -> ReadResult:
    result = ReadResult()
    path = content_dir / "taxonomy.yaml"
    if not path.exists():
        result.problems.append(ContentProblem(_display(path, content_dir), None,
                                              "expected a taxonomy file with harm_types and affected_groups"))
        return result
    doc = read_yaml_file(path, _display(path, content_dir))
    taxonomy, problems = validate(TaxonomySource, doc.data, doc)
    result.problems += problems
    if taxonomy is not None:
        for scheme, attr in (("harm-type", "harm_types"), ("affected-group", "affected_groups")):
            for index, concept in enumerate(getattr(taxonomy, attr)):
                result.objects.append(Parsed("concept", concept, doc, (attr, index), scheme))
    return result


def markdown_reader(kind: str, folder: str, model: type[BaseModel]) -> Callable[[Path], ReadResult]:
    """A reader for one folder of Markdown files with front matter, one object per file."""

    def read(content_dir: Path) -> ReadResult:
        result = ReadResult()
        directory = content_dir / folder
        # Names and display paths as plain strings: pathlib's sorting and relative_to were a
        # tenth of the reading time at 100,000 files.
        names = sorted(entry.name for entry in os.scandir(directory) if entry.name.endswith(".md")) \
            if directory.is_dir() else []
        prefix = f"{content_dir.name}/{folder}/"
        for name in names:
            tick()
            path, display = directory / name, prefix + name
            try:
                doc = read_markdown_file(path, display)
            except ContentError as exc:
                result.problems += exc.problems
                continue
            source, problems = validate(model, doc.data, doc)
            doc.data = None  # the validated source holds it now; 100,000 of each add up
            result.problems += problems
            if source is None:
                continue
            if path.stem != source.id:  # type: ignore[attr-defined]
                result.warnings.append(doc.problem(("id",), f"file name should be '{source.id}.md'"))  # type: ignore[attr-defined]
            result.objects.append(Parsed(kind, source, doc))
        return result

    read.__name__ = f"read_{folder}"
    return read


def read_csv_catalogs(content_dir: Path) -> ReadResult:
    """CSV catalogues in content/catalog/ (imported lazily: that module builds on this one)."""
    from ingest.csv_catalog import read_csv_catalogs as read

    return read(content_dir)


def read_narratives(content_dir: Path) -> ReadResult:
    """Narrative files with the transcripts they name, and OHMS exports standing alone."""
    # Imported here because ingest.narrative_files builds on this module's readers.
    from ingest.narrative_files import read_narrative_files

    return read_narrative_files(content_dir, markdown_reader("narrative", "narratives", NarrativeSource))


# The registry: every format the pipeline reads, in the order objects depend on each other.
READERS: list[Callable[[Path], ReadResult]] = [
    read_agents,
    read_taxonomy,
    markdown_reader("record", "records", RecordSource),
    read_csv_catalogs,
    read_narratives,
    markdown_reader("harm", "harms", HarmSource),
    markdown_reader("timeline", "timelines", TimelineSource),
    markdown_reader("commitment", "commitments", CommitmentSource),
    markdown_reader("response", "responses", ResponseSource),
]


def read_content(content_dir: Path) -> ReadResult:
    if not content_dir.is_dir():
        raise ContentError([ContentProblem(str(content_dir), None, "expected a content folder")])
    total = ReadResult()
    for reader in READERS:
        part = reader(content_dir)
        total.objects += part.objects
        total.problems += part.problems
        total.warnings += part.warnings
        total.skipped += part.skipped
    return total
