"""Changes the tests make to a content folder before ingesting it: generated records, edits,
files attached to a record, and the phrases and contact details the curator screens review."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

MANY = 60  # above the Catalog's bulk threshold, so the bulk path and the build cache are both used
RECORD = "records/rec-2008-apology.md"  # the minimal content's one public record

# In nar-a after `with_phrases_and_contact_details`: what redaction detection must propose.
EMAIL, PHONE, ADDRESS = "wren.quillfeather@example.org", "(312) 555-0199", "2207 Larkspur Avenue"


def add_records(settings, count: int = MANY) -> None:
    """`count` public records, `rec-gen-000` on, each with a word of its own (`word7x`)."""
    folder = settings.content_dir / "records"
    for n in range(count):
        (folder / f"rec-gen-{n:03d}.md").write_text(
            f"---\nid: rec-gen-{n:03d}\ntitle: Generated minutes {n}\ndate: {1900 + n}-05\n"
            f"type: minutes\ncreators: [agent-ama]\nsource: Test.\n---\n"
            f"Minutes of meeting {n} about *membership* and word{n}x.\n", encoding="utf-8")


def edit(settings, relative: str, old: str, new: str) -> None:
    """Replace the first `old` in a content file with `new`; `old` must be there."""
    path = settings.content_dir / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def attach(settings, line: str, record: str = RECORD) -> Path:
    """Add a front-matter line (say `images: [scan.png]`) to a record; returns its file."""
    path = settings.content_dir / record
    text = path.read_text()
    path.write_text(text.replace("type: press-release\n", f"type: press-release\n{line}\n", 1))
    return path


def make_pdf(path: Path, text: str) -> None:
    """A one-page PDF with a real text layer (Helvetica), written by hand as the format allows."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def with_phrases_and_contact_details(content: Path) -> None:
    """Two harm-type phrases (so the tagger suggests tags on a record and a narrative segment)
    and, in public nar-a, an e-mail address, a phone number and a home address (so detection
    proposes redactions)."""
    taxonomy = content / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text().replace(
        "    label: Exclusion from professional membership\n",
        "    label: Exclusion from professional membership\n"
        "    phrases: [\"barred from membership\", \"refused to seat\"]\n"))
    record = content / "records/rec-2008-apology.md"
    record.write_text(record.read_text() + "\nFor a century its societies barred from membership every Black physician.\n")
    narrative = content / "narratives/nar-a.md"
    narrative.write_text(narrative.read_text() + f"\nThey refused to seat our delegation. We lived at {ADDRESS}; "
                         f"write to {EMAIL} or call {PHONE}. Signed, Secret Legalname.\n")


def sentence_in_nar_a(word: str) -> Callable[[Path], None]:
    """A content step (`prepare`) adding one sentence that holds `word` to nar-a's transcript: a
    word found nowhere else, to look for in every public copy after nar-a is hidden."""
    def add_sentence(content: Path) -> None:
        path = content / "narratives" / "nar-a.md"
        path.write_text(path.read_text() + f"\nThe {word} ward was closed in 1962.\n")

    return add_sentence
