"""Security headers on every response, and hostile text rendered inert."""

from __future__ import annotations

from starlette.testclient import TestClient

from ingest.pipeline import ingest
from publish.pipeline import publish
from server.app import create_app

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
