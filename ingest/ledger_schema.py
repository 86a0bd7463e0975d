"""What a commitment file and a response file must contain (content/commitments, content/responses).

The accountability ledger's own source formats, beside the core ones in `ingest.schema`.
Every evidence link here must say how its source relates to the fact (its reliability), and
a commitment may never be declared "lapsed": that is the ledger rule's verdict on read.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from archive.dates import parse_date
from archive.ledger import CLAIM_MARKS, DECLARED_STATUSES, RELIABILITY, RESPONDENT_KINDS
from ingest.schema import EDTF, Accessible, Strict, Text, _id_pattern


class LinkSource(Strict):
    """An evidence link: a record or narrative, optionally a quoted passage, and its reliability."""

    record: str | None = None
    narrative: str | None = None
    quote: Text = ""
    locator: Text = ""
    note: Text = ""
    reliability: Literal[tuple(RELIABILITY)]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_source(self):
        if bool(self.record) == bool(self.narrative):
            raise ValueError("give exactly one of 'record' or 'narrative' as the evidence's source")
        return self


class ProgressSource(Strict):
    date: EDTF
    text: str = Field(min_length=1)
    by: str | None = None  # the body that acted, when it is not the one that made the promise
    evidence: list[LinkSource] = Field(min_length=1, description="progress counts only with evidence")


class CommitmentSource(Accessible):
    id: str = Field(pattern=_id_pattern("com"))
    title: str = Field(min_length=1)
    promise: str = Field(min_length=1)
    made_by: str
    date: EDTF
    owner: str | None = None
    part_of: str | None = None
    answers: list[str] = Field(default_factory=list)
    source: str | None = None
    due: EDTF | None = None
    status: str = "announced"
    progress: list[ProgressSource] = Field(default_factory=list)

    @field_validator("status")
    @classmethod
    def _declared_status(cls, value: str) -> str:
        if value == "lapsed":
            raise ValueError("'lapsed' is never set by hand: a commitment past its due date with no "
                             "evidence of progress shows as lapsed by rule; give its due date instead")
        if value not in DECLARED_STATUSES:
            raise ValueError(f"expected one of {', '.join(DECLARED_STATUSES)} (got {value!r})")
        return value

    @field_validator("progress")
    @classmethod
    def _progress_in_order(cls, value: list[ProgressSource]) -> list[ProgressSource]:
        lowers = [parse_date(p.date).lower for p in value]
        if lowers != sorted(lowers):
            raise ValueError("progress entries are a dated log: list them oldest first")
        return value


class ClaimSource(Strict):
    text: str = Field(min_length=1)
    mark: Literal[tuple(CLAIM_MARKS)] = "unresolved"  # type: ignore[valid-type]
    evidence_for: list[LinkSource] = Field(default_factory=list)
    evidence_against: list[LinkSource] = Field(default_factory=list)

    @model_validator(mode="after")
    def _marks_need_evidence(self):
        if self.mark == "corroborated" and not self.evidence_for:
            raise ValueError("a corroborated claim needs evidence_for")
        if self.mark == "disputed" and not (self.evidence_for and self.evidence_against):
            raise ValueError("a disputed claim needs the evidence for each side: evidence_for and evidence_against")
        return self


class ResponseSource(Accessible):
    id: str = Field(pattern=_id_pattern("resp"))
    title: str = Field(min_length=1)
    respondent: str = Field(min_length=1)
    respondent_kind: Literal[tuple(RESPONDENT_KINDS)] = "other"  # type: ignore[valid-type]
    date: EDTF
    responds_to: str
    fictional: bool = False
    claims: list[ClaimSource] = Field(default_factory=list)
