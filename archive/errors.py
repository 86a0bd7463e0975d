"""Domain errors. The library raises these; only the edges (CLI, API, site) format them."""

from __future__ import annotations

from dataclasses import dataclass

from archive.views import Tombstone


class ReckoningError(Exception):
    """Base of every error the archive reports to a user."""


@dataclass
class ContentProblem:
    """One problem in a source file: where it is and what was expected."""

    path: str
    field: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        if self.field:
            where += f": field '{self.field}'"
        return f"{where}: {self.message}"


class ContentError(ReckoningError):
    """Source content that cannot be ingested; nothing was written.

    `warnings` are the run's other findings, so a refused run can still show them all."""

    def __init__(self, problems: list[ContentProblem], warnings: list[ContentProblem] | None = None):
        self.problems = problems
        self.warnings = list(warnings or [])
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self):  # raised in `reckon serve`'s child process (server/prepare.py) and sent back whole
        return type(self), (self.problems, self.warnings)


class DateError(ReckoningError, ValueError):
    """A date that is not valid EDTF."""


class NotFound(ReckoningError):
    """No object with that id exists for this viewer."""


class Gone(ReckoningError):
    """The object existed but was withdrawn; only a tombstone remains."""

    def __init__(self, message: str, tombstone: Tombstone):
        super().__init__(message)
        self.tombstone = tombstone


class NotBuilt(ReckoningError):
    """An output (database, index, site) that a command needs has not been made yet."""


class WorkflowError(ReckoningError):
    """An action the submission's state does not allow, or that is missing something."""


class Forbidden(ReckoningError):
    """The viewer's role or ownership does not allow this."""


class StaleEdit(ReckoningError):
    """Someone saved the submission after this edit began; nothing was written."""
