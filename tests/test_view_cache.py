"""Kept answers and what they share (web/view_cache.py) last one store generation: a write by
another connection is seen by the next answer, in the record itself and in the agents and
concepts its view names, which a server reads once per generation."""

from __future__ import annotations

from starlette.testclient import TestClient

from archive import models as m
from archive.db import store_transaction
from server.app import create_app

RECORD = "/api/records/rec-2008-apology"


def write(settings, change) -> None:
    with store_transaction(settings) as session:
        change(session)


def test_a_record_answer_follows_writes_to_the_record_and_to_the_agents_it_names(published_copy):
    settings = published_copy
    with TestClient(create_app(settings)) as client:
        first = client.get(RECORD)
        assert first.json()["creators"][0]["name"] == "American Medical Association"
        assert client.get(RECORD).content == first.content  # kept

        write(settings, lambda session: setattr(session.get(m.Agent, "agent-ama"), "name", "AMA, renamed"))
        assert client.get(RECORD).json()["creators"][0]["name"] == "AMA, renamed"

        write(settings, lambda session: setattr(session.get(m.Record, "rec-2008-apology"), "access", "restricted"))
        assert client.get(RECORD).status_code == 404
