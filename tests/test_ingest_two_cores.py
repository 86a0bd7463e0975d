"""A first ingest keeps both cores busy (bench/results/47), and must read, report and write
what one process did:

- a folder of `SIDE_READ_MIN` files or more is read by two processes: the same objects, problems
  (file and line) and warnings, in the same order, as its two halves read in turn; a bad file
  in the child's half still stops the ingest with nothing written;
- the tag suggestions of records never tagged before (`SIDE_TAG_MIN` or more) are made by a
  forked child while the rows are written: each is what the tagger finds in the record's text,
  less the harm types its file already gives.
"""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from archive import models as m
from archive.errors import ContentError
from archive.markup import to_plain_text
from archive.tag_suggestions import TagSuggestion
from ingest.pipeline import ingest
from ingest.readers.markdown_folders import SIDE_READ_MIN
from ingest.readers.registry import read_content, read_records
from ingest.tagging import SIDE_TAG_MIN, Lexicon

pytestmark = pytest.mark.forks  # what it checks happens where the archive forks (tests/conftest.py)

COUNT = max(SIDE_READ_MIN, SIDE_TAG_MIN) + 10
LABEL = "exclusion from professional membership"  # ht-exclusion's label in the minimal taxonomy


def record(n: int, subjects: str = "[]") -> str:
    words = f"The board voted on {LABEL}. " if n % 3 == 0 else ""
    return (f"---\nid: rec-two-{n:05d}\ntitle: \"Minutes {n}\"\ndate: \"{1850 + n % 150}\"\ntype: minutes\n"
            f"creators: [agent-ama]\nsubjects: {subjects}\nsource: \"Source {n}\"\n---\n"
            f"Minutes of meeting {n}. {words}Adjourned at noon.\n")


def write_records(content, bad: dict[int, str] | None = None) -> None:
    folder = content / "records"
    for n in range(COUNT):
        text = (bad or {}).get(n) or record(n, "[ht-exclusion]" if n % 6 == 0 else "[]")
        (folder / f"rec-two-{n:05d}.md").write_text(text, encoding="utf-8")


def shape(result) -> tuple:
    return ([(o.kind, o.source, o.doc.display_path, o.doc.body) for o in result.objects],
            [str(p) for p in result.problems], [str(w) for w in result.warnings])


def test_a_large_folder_read_on_two_processes_equals_its_halves_read_in_turn(minimal):
    content = minimal.content_dir
    bad = {
        5: "---\nid: rec-two-00005\ntitle: [unclosed\n---\nBody.\n",  # YAML error, first half
        COUNT - 7: record(COUNT - 7).replace('date: "', 'date: "not a date '),  # invalid field, the child's half
        COUNT - 3: record(COUNT - 3).replace("rec-two-", "rec-renamed-", 1),  # a warning, the child's half
    }
    write_records(content, bad)
    names = sorted(path.name for path in (content / "records").glob("*.md"))
    assert len(names) >= SIDE_READ_MIN  # the two-process read
    half = len(names) // 2
    both = read_records(content)
    in_turn = [read_records(content, only=part) for part in (names[:half], names[half:])]
    first, second = (shape(r) for r in in_turn)
    objects, problems, warnings = (a + b for a, b in zip(first, second, strict=True))
    assert shape(both) == (objects, problems, warnings)
    assert len(both.objects) == len(names) - 2
    assert [p.split(": ", 1)[0] for p in problems] == [
        "content/records/rec-two-00005.md:4", f"content/records/rec-two-{COUNT - 7:05d}.md:4"]
    assert warnings == [(f"content/records/rec-two-{COUNT - 3:05d}.md:2: field 'id': "
                         f"file name should be 'rec-renamed-{COUNT - 3:05d}.md'")]


def test_a_bad_file_in_the_childs_half_stops_the_ingest_with_nothing_written(minimal, session_for):
    write_records(minimal.content_dir, {COUNT - 2: record(COUNT - 2).replace("type: minutes", "type: minutse")})
    with pytest.raises(ContentError) as raised:
        ingest(minimal)
    assert [str(p).split(": ", 1)[0] for p in raised.value.problems] == [
        f"content/records/rec-two-{COUNT - 2:05d}.md:5"]
    with session_for(minimal) as session:
        assert session.exec(select(func.count()).select_from(m.Record)).one() == 0


def test_new_records_suggestions_made_beside_are_the_taggers_on_each_text(minimal, session_for):
    write_records(minimal.content_dir)
    objects = read_content(minimal.content_dir).objects
    records = [o for o in objects if o.kind == "record"]
    assert len(records) >= SIDE_TAG_MIN  # made by the forked child
    lexicon = Lexicon.from_concepts(objects)
    expected = sorted(
        (o.id, match.concept_id, match.phrase, match.passage)
        for o in records
        for match in lexicon.tag(f"{o.source.title}. {to_plain_text(o.body)}")
        if match.concept_id not in o.source.subjects)
    report = ingest(minimal)
    with session_for(minimal) as session:
        stored = sorted((row.object_id, row.concept_id, row.phrase, row.passage) for row in session.exec(
            select(TagSuggestion).where(TagSuggestion.object_type == "record")))
    assert stored == expected
    # every third record names the label, less every sixth, whose file gives the harm type
    assert len([e for e in expected if e[0].startswith("rec-two-")]) == len(range(0, COUNT, 3)) - len(range(0, COUNT, 6))
    assert report.suggestions >= len(stored)
