"""The harm tagger: its measured quality, and suggestions that stay unpublished until accepted.

Precision and recall on tests/fixtures/tagging/labelled.yaml are printed under "measured
figures" at the end of every pytest run (a terminal-summary hook in tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlmodel import select
from starlette.testclient import TestClient

from archive.errors import ReckoningError
from archive.models import AuditEvent
from archive.redactions import list_redactions
from archive.tag_suggestions import ACCEPTED, TagSuggestion, decide, list_suggestions
from ingest.pipeline import ingest
from ingest.readers.markdown_folders import read_taxonomy
from ingest.tagging import Lexicon, evaluate, phrase_pattern
from publish.pipeline import publish
from reckon.cli import main
from server.app import create_app
from tests.helpers.archives import SAMPLE

LABELLED = Path(__file__).resolve().parent / "fixtures" / "tagging" / "labelled.yaml"


def test_precision_and_recall_on_the_labelled_set(record_property):
    lexicon = Lexicon.from_concepts(read_taxonomy(SAMPLE).objects)
    examples = [(e["text"], set(e["harm_types"])) for e in yaml.safe_load(LABELLED.read_text())]
    score = evaluate(lexicon, examples)
    record_property("figure", (
        f"harm tagger on {len(examples)} labelled passages: precision {score.precision:.2f}, "
        f"recall {score.recall:.2f} (tp {score.true_positive}, fp {score.false_positive}, "
        f"fn {score.false_negative})"))
    # Guards against a lexicon change that quietly makes the tagger worse.
    assert score.precision >= 0.85
    assert score.recall >= 0.65


def test_phrases_match_inflections_and_keep_their_passage():
    assert phrase_pattern("segregated hospital").search("built SEGREGATED HOSPITALS with")
    assert phrase_pattern("refused to seat").search("they refused to\nseat the delegation")
    assert not phrase_pattern("bust").search("a robust plan")
    lexicon = Lexicon([("ht-x", "barred from membership")])
    text = "The society met in May. It barred from membership every Black doctor. Nothing changed."
    [match] = lexicon.tag(text)
    assert match.passage == "It barred from membership every Black doctor."
    assert lexicon.tag("The society admitted everyone.") == []


def test_a_long_sentence_is_cut_between_words_and_says_so():
    lexicon = Lexicon([("ht-x", "barred from membership")])
    words = " ".join(f"word{i}" for i in range(60))
    text = f"Intro. {words} barred from membership {words} end."
    [match] = lexicon.tag(text)
    assert match.passage.startswith("… ") and match.passage.endswith(" …")  # cut at both ends
    kept = match.passage.removeprefix("… ").removesuffix(" …").split()
    assert "barred" in kept and all(w in {"barred", "from", "membership"} or w in words.split() for w in kept)
    assert len(match.passage) <= 270


def _with_phrases(settings) -> None:
    taxonomy = settings.content_dir / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text().replace(
        "    label: Exclusion from professional membership\n",
        "    label: Exclusion from professional membership\n"
        "    phrases: [\"barred from membership\", \"refused to seat\"]\n"))
    record = settings.content_dir / "records/rec-2008-apology.md"
    record.write_text(record.read_text() + "\nFor a century its societies barred Black physicians from membership"
                      " and barred from membership anyone who objected.\n")
    narrative = settings.content_dir / "narratives/nar-a.md"
    narrative.write_text(narrative.read_text() + "\nThey refused to seat our delegation.\n")


def test_suggestions_wait_for_a_curator_and_publish_once_accepted(minimal, session_for, capsys):
    _with_phrases(minimal)
    assert main(["--home", str(minimal.home), "ingest"]) == 0
    assert "2 new harm-tag suggestions wait for a curator: see 'reckon tags list'" in capsys.readouterr().out
    with session_for(minimal) as session:
        rows = session.exec(select(TagSuggestion).order_by(TagSuggestion.object_id)).all()
    assert [(r.object_type, r.object_id, r.locator, r.concept_id, r.status) for r in rows] == [
        ("narrative", "nar-a", "body segment 0 (00:00:00)", "ht-exclusion", "suggested"),
        ("record", "rec-2008-apology", "", "ht-exclusion", "suggested"),
    ]
    assert rows[1].passage.endswith("and barred from membership anyone who objected.")
    assert rows[1].passage.startswith("… ")  # cut before a whole word, and marked
    assert len(rows[1].passage) <= 260  # a long run-on sentence is cut around the match
    assert rows[0].passage == "They refused to seat our delegation."
    record_id, narrative_id = rows[1].id, rows[0].id

    publish(minimal)
    with TestClient(create_app(minimal)) as client:  # suggested is not published
        assert client.get("/api/records/rec-2008-apology").json()["subjects"] == []
        assert client.get("/api/narratives/nar-a").json()["harm_types"] == []

    assert main(["--home", str(minimal.home), "tags", "list", "--status", "suggested"]) == 0
    listing = capsys.readouterr().out
    assert f"{record_id:>5}  suggested ht-exclusion" in listing and "2 tag suggestions" in listing
    assert main(["--home", str(minimal.home), "tags", "accept", str(record_id)]) == 0
    assert main(["--home", str(minimal.home), "tags", "reject", str(narrative_id)]) == 0
    assert "accepted; run 'reckon build'" in capsys.readouterr().out

    ingest(minimal)  # re-ingesting keeps the decisions
    publish(minimal)
    with TestClient(create_app(minimal)) as client:
        subjects = client.get("/api/records/rec-2008-apology").json()["subjects"]
        assert [s["id"] for s in subjects] == ["ht-exclusion"]
        assert client.get("/api/narratives/nar-a").json()["harm_types"] == []
    page = (minimal.public_dir / "records/rec-2008-apology/index.html").read_text()
    assert "Exclusion from professional membership" in page


def test_unchanged_objects_are_not_tagged_again_and_bad_ids_are_refused(minimal, session_for, capsys):
    _with_phrases(minimal)
    ingest(minimal)
    with session_for(minimal) as session:
        first = [(r.id, r.created_at) for r in session.exec(select(TagSuggestion))]
    ingest(minimal)
    with session_for(minimal) as session:
        assert [(r.id, r.created_at) for r in session.exec(select(TagSuggestion))] == first
    assert main(["--home", str(minimal.home), "tags", "accept", "999"]) == 1
    assert "error: no tag suggestion 999: see 'reckon tags list'" in capsys.readouterr().err
    assert main(["--home", str(minimal.home), "tags", "accept"]) == 1
    assert "needs the suggestion's number" in capsys.readouterr().err


def test_a_changed_object_is_tagged_again_and_decisions_are_kept(minimal, session_for):
    _with_phrases(minimal)
    ingest(minimal)
    with session_for(minimal) as session:
        row = session.exec(select(TagSuggestion).where(TagSuggestion.object_id == "rec-2008-apology")).one()
        decide(session, row.id, ACCEPTED, "a curator")
        session.commit()
    narrative = minimal.content_dir / "narratives/nar-a.md"
    narrative.write_text(narrative.read_text().replace("They refused to seat our delegation.", "They let us in."))
    record = minimal.content_dir / "records/rec-2008-apology.md"
    record.write_text(record.read_text() + "\nLater it barred from membership its critics.\n")
    ingest(minimal)
    with session_for(minimal) as session:
        rows = session.exec(select(TagSuggestion)).all()
        events = session.exec(select(AuditEvent).where(AuditEvent.action == ACCEPTED)).all()
    assert [(r.object_id, r.status, r.decided_by) for r in rows] == [("rec-2008-apology", "accepted", "a curator")]
    assert [(e.actor, e.object_id) for e in events] == [("a curator", "rec-2008-apology")]


def test_an_unknown_status_filter_is_refused_by_name_for_tags_and_redactions(minimal, session_for):
    ingest(minimal)
    with session_for(minimal) as session:
        with pytest.raises(ReckoningError, match=r"unknown status 'maybe' \(expected one of suggested, accepted, rejected\)"):
            list_suggestions(session, status="maybe")
        with pytest.raises(ReckoningError, match=r"unknown status 'maybe' \(expected one of proposed, approved, rejected\)"):
            list_redactions(session, status="maybe")
        assert all(s.status == ACCEPTED for s in list_suggestions(session, status=ACCEPTED))
