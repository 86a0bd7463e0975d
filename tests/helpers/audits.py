"""A full audit in a process of its own: the audit forks its OAI-PMH child only when no other
thread runs (`audit.leaks._Walk.start_oai_child`), and a pytest-xdist worker runs one, so an
audit called from a test walks alone. A spawned process has one thread: the audit there walks
in two processes, as `reckon audit --full` does."""

from __future__ import annotations

import multiprocessing
import threading

from archive.settings import Settings
from audit.leaks import audit


def _audit_here(settings: Settings, seed: int, conn) -> None:
    forked = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    report = audit(settings, seed=seed)
    conn.send((forked, report.where, report.places, [str(leak) for leak in report.leaks], report.failures))
    conn.close()


def audit_in_two_processes(settings: Settings, seed: int) -> tuple[list[str], int, list[str], list[str]]:
    """The places, their number, the leaks and the failures of `audit(settings, seed=seed)` run
    where it forks its child; fails if it could not."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(target=_audit_here, args=(settings, seed, theirs))
    process.start()
    theirs.close()
    try:
        forked, where, places, leaks, failures = ours.recv()
    finally:
        process.join()
        ours.close()
    assert forked, "the audit could not fork its OAI-PMH child"
    return where, places, leaks, failures
