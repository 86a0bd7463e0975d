"""Images and PDFs attached to records: checked at ingest, published only for public records."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import func, select

from archive import models as m
from archive.errors import ContentError
from archive.media import Media
from ingest.pipeline import ingest
from publish.pipeline import publish
from search.query import open_index, search
from tests.helpers.content import make_pdf

RECORD = "records/rec-2008-apology.md"


def make_scan(path: Path, size=(1100, 700)) -> None:
    """A JPEG carrying EXIF with a GPS position and a camera name, as a phone scan would."""
    image = Image.new("RGB", size, (200, 190, 170))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 52.0, 0.0), 3: "W", 4: (87.0, 37.0, 0.0)}  # GPSInfo
    image.save(path, "JPEG", exif=exif)


def attach(settings, line: str, record: str = RECORD) -> Path:
    path = settings.content_dir / record
    text = path.read_text()
    path.write_text(text.replace("type: press-release\n", f"type: press-release\n{line}\n", 1))
    return path


def store_counts(session) -> dict:
    return {"records": session.exec(select(func.count()).select_from(m.Record)).one(),
            "media": session.exec(select(func.count()).select_from(Media)).one(),
            "revisions": session.exec(select(func.count()).select_from(m.Revision)).one()}


def test_image_is_checksummed_and_published_without_exif_as_iiif_level0(minimal, session_for):
    scan = minimal.content_dir / "records" / "apology-scan.jpg"
    make_scan(scan)
    attach(minimal, "images: [apology-scan.jpg]")
    ingest(minimal)
    with session_for(minimal) as session:
        media = session.exec(select(Media)).one()
        assert media.sha256 == hashlib.sha256(scan.read_bytes()).hexdigest()
        assert (media.id, media.format, media.width, media.height) == ("rec-2008-apology-1", "JPEG", 1100, 700)
    publish(minimal)
    folder = minimal.public_dir / "iiif" / "rec-2008-apology-1"
    info = json.loads((folder / "info.json").read_text())
    assert info["profile"] == "level0" and info["type"] == "ImageService3"
    assert (info["width"], info["height"]) == (1100, 700)
    assert info["tiles"] == [{"width": 512, "height": 512, "scaleFactors": [1, 2, 4]}]
    # every tile the info.json promises exists at its canonical IIIF path
    assert (folder / "512,0,512,512" / "512,512" / "0" / "default.jpg").exists()
    assert (folder / "1024,512,76,188" / "76,188" / "0" / "default.jpg").exists()
    assert (folder / "0,0,1100,700" / "275,175" / "0" / "default.jpg").exists()
    assert (folder / "full" / "max" / "0" / "default.jpg").exists()
    for derivative in (folder / "thumbnail.jpg", folder / "web.jpg", *folder.rglob("default.jpg")):
        with Image.open(derivative) as image:
            assert not image.getexif() and "exif" not in image.info, derivative
    with Image.open(folder / "thumbnail.jpg") as thumb:
        assert max(thumb.size) == 240
    page = (minimal.public_dir / "records" / "rec-2008-apology" / "index.html").read_text()
    assert 'src="/iiif/rec-2008-apology-1/thumbnail.jpg"' in page


def test_images_of_records_the_public_may_not_see_never_reach_public(minimal, session_for):
    scan = minimal.content_dir / "records" / "staff-scan.png"
    Image.new("RGB", (300, 200), (10, 20, 30)).save(scan)
    attach(minimal, "images: [staff-scan.png]\naccess: staff")
    ingest(minimal)
    publish(minimal)
    assert not (minimal.public_dir / "iiif").exists() or not any((minimal.public_dir / "iiif").iterdir())
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    for path in minimal.public_dir.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json"):
            assert "rec-2008-apology-1" not in path.read_text() and digest not in path.read_text()
    # made public again, it is published at the next build
    path = minimal.content_dir / RECORD
    path.write_text(path.read_text().replace("access: staff\n", ""))
    ingest(minimal)
    publish(minimal)
    assert (minimal.public_dir / "iiif" / "rec-2008-apology-1" / "info.json").exists()


def test_a_replaced_scan_is_a_changed_record(minimal, session_for):
    scan = minimal.content_dir / "records" / "scan.png"
    Image.new("RGB", (64, 64), (0, 0, 0)).save(scan)
    attach(minimal, "images: [scan.png]")
    ingest(minimal)
    Image.new("RGB", (64, 64), (255, 255, 255)).save(scan)
    assert ingest(minimal).updated["record"] == 1
    with session_for(minimal) as session:
        assert session.exec(select(Media)).one().sha256 == hashlib.sha256(scan.read_bytes()).hexdigest()


def truncated(path: Path) -> None:
    make_scan(path)
    path.write_bytes(path.read_bytes()[:2000])


def fake(path: Path) -> None:
    path.write_text("this is a text file wearing a .jpg name")


def gif(path: Path) -> None:
    Image.new("P", (10, 10)).save(path, "GIF")


@pytest.mark.parametrize(("make", "expected"), [
    (truncated, "is damaged or truncated"),
    (fake, "is not an image Pillow can read; expected JPEG, PNG or TIFF"),
    (gif, "is a GIF image; expected JPEG, PNG or TIFF"),
    (None, "no such file 'bad.jpg'"),
])
def test_bad_images_are_clear_errors_naming_file_line_and_field(minimal, session_for, make, expected):
    ingest(minimal)
    with session_for(minimal) as session:
        before = store_counts(session)
    if make is not None:
        make(minimal.content_dir / "records" / "bad.jpg")
    attach(minimal, "images: [bad.jpg]")
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    message = str(info.value)
    assert message.startswith("content/records/rec-2008-apology.md:6: field 'images[0]': ")
    assert expected in message
    with session_for(minimal) as session:
        assert store_counts(session) == before


def test_the_decompression_bomb_limit_stays_on(minimal, monkeypatch):
    make_scan(minimal.content_dir / "records" / "big.jpg", size=(400, 300))
    attach(minimal, "images: [big.jpg]")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # Pillow's own knob, lowered for the test
    with pytest.raises(ContentError, match=r"'big.jpg' is too large to decode safely .* at most 100,000 pixels"):
        ingest(minimal)


def test_pdf_text_is_searchable_with_its_record(minimal, session_for):
    make_pdf(minimal.content_dir / "records" / "policy.pdf", "Hospitals built under the program zanzibarite")
    attach(minimal, "pdf: policy.pdf")
    ingest(minimal)
    with session_for(minimal) as session:
        assert "zanzibarite" in session.get(m.Record, "rec-2008-apology").attachment_text
    publish(minimal)
    hits = search(open_index(minimal.index_dir), "zanzibarite").hits
    assert [h.id for h in hits] == ["rec-2008-apology"]


def test_a_broken_pdf_is_a_clear_error(minimal):
    (minimal.content_dir / "records" / "policy.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type")
    attach(minimal, "pdf: policy.pdf")
    with pytest.raises(ContentError, match=r"rec-2008-apology.md:6: field 'pdf': 'policy.pdf' is damaged or truncated"):
        ingest(minimal)


@pytest.mark.parametrize(("mode", "fmt", "name"), [("CMYK", "TIFF", "scan.tif"), ("P", "PNG", "scan.png"),
                                                   ("L", "JPEG", "scan.jpg")])
def test_tiff_png_and_greyscale_scans_are_accepted_and_published(minimal, mode, fmt, name):
    Image.new(mode, (600, 300)).save(minimal.content_dir / "records" / name, fmt)
    attach(minimal, f"images: [{name}]")
    ingest(minimal)
    publish(minimal)
    with Image.open(minimal.public_dir / "iiif" / "rec-2008-apology-1" / "web.jpg") as web:
        assert web.size == (600, 300) and web.format == "JPEG"


@pytest.mark.parametrize("where", ["parent", "absolute", "link"])
@pytest.mark.parametrize("field", ["images", "pdf"])
def test_attachments_from_outside_the_content_folder_are_refused(minimal, tmp_path, where, field):
    secret = tmp_path / "outside" / ("private.jpg" if field == "images" else "private.pdf")
    secret.parent.mkdir()
    make_scan(secret) if field == "images" else make_pdf(secret, "Private medical file")
    records = minimal.content_dir / "records"
    name = {"parent": str(Path(*[".."] * len(records.relative_to(tmp_path).parts), "outside", secret.name)),
            "absolute": str(secret), "link": "innocent" + secret.suffix}[where]
    if where == "link":
        (records / name).symlink_to(secret)
    assert (records / name).resolve() == secret.resolve()  # the name does lead to the file
    attach(minimal, f"images: ['{name}']" if field == "images" else f"pdf: '{name}'")
    with pytest.raises(ContentError) as caught:
        ingest(minimal)
    message = str(caught.value)
    assert "rec-2008-apology.md" in message and field in message
    assert ("absolute path" if where == "absolute" else "outside the content folder") in message
