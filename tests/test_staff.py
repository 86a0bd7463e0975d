"""The staff app over real HTTP (TestClient), a real SQLite store, index and built site.

Narratives carry an invented word used nowhere else, so "absent from every public output"
is checked by looking for that word in the built site, the public index and the API.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date

from sqlmodel import Session, select
from starlette.testclient import TestClient

from archive.db import open_engine, store_transaction
from archive.models import AuditEvent, ConsentEntry, Narrative, User
from archive.users import ApiToken
from ingest.pipeline import ingest
from publish.pipeline import publish
from search.query import open_index, search
from server.app import create_app
from staff.session import secret_key
from tests.helpers.archives import make_settings
from tests.helpers.staff import (
    FORM,
    PASSWORD,
    act,
    csrf_of,
    sign_in,
    staff_fixtures,
    stored,
    submit,
    version_of,
)

template, archive, client = staff_fixtures("staff")


def site_text(settings) -> str:
    return "\n".join(p.read_text(errors="replace") for p in settings.public_dir.rglob("*.html"))


def index_hits(settings, word: str) -> int:
    return search(open_index(settings.index_dir), word).total


def audit_lines(settings) -> list[AuditEvent]:
    with store_transaction(settings) as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))


# -- accounts and sessions ------------------------------------------------------------------

def test_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(client):
    assert client.get("/staff/").url.path == "/staff/signin"
    page = client.get("/staff/signin")
    response = client.post("/staff/signin", data={"csrf_token": csrf_of(page.text), "username": "alice",
                                                  "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/"
    cookie = response.headers["set-cookie"].lower()
    assert "reckon_staff=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "path=/staff" in cookie and "secure" not in cookie
    dashboard = client.get("/staff/")
    assert "Signed in as <strong>alice</strong> (contributor)" in dashboard.text
    client.post("/staff/signout", data={"csrf_token": csrf_of(dashboard.text)})
    assert client.get("/staff/").url.path == "/staff/signin"


def test_a_cookie_copied_before_sign_out_no_longer_signs_anyone_in(client):
    sign_in(client, "alice")
    copied = dict(client.cookies)
    assert client.get("/staff/").url.path == "/staff/"
    client.post("/staff/signout", data={"csrf_token": csrf_of(client.get("/staff/").text)})
    client.cookies.clear()
    for name, value in copied.items():  # replayed, as from a shared computer or a proxy log
        client.cookies.set(name, value)
    assert client.get("/staff/").url.path == "/staff/signin"


def test_session_cookie_is_secure_over_tls(archive):
    with TestClient(create_app(archive), base_url="https://testserver") as client:
        page = client.get("/staff/signin")
        response = client.post("/staff/signin", data={"csrf_token": csrf_of(page.text), "username": "alice",
                                                      "password": PASSWORD}, follow_redirects=False)
        assert "secure" in response.headers["set-cookie"].lower()


def test_wrong_passwords_are_slowed_then_refused_for_that_name_and_address(client, archive):
    for _ in range(5):
        response = sign_in(client, "alice", "not the password")
        assert response.status_code == 401 and "Wrong username or password." in response.text
    locked = sign_in(client, "alice", PASSWORD)  # even the right password, while locked
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
    assert int(locked.headers["retry-after"]) > 0
    assert "Signed in as" not in locked.text
    assert sign_in(client, "bob").status_code == 200  # another name is not locked out
    assert [e.action for e in audit_lines(archive) if e.object_id == "alice"][-1] == "signin-locked"
    assert [e.action for e in audit_lines(archive) if e.object_id == "bob"][-1] == "signin"


def test_unknown_user_fails_like_a_wrong_password(client):
    response = sign_in(client, "nobody", PASSWORD)
    assert response.status_code == 401 and "Wrong username or password." in response.text


def test_forged_posts_without_the_csrf_token_are_refused(client, archive):
    sign_in(client, "alice")
    forged = {"title": "Forged", "narrator_display": "X", "date": "2019", "scope": "public",
              "narrator_review": "done"}
    response = client.post("/staff/narratives/new", data=forged)
    assert response.status_code == 403 and "Form refused" in response.text
    response = client.post("/staff/narratives/new", data=forged | {"csrf_token": "guessed"})
    assert response.status_code == 403
    assert client.post("/staff/signin", data={"username": "alice", "password": PASSWORD}).status_code == 403
    assert client.post("/staff/publish", data={}).status_code == 403
    sign_in(client, "alice")
    assert "Forged" not in client.get("/staff/").text
    assert stored(archive, "nar-forged") is None


def test_admin_pages_are_refused_to_contributors_and_curators(client, archive):
    for name in ("alice", "carol"):
        sign_in(client, name)
        token = csrf_of(client.get("/staff/").text)
        for path in ("/staff/admin/users", "/staff/admin/audit"):
            response = client.get(path)
            assert response.status_code == 403 and "This page is for admins" in response.text
        added = client.post("/staff/admin/users", data={"csrf_token": token, "username": "mallory",
                                                        "role": "admin", "password": "x" * 12})
        assert added.status_code == 403
    sign_in(client, "dana")
    assert client.get("/staff/admin/audit").status_code == 200
    page = client.get("/staff/admin/users")
    added = client.post("/staff/admin/users", data={"csrf_token": csrf_of(page.text), "username": "erin",
                                                    "role": "curator", "password": "short"})
    assert added.status_code == 400 and "at least 10 characters" in added.text and 'value="erin"' in added.text
    added = client.post("/staff/admin/users", data={"csrf_token": csrf_of(page.text), "username": "erin",
                                                    "role": "curator", "password": "a long passphrase"})
    assert added.status_code == 200 and "erin" in added.text
    assert sign_in(client, "erin", "a long passphrase").status_code == 200


def test_a_disabled_account_is_signed_out_at_once(client, archive):
    sign_in(client, "bob")
    bob_cookie = client.cookies.get("reckon_staff")
    sign_in(client, "dana")
    page = client.get("/staff/admin/users")
    client.post("/staff/admin/users/bob", data={"csrf_token": csrf_of(page.text), "change": "disable"})
    client.cookies.clear()
    client.cookies.set("reckon_staff", bob_cookie, path="/staff")
    assert client.get("/staff/").url.path == "/staff/signin"
    assert sign_in(client, "bob").status_code == 401


def test_the_session_key_comes_from_the_environment_or_a_private_file(archive):
    assert secret_key(replace(archive, secret_key="from-the-environment")) == "from-the-environment"
    first = secret_key(archive)
    path = archive.home / "secret.key"
    assert path.read_text().strip() == first and len(first) >= 48
    assert path.stat().st_mode & 0o777 == 0o600
    assert secret_key(archive) == first  # kept, so sessions survive a restart


def test_staff_pages_are_never_cached_or_framed(client):
    response = client.get("/staff/signin")
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert client.get("/staff", follow_redirects=False).headers["location"] == "/staff/"


def test_passwords_are_stored_only_as_argon2_hashes(archive):
    engine = open_engine(archive)
    with Session(engine) as session:
        hashes = [u.password_hash for u in session.exec(select(User))]
    engine.dispose()
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


# -- submitting and reviewing ---------------------------------------------------------------

def test_a_bad_date_is_shown_beside_its_field_and_nothing_typed_is_lost(client, archive):
    sign_in(client, "alice")
    page = client.get("/staff/narratives/new")
    typed = {"title": "Quartermoss memories", "narrator_display": "Q. M.", "narrator_name": "Quentin Private",
             "date": "spring 1970", "place": "Memphis", "summary": "Summary typed with care.",
             "body": "## [00:00:00] Start\nLong transcript typed by hand.", "embargo_until": "2040-13-01",
             "scope": "staff", "narrator_review": "pending", "csrf_token": csrf_of(page.text)}
    response = client.post("/staff/narratives/new", data=typed)
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "'spring 1970' is not an EDTF date" in text
    assert 'id="date-error"' in response.text and 'aria-invalid="true" aria-describedby="date-error"' in response.text
    assert "expected a day as YYYY-MM-DD, got '2040-13-01'" in text
    for value in ("Quartermoss memories", "Quentin Private", "spring 1970", "Memphis", "Summary typed with care.",
                  "Long transcript typed by hand.", "2040-13-01"):
        assert value in text, value
    assert '<option value="staff" selected>' in response.text
    assert "Quartermoss" not in client.get("/staff/").text  # nothing was saved


def test_embargoed_narrative_stays_out_of_every_public_output_until_its_date(client, archive):
    sign_in(client, "alice")
    body = ("## [00:00:00] Start\nI am Private Personname. Glimmerwick, said Dr. Ottoline Brask; "
            "OTTOLINE BRASK said it twice.")
    sub_id = submit(client, title="Glimmerwick testimony", body=body, embargo_until="2030-01-01",
                    redact_names="Ottoline Brask\n")
    sign_in(client, "carol")
    published = act(client, sub_id, "publish")
    assert published.status_code == 200 and "Published “Glimmerwick testimony”" in published.text
    # Its staff page leads to its redactions, where words are selected to propose one.
    assert f'<p id="redaction-link"><a href="/staff/redactions/{sub_id}">' in published.text

    # Published in the store, yet before the embargo date nothing public shows it.
    assert "Glimmerwick" not in site_text(archive)
    assert not (archive.public_dir / "narratives" / sub_id).exists()
    assert index_hits(archive, "Glimmerwick") == 0
    assert client.get(f"/api/narratives/{sub_id}").status_code == 404
    assert sub_id not in client.get("/api/narratives").text
    assert client.get("/api/search", params={"q": "Glimmerwick"}).json()["total"] == 0

    # On the embargo date it opens at the next build, without anyone touching it.
    later = make_settings(archive.home, archive.content_dir, today=date(2030, 1, 1))
    with TestClient(create_app(later)) as public:
        sign_in(public, "alice")  # the dashboard's publish button is for curators
        refused = public.post("/staff/publish", data={"csrf_token": csrf_of(public.get("/staff/").text)})
        assert refused.status_code == 403
        assert "Glimmerwick" not in site_text(later)
        sign_in(public, "carol")
        done = public.post("/staff/publish", data={"csrf_token": csrf_of(public.get("/staff/").text)})
        assert done.status_code == 200 and "Published the site" in done.text
        assert "Glimmerwick" in site_text(later)
        assert index_hits(later, "Glimmerwick") >= 1  # the narrative, and its segment once timed
        view = public.get(f"/api/narratives/{sub_id}").json()
        hits = public.get("/api/search", params={"q": "Glimmerwick"}).json()["hits"]
        assert {h["id"].split("#")[0] for h in hits} == {sub_id}
        assert view["narrator"] == "R. M. (pseudonym)"
    # The third party and the anonymized narrator's private name are redacted everywhere public
    # (the pseudonym stands in for the narrator); the master text stays in the store for staff.
    published_text = site_text(later) + str(view) + str(search(open_index(later.index_dir), "Glimmerwick").hits)
    for secret in ("Personname", "Ottoline", "OTTOLINE", "Brask"):
        assert secret not in published_text, secret
    assert view["text"].count("[redacted: name of a third party]") == 2 and "I am R. M.." in view["text"]
    assert stored(archive, sub_id).body == body


def test_withdrawal_leaves_the_api_and_search_at_once_and_the_site_at_the_next_build(client, archive):
    sign_in(client, "alice")
    sub_id = submit(client, title="Brindlemoor story", body="## [00:00:00] Start\nBrindlemoor was my street.")
    sign_in(client, "carol")
    act(client, sub_id, "publish")
    assert client.get(f"/api/narratives/{sub_id}").status_code == 200
    hits = client.get("/api/search", params={"q": "Brindlemoor"}).json()["hits"]
    assert {h["id"].split("#")[0] for h in hits} == {sub_id}  # the narrative and its segment
    assert "Brindlemoor" in site_text(archive)

    page = client.get(f"/staff/narratives/{sub_id}")
    refused = client.post(f"/staff/narratives/{sub_id}/withdraw", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 400 and "tick the box" in refused.text
    done = client.post(f"/staff/narratives/{sub_id}/withdraw",
                       data={"csrf_token": csrf_of(page.text), "confirm": "yes"})
    assert done.status_code == 200 and "Withdrawn" in done.text

    gone = client.get(f"/api/narratives/{sub_id}")  # at once, before any build
    assert gone.status_code == 410 and "Brindlemoor" not in gone.text
    assert client.get("/api/search", params={"q": "Brindlemoor"}).json()["total"] == 0
    assert sub_id not in client.get("/api/narratives").text

    publish(archive)  # the next build
    assert "Brindlemoor" not in site_text(archive)
    tombstone = html.unescape((archive.public_dir / "narratives" / sub_id / "index.html").read_text())
    assert "withdrawn at the narrator's request" in tombstone

    engine = open_engine(archive)
    with Session(engine) as session:
        consent = session.exec(select(ConsentEntry).where(ConsentEntry.narrative_id == sub_id)
                               .order_by(ConsentEntry.position)).all()
    engine.dispose()
    assert [(c.use, c.granted) for c in consent] == [("publish-text", True), ("publish-text", False)]

    sign_in(client, "dana")
    audit = client.get("/staff/admin/audit").text
    assert "withdraw" in audit and f"narrative {sub_id}" in audit and "carol" in audit
    assert "Brindlemoor" not in "".join(e.detail for e in audit_lines(archive))


def test_another_contributors_draft_is_answered_like_an_unknown_one(client, archive):
    sign_in(client, "alice")
    sub_id = submit(client, then="save", title="Alice's private draft")
    sign_in(client, "bob")
    assert "Alice's private draft" not in client.get("/staff/").text
    for path in (f"/staff/narratives/{sub_id}", f"/staff/narratives/{sub_id}/edit"):
        response = client.get(path)
        unknown = client.get(path.replace(sub_id, "nar-no-such-draft"))
        assert response.status_code == unknown.status_code == 404
        assert response.text.replace(sub_id, "X") == unknown.text.replace("nar-no-such-draft", "X")
    token = csrf_of(client.get("/staff/").text)
    edit = client.post(f"/staff/narratives/{sub_id}/edit",
                       data={"csrf_token": token, "version": "1", "title": "Bob was here",
                             "narrator_display": "B", "date": "2019"})
    assert edit.status_code == 404
    assert client.post(f"/staff/narratives/{sub_id}/act",
                       data={"csrf_token": token, "version": "1", "action": "submit"}).status_code == 404
    assert client.post(f"/staff/narratives/{sub_id}/withdraw",
                       data={"csrf_token": token, "confirm": "yes"}).status_code == 404
    assert stored(archive, sub_id).title == "Alice's private draft" and stored(archive, sub_id).state == "draft"


def test_contributors_cannot_publish_and_submitted_work_is_locked_to_them(client, archive):
    sign_in(client, "alice")
    sub_id = submit(client)
    page = client.get(f"/staff/narratives/{sub_id}").text
    assert 'id="do-publish"' not in page
    response = client.post(f"/staff/narratives/{sub_id}/act",
                           data={"csrf_token": csrf_of(page), "version": "2", "action": "publish"})
    assert response.status_code == 403 and "only curators" in response.text
    assert client.get(f"/staff/narratives/{sub_id}/edit").status_code == 403  # submitted: the curator's turn


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(client, archive):
    sign_in(client, "alice")
    sub_id = submit(client, then="save", title="Two editors")
    first = client.get(f"/staff/narratives/{sub_id}/edit").text   # two tabs open on version 1
    second = client.get(f"/staff/narratives/{sub_id}/edit").text
    data = dict(FORM)
    ok = client.post(f"/staff/narratives/{sub_id}/edit",
                     data=data | {"title": "Two editors, first save", "csrf_token": csrf_of(first),
                                  "version": version_of(first), "then": "save"})
    assert ok.status_code == 200
    stale = client.post(f"/staff/narratives/{sub_id}/edit",
                        data=data | {"title": "Two editors, second save", "summary": "Typed in the second tab",
                                     "csrf_token": csrf_of(second), "version": version_of(second), "then": "save"})
    assert stale.status_code == 409
    text = html.unescape(stale.text)
    assert "was changed by alice" in text and "Your changes were NOT saved" in text
    assert "Two editors, second save" in text and "Typed in the second tab" in text
    assert stored(archive, sub_id).title == "Two editors, first save"


def test_return_needs_a_comment_and_publishing_waits_for_the_narrators_review(client, archive):
    sign_in(client, "alice")
    sub_id = submit(client, narrator_review="pending")
    sign_in(client, "carol")
    assert "In review" in act(client, sub_id, "start_review").text
    blocked = act(client, sub_id, "publish")
    assert blocked.status_code == 400 and "the narrator has not yet reviewed the transcript" in blocked.text
    no_comment = act(client, sub_id, "return")
    assert no_comment.status_code == 400 and "needs a comment" in no_comment.text
    returned = act(client, sub_id, "return", comment="Please confirm the ward's name with the narrator.")
    assert "Returned" in returned.text
    sign_in(client, "alice")
    edit = client.get(f"/staff/narratives/{sub_id}/edit")
    assert edit.status_code == 200 and "Please confirm the ward&#39;s name" in edit.text


def test_every_change_is_a_revision_and_curators_see_a_diff(client, archive):
    sign_in(client, "alice")
    sub_id = submit(client, then="save")
    page = client.get(f"/staff/narratives/{sub_id}/edit").text
    data = FORM
    client.post(f"/staff/narratives/{sub_id}/edit",
                data=data | {"body": data["body"] + "Then the ward closed in 1968.\n", "place": "Evanston",
                             "csrf_token": csrf_of(page), "version": version_of(page), "then": "save"})
    assert client.get(f"/staff/narratives/{sub_id}/diff?from=1&to=2").status_code == 403
    sign_in(client, "carol")
    view = client.get(f"/staff/narratives/{sub_id}").text
    assert view.count('<td data-label="Who">alice</td>') == 2
    diff_link = html.unescape(view.split('href="/staff/narratives/' + sub_id + '/diff?')[1].split('"')[0])
    diff = html.unescape(client.get(f"/staff/narratives/{sub_id}/diff?{diff_link}").text)
    assert "+Then the ward closed in 1968." in diff
    assert '<dt>Before</dt><dd class="del">Chicago</dd>' in diff and '<dd class="ins">Evanston</dd>' in diff
    assert "Changed by alice (update, " in diff


def test_curators_compare_any_two_revisions_with_values_as_people_read_them(client, archive):
    sign_in(client, "alice")
    sub_id = submit(client, then="save")
    for change in ({"place": "Evanston"},
                   {"place": "Evanston", "release_signed": "", "embargo_until": "2031-01-01", "date": "1962~",
                    "interviewer": ""}):
        page = client.get(f"/staff/narratives/{sub_id}/edit").text
        client.post(f"/staff/narratives/{sub_id}/edit", data=FORM | change | {
            "csrf_token": csrf_of(page), "version": version_of(page), "then": "save"})
    sign_in(client, "carol")
    view = client.get(f"/staff/narratives/{sub_id}").text
    assert '<form method="get" action="/staff/narratives/' + sub_id + '/diff" class="compare"' in view
    ids = [int(i) for i in re.findall(r'<option value="(\d+)"', view.split('id="compare-from"')[1].split("</select>")[0])]
    assert len(ids) == 3
    # The first and the last, not neighbours; given in either order.
    for query in (f"from={ids[0]}&to={ids[2]}", f"from={ids[2]}&to={ids[0]}"):
        diff = html.unescape(client.get(f"/staff/narratives/{sub_id}/diff?{query}").text)
        assert f"From revision {ids[0]} to revision {ids[2]}" in diff
        values = {f: (a, b) for f, a, b in re.findall(
            r'<h3 id="change-(\w+)">.*?<dt>Before</dt><dd class="del">(.*?)</dd>\s*<dt>After</dt>'
            r'<dd class="ins">(.*?)</dd>', diff, re.DOTALL)}
        assert values["release_signed"] == ("Yes", "No")  # not True and False
        assert values["embargo_until"] == ("none", "1 January 2031 (as written: 2031-01-01)")
        assert values["date"] == ("14 March 2019 (as written: 2019-03-14)", "circa 1962 (as written: 1962~)")
        assert values["interviewer"] == ("J. Interviewer", "none")
        assert values["place"] == ("Chicago", "Evanston")
        assert "True" not in diff and "False" not in diff
        assert diff.count('<td data-label="Who">alice</td>') == 2  # who changed it, and when


def test_ingest_leaves_staff_narratives_in_place(client, archive):
    sign_in(client, "alice")
    sub_id = submit(client, title="Staff only in the store")
    sign_in(client, "carol")
    act(client, sub_id, "publish")
    report = ingest(archive)
    assert report.deleted["narrative"] == 0
    assert client.get(f"/api/narratives/{sub_id}").status_code == 200
    engine = open_engine(archive)
    with Session(engine) as session:
        assert session.get(Narrative, sub_id).source_path == "staff:alice"
    engine.dispose()


# -- uploads and the token API ------------------------------------------------------------

def test_transcript_uploads_are_sniffed_and_kept_out_of_public(client, archive):
    sign_in(client, "alice")
    page = client.get("/staff/narratives/new")
    data = FORM | {"csrf_token": csrf_of(page.text), "title": "With a file"}
    binary = client.post("/staff/narratives/new", data=data,
                         files={"transcript_file": ("interview.vtt", b"MZ\x90\x00\x03binary", "text/vtt")})
    assert binary.status_code == 400
    assert "'interview.vtt' is not UTF-8 text" in html.unescape(binary.text) and "With a file" in binary.text
    fake = client.post("/staff/narratives/new", data=data,
                       files={"transcript_file": ("interview.vtt", b"Just some notes", "text/vtt")})
    assert fake.status_code == 400 and "does not start with WEBVTT" in html.unescape(fake.text)
    wrong_type = client.post("/staff/narratives/new", data=data,
                             files={"transcript_file": ("notes.docx", b"PK\x03\x04", "application/zip")})
    assert wrong_type.status_code == 400 and "expected a .vtt, .srt or OHMS .xml" in html.unescape(wrong_type.text)
    too_big = client.post("/staff/narratives/new", data=data,
                          files={"transcript_file": ("long.vtt", b"WEBVTT\n" + b"x" * 5 * 1024 * 1024, "text/vtt")})
    assert too_big.status_code == 400 and "'long.vtt' is larger than 5 MB" in html.unescape(too_big.text)
    vtt = b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nI started on the ward.\n"
    good = client.post("/staff/narratives/new", data=data,
                       files={"transcript_file": ("../../etc/interview one.vtt", vtt, "text/vtt")})
    assert good.status_code == 200 and "interview_one.vtt" in good.text
    kept = list((archive.home / "uploads").rglob("*.vtt"))
    assert len(kept) == 1 and kept[0].read_bytes() == vtt
    assert not list(archive.public_dir.rglob("*.vtt"))


def test_api_tokens_submit_narratives_and_are_hashed_at_rest(client, archive):
    sign_in(client, "alice")
    page = client.get("/staff/tokens")
    made = client.post("/staff/tokens", data={"csrf_token": csrf_of(page.text), "label": "nightly import"})
    token = made.text.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("rk_")
    assert token not in client.get("/staff/tokens").text  # shown once only
    engine = open_engine(archive)
    with Session(engine) as session:
        assert token not in str([t.model_dump() for t in session.exec(select(ApiToken))])
    engine.dispose()

    data = dict(FORM, title="Scripted", submit=True)
    client.cookies.clear()
    assert client.post("/staff/api/narratives", json=data).status_code == 401
    assert client.post("/staff/api/narratives", json=data,
                       headers={"Authorization": "Bearer rk_wrong"}).json()["error"] == "unauthorized"
    auth = {"Authorization": f"Bearer {token}"}
    bad = client.post("/staff/api/narratives", json=data | {"date": "someday"}, headers=auth)
    assert bad.status_code == 400 and "not an EDTF date" in bad.json()["fields"]["date"]
    created = client.post("/staff/api/narratives", json=data, headers=auth)
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "submitted" and body["owner"] == "alice" and body["id"].startswith("nar-scripted-")
    locked = client.put(f"/staff/api/narratives/{body['id']}", json=data | {"version": 2}, headers=auth)
    assert locked.status_code == 403  # submitted: the curator's turn now

    draft = client.post("/staff/api/narratives", json=data | {"submit": False, "title": "Draft"}, headers=auth).json()
    assert draft["state"] == "draft" and draft["version"] == 1
    edited = client.put(f"/staff/api/narratives/{draft['id']}", json=data | {"version": 1, "place": "Gary", "submit": False},
                        headers=auth)
    assert edited.status_code == 200 and edited.json()["version"] == 2
    stale = client.put(f"/staff/api/narratives/{draft['id']}", json=data | {"version": 1, "submit": False}, headers=auth)
    assert stale.status_code == 409 and stale.json()["error"] == "stale_edit"
    assert stored(archive, draft["id"]).place == "Gary"
