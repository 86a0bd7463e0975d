"""CSV catalogs: one record per row, from a spreadsheet as another tool exported it.

Archivists keep catalogues in spreadsheets made by CollectionBuilder, Omeka, AtoM or Wax, each
with its own headers and multi-value separator. A *mapping* (a small YAML file, see
`ingest/readers/mappings/`) says which column holds each Dublin Core field, so a spreadsheet imports
without hand editing. Rows are read with Python's `csv` module (quoted multi-line cells, BOMs),
in strict mode so a broken quote is an error rather than a silently merged row. Every problem
names the file, the row and the column, and the rows of a broken file are not ingested.

Multi-part records: a row whose `parent` column (CollectionBuilder's `parentid`) names another
row's id is not a record but a part of that row's record (a page, an image, a file), often
untitled, with its own date, description, format and images kept; parts keep their rows'
order, their images follow the parent's own (one IIIF canvas each), and the record's page
lists them. A part naming no row of its file is a problem on its row.

Free-text dates are read by `ingest.freetext_dates`; the words as written are kept beside the
EDTF. Creators and subjects are matched to the archive's agents and taxonomy by id or by name;
a creator the archive does not know yet becomes a new agent, a subject that is not a taxonomy
term is kept as a keyword.
"""

from __future__ import annotations

import csv
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from archive.errors import ContentError, ContentProblem
from ingest.freetext_dates import normalise
from ingest.progress import tick
from ingest.readers.markdown_folders import read_agents, read_taxonomy
from ingest.readers.parsed import Parsed, ReadResult, validate
from ingest.schema import RECORD_TYPES, AgentSource, RecordSource

MAX_COLUMNS = 1_000  # CollectionBuilder, Omeka and AtoM exports have tens; 40,000 took minutes
MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
DEFAULT_MAPPING = "dublin-core"
# Dublin Core field → RecordSource field (the others keep their own name).
FIELD_NAMES = {"identifier": "id", "creator": "creators", "subject": "subjects", "description": "body"}
MULTI_VALUED = ("creator", "subject", "images", "image_alt")
KNOWN_FIELDS = ("identifier", "title", "date", "creator", "description", "subject", "type", "format",
                "source", "source_url", "rights", "language", "coverage", "access", "embargo_until",
                "images", "image_alt", "pdf", "parent", "latitude", "longitude")
# DCMI Type vocabulary and common catalogue words → the archive's record types.
TYPE_WORDS = {"text": "other", "still image": "image", "stillimage": "image", "image": "image",
              "photograph": "image", "textual record": "other", "article": "article",
              "letter": "correspondence", "newspaper": "news", "minutes": "minutes"}


@dataclass
class RowProblem(ContentProblem):
    """A problem in one cell: file, row (1 = first data row), column, and the file line."""

    row: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        if self.row is not None:
            where += f": row {self.row}"
        if self.field:
            where += f", column '{self.field}'" if self.row is not None else f": column '{self.field}'"
        return f"{where}: {self.message}"


@dataclass
class Mapping:
    """Which column holds which field, for one tool's spreadsheets."""

    name: str
    columns: dict[str, str | list[str]]
    separator: str = ";"
    null_values: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)
    unmapped: str = "ignore"  # or "keep": unmapped columns become "column: value" description lines


def available_mappings() -> list[str]:
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))


def load_mapping(name_or_path: str | Path) -> Mapping:
    """A shipped mapping by name (`atom`) or a mapping file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = MAPPINGS_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise ContentError([ContentProblem(str(name_or_path), None,
                                               f"unknown mapping; expected one of {', '.join(available_mappings())} "
                                               "or the path of a mapping file")])
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError([ContentProblem(where, None, f"cannot read the mapping file: {exc}")]) from exc
    if isinstance(data, dict) and "extends" in data:
        base = load_mapping(data["extends"])
        data = {"columns": base.columns | data.get("columns", {}), "separator": base.separator,
                "null_values": list(base.null_values), "defaults": base.defaults | data.get("defaults", {}),
                "unmapped": base.unmapped} | {k: v for k, v in data.items() if k not in ("columns", "defaults", "extends")}
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise ContentError([ContentProblem(where, "columns", "expected a mapping file with 'columns: {field: header}'")])
    unknown = sorted(set(data["columns"]) - set(KNOWN_FIELDS))
    if unknown:
        raise ContentError([ContentProblem(where, f"columns.{unknown[0]}",
                                           f"unknown field; expected one of {', '.join(KNOWN_FIELDS)}")])
    if "identifier" not in data["columns"]:
        raise ContentError([ContentProblem(where, "columns.identifier", "required: the column holding each row's id")])
    return Mapping(name=path.stem, columns=data["columns"], separator=str(data.get("separator", ";")),
                   null_values=tuple(str(v) for v in data.get("null_values", ())),
                   defaults={k: str(v) for k, v in (data.get("defaults") or {}).items()},
                   unmapped=str(data.get("unmapped", "ignore")))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class CsvRowDocument:
    """One row, standing where the Markdown readers put a YAML document (for error locations)."""

    path: Path
    display_path: str
    row: int
    line: int
    columns: dict[str, str]  # RecordSource field → the header it was read from
    body: str = ""
    data: dict = field(default_factory=dict)

    def problem(self, loc: tuple, message: str) -> RowProblem:
        column = self.columns.get(str(loc[0])) if loc else None
        return RowProblem(self.display_path, column, message, self.line, self.row)


class _Lookups:
    """The archive's agents and taxonomy terms by id and by lower-case name, for matching."""

    def __init__(self, content_dir: Path | None):
        agents = read_agents(content_dir).objects if content_dir and content_dir.is_dir() else []
        concepts = (read_taxonomy(content_dir).objects
                    if content_dir and (content_dir / "taxonomy.yaml").exists() else [])
        self.agents = {a.id: a.id for a in agents} | {a.source.name.lower(): a.id for a in agents}
        self.concepts = {c.id: c.id for c in concepts} | {c.source.label.lower(): c.id for c in concepts}
        self.new_agents: dict[str, Parsed] = {}


def _cell(row: dict[str, str], header: str, mapping: Mapping) -> str:
    value = (row.get(header) or "").strip()
    return "" if value in mapping.null_values else value


def _resolve(spec: str | list[str], row: dict[str, str], mapping: Mapping, extra: dict) -> tuple[str, str]:
    """(value, header it came from) for a column spec: a header, a list (first non-blank; or
    joined for descriptions), or a template such as "{repository}, {identifier}"."""
    if isinstance(spec, list):
        for header in spec:
            value = _cell(row, header, mapping)
            if value:
                return value, header
        return "", spec[0]
    if "{" in spec:
        names = [n for _, n, _, _ in string.Formatter().parse(spec) if n]
        values = {n: extra.get(n, _cell(row, n, mapping)) for n in names}
        if not all(values.get(n) for n in names if not n.startswith("_")):
            return "", names[0] if names else spec
        return spec.format(**values), names[0] if names else spec
    return _cell(row, spec, mapping), spec


def _headers(mapping: Mapping, name: str) -> list[str]:
    spec = mapping.columns.get(name, [])
    if isinstance(spec, str) and "{" in spec:
        return [n for _, n, _, _ in string.Formatter().parse(spec) if n and not n.startswith("_")]
    return [spec] if isinstance(spec, str) else list(spec)


def _has_column(mapping: Mapping, name: str, row: dict[str, str]) -> bool:
    return any(h in row for h in _headers(mapping, name))


def _split(value: str, separator: str) -> list[str]:
    return [v.strip() for v in value.split(separator) if v.strip()]


def _record_type(value: str) -> str:
    word = value.strip().lower()
    if word.replace(" ", "-") in RECORD_TYPES:
        return word.replace(" ", "-")
    return TYPE_WORDS.get(word, "other")


@dataclass(frozen=True, slots=True)
class _Sheet:
    """One spreadsheet being read: what every one of its rows is read with."""

    path: Path
    display_path: str
    mapping: Mapping
    mapped_headers: set[str]  # every header the mapping reads (the others are "unmapped")
    lookups: _Lookups


def read_csv_file(path: Path, mapping: Mapping, display_path: str, lookups: _Lookups) -> ReadResult:
    """Read one catalogue spreadsheet into record objects, collecting every row's problems."""
    result = ReadResult()
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        result.problems.append(RowProblem(display_path, None, f"cannot open the file: {exc.strerror}"))
        return result
    with handle:
        reader = csv.reader(handle, strict=True)
        header = _checked_header(reader, mapping, display_path, result)
        if header is None:
            return result
        mapped_headers = {h for name in mapping.columns for h in _headers(mapping, name)}
        if "date" in mapping.columns and not _has_column(mapping, "date", dict.fromkeys(header, "")):
            result.warnings.append(RowProblem(
                display_path, _headers(mapping, "date")[0],
                "the spreadsheet has no date column; its records are stored with the EDTF unknown "
                "date (XXXX)", 1))
        _read_rows(reader, header, _Sheet(path, display_path, mapping, mapped_headers, lookups), result)
    return result


def _checked_header(reader, mapping: Mapping, display_path: str, result: ReadResult) -> list[str] | None:
    """The header line's column names, stripped; None, with the problem added to `result`, when
    the rows cannot be read by it (unreadable, empty, too wide, a name twice, no id column)."""
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        result.problems.append(RowProblem(display_path, None, f"cannot read the header line: {exc}", 1))
        return None
    if not header:
        result.problems.append(RowProblem(display_path, None, "empty file: expected a header line of column names", 1))
        return None
    if len(header) > MAX_COLUMNS:  # no catalogue has so many; refused before any work per column
        result.problems.append(RowProblem(display_path, None, f"the header has {len(header):,} columns; "
                                          f"expected at most {MAX_COLUMNS:,}", 1))
        return None
    header = [h.strip() for h in header]
    repeated = sorted(h for h, n in Counter(header).items() if n > 1 and h)
    if repeated:
        result.problems.append(RowProblem(display_path, repeated[0], "the header names this column twice", 1))
        return None
    id_spec = mapping.columns["identifier"]
    id_headers = id_spec if isinstance(id_spec, list) else [id_spec]
    if not any(h in header for h in id_headers):
        result.problems.append(RowProblem(
            display_path, id_headers[0],
            f"mapping '{mapping.name}' reads ids from this column, but the header has no such column "
            f"(found: {', '.join(header[:8])}{'…' if len(header) > 8 else ''})", 1))
        return None
    return header


def _read_rows(reader, header: list[str], sheet: _Sheet, result: ReadResult) -> None:
    """Read the data rows into `result`: a record per row, or the row's problems; rows naming a
    parent (compound objects) become the parts of that row's record, in order.

    A row that breaks the CSV itself (a quote not closed or misplaced, bytes that are not
    UTF-8) ends the reading: past it the reader cannot be trusted to find where rows begin."""
    display_path, mapping = sheet.display_path, sheet.mapping
    first_row_of: dict[str, int] = {}
    records: list[Row] = []
    children: list[Row] = []
    row_number = 0
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(RowProblem(
                display_path, None,
                f"malformed CSV ({exc}): a quoted cell is not closed or a quote is misplaced; "
                "expected every '\"' that opens a cell to be closed, with inner quotes doubled",
                line, row_number + 1))
            break
        except UnicodeDecodeError as exc:
            result.problems.append(RowProblem(display_path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                              "expected the spreadsheet saved as CSV UTF-8", line, row_number + 1))
            break
        row_number += 1
        start, line = line, reader.line_num + 1
        tick()
        if not any(c.strip() for c in cells):
            result.skipped += 1  # blank rows are spacing, not records
            continue
        if len(cells) != len(header):
            result.problems.append(RowProblem(
                display_path, None,
                f"found {len(cells)} cells, expected {len(header)} (one per header column)", start, row_number))
            continue
        row = dict(zip(header, cells))
        if "parent" in mapping.columns and _resolve(mapping.columns["parent"], row, mapping, {})[0]:
            children.append((row_number, start, row))  # a part of another row's record
        else:
            records.append((row_number, start, row))
    parts, problems = _parts(sheet.path, display_path, children, records, mapping)
    result.problems += problems
    for row_number, start, row in records:
        raw_id = _resolve(mapping.columns["identifier"], row, mapping, {})[0]
        obj, problems, warnings = _row_to_record(sheet, row_number, start, row, parts.get(raw_id, []))
        result.problems += problems
        result.warnings += warnings
        if obj is None:
            continue
        if obj.id in first_row_of:
            result.problems.append(obj.problem(("id",), f"duplicate id '{obj.id}': row {first_row_of[obj.id]} "
                                                        "already has it; expected one row per record"))
            continue
        first_row_of[obj.id] = row_number
        result.objects.append(obj)


Row = tuple[int, int, dict[str, str]]  # (row number, line, cells by header)


def _parts(path: Path, display_path: str, children: list[Row], records: list[Row],
           mapping: Mapping) -> tuple[dict[str, list[dict]], list[ContentProblem]]:
    """Each parent's parts (by the parent's id as written), from the rows naming it, in order."""
    ids = {_resolve(mapping.columns["identifier"], row, mapping, {})[0] for _, _, row in records}
    parts: dict[str, list[dict]] = {}
    problems: list[ContentProblem] = []
    for row_number, line, row in children:
        parent, header = _resolve(mapping.columns["parent"], row, mapping, {})
        if parent not in ids:
            problems.append(RowProblem(display_path, header, f"names '{parent}' as its parent, but no row of "
                                       "this file has that id; expected the id of the record it is part of",
                                       line, row_number))
            continue
        value = {name: _resolve(mapping.columns[name], row, mapping, {})[0] if name in mapping.columns else ""
                 for name in ("identifier", "title", "date", "description", "format", "images")}
        written = _split(value["date"], mapping.separator)[0] if value["date"] else ""
        date = normalise(written) if written else None
        parts.setdefault(parent, []).append({
            "id": value["identifier"] or f"{parent}-{len(parts.get(parent, [])) + 1}",
            "title": value["title"], "description": value["description"], "format": value["format"],
            "date": date.edtf if date is not None else None,
            "date_as_written": written if date is not None and written != date.edtf else "",
            "images": _split(value["images"], mapping.separator)})
    return parts, problems


def _row_to_record(sheet: _Sheet, row_number: int, line: int, row: dict[str, str],
                   record_parts: list[dict] | None = None
                   ) -> tuple[Parsed | None, list[ContentProblem], list[ContentProblem]]:
    """One data row as a record (None when it cannot be one), its problems and its warnings."""
    mapping = sheet.mapping
    extra = {"_file": sheet.path.name, "_row": str(row_number)}
    values, columns = _mapped_values(row, mapping, extra)
    doc = CsvRowDocument(sheet.path, sheet.display_path, row_number, line, columns)
    warnings: list[ContentProblem] = []
    raw_id = values.get("identifier", "")
    if not raw_id:
        return None, [doc.problem(("id",), "required: every row needs an id")], []
    record_id = raw_id if re.fullmatch(r"rec-[a-z0-9]+(-[a-z0-9]+)*", raw_id) else f"rec-{slug(raw_id)}"
    body = values.get("description", "")
    if mapping.unmapped == "keep":
        body = _with_unmapped(body, row, sheet)
    doc.body = body
    written = values.get("date", "")
    first_date = _split(written, mapping.separator)[0] if written else ""
    date = normalise(first_date)
    # No date and no date column at all: the caller warned once for the whole file.
    if date.edtf is None and (written or _has_column(mapping, "date", row)):
        warnings.append(doc.problem(("date",), f"{date.warning}; stored as unknown (XXXX) with the words kept as written"))
    data: dict = {
        "id": record_id, "title": values.get("title", ""), "date": date.edtf or "XXXX",
        "date_as_written": first_date if first_date != date.edtf else "",
        "type": _record_type(values.get("type", "")), "source": values.get("source", ""),
    }
    _add_optional_fields(data, values, mapping.separator)
    data["creators"] = list(dict.fromkeys([_agent_for(name, doc, sheet.lookups)
                                           for name in _split(values.get("creator", ""), mapping.separator)]))
    _add_subjects(data, values, mapping.separator, sheet.lookups)
    data["images"] = _split(values.get("images", ""), mapping.separator)
    if values.get("image_alt"):
        data["image_alt"] = _split(values["image_alt"], mapping.separator)
    if record_parts:
        data["parts"] = record_parts
    doc.data = data
    source, problems = validate(RecordSource, data, doc)  # type: ignore[arg-type]
    if source is None:
        return None, problems, warnings
    return Parsed("record", source, doc), [], warnings  # type: ignore[arg-type]


def _mapped_values(row: dict[str, str], mapping: Mapping, extra: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Each mapped field's value in this row (or its default), and the header it was read from
    (by RecordSource field name, for error locations)."""
    values: dict[str, str] = {}
    columns: dict[str, str] = {}
    for name, spec in mapping.columns.items():
        if name == "description" and isinstance(spec, list):
            parts = [_cell(row, h, mapping) for h in spec]
            value, header = "\n\n".join(p for p in parts if p), spec[0]
        else:
            value, header = _resolve(spec, row, mapping, extra)
        if not value and name in mapping.defaults:
            value = mapping.defaults[name].format(**extra)
        values[name] = value
        columns[FIELD_NAMES.get(name, name)] = header
    columns.setdefault("date_as_written", columns.get("date", ""))
    return values, columns


def _with_unmapped(body: str, row: dict[str, str], sheet: _Sheet) -> str:
    """The body with the row's unmapped, non-blank cells after it, one "column: value" line each
    (a mapping with `unmapped: keep`: nothing the spreadsheet says is lost)."""
    mapping = sheet.mapping
    kept = [f"- **{h}:** {_cell(row, h, mapping)}" for h in row if h not in sheet.mapped_headers and _cell(row, h, mapping)]
    return "\n\n".join(p for p in (body, "\n".join(kept)) if p)


def _add_optional_fields(data: dict, values: dict[str, str], separator: str) -> None:
    """Add the fields a record may leave out, only when the row has a value for them."""
    for name in ("source_url", "rights", "coverage", "format", "embargo_until", "pdf", "latitude", "longitude"):
        if values.get(name):
            data[name] = values[name]
    if values.get("access"):
        data["access"] = values["access"].lower()
    if values.get("language"):
        data["language"] = _split(values["language"], separator)[0]


def _add_subjects(data: dict, values: dict[str, str], separator: str, lookups: _Lookups) -> None:
    """Add the row's subjects: a taxonomy term (by id or name) is a subject, anything else a keyword."""
    subjects, keywords = [], []
    for term in _split(values.get("subject", ""), separator):
        concept = lookups.concepts.get(term) or lookups.concepts.get(term.lower())
        (subjects if concept else keywords).append(concept or term)
    data["subjects"], data["keywords"] = list(dict.fromkeys(subjects)), list(dict.fromkeys(keywords))


def _agent_for(name: str, doc: CsvRowDocument, lookups: _Lookups) -> str:
    """The id of the agent a creator cell names; a new agent when the archive has none by it."""
    known = lookups.agents.get(name) or lookups.agents.get(name.lower())
    if known:
        return known
    agent_id = f"agent-{slug(name)}"
    if agent_id in lookups.agents.values():
        return agent_id
    if agent_id not in lookups.new_agents:
        source = AgentSource(id=agent_id, name=name, description=f"Creator named in {doc.display_path}.")
        lookups.new_agents[agent_id] = Parsed("agent", source, doc)  # type: ignore[arg-type]
    return agent_id


def _mapping_for(csv_path: Path) -> Mapping:
    """A catalogue file's mapping: a sidecar `NAME.mapping.yaml`, else Dublin Core headers."""
    sidecar = csv_path.with_suffix(".mapping.yaml")
    return load_mapping(sidecar if sidecar.exists() else DEFAULT_MAPPING)


def read_csv_sources(sources: list[tuple[Path, Mapping]], content_dir: Path | None,
                     display=lambda p: str(p)) -> ReadResult:
    """Read several spreadsheets; new agents named as creators come once, after the records."""
    lookups = _Lookups(content_dir)
    total = ReadResult()
    for path, mapping in sources:
        part = read_csv_file(path, mapping, display(path), lookups)
        total.objects += part.objects
        total.problems += part.problems
        total.warnings += part.warnings
        total.skipped += part.skipped
    total.objects = list(lookups.new_agents.values()) + total.objects
    return total


def read_csv_catalogs(content_dir: Path) -> ReadResult:
    """The registry's reader: every `content/catalog/*.csv`, each with its mapping."""
    sources: list[tuple[Path, Mapping]] = []
    problems: list[ContentProblem] = []
    for path in sorted((content_dir / "catalog").glob("*.csv")):
        try:
            sources.append((path, _mapping_for(path)))
        except ContentError as exc:
            problems += exc.problems
    result = read_csv_sources(sources, content_dir,
                              lambda p: str(Path(content_dir.name) / p.relative_to(content_dir)))
    result.problems = problems + result.problems
    return result


def read_csv_argument(path: str | Path, mapping: str | Path | None, content_dir: Path | None) -> ReadResult:
    """`reckon ingest --csv PATH [--mapping NAME|FILE]`: one spreadsheet from anywhere."""
    csv_path = Path(path)
    if not csv_path.is_file():
        raise ContentError([ContentProblem(str(csv_path), None, "no such file: expected a CSV catalogue")])
    chosen = load_mapping(mapping) if mapping else _mapping_for(csv_path)
    return read_csv_sources([(csv_path, chosen)], content_dir)
