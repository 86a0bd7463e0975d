"""Curator screens for tag suggestions and redactions, over real HTTP, on a real store and index.

The archive is the minimal fixture with two harm-type phrases (so the tagger suggests tags on
a record and a narrative segment) and a public narrative holding an e-mail address, a phone
number and a home address (so detection proposes redactions). The same library functions
serve `reckon tags` / `reckon redactions`, which the tests check against the screens.
"""

from __future__ import annotations

import html
import json

import pytest
from sqlmodel import select

from archive.db import store_transaction
from archive.models import AuditEvent, Revision
from archive.redactions import Redaction
from archive.tag_suggestions import TagSuggestion
from audit.leaks import audit
from ingest.pipeline import ingest
from reckon.cli import main
from search.query import open_index
from tests.helpers.content import ADDRESS, EMAIL, PHONE, with_phrases_and_contact_details
from tests.helpers.staff import (
    act,
    csrf_of,
    sign_in,
    staff_fixtures,
    submit,
)

SECRETS = (EMAIL, PHONE, ADDRESS, "Larkspur", "quillfeather")

template, archive, client = staff_fixtures("curator", with_phrases_and_contact_details)


def rows(settings, table, **where):
    with store_transaction(settings) as session:
        query = select(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return session.exec(query).all()


def public_outputs(settings, client) -> str:
    """The built site (pages, feed, downloads), the public index's stored fields and the API."""
    files = [p for p in settings.public_dir.rglob("*") if p.is_file()]
    assert {"feed.xml", "narratives.jsonl", "narratives.csv"} <= {p.name for p in files}
    parts = [html.unescape(p.read_text(errors="replace")) for p in files]
    parts += [json.dumps(f) for f in open_index(settings.index_dir).stored_documents()]
    parts.append(client.get("/api/narratives/nar-a").text)
    for word in ("Larkspur", "quillfeather", "delegation", "555"):
        parts.append(json.dumps(client.get("/api/search", params={"q": word}).json()["hits"]))
    return "\n".join(parts)


def test_detected_contact_details_are_hidden_everywhere_before_any_review(archive, client):
    proposals = {r.text: r.status for r in rows(archive, Redaction, narrative_id="nar-a")}
    assert proposals[EMAIL] == "proposed" and proposals[PHONE] == "proposed"  # nobody has looked yet
    text = public_outputs(archive, client)
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), secret
    assert "[redacted: e-mail address]" in text and "[redacted: phone number]" in text
    assert "[redacted: street address]" in text
    assert "They refused to seat our delegation." in text  # the rest of the passage is public

    # `reckon audit` looks for every span not rejected, and finds one that got out.
    report = audit(archive)
    assert report.leaks == [] and {EMAIL, PHONE, ADDRESS} <= {f.text for f in report.fingerprints}
    (archive.public_dir / "stray.html").write_text(f"<p>Write to {EMAIL}</p>")
    leaks = [str(leak) for leak in audit(archive).leaks]
    # The whole span is named (and, from the hidden-parts fingerprints, its rare word too);
    # nothing but the planted file is.
    assert f"LEAK: {archive.public_dir.name}/stray.html: '{EMAIL}' from nar-a (redacted span (e-mail address))" in leaks
    assert all(leak.startswith(f"LEAK: {archive.public_dir.name}/stray.html: ") for leak in leaks)


def test_a_staff_published_narrative_goes_through_the_same_detection(archive, client):
    sign_in(client, "alice")
    sub_id = submit(client, title="Thimbleford memories", body=f"## [00:00:00] Start\nThimbleford: write to {EMAIL}, "
                    f"call {PHONE}, or visit {ADDRESS}. Nurse Odalys Brightwater said so.",
                    redact_names="Odalys Brightwater")
    sign_in(client, "carol")
    assert act(client, sub_id, "publish").status_code == 200
    found = {(r.text, r.origin, r.status) for r in rows(archive, Redaction, narrative_id=sub_id)}
    assert {(EMAIL, "detected", "proposed"), ("Odalys Brightwater", "staff-form", "approved")} <= found
    text = public_outputs(archive, client) + client.get(f"/api/narratives/{sub_id}").text
    assert "Thimbleford" in text
    for secret in (*SECRETS, "Odalys", "Brightwater"):
        assert secret.lower() not in text.lower(), secret
    page = client.get(f"/staff/redactions/{sub_id}")  # staff see the master, the spans marked
    assert '<mark class="red-proposed" title="#' in page.text and EMAIL in page.text


def test_curators_judge_tag_suggestions_in_place_with_the_same_decide_as_the_cli(archive, client, capsys):
    sign_in(client, "carol")
    page = client.get("/staff/tags")
    assert page.status_code == 200 and "2 suggestions" in page.text
    assert "For a century its societies <mark>barred from membership</mark> every Black physician." in page.text
    assert "They <mark>refused to seat</mark> our delegation." in page.text
    assert "body segment 0 (00:00:00)" in page.text and "The AMA apologizes" in page.text
    record = rows(archive, TagSuggestion, object_id="rec-2008-apology")[0]
    narrative = rows(archive, TagSuggestion, object_id="nar-a")[0]

    only = client.get("/staff/tags", params={"object": "rec-2008-apology", "status": "suggested"})
    assert "1 suggestion<" in only.text and f'id="s{record.id}"' in only.text and f'id="s{narrative.id}"' not in only.text
    assert client.get("/api/records/rec-2008-apology").json()["subjects"] == []

    done = client.post(f"/staff/tags/{record.id}", data={"csrf_token": csrf_of(page.text), "decision": "accept",
                                                          "status": "suggested", "object": ""})
    assert done.status_code == 200 and f"Suggestion {record.id} (ht-exclusion on rec-2008-apology) accepted" in done.text
    assert f'id="s{record.id}"' not in done.text  # back on the filtered list: no longer waiting
    assert [s["id"] for s in client.get("/api/records/rec-2008-apology").json()["subjects"]] == ["ht-exclusion"]
    client.post(f"/staff/tags/{narrative.id}", data={"csrf_token": csrf_of(page.text), "decision": "reject"})
    assert client.get("/api/narratives/nar-a").json()["harm_types"] == []
    rejected = client.get("/staff/tags", params={"status": "rejected"})
    assert f'id="s{narrative.id}"' in rejected.text and "by carol" in rejected.text

    # One decide path: a revision and a words-free audit line, and the CLI reads the same rows.
    [revision] = rows(archive, Revision, object_type="tag-suggestion", object_id=str(record.id))
    assert revision.actor == "carol" and revision.changes["status"] == ["suggested", "accepted"]
    audit = rows(archive, AuditEvent, object_id="rec-2008-apology", action="accepted")
    assert [(a.actor, a.detail) for a in audit] == [
        ("carol", f"tag suggestion {record.id} (ht-exclusion, whole): accepted")]
    assert main(["--home", str(archive.home), "tags", "list", "--status", "accepted"]) == 0
    assert f"{record.id:>5}  accepted  ht-exclusion" in capsys.readouterr().out


def test_several_suggestions_are_decided_by_one_post_with_its_token_or_none_is(archive, client):
    sign_in(client, "carol")
    page = client.get("/staff/tags")
    ids = sorted(r.id for r in rows(archive, TagSuggestion))
    assert len(ids) == 2
    for i in ids:  # each row has a box ticking it into the one bulk form
        assert f'name="ids" value="{i}" form="bulk"' in page.text
    assert '<form method="post" action="/staff/tags/decide" id="bulk"' in page.text
    token = csrf_of(page.text)
    forged = client.post("/staff/tags/decide", data={"ids": [str(i) for i in ids], "decision": "accept"})
    assert forged.status_code == 403  # no CSRF token
    unknown = client.post("/staff/tags/decide", data={"csrf_token": token, "ids": [str(ids[0]), "9999"],
                                                      "decision": "accept"})
    assert unknown.status_code == 404
    assert {r.status for r in rows(archive, TagSuggestion)} == {"suggested"}  # all or none
    none = client.post("/staff/tags/decide", data={"csrf_token": token, "decision": "accept"})
    assert none.status_code == 400 and "tick the suggestions to decide first" in none.text
    done = client.post("/staff/tags/decide", data={"csrf_token": token, "ids": [str(i) for i in ids],
                                                   "decision": "reject", "status": "suggested"})
    assert done.status_code == 200 and f"2 suggestions rejected ({ids[0]}, {ids[1]})" in done.text
    assert "Nothing to review with these filters." in done.text
    assert {(r.status, r.decided_by) for r in rows(archive, TagSuggestion)} == {("rejected", "carol")}
    assert len(rows(archive, AuditEvent, action="rejected")) == 2  # one line each, as one by one


def test_curators_decide_add_and_reclass_redactions_and_the_api_follows(archive, client):
    sign_in(client, "carol")
    spans = {r.text: r for r in rows(archive, Redaction, narrative_id="nar-a")}
    page = client.get("/staff/redactions/nar-a")
    assert page.status_code == 200
    assert f'<mark class="red-proposed" title="#{spans[PHONE].id} phone number: pending' in page.text
    assert f'<mark class="red-approved" title="#{spans[ADDRESS].id} street address: approved' in page.text
    token = csrf_of(page.text)
    overview = client.get("/staff/redactions")
    assert '<a href="/staff/redactions/nar-a"><code>nar-a</code></a>' in overview.text

    rejected = client.post(f"/staff/redactions/nar-a/{spans[PHONE].id}/decide",
                           data={"csrf_token": token, "decision": "reject"})
    assert rejected.status_code == 200 and "the words are now public" in rejected.text
    assert PHONE in client.get("/api/narratives/nar-a").text  # only a rejection releases words
    assert client.get("/api/search", params={"q": "555-0199"}).json()["total"] >= 1  # live search follows
    client.post(f"/staff/redactions/nar-a/{spans[EMAIL].id}/decide", data={"csrf_token": token, "decision": "approve"})
    assert EMAIL not in client.get("/api/narratives/nar-a").text

    # A span by its exact words, and one by field and offsets; both hidden at once.
    added = client.post("/staff/redactions/nar-a/add", data={"csrf_token": token, "text": "our delegation",
                                                              "category": "name of a third party"})
    assert added.status_code == 200 and "hidden as [redacted: name of a third party]" in added.text
    fields = rows(archive, Redaction, text="our delegation")[0].locations
    assert fields[0]["field"] == "body segment 0"
    body = client.get("/api/narratives/nar-a").json()["segments"][0]["text"]
    assert "our delegation" not in body and "seat [redacted: name of a third party]." in body
    assert client.get("/api/search", params={"q": "delegation"}).json()["total"] == 0
    client.post("/staff/redactions/nar-a/add", data={"csrf_token": token, "field": "title", "start": "0",
                                                     "end": "6", "category": "other"})
    assert client.get("/api/narratives/nar-a").json()["title"] == "[redacted: other] story"

    # The reason class the public reads can be changed.
    changed = client.post(f"/staff/redactions/nar-a/{spans[EMAIL].id}/reason",
                          data={"csrf_token": token, "category": "contact detail"})
    assert changed.status_code == 200 and "now reads [redacted: contact detail]" in changed.text
    assert "[redacted: contact detail]" in client.get("/api/narratives/nar-a").text
    revisions = rows(archive, Revision, object_type="redaction", object_id=str(spans[EMAIL].id))
    assert [r.action for r in revisions] == ["approved", "redaction-reason"]

    # Re-ingesting the changed file keeps every decision: the hand-made spans stay, the e-mail is
    # not proposed again under its old reason class, the rejected phone number stays public.
    path = archive.content_dir / "narratives/nar-a.md"
    path.write_text(path.read_text() + "\nA closing line.\n")
    ingest(archive)
    kept = {(r.text, r.category, r.status) for r in rows(archive, Redaction, narrative_id="nar-a")}
    assert {("our delegation", "name of a third party", "proposed"), ("Public", "other", "proposed"),
            (EMAIL, "contact detail", "approved"), (PHONE, "phone number", "rejected")} <= kept
    assert [r.category for r in rows(archive, Redaction, text=EMAIL)] == ["contact detail"]
    view = client.get("/api/narratives/nar-a").text
    assert "[redacted: contact detail]" in view and "A closing line." in view and PHONE in view


def test_selected_words_are_proposed_and_wait_for_a_curator_like_a_detected_span(archive, client):
    sign_in(client, "carol")
    page = client.get("/staff/redactions/nar-a")
    assert '<p class="red-text" data-field="title">' in page.text  # where the script counts offsets
    assert '<script src="/static/redact-select.js" defer></script>' in page.text
    assert '<form method="post" action="/staff/redactions/nar-a/add" id="propose-selection"' in page.text
    token = csrf_of(page.text)
    # As the script sends a selection: the field, the offsets and the words, checked together.
    title = client.get("/api/narratives/nar-a").json()["title"]
    assert title == "Public story"
    proposed = client.post("/staff/redactions/nar-a/add", data={
        "csrf_token": token, "field": "title", "start": "7", "end": "12", "text": "story",
        "category": "name of a third party"})
    assert proposed.status_code == 200 and "Proposed redaction" in proposed.text
    [row] = rows(archive, Redaction, text="story")
    assert (row.status, row.origin, row.decided_by) == ("proposed", "curator", "")
    assert client.get("/api/narratives/nar-a").json()["title"] == "Public [redacted: name of a third party]"
    assert f'<button type="submit" name="decision" value="approve" id="approve-{row.id}">' in proposed.text
    [revision] = rows(archive, Revision, object_type="redaction", object_id=str(row.id))
    assert (revision.action, revision.actor) == ("redaction-proposed", "carol")
    ingest(archive)  # undecided, it stays: detection never drops a curator's proposal
    assert rows(archive, Redaction, text="story")[0].status == "proposed"
    client.post(f"/staff/redactions/nar-a/{row.id}/decide", data={"csrf_token": token, "decision": "approve"})
    assert (rows(archive, Redaction, text="story")[0].status, rows(archive, Redaction, text="story")[0].decided_by) == (
        "approved", "carol")
    forged = client.post("/staff/redactions/nar-a/add", data={"field": "title", "start": "0", "end": "6",
                                                              "text": "Public", "category": "other"})
    assert forged.status_code == 403  # no CSRF token


@pytest.mark.parametrize(("data", "message"), [
    ({"text": "words nowhere in it", "category": "other"}, "does not occur in narrative 'nar-a'"),
    ({"field": "title", "start": "3", "end": "99", "category": "other"}, "expected 0 ≤ start < end ≤ 12"),
    ({"field": "colophon", "start": "0", "end": "2", "category": "other"}, "field 'colophon': expected one of title"),
    ({"field": "title", "start": "one", "end": "2", "category": "other"}, "expected whole numbers"),
    ({"text": "Public", "field": "title", "start": "0", "end": "3", "category": "other"},
     "the text changed since the page was loaded"),
    ({"field": "title", "start": "1", "end": "6", "category": "other"}, "cut a word ('ublic')"),
    ({"text": "ubli", "category": "other"}, "'ubli' occurs only inside longer words"),
    ({"text": "Public", "category": "[x]"}, "reason class '[x]': expected 2 to 60 letters"),
    ({"text": "P", "category": "other"}, "expected at least 2 characters"),
])
def test_a_bad_span_is_refused_with_the_reason_and_nothing_is_stored(archive, client, data, message):
    sign_in(client, "carol")
    token = csrf_of(client.get("/staff/redactions/nar-a").text)
    before = len(rows(archive, Redaction))
    answer = client.post("/staff/redactions/nar-a/add", data={"csrf_token": token, **data})
    assert answer.status_code == 400 and message in html.unescape(answer.text)
    assert html.escape(data.get("text", ""), quote=True) in answer.text  # what was typed comes back
    assert len(rows(archive, Redaction)) == before


def test_refusals_contributors_forged_posts_listed_spans_and_unknown_ids(archive, client):
    sign_in(client, "alice")
    for path in ("/staff/tags", "/staff/redactions", "/staff/redactions/nar-a"):
        refused = client.get(path)
        assert refused.status_code == 403 and "This page is for curators" in refused.text, path
    assert "Tag suggestions" not in client.get("/staff/").text  # not in a contributor's menu
    suggestion = rows(archive, TagSuggestion)[0]
    token = csrf_of(client.get("/staff/").text)
    assert client.post(f"/staff/tags/{suggestion.id}", data={"csrf_token": token, "decision": "accept"}).status_code == 403

    sign_in(client, "carol")
    phone = rows(archive, Redaction, text=PHONE)[0]
    for path, data in ((f"/staff/tags/{suggestion.id}", {"decision": "accept"}),
                       (f"/staff/redactions/nar-a/{phone.id}/decide", {"decision": "reject"}),
                       ("/staff/redactions/nar-a/add", {"text": "Public", "category": "other"})):
        forged = client.post(path, data=data)  # no CSRF token
        assert forged.status_code == 403 and "Form refused" in forged.text, path
        assert client.post(path, data=data | {"csrf_token": "guessed"}).status_code == 403
    assert rows(archive, TagSuggestion, id=suggestion.id)[0].status == "suggested"
    assert rows(archive, Redaction, id=phone.id)[0].status == "proposed"
    assert PHONE not in client.get("/api/narratives/nar-a").text

    token = csrf_of(client.get("/staff/tags").text)
    assert client.post("/staff/tags/9999", data={"csrf_token": token, "decision": "accept"}).status_code == 404
    odd = client.post(f"/staff/tags/{suggestion.id}", data={"csrf_token": token, "decision": "maybe"})
    assert odd.status_code == 400 and "choose accept or reject" in odd.text
    assert client.post(f"/staff/redactions/nar-b/{phone.id}/decide",
                       data={"csrf_token": token, "decision": "reject"}).status_code == 404
    assert client.get("/staff/redactions/nar-nothing").status_code == 404

    # The narrator's own name is hidden by the name policy, not by a decision: not released here.
    narrator = rows(archive, Redaction, narrative_id="nar-a", origin="narrator")[0]
    listed = client.post(f"/staff/redactions/nar-a/{narrator.id}/decide",
                         data={"csrf_token": token, "decision": "reject"})
    assert listed.status_code == 400 and "set by the narrator's name policy; change it there" in html.unescape(listed.text)
    assert main(["--home", str(archive.home), "redactions", "reject", str(narrator.id)]) == 1
