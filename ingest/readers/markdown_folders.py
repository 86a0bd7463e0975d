"""The content folder's own files: agents.yaml, taxonomy.yaml, and folders of Markdown files
with front matter, one object per file (records, narratives, harms, timelines, ledger files)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from archive.errors import ContentError, ContentProblem
from archive.side_process import SideResult
from ingest.progress import reading, tick
from ingest.readers.parsed import Parsed, ReadResult, display_path, validate
from ingest.readers.yaml_source import read_markdown_file, read_yaml_file
from ingest.schema import AgentSource, TaxonomySource


def read_agents(content_dir: Path) -> ReadResult:
    result = ReadResult()
    path = content_dir / "agents.yaml"
    if not path.exists():
        return result
    doc = read_yaml_file(path, display_path(path, content_dir))
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
        result.problems.append(ContentProblem(display_path(path, content_dir), None,
                                              "expected a taxonomy file with harm_types and affected_groups"))
        return result
    doc = read_yaml_file(path, display_path(path, content_dir))
    taxonomy, problems = validate(TaxonomySource, doc.data, doc)
    result.problems += problems
    if taxonomy is not None:
        for scheme, attr in (("harm-type", "harm_types"), ("affected-group", "affected_groups")):
            for index, concept in enumerate(getattr(taxonomy, attr)):
                result.objects.append(Parsed("concept", concept, doc, (attr, index), scheme))
    return result


# From this many files a folder is read on two processes: a forked child reads the second half
# while this one reads the first (bench/results/48: at 100,000 records the reading took 19 s of
# one core while the other idled). Below it, the fork and the pickled objects cost more than
# they save.
SIDE_READ_MIN = 4000


def markdown_reader(kind: str, folder: str, model: type[BaseModel]) -> Callable[[Path], ReadResult]:
    """A reader for one folder of Markdown files with front matter, one object per file."""

    def read(content_dir: Path, only: list[str] | None = None) -> ReadResult:
        """Every file of the folder, or `only` these file names in it (`ingest.source_stats`:
        the files whose stat changed since the last ingest)."""
        directory = content_dir / folder
        # Names and display paths as plain strings: pathlib's sorting and relative_to were a
        # tenth of the reading time at 100,000 files.
        if only is not None:
            names = sorted(only)
        else:
            names = sorted(entry.name for entry in os.scandir(directory) if entry.name.endswith(".md")) \
                if directory.is_dir() else []
        files = _Files(kind, model, directory, f"{content_dir.name}/{folder}/")
        if len(names) < SIDE_READ_MIN:
            return files.read(names)
        return _read_on_two(files, names)

    read.__name__ = f"read_{folder}"
    return read


@dataclass(frozen=True)
class _Files:
    """The files of one folder, read one by one into one kind of object."""

    kind: str
    model: type[BaseModel]
    directory: Path
    prefix: str  # the display path of the folder, as problems name it

    def read(self, names: list[str]) -> ReadResult:
        result = ReadResult()
        for name in names:
            tick()
            path, display = self.directory / name, self.prefix + name
            try:
                doc = read_markdown_file(path, display)
            except ContentError as exc:
                result.problems += exc.problems
                continue
            source, problems = validate(self.model, doc.data, doc)
            doc.data = None  # the validated source holds it now; 100,000 of each add up
            result.problems += problems
            if source is None:
                continue
            if path.stem != source.id:  # type: ignore[attr-defined]
                result.warnings.append(doc.problem(("id",), f"file name should be '{source.id}.md'"))  # type: ignore[attr-defined]
            result.objects.append(Parsed(self.kind, source, doc))
        return result

    def read_quietly(self, names: list[str]) -> ReadResult:
        """As `read`, counting nothing: a forked child's progress line would be a second one."""
        with reading(None):
            return self.read(names)


def _read_on_two(files: _Files, names: list[str]) -> ReadResult:
    """The files read as `files.read(names)` reads them, the second half by a forked child:
    the same objects, problems and warnings, in the same order (the child's come after)."""
    half = len(names) // 2
    first, second = names[:half], names[half:]
    side = SideResult(lambda: files.read_quietly(second))
    try:
        result = files.read(first)
        rest = side.result()  # ~0.05 ms an object to unpickle, against ~0.25 ms to read it
    finally:
        side.close()
    tick(len(second))
    result.objects += rest.objects
    result.problems += rest.problems
    result.warnings += rest.warnings
    return result
