"""publish/pages/institution.py: an institution's admissions regrouped for its page, one line
per harm and one entry per statement, on the sample collection's AMA."""

from __future__ import annotations

from archive.access import PUBLIC
from archive.catalog import Catalog
from archive.ledger_views import institution_ledger
from publish.pages.institution import institution_page


def ama_page(sample, session_for):
    with session_for(sample) as session:
        return institution_page(institution_ledger(Catalog(session, PUBLIC, sample.today()), "agent-ama"))


def test_each_harm_once_with_every_bodys_position(sample, session_for):
    page = ama_page(sample, session_for)
    harms = [s["harm"]["id"] for s in page["standing"]]
    assert harms == [h["id"] for h in page["item"]["harms"]] and len(set(harms)) == len(harms)
    autonomy = next(s for s in page["standing"] if s["harm"]["id"] == "harm-hod-local-autonomy-1939-1950")
    assert [(p["body"]["id"], p["furthest"]) for p in autonomy["positions"]] == [
        ("agent-ama-house-of-delegates", "acknowledges-act"), ("agent-ama", "apologizes")]
    unanswered = {s["harm"]["id"] for s in page["standing"] if not s["positions"]}
    assert unanswered == {u["id"] for u in page["item"]["unadmitted"]}


def test_a_statement_recorded_against_several_harms_is_listed_once(sample, session_for):
    page = ama_page(sample, session_for)
    apologies = [s for s in page["statements"] if s["source"] and s["source"]["id"] == "rec-2008-ama-apology-press-release"]
    assert len(apologies) == 1
    covered = apologies[0]["harms"]
    assert len(covered) == 6 and all(c["note"] for c in covered)
    # Nothing is lost: every step of every history is one harm of one statement.
    steps = sum(len(a["history"]) for a in page["item"]["admitted"])
    assert sum(len(s["harms"]) for s in page["statements"]) == steps
    lowers = [s["date"]["lower"] for s in page["statements"]]
    assert lowers == sorted(lowers)
    assert [s["anchor"] for s in page["statements"]] == [f"statement-{n}" for n in range(1, len(lowers) + 1)]
    ids = [r["id"] for r in page["responses"]]
    assert len(ids) == len(set(ids))
