"""Security headers on every response, and hostile text rendered inert."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from ingest.pipeline import ingest
from publish.pipeline import publish
from server.app import create_app
from tests.helpers.archives import REPO

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>[x](javascript:alert(3))'


def test_every_response_carries_the_security_headers(published_copy):
    with TestClient(create_app(published_copy)) as client:
        for path in ("/", "/harms/harm-exclusion/", "/api/records/rec-2008-apology", "/api/nope", "/missing/"):
            response = client.get(path)
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
            assert "script-src 'self'" in response.headers["content-security-policy"]
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_hostile_markup_in_every_text_field_is_inert(minimal):
    harm = minimal.content_dir / "harms/harm-exclusion.md"
    text = harm.read_text().replace("title: Exclusion of Black physicians", f"title: '{HOSTILE}'")
    harm.write_text(text.replace("For a century.", HOSTILE))
    timeline = minimal.content_dir / "timelines/tl-a.md"
    timeline.write_text(timeline.read_text().replace("title: Apology,", f"title: '{HOSTILE}', text: '{HOSTILE}',"))
    ingest(minimal)
    publish(minimal)
    for page in minimal.public_dir.rglob("*.html"):
        html = page.read_text()
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert 'href="javascript:' not in html, page


def test_staff_pages_run_only_script_files_of_the_site_itself(published_copy):
    """The staff CSP allows `script-src 'self'` (site/static/redact-select.js): safe because no
    staff template holds an inline script or event handler, and none loads another origin's code."""
    for template in sorted((REPO / "site/templates/staff").glob("*.html")):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert re.fullmatch(r'<script src="/static/[\w.-]+\.js"( defer)?>', tag), (template.name, tag)
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", text), template.name  # nothing inline
        assert not re.search(r"\son[a-z]+\s*=", text), template.name  # no event handler attributes
        assert "javascript:" not in text, template.name
    with TestClient(create_app(published_copy)) as client:
        policy = client.get("/staff/signin").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["form-action"] == "'self'"
