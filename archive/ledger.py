"""The accountability ledger: who did what to whom, what was promised, and what was done.

Documenting a harm is half of a reckoning; the other half is accounting for the response.
This module holds the ledger's fixed vocabularies, its tables and its one rule that is
computed rather than recorded: a commitment past its due date with no evidence of progress
shows as *lapsed*, decided against `today` every time it is read, never typed in by hand.

- **Involvement** of a responsible body in a harm, from a vocabulary adapted from the
  HURIDOCS Events Standard Formats ("type of act" / "degree of involvement").
- **Attribution** over time, per harm and body: what the body has admitted, stage by stage,
  each with a date and the record that shows it.
- **Commitments** and their dated **progress entries**, each progress entry with evidence.
- **Responses** (right of reply), attached to a harm or a commitment and never editing it,
  with claims marked corroborated or disputed and the evidence for each side.
- **Source reliability** on every evidence link, so a reader can weigh it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, Session, SQLModel, select

from archive.models import OBJECT_TYPES, AccessMixin, DatedMixin, SourcedMixin

# -- vocabularies ---------------------------------------------------------------------------
INVOLVEMENT = {
    "authored-policy": "Authored the policy",
    "supported-passage": "Supported its passage",
    "implemented": "Implemented it",
    "tolerated-in-affiliates": "Tolerated it in affiliates",
    "failed-to-act": "Failed to act (inaction in policy-making)",
    "abuse-of-profession": "Professionals acting in abuse of their profession",
}

# In the order a body usually moves through them; a body can also move back.
ATTRIBUTION = {
    "denies-act": "Denies the act",
    "acknowledges-act": "Acknowledges the act, denies responsibility",
    "accepts-responsibility": "Accepts responsibility",
    "apologizes": "Apologizes",
}
NO_ATTRIBUTION_LABEL = "No recorded position"

RELIABILITY = {
    "primary": "Primary source",
    "contemporaneous": "Contemporaneous report",
    "secondary": "Later secondary account",
}

COMMITMENT_STATUSES = {
    "announced": "Announced",
    "in-progress": "In progress",
    "met": "Met",
    "partly-met": "Partly met",
    "lapsed": "Lapsed",
    "withdrawn": "Withdrawn",
}
# Statuses a content file may declare: "lapsed" is only ever the rule's verdict.
DECLARED_STATUSES = tuple(s for s in COMMITMENT_STATUSES if s != "lapsed")
# A commitment declared in one of these is settled: the lapsed rule no longer applies.
SETTLED_STATUSES = ("met", "partly-met", "withdrawn")

RESPONDENT_KINDS = {
    "descendant": "Descendant",
    "community-organisation": "Community organisation",
    "institution": "The institution",
    "narrator": "Narrator",
    "other": "Other respondent",
}
CLAIM_MARKS = {
    "corroborated": "Corroborated",
    "disputed": "Disputed",
    "unresolved": "Not yet assessed",
}


# -- tables ---------------------------------------------------------------------------------
class Involvement(SQLModel, table=True):
    """How one responsible body took part in one harm."""

    id: int | None = Field(default=None, primary_key=True)
    harm_id: str = Field(foreign_key="harm.id", index=True)
    position: int
    agent_id: str = Field(foreign_key="agent.id", index=True)
    kind: str
    note: str = ""


class AttributionStage(DatedMixin, table=True):
    """One dated step in what a body admits about one harm, with the record that shows it."""

    id: int | None = Field(default=None, primary_key=True)
    harm_id: str = Field(foreign_key="harm.id", index=True)
    position: int
    agent_id: str = Field(foreign_key="agent.id", index=True)
    stage: str
    source_record_id: str | None = Field(default=None, foreign_key="record.id")
    quote: str = ""
    note: str = ""


class Commitment(DatedMixin, AccessMixin, SourcedMixin, table=True):
    """A promise, as made: its words, who made it, when, which harms it answers, when it is due."""

    id: str = Field(primary_key=True)
    title: str
    text: str = ""  # the promise in its own words (or the archive's summary of them)
    made_by_id: str = Field(foreign_key="agent.id", index=True)
    owner_id: str | None = Field(default=None, foreign_key="agent.id")
    part_of_id: str | None = None
    answers: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    source_record_id: str | None = Field(default=None, foreign_key="record.id")
    due: str | None = None
    due_upper: int | None = None
    status: str = "announced"  # as declared in the content; the lapsed rule is applied on read
    description: str = ""


class ProgressEntry(DatedMixin, table=True):
    """A dated step towards a commitment; shown only with its evidence."""

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: str = Field(foreign_key="commitment.id", index=True)
    position: int
    text: str
    by_id: str | None = Field(default=None, foreign_key="agent.id")
    evidence: list[dict] = Field(default_factory=list, sa_column=Column(JSON))


class Response(DatedMixin, AccessMixin, SourcedMixin, table=True):
    """A right of reply attached to a harm or a commitment; it never edits what it answers."""

    id: str = Field(primary_key=True)
    title: str
    respondent: str
    respondent_kind: str = "other"
    responds_to: str = Field(index=True)
    fictional: bool = False
    claims: list[dict] = Field(default_factory=list, sa_column=Column(JSON))
    body: str = ""


# The ledger's top-level objects join the store's registry, so references (`com-…`,
# `resp-…`), revisions and the ingest upsert treat them like every other object.
OBJECT_TYPES.update(commitment=Commitment, response=Response)


# -- the lapsed rule ------------------------------------------------------------------------
@dataclass(frozen=True)
class CommitmentState:
    """What a commitment's status is today, and why."""

    status: str
    by_rule: bool  # True when the lapsed rule, not the content, decided the status
    overdue_days: int | None  # days past the due date while not settled, else None

    @property
    def label(self) -> str:
        return COMMITMENT_STATUSES[self.status]


def day_of(bound: int) -> date:
    """An integer date bound (YYYYMMDD) as a calendar day."""
    return date(bound // 10000, bound // 100 % 100, bound % 100)


def commitment_state(declared: str, due_upper: int | None, progress_days: list[int], today: date) -> CommitmentState:
    """Apply the lapsed rule.

    A commitment whose due date (the latest day its possibly uncertain due date allows) has
    passed, that is not met, partly met or withdrawn, and that has no evidenced progress on
    or before today, is lapsed. `progress_days` are the lower bounds (YYYYMMDD) of the
    progress entries the viewer can see with their evidence; entries dated after today are
    not yet evidence. Overdue days are counted for any unsettled commitment past its due date.
    """
    if declared in SETTLED_STATUSES or due_upper is None:
        return CommitmentState(declared, False, None)
    due = day_of(due_upper)
    if today <= due:
        return CommitmentState(declared, False, None)
    overdue = (today - due).days
    today_bound = today.year * 10000 + today.month * 100 + today.day
    if not any(day <= today_bound for day in progress_days):
        return CommitmentState("lapsed", True, overdue)
    return CommitmentState(declared, False, overdue)



# -- links to records -----------------------------------------------------------------------
def ledger_citations(session: Session, record_id: str | None = None) -> set[tuple[str, str]]:
    """(record id, citing object id) for the ledger's links to records: a commitment's source
    and its progress entries' evidence, a harm's attribution stages, a response's claims (all of
    them, or those of one record). The evidence lists are JSON: for one record they are narrowed
    in SQL by the id's text, then read exactly."""
    stage, made = AttributionStage.source_record_id, Commitment.source_record_id
    pairs = set(session.exec(select(stage, AttributionStage.harm_id).where(
        stage == record_id if record_id is not None else stage.is_not(None))))
    pairs |= set(session.exec(select(made, Commitment.id).where(
        made == record_id if record_id is not None else made.is_not(None))))
    progress = select(ProgressEntry.commitment_id, ProgressEntry.evidence)
    replies = select(Response.id, Response.claims)
    if record_id is not None:
        mention = f'%"{record_id}"%'
        progress = progress.where(ProgressEntry.evidence.cast(String).like(mention))
        replies = replies.where(Response.claims.cast(String).like(mention))
    for commitment_id, evidence in session.exec(progress):
        pairs |= {(link["record"], commitment_id) for link in evidence or [] if link.get("record")}
    for response_id, claims in session.exec(replies):
        pairs |= {(link["record"], response_id) for claim in claims or []
                  for link in [*claim.get("evidence_for", []), *claim.get("evidence_against", [])]
                  if link.get("record")}
    return {pair for pair in pairs if record_id is None or pair[0] == record_id}
