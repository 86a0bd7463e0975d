"""The accountability ledger as plain data, read through a Catalog (the one access rule).

The same dicts become the ledger pages of the static site and the ledger's JSON API. An
item whose evidence cites something the viewer may not see (a progress entry, a response,
an attribution stage) is left out whole: its own words might describe the hidden source,
just as a timeline entry about a hidden object is left out.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlmodel import Session, select

from archive import models as m
from archive.access import Visibility
from archive.dates import date_data, describe
from archive.errors import NotFound
from archive.ledger import (
    ATTRIBUTION,
    CLAIM_MARKS,
    COMMITMENT_STATUSES,
    INVOLVEMENT,
    NO_ATTRIBUTION_LABEL,
    RELIABILITY,
    RESPONDENT_KINDS,
    AttributionStage,
    Commitment,
    Involvement,
    ProgressEntry,
    Response,
    commitment_state,
)
from archive.markup import to_html, to_plain_text
from archive.models import Agent
from archive.urls import page_url
from archive.views import (
    Admission,
    AttributionStageView,
    AttributionView,
    ClaimView,
    CommitmentView,
    Delivery,
    EvidenceView,
    HarmLedger,
    HarmView,
    InstitutionHarm,
    InstitutionLedgerView,
    LedgerAgent,
    ProgressView,
    Ref,
    Reliability,
    ResponseView,
    Unadmitted,
)


class Catalog(Protocol):
    """What these views read of `archive.catalog.Catalog` (which calls `harm_ledger` for its harm
    view, so this module may not import it): one viewer's session, day and access rule."""

    session: Session
    today: date

    @property
    def agents(self) -> dict[str, Agent]: ...  # a cached_property there: read-only here
    def ref(self, object_id: str | None) -> Ref | None: ...
    def harm(self, object_id: str) -> HarmView: ...
    def visibility_of(self, row: Any) -> Visibility: ...
    def visible_ids(self, kind: str) -> list[str]: ...
    def _row(self, kind: str, object_id: str) -> tuple[Any, Visibility]: ...

NOT_ASSESSED = "Reliability not assessed"
LADDER = list(ATTRIBUTION)




def reliability_data(value: str | None) -> Reliability:
    return {"reliability": value or None, "reliability_label": RELIABILITY.get(value or "", NOT_ASSESSED)}


def evidence_links(cat: Catalog, items: list[dict]) -> list[EvidenceView] | None:
    """The evidence as this viewer may see it, or None when any cited source is hidden.

    `items` are the evidence as stored (a progress entry's, a claim's JSON), not a view."""
    links: list[EvidenceView] = []
    for item in items:
        source = cat.ref(item.get("record") or item.get("narrative"))
        if source is None:
            return None
        links.append({"source": source, "quote": item.get("quote", ""), "locator": item.get("locator", ""),
                      "note": item.get("note", ""), **reliability_data(item.get("reliability"))})
    return links


def agent_ref(cat: Catalog, agent_id: str | None) -> LedgerAgent | None:
    """A body as the ledger names it; None when there is no such (undeleted) agent."""
    agent = cat.agents.get(agent_id or "")
    if agent is None:
        return None
    return ledger_agent(cat, agent)


def ledger_agent(cat: Catalog, agent: Agent) -> LedgerAgent:
    """An agent known to exist as the ledger names it, linked when it has a ledger page."""
    return {"id": agent.id, "name": agent.name, "kind": agent.kind,
            "url": page_url("institution", agent.id) if agent.id in ledger_agent_ids(cat) else None}


def descendants(cat: Catalog, agent_id: str) -> list[str]:
    """The body and every body nested under it (national association → state → county)."""
    found, frontier = [agent_id], [agent_id]
    while frontier:
        children = sorted(a.id for a in cat.agents.values() if a.parent_id in frontier and a.id not in found)
        found += children
        frontier = children
    return found


def ancestors(cat: Catalog, agent_id: str) -> list[str]:
    chain: list[str] = []
    parent = cat.agents[agent_id].parent_id if agent_id in cat.agents else None
    while parent and parent in cat.agents and parent not in chain:
        chain.insert(0, parent)
        parent = cat.agents[parent].parent_id
    return chain


# -- harms ----------------------------------------------------------------------------------
def harm_ledger(cat: Catalog, harm_id: str) -> HarmLedger:
    """Involvement, attribution history, commitments and responses for one (visible) harm."""
    involvement = cat.session.exec(
        select(Involvement).where(Involvement.harm_id == harm_id).order_by(Involvement.position)).all()
    stages = cat.session.exec(
        select(AttributionStage).where(AttributionStage.harm_id == harm_id)
        .order_by(AttributionStage.date_lower, AttributionStage.position)).all()
    by_body: dict[str, list[AttributionStageView]] = {}
    for stage in stages:
        source = cat.ref(stage.source_record_id) if stage.source_record_id else None
        if stage.source_record_id and source is None:
            continue
        by_body.setdefault(stage.agent_id, []).append({
            "stage": stage.stage, "label": ATTRIBUTION[stage.stage], "date": date_data(stage),
            "source": source, "quote": stage.quote, "note": stage.note})
    attribution: list[AttributionView] = []
    for agent_id, history in by_body.items():
        # Headline the furthest stage reached; the latest is kept too, since a body can step back.
        furthest = max(history, key=lambda h: LADDER.index(h["stage"]))
        attribution.append({"body": agent_ref(cat, agent_id), "current": history[-1]["stage"],
                            "current_label": history[-1]["label"], "furthest": furthest["stage"],
                            "furthest_label": furthest["label"], "history": history})
    return {
        "involvement": [{"body": agent_ref(cat, i.agent_id), "kind": i.kind, "label": INVOLVEMENT[i.kind],
                         "note": i.note} for i in involvement],
        "attribution": attribution,
        "commitments": [c for c in commitments(cat) if harm_id in [h["id"] for h in c["answers"]]],
        "responses": responses_to(cat, harm_id),
    }


# -- commitments ----------------------------------------------------------------------------
def _progress(cat: Catalog, commitment_id: str) -> list[ProgressView]:
    rows = cat.session.exec(
        select(ProgressEntry).where(ProgressEntry.commitment_id == commitment_id)
        .order_by(ProgressEntry.date_lower, ProgressEntry.position)).all()
    shown: list[ProgressView] = []
    for row in rows:
        evidence = evidence_links(cat, row.evidence)
        if not evidence:
            continue  # progress counts only with evidence this viewer can follow
        shown.append({"date": date_data(row), "text": row.text, "by": agent_ref(cat, row.by_id), "evidence": evidence})
    return shown


def commitment(cat: Catalog, commitment_id: str) -> CommitmentView:
    row, _ = cat._row("commitment", commitment_id)
    progress = _progress(cat, row.id)
    state = commitment_state(row.status, row.due_upper, [p["date"]["lower"] for p in progress], cat.today)
    parts = cat.session.exec(select(Commitment.id).where(Commitment.part_of_id == row.id)
                             .order_by(Commitment.date_lower, Commitment.id)).all()
    if state.by_rule:
        basis = (f"Lapsed by rule: due {describe(row.due or '')}, and this archive holds no evidence "
                 f"of progress.")
    elif state.overdue_days is not None:
        basis = f"Overdue: due {describe(row.due or '')}, not recorded as met ({state.overdue_days} days late)."
    else:
        basis = ""
    return {
        "id": row.id, "type": "commitment", "url": page_url("commitment", row.id), "title": row.title,
        "promise": row.text, "date": date_data(row), "made_by": agent_ref(cat, row.made_by_id),
        "owner": agent_ref(cat, row.owner_id), "part_of": cat.ref(row.part_of_id),
        "parts": [r for r in (cat.ref(p) for p in parts) if r],
        "answers": [r for r in (cat.ref(h) for h in row.answers) if r],
        "source": cat.ref(row.source_record_id),
        "due": None if row.due is None else {"edtf": row.due, "display": describe(row.due), "upper": row.due_upper},
        "declared_status": row.status, "declared_label": COMMITMENT_STATUSES[row.status],
        "status": state.status, "status_label": state.label, "by_rule": state.by_rule,
        "overdue_days": state.overdue_days, "lateness": basis,
        "progress": progress, "responses": responses_to(cat, row.id),
        "description_html": to_html(row.description),
        "text": " ".join([row.text, to_plain_text(row.description)] + [p["text"] for p in progress]),
    }


def commitments(cat: Catalog) -> list[CommitmentView]:
    """Every visible commitment, oldest first; computed once per Catalog, since every harm
    view asks which commitments answer it."""
    cached = cat.__dict__.get("_ledger_commitments")
    if cached is None:
        views = [commitment(cat, i) for i in cat.visible_ids("commitment")]
        cached = cat.__dict__["_ledger_commitments"] = sorted(views, key=lambda c: (c["date"]["lower"], c["id"]))
    return cached


# -- responses ------------------------------------------------------------------------------
def _response_data(cat: Catalog, row: Response) -> ResponseView | None:
    target = cat.ref(row.responds_to)
    if target is None:
        return None
    claims: list[ClaimView] = []
    for claim in row.claims:
        for_side = evidence_links(cat, claim.get("evidence_for", []))
        against = evidence_links(cat, claim.get("evidence_against", []))
        if for_side is None or against is None:
            return None
        claims.append({"text": claim["text"], "mark": claim["mark"], "mark_label": CLAIM_MARKS[claim["mark"]],
                       "evidence_for": for_side, "evidence_against": against})
    return {
        "id": row.id, "type": "response", "url": page_url("response", row.id), "title": row.title,
        "respondent": row.respondent, "respondent_kind": row.respondent_kind,
        "respondent_label": RESPONDENT_KINDS[row.respondent_kind], "date": date_data(row),
        "fictional": row.fictional, "responds_to": target, "claims": claims,
        "body_html": to_html(row.body), "text": to_plain_text(row.body),
    }


def response(cat: Catalog, response_id: str) -> ResponseView:
    row, _ = cat._row("response", response_id)
    data = _response_data(cat, row)
    if data is None:
        raise NotFound(f"no response '{response_id}'")
    return data


def responses_to(cat: Catalog, target_id: str) -> list[ResponseView]:
    rows = cat.session.exec(select(Response).where(Response.responds_to == target_id)
                            .order_by(Response.date_lower, Response.id)).all()
    found = []
    for row in rows:
        if cat.visibility_of(row).visible:
            data = _response_data(cat, row)
            if data is not None:
                found.append(data)
    return found


def all_responses(cat: Catalog) -> list[ResponseView]:
    return [r for r in (response_or_none(cat, i) for i in cat.visible_ids("response")) if r]


def response_or_none(cat: Catalog, response_id: str) -> ResponseView | None:
    try:
        return response(cat, response_id)
    except NotFound:
        return None


# -- institutions ---------------------------------------------------------------------------
def ledger_agent_ids(cat: Catalog) -> set[str]:
    """Bodies with a ledger page: responsible for a visible harm or party to a visible
    commitment, and the bodies they are nested in (whose pages gather their sub-bodies)."""
    cache = cat.__dict__.get("_ledger_agents")
    if cache is not None:
        return cache
    visible_harms = set(cat.visible_ids("harm"))
    direct = {a for h, a in cat.session.exec(select(m.HarmAgent.harm_id, m.HarmAgent.agent_id)) if h in visible_harms}
    for cid in cat.visible_ids("commitment"):
        row = cat.session.get(Commitment, cid)
        direct |= {row.made_by_id} | ({row.owner_id} if row.owner_id else set())
    found = set()
    for agent_id in direct:
        if agent_id in cat.agents:
            found |= {agent_id, *ancestors(cat, agent_id)}
    cat.__dict__["_ledger_agents"] = found
    return found


def institutions(cat: Catalog) -> list[LedgerAgent]:
    ids = ledger_agent_ids(cat)  # every one an agent of `cat.agents`
    return sorted((ledger_agent(cat, cat.agents[i]) for i in ids), key=lambda a: a["name"])


def institution_ledger(cat: Catalog, agent_id: str) -> InstitutionLedgerView:
    """What one body (with the bodies nested under it) did, admitted, promised and delivered."""
    if agent_id not in ledger_agent_ids(cat):
        raise NotFound(f"no institution '{agent_id}' in the ledger")
    agent = cat.agents[agent_id]
    bodies = descendants(cat, agent_id)
    harms = _institution_harms(cat, bodies)
    promised = _promised(cat, bodies)
    delivered = _delivered(promised)
    admitted, unadmitted = _admissions(harms)
    return {
        "id": agent.id, "type": "institution", "url": page_url("institution", agent.id), "title": agent.name,
        "name": agent.name, "kind": agent.kind, "description": agent.description,
        # ancestors and descendants are read from `cat.agents`: each is known to exist
        "parents": [ledger_agent(cat, cat.agents[a]) for a in ancestors(cat, agent.id)],
        "sub_bodies": [ledger_agent(cat, cat.agents[a]) for a in bodies[1:]],
        "harms": harms, "admitted": admitted, "unadmitted": unadmitted,
        "commitments": promised, "delivered": delivered,
        "status_counts": _status_counts(promised),
        "responses": [r for h in harms for r in h["responses"]] + [r for c in promised for r in c["responses"]],
    }


def _institution_harms(cat: Catalog, bodies: list[str]) -> list[InstitutionHarm]:
    """The visible harms that name these bodies, oldest first, each narrowed to what concerns
    them: their responsibility, involvement and attribution, not other bodies'."""
    harm_ids = sorted({h for h, a in cat.session.exec(select(m.HarmAgent.harm_id, m.HarmAgent.agent_id))
                       if a in bodies})
    harms: list[InstitutionHarm] = []
    visible_harms = set(cat.visible_ids("harm"))
    for harm_id in harm_ids:
        if harm_id not in visible_harms:
            continue
        view = cat.harm(harm_id)
        ledger = view["ledger"]
        harms.append({
            "id": view["id"], "title": view["title"], "url": view["url"], "date": view["date"],
            "responsible": [r for r in view["responsible"] if r["id"] in bodies],
            "evidence": view["evidence"],
            "involvement": [i for i in ledger["involvement"] if i["body"]["id"] in bodies],
            "attribution": [a for a in ledger["attribution"] if a["body"]["id"] in bodies],
            "accountability": view["accountability"], "responses": ledger["responses"],
        })
    harms.sort(key=lambda h: (h["date"]["lower"], h["id"]))
    return harms


def _promised(cat: Catalog, bodies: list[str]) -> list[CommitmentView]:
    """The visible commitments these bodies made or own."""
    return [c for c in commitments(cat)
            if c["made_by"]["id"] in bodies or (c["owner"] and c["owner"]["id"] in bodies)]


def _delivered(promised: list[CommitmentView]) -> list[Delivery]:
    """Every progress entry of these commitments, each naming its commitment, oldest first."""
    return sorted(
        ({"commitment": {"id": c["id"], "title": c["title"], "url": c["url"]}, **p}
         for c in promised for p in c["progress"]),
        key=lambda p: p["date"]["lower"])


def _admissions(harms: list[InstitutionHarm]) -> tuple[list[Admission], list[Unadmitted]]:
    """What the bodies admitted (their attribution of each harm), and the harms they have admitted nothing of."""
    admitted: list[Admission] = [{"harm": {"id": h["id"], "title": h["title"], "url": h["url"]}, **a}
                                 for h in harms for a in h["attribution"]]
    unadmitted: list[Unadmitted] = [
        {"id": h["id"], "title": h["title"], "url": h["url"], "label": NO_ATTRIBUTION_LABEL}
        for h in harms if not h["attribution"]]
    return admitted, unadmitted


def _status_counts(promised: list[CommitmentView]) -> dict[str, int]:
    """How many commitments are at each status, in the statuses' order; a status none is at is left out."""
    counts = {s: sum(1 for c in promised if c["status"] == s) for s in COMMITMENT_STATUSES}
    return {s: n for s, n in counts.items() if n}
