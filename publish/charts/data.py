"""Each chart's numbers as typed plain data, made from the public views the pages are made of.

Nothing here reads the store. The inputs are views a public Catalog has already handed out
(harm and timeline views, record and narrative views or their summaries, an institution's
ledger), so a chart can only count or draw what the public may see; and the site build, the
downloads and the API (web/api/charts.py) get the same numbers from the same functions.

Dates are drawn in fractional years (1846.0 is 1 January 1846, 1969.0 the end of 1968):
plain numbers need no time zone, so every machine draws the same chart.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypedDict

from archive.catalog import decade_of
from archive.dates import OPEN_LOWER, OPEN_UPPER, parse_date, subject_date
from archive.errors import DateError
from archive.ledger import ATTRIBUTION, COMMITMENT_STATUSES
from archive.urls import browse_url
from archive.views import DateData, InstitutionLedgerView, ObjectLink, Ref

View = Mapping[str, Any]  # a public view or summary: what is read of it is named where it is read

# The attribution ladder (archive.ledger.ATTRIBUTION) in the words a chart's axis can hold,
# then the rung after it: repair, i.e. progress with evidence on the body's commitments.
STAGES = {"denies-act": "Denial", "acknowledges-act": "Acknowledgement",
          "accepts-responsibility": "Responsibility", "apologizes": "Apology", "repair": "Repair"}
STAGE_VERBS = {"denies-act": "denied", "acknowledges-act": "acknowledged",
               "accepts-responsibility": "accepted responsibility for", "apologizes": "apologized for"}
LEVELS = {stage: level for level, stage in enumerate([*ATTRIBUTION, "repair"])}
APOLOGY = "apologized"  # the accountability status of an apology (archive.catalog.STATUS_LABELS)
QUALIFIED = re.compile(r"[?~%X]")
YEARS_IN_TITLE = re.compile(r"[\s,;:]*\d{4}\s*[-–]\s*\d{4}\s*$")


# -- the shapes --------------------------------------------------------------------------------
class PeriodBand(TypedDict):
    """A public timeline, drawn as a band behind the chronology over the years its entries cover."""

    id: str
    title: str
    label: str  # the title's lead words ("Exclusion and resistance")
    url: str
    start: float
    end: float
    display: str  # "1846–1968"


class HarmSpan(TypedDict):
    """A harm over its EDTF dates. Where an end is uncertain (`1872?`, `1950~`, `196X`, open),
    `start`/`end` are the widest it may mean and `start_sure`/`end_sure` where it surely is."""

    id: str
    title: str
    url: str
    date: DateData
    status: str
    status_label: str
    start: float
    end: float
    start_sure: float
    end_sure: float
    start_uncertain: bool
    end_uncertain: bool


class EventMark(TypedDict):
    """An accountability event on a harm, drawn in its stage's colour where it happened."""

    harm: ObjectLink
    status: str
    status_label: str
    date: DateData
    at: float
    uncertain: bool
    note: str
    source: Ref | None
    url: str  # where the mark links: its public source, else the harm


class YearCount(TypedDict):
    year: int
    count: int


class Chronology(TypedDict):
    id: str
    title: str
    facts: list[str]  # what the chart shows, in a few short sentences (the page lists them)
    summary: str  # the facts as one paragraph (the drawing's description)
    start: int  # the first and last years drawn (decades)
    end: int
    periods: list[PeriodBand]
    harms: list[HarmSpan]
    events: list[EventMark]
    apologies: list[YearCount]  # years with apologies, and how many harms each answered


class DecadeCount(TypedDict):
    decade: int
    label: str
    records: int
    narratives: int
    url: str  # the decade's browse page


class Decades(TypedDict):
    id: str
    title: str
    facts: list[str]
    summary: str
    records: int
    narratives: int
    undated: int  # records and narratives with no known start, counted in no decade
    items: list[DecadeCount]


class TermCount(TypedDict):
    id: str
    label: str
    count: int
    url: str  # the term's browse page
    harms: list[ObjectLink]


class Terms(TypedDict):
    id: str
    title: str
    facts: list[str]
    summary: str
    facet: str
    harms: int
    items: list[TermCount]


class StageStep(TypedDict):
    """A dated step on an institution's path: a position on a harm, or evidenced progress on a
    commitment (the `repair` rung)."""

    line: str  # steps on one line: one body's positions on one harm, or progress on one commitment
    level: int
    stage: str
    label: str
    date: DateData
    at: float
    about: ObjectLink  # the harm, or the commitment delivered on
    body: str
    text: str
    source: Ref | None
    url: str


class CommitmentMark(TypedDict):
    id: str
    title: str
    url: str
    status: str
    status_label: str
    by_rule: bool
    date: DateData
    at: float
    due: str


class StatusCount(TypedDict):
    status: str
    label: str
    count: int


class Reckoning(TypedDict):
    """One institution's reckoning: its path through the attribution stages, its commitments."""

    id: str
    title: str
    facts: list[str]
    summary: str
    institution: ObjectLink
    harms: int  # the harms its ledger holds (with those of the bodies nested under it)
    stages: list[StatusCount]  # the rungs reached, bottom first, with the steps on each
    path: list[StageStep]
    commitments: list[CommitmentMark]
    status_counts: list[StatusCount]
    commitments_facts: list[str]
    commitments_summary: str


class CollectionCharts(TypedDict):
    chronology: Chronology
    decades: Decades
    harm_types: Terms
    affected_groups: Terms


# -- dates as fractional years -------------------------------------------------------------------
def year_at(bound: int, end: bool = False) -> float | None:
    """A YYYYMMDD bound as a fractional year: the start of its day, or with `end` its end;
    None for an open bound."""
    if bound in (OPEN_LOWER, OPEN_UPPER):
        return None
    day = date(bound // 10000, bound // 100 % 100, bound % 100)
    days = (date(day.year + 1, 1, 1) - date(day.year, 1, 1)).days
    into = (day - date(day.year, 1, 1)).days + (1 if end else 0)
    return round(day.year + into / days, 4)


def _ends(edtf: str) -> tuple[str, str]:
    start, sep, end = edtf.partition("/")
    return start, (end if sep else start)


def _uncertain(part: str) -> bool:
    return part in ("", "..") or bool(QUALIFIED.search(part))


def _sure(part: str) -> tuple[int, int] | None:
    """The bounds of one end without its qualifiers (`1872?` → 1872), or None when no part
    of it is sure (open, unknown or with unspecified digits)."""
    plain = part.strip("?~%")
    if plain in ("", "..") or "X" in plain:
        return None
    try:
        parsed = parse_date(plain)
    except DateError:
        return None
    return parsed.lower, parsed.upper


def _event_year(edtf: str, lower: int) -> float:
    sure = _sure(_ends(edtf)[0])
    return year_at(sure[0] if sure else lower) or 0.0


def _year_range(start: float, end: float) -> str:
    first, last = int(start), int(end - 1e-6)
    return str(first) if first == last else f"{first}–{last}"


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _link(view: View) -> ObjectLink:
    return {"id": view["id"], "title": view["title"], "url": view["url"]}


def _paragraph(facts: list[str]) -> str:
    return " ".join(f"{fact}." for fact in facts)


def _listing(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# -- the chronology of harm and response ---------------------------------------------------------
def lead_words(title: str) -> str:
    """A timeline's title as a band's label: the words before a colon, without trailing years."""
    head = YEARS_IN_TITLE.sub("", title.split(":", 1)[0]).strip()
    return head or title


def period_band(timeline: View) -> PeriodBand | None:
    lowers = [y for e in timeline["entries"] if (y := year_at(e["date"]["lower"])) is not None]
    uppers = [y for e in timeline["entries"] if (y := year_at(e["date"]["upper"], end=True)) is not None]
    if not lowers or not uppers:
        return None
    start, end = min(lowers), max(uppers)
    return {"id": timeline["id"], "title": timeline["title"], "label": lead_words(timeline["title"]),
            "url": timeline["url"], "start": start, "end": end, "display": _year_range(start, end)}


def _span(harm: View, first: float, last: float) -> HarmSpan:
    """A harm's span; an open end is drawn to the edge of the chart (`first`, `last`)."""
    start_text, end_text = _ends(harm["date"]["edtf"])
    start = year_at(harm["date"]["lower"])
    end = year_at(harm["date"]["upper"], end=True)
    start = first if start is None else start
    end = last if end is None else end
    sure_start, sure_end = _sure(start_text), _sure(end_text)
    return {"id": harm["id"], "title": harm["title"], "url": harm["url"], "date": harm["date"],
            "status": harm["status"], "status_label": harm["status_label"],
            "start": start, "end": end,
            "start_sure": max(start, year_at(sure_start[0]) or start) if sure_start else start,
            "end_sure": min(end, year_at(sure_end[1], end=True) or end) if sure_end else end,
            "start_uncertain": _uncertain(start_text), "end_uncertain": _uncertain(end_text)}


def chronology(harms: Sequence[View], timelines: Sequence[View]) -> Chronology:
    """Every public harm as a span, its accountability events as marks, public timelines as
    period bands behind them, and the years apologies came."""
    periods = [p for p in (period_band(t) for t in timelines) if p is not None]
    periods.sort(key=lambda p: (p["start"], p["id"]))
    ordered = sorted(harms, key=lambda h: (h["date"]["lower"], h["id"]))
    events: list[EventMark] = []
    for harm in ordered:
        for event in harm["accountability"]:
            source = event["source"]
            events.append({"harm": _link(harm), "status": event["status"], "status_label": event["status_label"],
                           "date": event["date"], "at": _event_year(event["date"]["edtf"], event["date"]["lower"]),
                           "uncertain": _uncertain(event["date"]["edtf"]), "note": event["note"],
                           "source": source, "url": source["url"] if source else harm["url"]})
    known = [p["start"] for p in periods] + [p["end"] for p in periods] + [e["at"] for e in events]
    known += [y for h in ordered for y in (year_at(h["date"]["lower"]), year_at(h["date"]["upper"], end=True))
              if y is not None]
    first = int(min(known, default=2000)) // 10 * 10
    last = (int(max(known, default=2000)) // 10 + 1) * 10
    spans = [_span(h, float(first), float(last)) for h in ordered]
    apologies = Counter(int(e["at"]) for e in events if e["status"] == APOLOGY)
    years: list[YearCount] = [{"year": y, "count": n} for y, n in sorted(apologies.items())]
    facts = chronology_facts(periods, spans, years)
    return {"id": "chronology", "title": "Harm and response over time", "facts": facts, "summary": _paragraph(facts),
            "start": first, "end": last, "periods": periods, "harms": spans, "events": events, "apologies": years}


def chronology_facts(periods: list[PeriodBand], spans: list[HarmSpan], apologies: list[YearCount]) -> list[str]:
    """What the chronology shows: its periods, when apologies came, how many harms."""
    said = [f"{p['label']}: {p['display']}" for p in periods]
    if apologies:
        said.append("Apologies: " + _listing([f"{a['year']} ({_plural(a['count'], 'harm')})" for a in apologies]))
    if spans:
        start, end = min(s["start"] for s in spans), max(s["end"] for s in spans)
        said.append(f"{_plural(len(spans), 'harm')} documented, {_year_range(start, end)}")
    else:
        said.append("No harm is published yet")
    return said


# -- the collection at a glance -----------------------------------------------------------------
def view_decade(view: Mapping[str, Any]) -> int | None:
    """The decade a view's dates begin in, None when undated. A summary carries its decade (a
    narrative's from its coverage where given); a view its dates."""
    return view["decade"] if "decade" in view else decade_of((subject_date(view) or {}).get("lower", 0))


def decades(records: Iterable[View], narratives: Iterable[View]) -> Decades:
    """Records and narratives by the decade their dates begin in (as the browse pages group them)."""
    counts: dict[int, Counter] = {}
    totals: Counter = Counter()
    undated = 0
    for kind, views in (("records", records), ("narratives", narratives)):
        for view in views:
            totals[kind] += 1
            decade = view_decade(view)
            if decade is None:
                undated += 1
                continue
            counts.setdefault(decade, Counter())[kind] += 1
    items: list[DecadeCount] = [{"decade": d, "label": f"{d}s", "records": c["records"], "narratives": c["narratives"],
                                 "url": browse_url("decade", d)} for d, c in sorted(counts.items())]
    return {"id": "decades", "title": "Records and narratives by decade",
            "facts": (facts := decades_facts(items, totals["records"], totals["narratives"])),
            "summary": _paragraph(facts),
            "records": totals["records"], "narratives": totals["narratives"], "undated": undated, "items": items}


def decades_facts(items: list[DecadeCount], records: int, narratives: int) -> list[str]:
    said = []
    for kind, total in (("records", records), ("narratives", narratives)):
        dated = [i for i in items if i[kind]]
        if not dated:
            continue
        words = _plural(total, kind[:-1], kind).capitalize()
        if len(dated) == 1:
            said.append(f"{words}, all from the {dated[0]['label']}")
            continue
        most = max(dated, key=lambda i: (i[kind], -i["decade"]))
        said.append(f"{words}, {dated[0]['label']} to {dated[-1]['label']}; "
                    f"most from the {most['label']} ({most[kind]})")
    return said or ["No record or narrative is published yet"]


def terms(harms: Sequence[View], field: str) -> Terms:
    """Harms by one of their concept lists (`harm_types` or `affected_groups`): each term with
    the harms tagged with it, the most frequent first."""
    facet = {"harm_types": "harm_type", "affected_groups": "affected_group"}[field]
    found: dict[str, TermCount] = {}
    for harm in sorted(harms, key=lambda h: (h["date"]["lower"], h["id"])):
        for concept in harm[field]:
            term = found.setdefault(concept["id"], {"id": concept["id"], "label": concept["label"], "count": 0,
                                                    "url": browse_url(facet, concept["id"]), "harms": []})
            term["count"] += 1
            term["harms"].append(_link(harm))
    items = sorted(found.values(), key=lambda t: (-t["count"], t["label"].lower(), t["id"]))
    what = "harm type" if facet == "harm_type" else "affected group"
    title = "Harms by type" if facet == "harm_type" else "Harms by affected group"
    if items:
        top = [t["label"] for t in items if t["count"] == items[0]["count"]]
        facts = [f"{_plural(len(harms), 'harm')} under {_plural(len(items), what)}",
                 f"Most often: {_listing(top)} ({_plural(items[0]['count'], 'harm')})"]
    else:
        facts = [f"No harm is published with a {what} yet"]
    return {"id": facet.replace("_", "-") + "s", "title": title, "facts": facts, "summary": _paragraph(facts),
            "facet": facet,
            "harms": len(harms), "items": items}


def collection_charts(harms: Sequence[View], timelines: Sequence[View], records: Iterable[View],
                      narratives: Iterable[View]) -> CollectionCharts:
    """The charts of the whole collection, from its public views (records and narratives may
    be the Catalog's summaries: only their dates are read)."""
    return {"chronology": chronology(harms, timelines), "decades": decades(records, narratives),
            "harm_types": terms(harms, "harm_types"), "affected_groups": terms(harms, "affected_groups")}


# -- an institution's reckoning ------------------------------------------------------------------
def reckoning(ledger: InstitutionLedgerView) -> Reckoning | None:
    """An institution's path through the attribution stages (each body's positions on each harm,
    then evidenced progress on its commitments as the repair rung) and its commitments by
    status; None when its ledger holds neither a position nor a commitment."""
    if not ledger["admitted"] and not ledger["commitments"]:
        return None
    path: list[StageStep] = []
    for admission in ledger["admitted"]:
        body = admission["body"]["name"] if admission["body"] else ""
        for step in admission["history"]:
            source = step["source"]
            path.append({"line": f"{admission['harm']['id']} {admission['body']['id'] if admission['body'] else ''}",
                         "level": LEVELS[step["stage"]], "stage": step["stage"], "label": STAGES[step["stage"]],
                         "date": step["date"], "at": _event_year(step["date"]["edtf"], step["date"]["lower"]),
                         "about": admission["harm"], "body": body, "text": step["quote"] or step["note"],
                         "source": source, "url": source["url"] if source else admission["harm"]["url"]})
    for delivery in ledger["delivered"]:
        evidence = delivery["evidence"][0]["source"] if delivery["evidence"] else None
        path.append({"line": f"repair {delivery['commitment']['id']}", "level": LEVELS["repair"],
                     "stage": "repair", "label": STAGES["repair"],
                     "date": delivery["date"], "at": _event_year(delivery["date"]["edtf"], delivery["date"]["lower"]),
                     "about": delivery["commitment"], "body": delivery["by"]["name"] if delivery["by"] else "",
                     "text": delivery["text"], "source": evidence, "url": delivery["commitment"]["url"]})
    path.sort(key=lambda s: (s["at"], s["level"], s["about"]["id"], s["line"]))
    commitments: list[CommitmentMark] = [
        {"id": c["id"], "title": c["title"], "url": c["url"], "status": c["status"], "status_label": c["status_label"],
         "by_rule": c["by_rule"], "date": c["date"], "at": _event_year(c["date"]["edtf"], c["date"]["lower"]),
         "due": c["due"]["display"] if c["due"] else ""} for c in ledger["commitments"]]
    counts = Counter(c["status"] for c in commitments)
    status_counts: list[StatusCount] = [{"status": s, "label": label, "count": counts[s]}
                                        for s, label in COMMITMENT_STATUSES.items() if counts[s]]
    on_rung = Counter(s["stage"] for s in path)
    # Rungs with a step only: an empty rung's name would say nothing, and the ladder is the spec's.
    stages: list[StatusCount] = [{"status": s, "label": label, "count": on_rung[s]}
                                 for s, label in STAGES.items() if on_rung[s]]
    name = ledger["name"]
    facts = reckoning_facts(ledger, path)
    return {"id": f"reckoning-{ledger['id']}", "title": f"{name}: its reckoning over time",
            "facts": facts, "summary": _paragraph(facts),
            "institution": {"id": ledger["id"], "title": name, "url": ledger["url"]},
            "harms": len(ledger["harms"]), "stages": stages, "path": path, "commitments": commitments,
            "status_counts": status_counts,
            "commitments_facts": (said := commitments_facts(name, commitments, status_counts)),
            "commitments_summary": _paragraph(said)}


def reckoning_facts(ledger: InstitutionLedgerView, path: list[StageStep]) -> list[str]:
    harms = len(ledger["harms"])
    positions = [s for s in path if s["stage"] != "repair"]
    if not positions:
        said = [f"No recorded position on any of its {_plural(harms, 'harm')}" if harms
                else "No harm in this archive names it as responsible"]
    else:
        covered = {s["about"]["id"] for s in positions}
        top = max(positions, key=lambda s: s["level"])["stage"]
        reached = [s for s in positions if s["stage"] == top]
        on = (f"all {harms} of its harms" if harms > 1 else "its one harm") if len(covered) >= harms \
            else f"{len(covered)} of its {_plural(harms, 'harm')}"
        when = _year_range(positions[0]["at"], positions[-1]["at"] + 1e-3)
        said = [f"Positions recorded on {on}, {when}",
                (f"{STAGE_VERBS[top].capitalize()} {_plural(len({s['about']['id'] for s in reached}), 'harm')}, "
                 f"first in {int(reached[0]['at'])}")]
    repairs = [s for s in path if s["stage"] == "repair"]
    if repairs:
        said.append(f"{_plural(len(repairs), 'step')} of progress on its commitments, with evidence")
    return said


def commitments_facts(name: str, commitments: list[CommitmentMark], counts: list[StatusCount]) -> list[str]:
    if not commitments:
        return [f"This archive holds no commitment made by {name}"]
    said = [f"{_plural(len(commitments), 'commitment')}: " + _listing([f"{c['count']} {c['label'].lower()}"
                                                                      for c in counts])]
    lapsed = sum(1 for c in commitments if c["by_rule"])
    if lapsed:
        said.append(f"{lapsed} lapsed by rule: past due, with no evidence of progress")
    return said
