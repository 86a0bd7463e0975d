"""The closing summary of an ingest run, as a small plain-text table.

One row per kind of object and a total, so an archivist sees at a glance what a run did,
including what it refused (errors) and what it left alone (sources that disappeared).
"""

from __future__ import annotations

from collections import Counter

from archive.errors import ContentProblem

COLUMNS = ("added", "updated", "unchanged", "skipped", "missing", "removed", "errors")
FOLDER_KINDS = {"records": "record", "catalog": "record", "narratives": "narrative", "harms": "harm",
                "timelines": "timeline", "agents.yaml": "agent", "taxonomy.yaml": "concept"}


def kind_of_problem(problem: ContentProblem) -> str:
    """The kind of object a problem is about, from where its file sits in the content folder."""
    for part in reversed(problem.path.replace("\\", "/").split("/")[:-1] + [problem.path.rsplit("/", 1)[-1]]):
        if part in FOLDER_KINDS:
            return FOLDER_KINDS[part]
    return "record" if problem.path.endswith(".csv") else "other"


def summary_table(report=None, errors: list[ContentProblem] | None = None) -> str:
    """Render the table for a finished run (`report`) or a refused one (`errors`)."""
    rows: dict[str, Counter] = {}

    def add(kind: str, column: str, n: int) -> None:
        if n:
            rows.setdefault(kind, Counter())[column] += n

    if report is not None:
        for column, counter in (("added", report.created), ("updated", report.updated),
                                ("unchanged", report.unchanged), ("skipped", report.skipped),
                                ("removed", report.deleted)):
            for kind, n in counter.items():
                add(kind, column, n)
        for kind, items in report.missing.items():
            add(kind, "missing", len(items))
    for problem in errors or []:
        add(kind_of_problem(problem), "errors", 1)
    total = sum(rows.values(), Counter())
    lines = [("kind", *COLUMNS)]
    lines += [(f"{kind}s", *(str(rows[kind][c]) for c in COLUMNS)) for kind in sorted(rows)]
    lines.append(("total", *(str(total[c]) for c in COLUMNS)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS) + 1)]
    rendered = ["  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                          for i, cell in enumerate(line)) for line in lines]
    rendered.insert(1, "  ".join("-" * w for w in widths))
    rendered.insert(-1, rendered[1])
    return "\n".join(rendered)
