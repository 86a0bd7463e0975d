"""IIIF Presentation 3 manifests: valid against the official JSON schema, the same from the app
and the static site, pointing at the level-0 tiles really published, and never made for a
record the public may not see.

The schema is the IIIF presentation-validator's `schema/iiif_3_0.json`, vendored under
tests/schemas/ (see tests/schemas/README.md for where it came from).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from PIL import Image
from starlette.testclient import TestClient

from archive.errors import ContentError
from ingest.pipeline import ingest
from publish.iiif.manifest import licence_of, summary_of
from publish.pipeline import publish
from server.app import create_app
from tests.helpers.archives import MINIMAL, make_settings

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "iiif_3_0.json").read_text(encoding="utf-8"))
VALIDATOR = Draft7Validator(SCHEMA)  # as the presentation-validator runs it: any IIIF resource
# The same schema held to its Manifest class alone, whose errors name the property at fault.
MANIFEST = Draft7Validator({**SCHEMA, "oneOf": [{"$ref": "#/classes/manifest"}]})
BASE = "http://127.0.0.1:8000"
RECORD = "rec-2008-apology"
HIDDEN = "rec-hidden-scan"
HIDDEN_RECORD = f"""---
id: {HIDDEN}
title: A Zanzibarquux letter
date: 1950
type: correspondence
source: "A private letter."
access: restricted
images: [hidden.png]
---
Restricted words.
"""


def valid(document: dict) -> dict:
    for validator in (MANIFEST, VALIDATOR):
        errors = [leaf for error in validator.iter_errors(document) for leaf in (error.context or [error])]
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:8])
    return document


def _scan(path: Path, size: tuple[int, int], orientation: int | None = None) -> None:
    image = Image.new("RGB", size, (200, 180, 150))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation  # EXIF Orientation: 6 = turned a quarter, stored on its side
    if path.suffix == ".jpg":
        image.save(path, exif=exif.tobytes())
    else:
        image.save(path)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The minimal archive with a sideways-stored scan on its public record and a restricted
    record with an image of its own, ingested and published."""
    home = tmp_path_factory.mktemp("iiif")
    content = home / "content"
    shutil.copytree(MINIMAL, content)
    records = content / "records"
    _scan(records / "scan.jpg", (700, 300), orientation=6)
    _scan(records / "scan2.png", (200, 100))
    _scan(records / "hidden.png", (120, 80))
    apology = records / f"{RECORD}.md"
    apology.write_text(apology.read_text().replace(
        "type: press-release\n",
        "type: press-release\nimages: [scan.jpg, scan2.png]\n"
        "image_alt: [\"The press release's first page, stamped received\"]\n"
        "rights: \"Press release (c) AMA; scan https://creativecommons.org/publicdomain/zero/1.0/\"\n"), encoding="utf-8")
    (records / f"{HIDDEN}.md").write_text(HIDDEN_RECORD, encoding="utf-8")
    settings = make_settings(home, content)
    ingest(settings)
    publish(settings)
    return settings


def test_the_published_manifest_is_valid_and_points_at_the_published_tiles(archive):
    path = archive.public_dir / "iiif" / RECORD / "manifest.json"
    manifest = valid(json.loads(path.read_text(encoding="utf-8")))
    assert manifest["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert manifest["id"] == f"{BASE}/iiif/{RECORD}/manifest.json"
    assert manifest["label"] == {"en": ["The AMA apologizes"]}
    assert manifest["summary"]["en"][0].startswith("The AMA apologized. \"The AMA failed")
    metadata = {e["label"]["en"][0]: e["value"]["en"][0] for e in manifest["metadata"]}
    assert metadata["Date"].endswith("(EDTF 2008-07-10)") and metadata["Type"] == "press-release"
    assert metadata["Creator"] == "American Medical Association" and metadata["Identifier"] == RECORD
    assert manifest["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert "Press release (c) AMA" in manifest["requiredStatement"]["value"]["en"][0]
    assert manifest["homepage"][0]["id"] == f"{BASE}/records/{RECORD}/"
    see_also = manifest["seeAlso"][0]
    assert (see_also["id"], see_also["type"], see_also["format"]) == (f"{BASE}/api/records/{RECORD}", "Dataset",
                                                                      "application/json")
    assert manifest["thumbnail"][0]["id"] == f"{BASE}/iiif/{RECORD}-1/thumbnail.jpg"
    canvases = manifest["items"]
    assert len(canvases) == 2
    # The sideways scan is shown upright: the canvas, the image and info.json all say 300 x 700.
    for canvas, image_id in zip(canvases, (f"{RECORD}-1", f"{RECORD}-2"), strict=True):
        info = json.loads((archive.public_dir / "iiif" / image_id / "info.json").read_text())
        assert info["id"] == f"{BASE}/iiif/{image_id}"
        body = canvas["items"][0]["items"][0]["body"]
        assert (canvas["width"], canvas["height"]) == (body["width"], body["height"]) == (info["width"], info["height"])
        assert body["service"] == [{"id": info["id"], "type": "ImageService3", "profile": "level0"}]
        assert canvas["items"][0]["items"][0]["target"] == canvas["id"]
        local = body["id"].removeprefix(BASE + "/")
        assert (archive.public_dir / local).is_file()
        with Image.open(archive.public_dir / local) as published:
            assert published.size == (info["width"], info["height"])
    assert (canvases[0]["width"], canvases[0]["height"]) == (300, 700)
    page = (archive.public_dir / "records" / RECORD / "index.html").read_text()
    assert f'href="/iiif/{RECORD}/manifest.json"' in page


def test_the_app_serves_the_same_manifest_with_cors_and_caching(archive):
    static = (archive.public_dir / "iiif" / RECORD / "manifest.json").read_bytes()
    with TestClient(create_app(archive)) as client:
        served = client.get(f"/iiif/{RECORD}/manifest.json")
        assert served.status_code == 200
        assert served.content == static
        assert served.headers["content-type"].startswith("application/ld+json")
        assert served.headers["access-control-allow-origin"] == "*"
        again = client.get(f"/iiif/{RECORD}/manifest.json", headers={"If-None-Match": served.headers["etag"]})
        assert again.status_code == 304
        record = client.get(f"/api/records/{RECORD}").json()
        assert record["iiif_manifest"] == f"/iiif/{RECORD}/manifest.json"
        info = client.get(f"/iiif/{RECORD}-1/info.json")
        assert info.status_code == 200 and info.headers["access-control-allow-origin"] == "*"
        assert client.options(f"/iiif/{RECORD}/manifest.json").status_code == 204


@pytest.mark.parametrize("object_id", [HIDDEN, "nar-a", "rec-nope", "harm-exclusion"])
def test_hidden_unknown_and_imageless_objects_have_no_manifest(archive, object_id):
    assert not (archive.public_dir / "iiif" / object_id).exists()
    assert not (archive.public_dir / "iiif" / f"{HIDDEN}-1").exists()
    with TestClient(create_app(archive)) as client:
        answer = client.get(f"/iiif/{object_id}/manifest.json")
        assert answer.status_code == 404
        assert answer.json()["error"] == "not_found"
        assert "Zanzibarquux" not in answer.text
    for path in archive.public_dir.rglob("*.json"):
        assert "Zanzibarquux" not in path.read_text(encoding="utf-8"), path


def test_a_record_made_restricted_loses_its_manifest_at_once_and_at_the_next_build(tmp_path):
    shutil.copytree(MINIMAL, tmp_path / "content")
    settings = make_settings(tmp_path, tmp_path / "content")
    record = settings.content_dir / "records" / f"{RECORD}.md"
    _scan(record.parent / "scan.png", (64, 48))
    record.write_text(record.read_text().replace("type: press-release\n", "type: press-release\nimages: [scan.png]\n"))
    ingest(settings)
    publish(settings)
    manifest = settings.public_dir / "iiif" / RECORD / "manifest.json"
    valid(json.loads(manifest.read_text()))
    assert "rights" not in json.loads(manifest.read_text())  # no licence URL named: none claimed
    record.write_text(record.read_text().replace("type: press-release\n", "type: press-release\naccess: restricted\n"))
    ingest(settings)
    with TestClient(create_app(settings)) as client:
        assert client.get(f"/iiif/{RECORD}/manifest.json").status_code == 404  # before any rebuild
    publish(settings)
    assert not manifest.exists()
    assert not (settings.public_dir / "iiif" / f"{RECORD}-1").exists()


def test_the_sample_publishes_a_valid_manifest_for_its_illustrated_record(sample):
    record_id = "rec-2007-morris-nma-founding-thesis"
    manifest = valid(json.loads((sample.public_dir / "iiif" / record_id / "manifest.json").read_text()))
    assert manifest["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert manifest["seeAlso"][0]["id"].endswith(f"/api/records/{record_id}")
    manifests = sorted(p.parent.name for p in (sample.public_dir / "iiif").glob("*/manifest.json"))
    assert manifests == [record_id]


def test_the_schema_check_is_real():
    broken = {"@context": "http://iiif.io/api/presentation/3/context.json", "id": f"{BASE}/m.json",
              "type": "Manifest", "items": [{"id": f"{BASE}/c", "type": "Canvas", "width": 10, "items": []}]}
    with pytest.raises(AssertionError, match="label|height"):
        valid(broken)


@pytest.mark.parametrize(("rights", "licence"), [
    ("CC0 https://creativecommons.org/publicdomain/zero/1.0/.", "http://creativecommons.org/publicdomain/zero/1.0/"),
    ("http://rightsstatements.org/vocab/InC/1.0/", "http://rightsstatements.org/vocab/InC/1.0/"),
    ("https://creativecommons.org/licenses/by/4.0", "http://creativecommons.org/licenses/by/4.0/"),
    ("CC BY 4.0 (words only)", None),
    ("https://creativecommons.org/licenses/by/4.0/ and https://creativecommons.org/publicdomain/zero/1.0/", None),
    ("", None),
])
def test_rights_is_a_licence_url_named_in_the_record_never_guessed(rights, licence):
    assert licence_of(rights) == licence


def test_summary_is_the_start_of_the_text_cut_at_a_word():
    assert summary_of(" One.\n\nTwo. ") == "One. Two."
    long = summary_of("word " * 400)
    assert long.endswith("…") and len(long) <= 601 and not long[:-1].endswith(" ")


def test_an_archive_without_images_answers_404_under_iiif_not_a_server_error(published_copy):
    minimal = published_copy  # the minimal archive, ingested and published
    assert not (minimal.public_dir / "iiif").exists()
    with TestClient(create_app(minimal)) as client:
        for path in ("/iiif/0/info.json", "/iiif/anything/full/max/0/default.jpg"):
            answer = client.get(path)
            assert answer.status_code == 404, (path, answer.status_code)


def test_an_image_is_described_by_its_alt_text_on_the_record_page(archive, tmp_path):
    page = (archive.public_dir / "records" / RECORD / "index.html").read_text()
    described, plain = re.findall(r'<img src="[^"]+" alt="([^"]+)"', page)
    assert described == "The press release&#39;s first page, stamped received"  # as the content says
    assert "stamped received, 300 × 700 pixels." in page  # and its caption
    assert plain.startswith("the ") and "(image 2 of 2)" in plain  # none given: what it belongs to
    too_many = tmp_path / "content"
    shutil.copytree(MINIMAL, too_many)
    record = too_many / "records" / f"{RECORD}.md"
    record.write_text(record.read_text().replace("type: press-release\n", "type: press-release\nimage_alt: [A page]\n"))
    with pytest.raises(ContentError, match="image_alt has 1 entries for 0 image"):
        ingest(make_settings(tmp_path, too_many))
