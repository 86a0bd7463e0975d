"""One small reader per source format, listed in one explicit registry.

Each reader takes the content folder and returns parsed source objects plus warnings. A
reader never writes to the store; validation of references across files happens after all
readers have run (see `ingest.references`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from archive.errors import ContentError, ContentProblem
from ingest.ledger_schema import CommitmentSource, ResponseSource
from ingest.readers.csv_catalog import read_csv_catalogs
from ingest.readers.markdown_folders import markdown_reader, read_agents, read_taxonomy
from ingest.readers.narrative_files import read_narrative_files
from ingest.readers.parsed import ReadResult
from ingest.schema import HarmSource, NarrativeSource, RecordSource, TimelineSource


def read_narratives(content_dir: Path) -> ReadResult:
    """Narrative files with the transcripts they name, and OHMS exports standing alone."""
    return read_narrative_files(content_dir, markdown_reader("narrative", "narratives", NarrativeSource))


# Markdown records: the kind that grows to 100,000 files, so an ingest may read only those whose
# stat changed (`ingest.changed_files`).
RECORDS_FOLDER = "records"
read_records = markdown_reader("record", RECORDS_FOLDER, RecordSource)

# The registry: every format the pipeline reads, in the order objects depend on each other.
READERS: list[Callable[[Path], ReadResult]] = [
    read_agents,
    read_taxonomy,
    read_records,
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
