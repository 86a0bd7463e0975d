"""An institution's ledger page arranged for reading: what it admitted, grouped by harm, and
each statement it made shown once.

`archive.ledger_views.institution_ledger` gives one attribution history per harm and body, so a
general apology that covers five harms appears five times, and a harm two bodies answered for
appears under two headings. The page wants the same facts the other way round: one line per
harm saying where each body's position stands, and one entry per statement (a body, a stage, a
date and a source) listing the harms it covers with what it said of each. Responses that answer
several of the body's harms and commitments are listed once.
"""

from __future__ import annotations

from typing import TypedDict

from archive.views import (
    DateData,
    InstitutionLedgerView,
    LedgerAgent,
    ObjectLink,
    Ref,
    ResponseView,
)


class Position(TypedDict):
    """Where one body's position on one harm stands."""

    body: LedgerAgent | None
    furthest: str
    furthest_label: str
    current: str
    current_label: str
    latest: DateData


class HarmStanding(TypedDict):
    """A harm of the body's, with each (sub-)body's position; none when it has taken none."""

    harm: ObjectLink
    positions: list[Position]


class CoveredHarm(TypedDict):
    harm: ObjectLink
    note: str
    quote: str


class Statement(TypedDict):
    """One statement of a body (a stage reached on a date, from a source), shown once with the
    harms it is recorded against."""

    anchor: str
    body: LedgerAgent | None
    stage: str
    label: str
    date: DateData
    source: Ref | None
    harms: list[CoveredHarm]


class InstitutionPage(TypedDict):
    item: InstitutionLedgerView
    standing: list[HarmStanding]
    statements: list[Statement]
    responses: list[ResponseView]


def institution_page(item: InstitutionLedgerView) -> InstitutionPage:
    """The institution's ledger view with its admissions regrouped (see the module's docstring)."""
    positions: dict[str, list[Position]] = {}
    found: dict[tuple, Statement] = {}
    for admission in item["admitted"]:
        history = admission["history"]
        positions.setdefault(admission["harm"]["id"], []).append({
            "body": admission["body"], "furthest": admission["furthest"],
            "furthest_label": admission["furthest_label"], "current": admission["current"],
            "current_label": admission["current_label"], "latest": history[-1]["date"]})
        for step in history:
            key = ((admission["body"] or {}).get("id"), step["stage"], step["date"]["edtf"],
                   (step["source"] or {}).get("id"))
            statement = found.get(key)
            if statement is None:
                statement = found[key] = {"anchor": "", "body": admission["body"], "stage": step["stage"],
                                          "label": step["label"], "date": step["date"], "source": step["source"],
                                          "harms": []}
            statement["harms"].append({"harm": admission["harm"], "note": step["note"], "quote": step["quote"]})
    statements = sorted(found.values(), key=lambda s: (s["date"]["lower"], s["date"]["upper"],
                                                        (s["body"] or {}).get("name", ""), s["stage"]))
    for number, statement in enumerate(statements, 1):
        statement["anchor"] = f"statement-{number}"
    standing: list[HarmStanding] = [
        {"harm": {"id": h["id"], "title": h["title"], "url": h["url"]}, "positions": positions.get(h["id"], [])}
        for h in item["harms"]]
    seen: set[str] = set()
    responses = [r for r in item["responses"] if not (r["id"] in seen or seen.add(r["id"]))]
    return {"item": item, "standing": standing, "statements": statements, "responses": responses}
