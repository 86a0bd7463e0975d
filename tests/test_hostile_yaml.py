"""Hostile YAML in a content file is a one-line error naming the file, at once and in little
memory: a value containing itself, a billion-laughs alias set, a merge-key bomb, deep nesting."""

from __future__ import annotations

import tracemalloc

import pytest

from archive.errors import ContentError
from ingest.pipeline import ingest

RECORD = "records/rec-2008-apology.md"
BOMBS = {
    "a value that contains itself": ("id: &a [*a]\n", "an alias refers to a value that contains it"),
    "billion laughs": ("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)),
        "its aliases expand to more than 100,000 values"),
    "merge-key bomb": ("m0: &m0 {k: v}\n" + "".join(
        f"m{i}: &m{i}\n  <<: [*m{i - 1}, *m{i - 1}]\n  k{i}: v\n" for i in range(1, 40)),
        "its aliases expand to more than 100,000 values"),
    "20,000 levels of nesting": ("deep: " + "[" * 20_000 + "]" * 20_000 + "\n", "values are nested too deeply"),
}


@pytest.mark.parametrize("case", BOMBS)
def test_hostile_front_matter_is_one_clear_line(minimal, case):
    yaml_text, expected = BOMBS[case]
    record = minimal.content_dir / RECORD
    record.write_text(record.read_text().replace("---\n", "---\n" + yaml_text, 1))
    tracemalloc.start()
    try:
        with pytest.raises(ContentError) as caught:
            ingest(minimal)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    problems = caught.value.problems
    assert len(problems) == 1
    assert problems[0].path.endswith("rec-2008-apology.md") and expected in problems[0].message
    assert peak < 64 * 1024 * 1024, f"{peak:,} bytes traced"


def test_hostile_yaml_in_a_yaml_file_is_caught_too(minimal):
    agents = minimal.content_dir / "agents.yaml"
    lines = BOMBS["billion laughs"][0].splitlines()
    agents.write_text("- " + "\n  ".join(lines) + "\n" + agents.read_text())  # the bomb as the first agent
    with pytest.raises(ContentError, match="agents.yaml.*its aliases expand"):
        ingest(minimal)


def test_ordinary_anchors_and_aliases_still_read(minimal):
    record = minimal.content_dir / RECORD
    text = record.read_text()
    record.write_text(text.replace("---\n", "---\nx-shared: &shared [a, b]\nx-again: *shared\n", 1))
    with pytest.raises(ContentError) as caught:  # the unknown fields are refused, not the aliases
        ingest(minimal)
    assert all("alias" not in p.message and "expand" not in p.message for p in caught.value.problems)
