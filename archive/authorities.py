"""The agents and concepts every view names: two small tables, read whole.

A Catalog made for one request (an API GET that missed its answer cache) used to read both
tables again for each view it made; a server reads them once per store generation and hands
the same `Authorities` to every Catalog of that generation (web/view_cache.py). The rows are
read-only here: nothing may change one in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlmodel import Session, select

from archive import models as m


@dataclass(frozen=True)
class Authorities:
    agents: dict[str, m.Agent]  # id -> agent, deleted ones left out
    concepts: dict[str, m.Concept]  # id -> concept, deleted ones left out

    # Each authority as a view names it (`Catalog.agent_refs`, `concept_refs`), made once: at
    # 100,000 records a view of each (in each of the leak audit's two processes) looked four
    # attributes of each concept up through the ORM's descriptors, ~3 concepts a record.
    @cached_property
    def agent_refs(self) -> dict[str, dict]:
        return {a.id: {"id": a.id, "name": a.name, "kind": a.kind} for a in self.agents.values()}

    @cached_property
    def concept_refs(self) -> dict[str, dict]:
        return {c.id: {"id": c.id, "label": c.label, "scheme": c.scheme, "notation": c.notation}
                for c in self.concepts.values()}


def read_authorities(session: Session) -> Authorities:
    agents = {a.id: a for a in session.exec(select(m.Agent).where(m.Agent.deleted == False))}
    concepts = {c.id: c for c in session.exec(select(m.Concept).where(m.Concept.deleted == False))}
    return Authorities(agents, concepts)
