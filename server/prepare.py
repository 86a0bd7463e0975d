"""What `reckon serve` does before it serves, in a process of its own.

`reckon serve` ingests the content (a no-op when nothing changed) and publishes when it changed
or the outputs are missing. Done in the serving process, whatever the ingest and the build read
stayed with it for as long as it served: at 100,000 records the server held 3.6 GB (the build's
peak) to answer requests that need a few hundred MB, and its first requests ran in a heap of
millions of objects the collector kept walking. A forked child does the work and exits, giving
all of it back; the server starts from the settings alone.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from archive.fork_safety import can_fork
from archive.settings import Settings
from ingest.pipeline import ingest
from publish.pipeline import outputs_missing, publish, publishing_settings


@dataclass(frozen=True)
class Prepared:
    warnings: list[str]  # the ingest's warnings, as the CLI prints them
    summary: str  # what the ingest found (`IngestReport.summary`)
    published: bool  # whether the indexes and the site were published


def prepare(settings: Settings, rebuild: bool = False) -> Prepared:
    """Ingest, then publish when the content changed, the outputs are missing or `rebuild`,
    in a forked process that is gone when this returns. Its errors are raised here. Where
    forking is not safe (`archive.fork_safety`: another thread runs) the work is done here."""
    if not can_fork():
        return prepare_here(settings, rebuild)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as child:
        return child.submit(prepare_here, settings, rebuild).result()


def prepare_here(settings: Settings, rebuild: bool = False) -> Prepared:
    """`prepare`'s work, in this process. A site built for another local address is published
    for that address and served with the served one (`publish.pipeline.publishing_settings`)."""
    report = ingest(settings)
    published = rebuild or report.changed or outputs_missing(settings)
    if published:
        publish(publishing_settings(settings))
    return Prepared([str(w) for w in report.warnings], report.summary(), published)
