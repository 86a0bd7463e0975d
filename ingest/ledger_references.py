"""Checks across files for the accountability ledger: who is involved, what they admitted,
what they promised, and the evidence for each, all resolving to objects in the content.

Run by `ingest.references.check_references` on the same id table, after its own checks, so
messages read the same way ("'agent-x' is not a known agent id").
"""

from __future__ import annotations

from archive.dates import parse_date
from archive.errors import ContentProblem
from archive.markup import collapse_whitespace, to_plain_text
from ingest.readers.parsed import Parsed


def check_ledger_references(by_id: dict[str, Parsed]) -> list[ContentProblem]:
    problems: list[ContentProblem] = []
    plain_text: dict[str, str] = {}

    def kind_of(ref: str | None) -> str | None:
        return by_id[ref].kind if ref in by_id else None

    def expect(obj: Parsed, loc: tuple, ref: str | None, kinds: tuple[str, ...]) -> None:
        if ref is not None and kind_of(ref) not in kinds:
            problems.append(obj.problem(loc, f"'{ref}' is not a known {' or '.join(kinds)} id"))

    def quoted(obj: Parsed, loc: tuple, ref: str, quote: str) -> None:
        if ref not in plain_text:
            plain_text[ref] = to_plain_text(by_id[ref].body)
        if quote and collapse_whitespace(quote) not in plain_text[ref]:
            problems.append(obj.problem(loc, f"quotation not found word for word in "
                                        f"{by_id[ref].doc.display_path}: \"{quote[:60]}\""))

    def link(obj: Parsed, loc: tuple, item) -> None:
        ref, field = (item.record, "record") if item.record else (item.narrative, "narrative")
        if kind_of(ref) != field:
            problems.append(obj.problem(loc + (field,), f"'{ref}' is not a known {field} id"))
        else:
            quoted(obj, loc + ("quote",), ref, item.quote)

    def lineage(agent_id: str) -> list[str]:
        """The body and the bodies it is nested in."""
        chain = [agent_id]
        while kind_of(chain[-1]) == "agent" and by_id[chain[-1]].source.parent not in (None, *chain):
            chain.append(by_id[chain[-1]].source.parent)
        return chain

    def harm(obj: Parsed) -> None:
        s = obj.source
        for field in ("involvement", "attribution"):
            # A body may answer for what a body nested under it did (the AMA for its House of
            # Delegates), so attribution accepts the responsible bodies' ancestors too.
            allowed = set(s.responsible) if field == "involvement" else \
                {a for r in s.responsible for a in lineage(r)}
            latest: dict[str, int] = {}
            for i, item in enumerate(getattr(s, field)):
                expect(obj, (field, i, "agent"), item.agent, ("agent",))
                if kind_of(item.agent) == "agent" and item.agent not in allowed:
                    where = "" if field == "involvement" else " nor a body they belong to"
                    problems.append(obj.problem((field, i, "agent"), f"'{item.agent}' is not in this "
                                                f"harm's 'responsible' list{where}; add it there first"))
                if field == "attribution":
                    expect(obj, (field, i, "source"), item.source, ("record",))
                    if kind_of(item.source) == "record":
                        quoted(obj, (field, i, "quote"), item.source, item.quote)
                    lower = parse_date(item.date).lower
                    if lower < latest.get(item.agent, 0):
                        problems.append(obj.problem((field, i, "date"), "attribution is a dated history: "
                                                    f"list {item.agent}'s stages oldest first"))
                    latest[item.agent] = lower

    def commitment(obj: Parsed) -> None:
        s = obj.source
        expect(obj, ("made_by",), s.made_by, ("agent",))
        expect(obj, ("owner",), s.owner, ("agent",))
        expect(obj, ("part_of",), s.part_of, ("commitment",))
        expect(obj, ("source",), s.source, ("record",))
        for i, ref in enumerate(s.answers):
            expect(obj, ("answers", i), ref, ("harm",))
        for i, entry in enumerate(s.progress):
            expect(obj, ("progress", i, "by"), entry.by, ("agent",))
            for j, item in enumerate(entry.evidence):
                link(obj, ("progress", i, "evidence", j), item)

    def response(obj: Parsed) -> None:
        s = obj.source
        expect(obj, ("responds_to",), s.responds_to, ("harm", "commitment"))
        for i, claim in enumerate(s.claims):
            for side in ("evidence_for", "evidence_against"):
                for j, item in enumerate(getattr(claim, side)):
                    link(obj, ("claims", i, side, j), item)

    checks = {"harm": harm, "commitment": commitment, "response": response}
    for obj in by_id.values():
        if obj.kind in checks:
            checks[obj.kind](obj)
    return problems
