"""Store rows for the accountability ledger: commitments, responses, and a harm's
involvement and attribution rows (which are replaced together with their harm)."""

from __future__ import annotations

from sqlmodel import SQLModel

from archive.dates import parse_date
from archive.ledger import AttributionStage, Involvement, ProgressEntry
from ingest.readers.parsed import Parsed

LEDGER_KINDS = ("commitment", "response")
# Child tables and the column pointing at their parent, merged into ingest.rows.CHILD_TABLES.
LEDGER_CHILD_TABLES: dict[str, list[tuple[type[SQLModel], str]]] = {
    "harm": [(Involvement, "harm_id"), (AttributionStage, "harm_id")],
    "commitment": [(ProgressEntry, "commitment_id")],
}


def _dated(value: str) -> dict:
    parsed = parse_date(value)
    return {"date": parsed.text, "date_lower": parsed.lower, "date_upper": parsed.upper}


def _links(items: list) -> list[dict]:
    return [item.model_dump(mode="json", exclude_defaults=False) for item in items]


def ledger_main_fields(obj: Parsed) -> dict:
    s = obj.source
    common = {"access": s.access, "embargo_until": s.embargo_until, "title": s.title} | _dated(s.date)
    if obj.kind == "commitment":
        return common | {
            "text": s.promise, "made_by_id": s.made_by, "owner_id": s.owner, "part_of_id": s.part_of,
            "answers": list(s.answers), "source_record_id": s.source, "due": s.due,
            "due_upper": parse_date(s.due).upper if s.due else None, "status": s.status,
            "description": obj.body}
    return common | {
        "respondent": s.respondent, "respondent_kind": s.respondent_kind, "responds_to": s.responds_to,
        "fictional": s.fictional, "body": obj.body,
        "claims": [{"text": c.text, "mark": c.mark, "evidence_for": _links(c.evidence_for),
                    "evidence_against": _links(c.evidence_against)} for c in s.claims]}


def ledger_child_rows(obj: Parsed) -> list[SQLModel]:
    s = obj.source
    if obj.kind == "harm":
        rows: list[SQLModel] = [Involvement(harm_id=s.id, position=i, agent_id=v.agent, kind=v.kind, note=v.note)
                                for i, v in enumerate(s.involvement)]
        rows += [AttributionStage(harm_id=s.id, position=i, agent_id=a.agent, stage=a.stage,
                                  source_record_id=a.source, quote=a.quote, note=a.note, **_dated(a.date))
                 for i, a in enumerate(s.attribution)]
        return rows
    if obj.kind == "commitment":
        return [ProgressEntry(commitment_id=s.id, position=i, text=p.text, by_id=p.by,
                              evidence=_links(p.evidence), **_dated(p.date))
                for i, p in enumerate(s.progress)]
    return []
