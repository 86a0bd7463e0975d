"""Content notes on passages: a narrative's `content_notes` fold one segment or a time range.

Real ingest into a real SQLite store, a real site build, the real API; the page is read as
HTML (the browser side, opening a note, is in tests/test_search_page_browser.py).
"""

from __future__ import annotations

import html
import re
import shutil

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from archive.errors import ContentError
from archive.passage_notes import PassageNote
from ingest.pipeline import ingest
from publish.build import build_site
from server.app import create_app
from tests.helpers.archives import OHMS, PRIVATE_NAME

DUARTE = OHMS / "duarte_OH0344.xml"  # an OHMS export (tests/test_ohms.py reads it whole)
NARRATIVE = """---
id: nar-a
title: Public story
fictional: true
narrator: {name: Secret Legalname, display_name: Dr. Q, name_policy: pseudonym}
date: 2019
consent:
  - {date: 2019-01-01, use: publish-text, granted: true}
release: {signed: 2019-01-01}
redact:
  - {text: Hollis Brandywine, category: name of a third party}
content_notes:
%s
---
## [00:00:00] Start
**Narrator:** I remember the apology.

## [00:05:00] The ward
**Narrator:** Hollis Brandywine ran the ward. A man died in the corridor.

## [00:10:00] The move
**Narrator:** They moved us all to the basement.

## [00:15:00] Afterwards
**Narrator:** We wrote letters for years.
"""
NOTES = """  - at: "00:05:00"
    note: "Describes a death in a corridor, on the ward Hollis Brandywine ran."
  - from: "00:09:00"
    to: "00:16:00"
    note: "Describes forced moves of patients."
"""


def write_narrative(settings, notes: str) -> None:
    (settings.content_dir / "narratives/nar-a.md").write_text(NARRATIVE % notes)


def sections(page: str) -> list[tuple[str, str]]:
    """(passage-note key or "", segment id) for every segment, in page order. Other
    `<details>` (a passage's "Cite this passage" box) nest inside a note: only a note's own
    closing tag ends it."""
    found, opened = [], []  # the open <details>, each its note key or None
    for match in re.finditer(r'<details class="passage-note" data-note="([^"]+)">|<details[ >]|</details>|'
                             r'<section class="segment" id="([^"]+)"', page):
        if match.group(1):
            opened.append(match.group(1))
        elif match.group(2):
            found.append((next((k for k in reversed(opened) if k), ""), match.group(2)))
        elif match.group(0).startswith("</"):
            if opened:
                opened.pop()
        else:
            opened.append(None)
    return found


@pytest.fixture
def noted(minimal):
    write_narrative(minimal, NOTES)
    ingest(minimal)
    build_site(minimal)
    return minimal


def test_a_noted_segment_and_a_time_range_are_folded_behind_their_notes(noted):
    page = (noted.public_dir / "narratives/nar-a/index.html").read_text()
    # The range starts inside the 00:05:00 segment (which runs to 00:10:00), so that one
    # passage carries both notes; the next two share the range's note and one summary.
    assert sections(page) == [("", "t-00-00-00"), ("1-2", "t-00-05-00"), ("2", "t-00-10-00"), ("2", "t-00-15-00")]
    text = html.unescape(page)
    assert ("<strong>Content notes (00:05:00):</strong> Describes a death in a corridor, on the ward "
            "[redacted: name of a third party] ran. · Describes forced moves of patients.") in text
    assert "<strong>Content note (00:10:00):</strong> Describes forced moves of patients." in text
    # The note never shows what a redaction withholds, nor the narrator's private name.
    assert "Hollis" not in text and "Brandywine" not in text and PRIVATE_NAME not in text
    # The sections list says which passages are behind a note.
    assert re.search(r'href="#t-00-05-00">.*?</a> <span class="noted">\(content note\)</span>', text)
    assert not re.search(r'href="#t-00-00-00">.*?</a> <span class="noted">', text)


def test_the_api_carries_the_notes_and_marks_the_segments(noted):
    with TestClient(create_app(noted)) as client:
        data = client.get("/api/narratives/nar-a").json()
    assert [(n["note"], n["at"], n["from"], n["to"], n["segments"]) for n in data["passage_notes"]] == [
        ("Describes a death in a corridor, on the ward [redacted: name of a third party] ran.",
         "00:05:00", None, None, ["00:05:00"]),
        ("Describes forced moves of patients.", None, "00:09:00", "00:16:00", ["00:05:00", "00:10:00", "00:15:00"]),
    ]
    marks = [(s["time"], s["content_note"] and s["content_note"]["key"]) for s in data["segments"]]
    assert marks == [("00:00:00", None), ("00:05:00", "1-2"), ("00:10:00", "2"), ("00:15:00", "2")]
    assert "Brandywine" not in str(data)


def test_a_note_on_a_time_no_segment_starts_at_is_refused_and_nothing_changes(noted, session_for):
    write_narrative(noted, '  - at: "00:04:59"\n    note: "Somewhere."\n')
    with pytest.raises(ContentError) as info:
        ingest(noted)
    message = str(info.value)
    assert message.startswith("content/narratives/nar-a.md:")
    assert ("field 'content_notes[0].at': no transcript segment starts at 00:04:59; "
            "segments start at 00:00:00, 00:05:00, 00:10:00, 00:15:00") in message
    path = noted.content_dir / "narratives/nar-a.md"
    write_narrative(noted, '  - from: "00:20:00"\n    to: "00:30:00"\n    note: "Untimed."\n')
    path.write_text(re.sub(r"## \[[0-9:]+\] ", "## ", path.read_text()))  # no timed segments at all
    with pytest.raises(ContentError) as info:
        ingest(noted)
    assert ("field 'content_notes[0].from': the narrative has no timed segments "
            "(## [hh:mm:ss] headings or a transcript file)") in str(info.value)
    with session_for(noted) as session:
        stored = session.exec(select(PassageNote).order_by(PassageNote.position)).all()
    assert [n.note[:20] for n in stored] == ["Describes a death in", "Describes forced mov"]  # as before


@pytest.mark.parametrize("notes, expected", [
    ('  - from: "00:05:00"\n    note: "No end."\n', "a content note's to: must be a time after its from:"),
    ('  - note: "Nowhere."\n', "needs either at: HH:MM:SS (one segment) or from: and to:"),
    ('  - at: "five past"\n    note: "x"\n', "expected a time HH:MM:SS (quoted), got 'five past'"),
    ('  - at: "00:05:00"\n    note: ""\n', "content_notes[0].note"),
])
def test_a_malformed_note_names_its_field(minimal, notes, expected):
    write_narrative(minimal, notes)
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    assert str(info.value).startswith("content/narratives/nar-a.md:")
    assert expected in str(info.value)


def test_the_sample_folds_the_death_in_the_corridor(sample):
    page = (sample.public_dir / "narratives/nar-composite-02/index.html").read_text()
    assert ("1", "t-00-07-15") in sections(page)
    assert [key for key, _ in sections(page)].count("1") == 1
    assert "Describes the death of a patient left in a hospital corridor." in page


def test_a_note_can_fold_a_cue_of_a_transcript_file(minimal):
    write_narrative(minimal, '  - at: "00:20:30"\n    note: "Describes a beating."\n'
                             '  - from: "00:21:00"\n    to: "00:21:10"\n    note: "Describes an arrest."\n')
    path = minimal.content_dir / "narratives/nar-a.md"
    path.write_text(path.read_text().replace("redact:\n", "transcript: nar-a.vtt\nredact:\n", 1))
    (minimal.content_dir / "narratives/nar-a.vtt").write_text(
        "WEBVTT\n\n00:20:30.500 --> 00:20:59.000\n<v Narrator>They beat him in the yard.\n\n"
        "00:21:05.000 --> 00:21:40.000\n<v Narrator>Then they took him away.\n\n"
        "00:22:00.000 --> 00:22:30.000\n<v Narrator>We never saw him again.\n")
    ingest(minimal)
    build_site(minimal)
    page = (minimal.public_dir / "narratives/nar-a/index.html").read_text()
    assert sections(page)[-3:] == [("1", "t-00-20-30"), ("2", "t-00-21-05"), ("", "t-00-22-00")]


def test_a_note_on_a_cue_folded_into_an_ohms_index_point_is_refused_as_the_page_would_not_show_it(minimal):
    """Ingest checks notes against the segments the page shows: a cue inside an OHMS index
    point is part of the point's segment, so a note naming the cue's time would announce nothing."""
    shutil.copy(DUARTE, minimal.content_dir / "narratives" / DUARTE.name)
    write_narrative(minimal, '  - at: "00:03:00"\n    note: "Describes a beating."\n')
    path = minimal.content_dir / "narratives/nar-a.md"
    path.write_text(path.read_text().replace("redact:\n", f"transcript: {DUARTE.name}\nredact:\n", 1))
    with pytest.raises(ContentError) as info:
        ingest(minimal)
    assert ("field 'content_notes[0].at': no transcript segment starts at 00:03:00; "
            "segments start at 00:00:00, 00:03:32, 00:05:00, 00:09:33") in str(info.value)
    path.write_text(path.read_text().replace('at: "00:03:00"', 'at: "00:03:32"'))
    ingest(minimal)
    build_site(minimal)
    page = (minimal.public_dir / "narratives/nar-a/index.html").read_text()
    assert ("1", "t-00-03-32") in sections(page)


def test_a_heading_typed_without_a_leading_zero_takes_a_note_on_its_time(minimal):
    write_narrative(minimal, '  - at: "00:05:00"\n    note: "Describes a death in a corridor."\n')
    path = minimal.content_dir / "narratives/nar-a.md"
    path.write_text(path.read_text().replace("## [00:05:00]", "## [0:05:00]"))
    ingest(minimal)
    build_site(minimal)
    page = (minimal.public_dir / "narratives/nar-a/index.html").read_text()
    assert "Describes a death in a corridor." in page
    assert [key for key, _ in sections(page)].count("1") == 1
