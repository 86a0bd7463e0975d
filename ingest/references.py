"""Checks across files: unique ids, references that resolve, quotations found in their source.

Evidence is only evidence if the quoted words are really in the cited text, so every
quotation is checked word for word (whitespace aside) against its source's plain text.
"""

from __future__ import annotations

from archive.errors import ContentProblem
from archive.quotations import quotation_found, source_plain_text
from ingest.content_notes import check_content_notes
from ingest.ledger_references import check_ledger_references
from ingest.readers.parsed import Parsed


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
            transcript = by_id[ref].transcript  # a narrative's transcript file is its text too
            texts = [seg.text for seg in transcript.segments] if transcript is not None else []
            plain_text[ref] = source_plain_text(by_id[ref].body, texts)
        return plain_text[ref]

    for obj in by_id.values():
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
            problems += check_content_notes(obj)
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
                elif not quotation_found(ev.quote, text_of(ref)):
                    problems.append(obj.problem(
                        ("evidence", i, "quote"),
                        f"quotation not found word for word in {by_id[ref].doc.display_path}: "
                        f"\"{ev.quote[:60]}{'…' if len(ev.quote) > 60 else ''}\"",
                    ))
            for i, event in enumerate(s.accountability):
                expect(obj, ("accountability", i, "source"), event.source, ("record",))
        elif obj.kind == "timeline":
            for i, entry in enumerate(s.entries):
                expect(obj, ("entries", i, "ref"), entry.ref,
                       ("record", "narrative", "harm", "timeline", "commitment"))
    return problems + check_ledger_references(by_id)
