"""What made ingest fast and small must not change what it reads, reports or writes.

- Front matter data is built straight from LibYAML's node tree (`ingest.readers.yaml_source`): it must
  equal PyYAML's own SafeLoader result (dates kept as text), aliases and merge keys included.
- Documents keep no node tree; a problem's line is found by composing that one file again.
- Plain prose skips the Markdown parser in `to_plain_text`: same words as the parser gives.
- Objects are written in batches (`ingest.bulk.BATCH`): counts, revisions and updates hold
  across batch boundaries.
"""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from archive import models as m
from archive.markup import _parser, _plain, to_plain_text
from ingest.bulk import BATCH
from ingest.pipeline import ingest
from ingest.readers.registry import read_content
from ingest.readers.yaml_source import TextDateLoader, _load
from tests.helpers.archives import SAMPLE

TRICKY_YAML = [
    "a: 1\nb: [x, 'y', 2.5, null, true, ~, .inf, 0x1F, 017]\nc: {d: e}\n",
    "x: &a [1, 2]\ny: *a\n",
    "base: &b {k: 1, j: 0}\nderived:\n  <<: *b\n  j: 2\n",
    "date: 1870-05-03\nwhen: 2008-13-45\n",
    "dup: 1\ndup: 2\n",
    "r: &r [*r]\n",
    "s: !!set {a, b}\nbin: !!binary aGVsbG8=\n",
    "- a\n- b: c\n  d: [1, {e: f}]\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
    "",
]


def pyyaml(text: str) -> object:
    return yaml.load(text, Loader=TextDateLoader)


def test_front_matter_data_equals_pyyaml_safe_loader_on_tricky_and_sample_yaml():
    texts = list(TRICKY_YAML)
    for path in sorted(SAMPLE.rglob("*.md")):
        parts = path.read_text(encoding="utf-8").split("---\n")
        if len(parts) >= 3:
            texts.append(parts[1])
    texts += [path.read_text(encoding="utf-8") for path in sorted(SAMPLE.rglob("*.yaml"))]
    for text in texts:
        assert repr(_load(text)) == repr(pyyaml(text)), text


def test_an_unhashable_key_gives_pyyamls_own_error():
    for loader in (_load, pyyaml):
        try:
            loader("? [1, 2]\n: v\n")
        except yaml.YAMLError as exc:
            assert "found unhashable key" in str(exc)
        else:
            raise AssertionError("expected a YAML error")


def test_an_alias_bomb_is_built_once_per_node(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    data = _load("\n".join(levels) + "\n")
    assert data["a8"][0][0] is data["a7"][0]  # shared, as PyYAML builds it: 10^9 leaves, 90 lists


def test_lines_come_from_composing_the_failing_file_again(minimal):
    (minimal.content_dir / "agents.yaml").write_text(
        "- id: agent-ama\n  name: American Medical Association\n"
        "- id: agent-second\n  name: Second\n  kind: church\n"
        "- id: agent-third\n  name: Third\n  parent: agent-ama\n  kind: person\n  knd: x\n")
    result = read_content(minimal.content_dir)
    messages = sorted(str(p) for p in result.problems)
    assert messages == [
        "content/agents.yaml:10: field '[2].knd': unknown field (check its spelling against content/README.md)",
        ("content/agents.yaml:5: field '[1].kind': Input should be 'institution' or 'person' "
         "(got 'church')"),
    ]


def parsed_plain_text(text: str) -> str:
    """`to_plain_text` without the fast path: always through the parser."""
    return _plain(_parser().parse(text))


PROSE = st.lists(st.sampled_from(
    ["word", "1870", "1.", "2)", "-", "+", "=", "#", ">", "~", "!", "?", ",", ";", ":", "'", '"', "(", ")",
     "/", "%", "é", " ", "  ", "    ", "\t", "\n", "\n\n", "\r", "\r\n", "\xa0", "\u2028", "\x0c"]),
    max_size=40).map("".join)  # no inline markup characters: those always go to the parser


@settings(max_examples=1000, deadline=None)
@given(PROSE)
def test_plain_text_of_prose_equals_the_parsers(text):
    assert to_plain_text(text) == parsed_plain_text(text)


def test_plain_text_of_the_sample_equals_the_parsers():
    for obj in read_content(SAMPLE).objects:
        assert to_plain_text(obj.body) == parsed_plain_text(obj.body), obj.id


RECORD = """---
id: rec-batch-{n:05d}
title: "Generated record {n}"
date: "{year}"
type: minutes
creators: [agent-ama]
source: "Batch source {n}"
---
Minutes of meeting {n}.
"""


def test_runs_larger_than_a_batch_write_every_object_revision_and_update(minimal, session_for):
    count = BATCH + 150
    folder = minimal.content_dir / "records"
    for n in range(count):
        (folder / f"rec-batch-{n:05d}.md").write_text(RECORD.format(n=n, year=1850 + n % 100))
    report = ingest(minimal)
    assert report.created["record"] == count + 1  # with the fixture's own record
    with session_for(minimal) as session:
        assert session.exec(select(func.count()).select_from(m.Record)).one() == count + 1
        creates = session.exec(select(func.count()).select_from(m.Revision).where(
            m.Revision.object_type == "record", m.Revision.action == "create")).one()
        assert creates == count + 1
    for n in (0, BATCH - 1, BATCH, count - 1):  # both sides of the batch boundary
        path = folder / f"rec-batch-{n:05d}.md"
        path.write_text(path.read_text().replace(f"Minutes of meeting {n}.", f"Minutes of meeting {n}, amended."))
    (folder / "rec-batch-00007.md").unlink()
    report = ingest(minimal)
    assert (report.updated["record"], report.unchanged["record"]) == (4, count - 5 + 1)
    assert report.missing["record"] == [("rec-batch-00007", "content/records/rec-batch-00007.md")]
    with session_for(minimal) as session:
        row = session.get(m.Record, f"rec-batch-{BATCH:05d}")
        assert row.body.strip() == f"Minutes of meeting {BATCH}, amended."
        revision = session.exec(select(m.Revision).where(
            m.Revision.object_id == f"rec-batch-{BATCH:05d}", m.Revision.action == "update")).one()
        assert list(revision.changes) == ["body"]
