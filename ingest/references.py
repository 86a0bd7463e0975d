"""Checks across files: unique ids, references that resolve, quotations found in their source.

Evidence is only evidence if the quoted words are really in the cited text, so every
quotation is checked word for word (whitespace aside) against its source's plain text.
"""

from __future__ import annotations

from archive.dates import parse_date
from archive.errors import ContentProblem
from archive.markup import collapse_whitespace, to_plain_text
from ingest.readers import Parsed


def check_references(objects: list[Parsed]) -> list[ContentProblem]:
    problems: list[ContentProblem] = []
    by_id: dict[str, Parsed] = {}
    for obj in objects:
        first = by_id.get(obj.id)
        if first is not None:
            where = first.doc.display_path
            problems.append(obj.problem(("id",), f"duplicate id '{obj.id}': already used in {where}"))
            continue
        by_id[obj.id] = obj

    def kind_of(ref: str) -> str | None:
        return by_id[ref].kind if ref in by_id else None

    def expect(obj: Parsed, loc: tuple, ref: str | None, kinds: tuple[str, ...], prefix: str = "") -> None:
        if ref is None:
            return
        if kind_of(ref) not in kinds or (prefix and not ref.startswith(prefix)):
            what = " or ".join(kinds) if not prefix else f"{kinds[0]} '{prefix}…'"
            problems.append(obj.problem(loc, f"'{ref}' is not a known {what} id"))

    plain_text: dict[str, str] = {}

    def text_of(ref: str) -> str:
        if ref not in plain_text:
            plain_text[ref] = to_plain_text(by_id[ref].body)
        return plain_text[ref]

    def check_link(obj: Parsed, loc: tuple, link) -> None:
        """An evidence link of the ledger: its source exists, and any quotation is in it."""
        ref, field = (link.record, "record") if link.record else (link.narrative, "narrative")
        if kind_of(ref) != field:
            problems.append(obj.problem(loc + (field,), f"'{ref}' is not a known {field} id"))
        elif link.quote and collapse_whitespace(link.quote) not in text_of(ref):
            problems.append(obj.problem(loc + ("quote",), f"quotation not found word for word in "
                                        f"{by_id[ref].doc.display_path}: \"{link.quote[:60]}\""))

    def lineage(agent_id: str) -> list[str]:
        chain = [agent_id]
        while kind_of(chain[-1]) == "agent" and by_id[chain[-1]].source.parent not in (None, *chain):
            chain.append(by_id[chain[-1]].source.parent)
        return chain

    def check_ledger(obj: Parsed) -> None:
        """References of the accountability ledger (archive/ledger.py)."""
        s = obj.source
        if obj.kind == "harm":
            for field in ("involvement", "attribution"):
                seen_dates: dict[str, int] = {}
                for i, item in enumerate(getattr(s, field)):
                    expect(obj, (field, i, "agent"), item.agent, ("agent",))
                    # A body may answer for what a body nested under it did (the AMA for its House
                    # of Delegates), so attribution accepts the responsible bodies' ancestors too.
                    allowed = set(s.responsible) if field == "involvement" else \
                        {a for r in s.responsible for a in lineage(r)}
                    if kind_of(item.agent) == "agent" and item.agent not in allowed:
                        problems.append(obj.problem((field, i, "agent"), f"'{item.agent}' is not in this "
                                                    "harm's 'responsible' list" + ("" if field == "involvement"
                                                    else " nor a body they belong to") + "; add it there first"))
                    if field == "attribution":
                        expect(obj, (field, i, "source"), item.source, ("record",))
                        lower = parse_date(item.date).lower
                        if lower < seen_dates.get(item.agent, 0):
                            problems.append(obj.problem((field, i, "date"), "attribution is a dated history: "
                                                        f"list {item.agent}'s stages oldest first"))
                        seen_dates[item.agent] = lower
                        if item.quote and kind_of(item.source) == "record" and \
                                collapse_whitespace(item.quote) not in text_of(item.source):
                            problems.append(obj.problem((field, i, "quote"), "quotation not found word for "
                                                        f"word in {by_id[item.source].doc.display_path}"))
        elif obj.kind == "commitment":
            for field in ("made_by", "owner"):
                expect(obj, (field,), getattr(s, field), ("agent",))
            expect(obj, ("part_of",), s.part_of, ("commitment",))
            expect(obj, ("source",), s.source, ("record",))
            for i, ref in enumerate(s.answers):
                expect(obj, ("answers", i), ref, ("harm",))
            for i, entry in enumerate(s.progress):
                expect(obj, ("progress", i, "by"), entry.by, ("agent",))
                for j, link in enumerate(entry.evidence):
                    check_link(obj, ("progress", i, "evidence", j), link)
        elif obj.kind == "response":
            expect(obj, ("responds_to",), s.responds_to, ("harm", "commitment"))
            for i, claim in enumerate(s.claims):
                for side in ("evidence_for", "evidence_against"):
                    for j, link in enumerate(getattr(claim, side)):
                        check_link(obj, ("claims", i, side, j), link)

    for obj in by_id.values():
        check_ledger(obj)
        s = obj.source
        if obj.kind == "agent":
            expect(obj, ("parent",), s.parent, ("agent",))
        elif obj.kind == "concept":
            expect(obj, ("broader",), s.broader, ("concept",))
        elif obj.kind == "record":
            for i, ref in enumerate(s.creators):
                expect(obj, ("creators", i), ref, ("agent",))
            for i, ref in enumerate(s.subjects):
                expect(obj, ("subjects", i), ref, ("concept",))
        elif obj.kind == "narrative":
            for i, ref in enumerate(s.harm_types):
                expect(obj, ("harm_types", i), ref, ("concept",), "ht-")
        elif obj.kind == "harm":
            for i, ref in enumerate(s.harm_types):
                expect(obj, ("harm_types", i), ref, ("concept",), "ht-")
            for i, ref in enumerate(s.affected_groups):
                expect(obj, ("affected_groups", i), ref, ("concept",), "ag-")
            for i, ref in enumerate(s.responsible):
                expect(obj, ("responsible", i), ref, ("agent",))
            for i, ev in enumerate(s.evidence):
                ref, field = (ev.record, "record") if ev.record else (ev.narrative, "narrative")
                if kind_of(ref) != field:
                    problems.append(obj.problem(("evidence", i, field), f"'{ref}' is not a known {field} id"))
                elif collapse_whitespace(ev.quote) not in text_of(ref):
                    problems.append(obj.problem(
                        ("evidence", i, "quote"),
                        f"quotation not found word for word in {by_id[ref].doc.display_path}: "
                        f"\"{ev.quote[:60]}{'…' if len(ev.quote) > 60 else ''}\"",
                    ))
            for i, event in enumerate(s.accountability):
                expect(obj, ("accountability", i, "source"), event.source, ("record",))
        elif obj.kind == "timeline":
            for i, entry in enumerate(s.entries):
                expect(obj, ("entries", i, "ref"), entry.ref, ("record", "narrative", "harm", "timeline", "commitment"))
    return problems
