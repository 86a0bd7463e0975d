"""Progress on long ingest runs, without tying the readers to a terminal.

Readers call `tick()` once per source (a no-op unless a run set up a `Progress`), so the
registry's readers keep their simple signature. The CLI shows a live line on a terminal and an
occasional plain line otherwise (logs of CI runs), and nothing at all for small runs.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

_active: ContextVar[Progress | None] = ContextVar("ingest_progress", default=None)


class Progress:
    """Counts sources read and objects written; prints at most a few times a second."""

    def __init__(self, stream: TextIO | None = None, *, total: int | None = None, min_items: int = 500,
                 interval: float | None = None):
        self.stream = stream or sys.stderr
        self.total = total
        self.min_items = min_items
        self.stage = "reading"
        self.count = 0
        self.started = time.monotonic()
        self.cpu_started = cpu_seconds()
        self._last = 0.0
        self._shown = False
        self.live = self.stream.isatty()
        # A terminal line is redrawn twice a second; a log gets a line every five seconds.
        self.interval = interval if interval is not None else (0.5 if self.live else 5.0)

    def set_stage(self, stage: str, total: int | None = None) -> None:
        self._stage_done()
        self.stage, self.total, self.count = stage, total, 0
        self.started, self.cpu_started = time.monotonic(), cpu_seconds()

    def _stage_done(self) -> None:
        """One line for a stage long enough to have been shown: its time and CPU time, so a
        log says where a long run went (bench/results/34)."""
        if self.count >= self.min_items:
            wall, cpu = time.monotonic() - self.started, cpu_seconds() - self.cpu_started
            print(f"{self.stage} done: {self.count} in {wall:.1f} s, {cpu:.1f} s CPU".ljust(72),
                  file=self.stream, flush=True)

    def advance(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if self.count >= self.min_items and now - self._last >= self.interval:
            self._last = now
            self._print(end="\r" if self.live else "\n")

    def _print(self, end: str) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.count / elapsed
        if self.total:
            share = min(self.count / self.total, 1.0)
            bar = "#" * int(share * 30)
            text = f"{self.stage:<8} [{bar:<30}] {self.count}/{self.total} ({rate:,.0f}/s)"
        else:
            text = f"{self.stage:<8} {self.count} ({rate:,.0f}/s)"
        print(text.ljust(72), end=end, file=self.stream, flush=True)
        self._shown = True

    def finish(self) -> None:
        if self._shown and self.live:
            print(file=self.stream, flush=True)
        self._stage_done()
        self.count = 0  # told once


def cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for (a forked index build)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def tick(n: int = 1) -> None:
    """Count one source read (called by readers)."""
    progress = _active.get()
    if progress is not None:
        progress.advance(n)


@contextmanager
def reading(progress: Progress | None) -> Iterator[None]:
    """Make `progress` the one readers report to while the block runs."""
    token = _active.set(progress)
    try:
        yield
    finally:
        _active.reset(token)
