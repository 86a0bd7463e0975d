"""The harm tagger: propose harm types for records and narrative segments, with the passage.

A lexicon tagger, deliberately: each harm type's label, alternative labels and indicative
phrases (`phrases:` in taxonomy.yaml, from the fact sheet) are matched case-insensitively,
allowing simple inflections (`barred` / `bars`, `segregated hospitals`). Its output is only a
proposal a curator accepts or rejects (`reckon tags`), so every proposal carries the phrase
and the sentence that triggered it. Its precision and recall are measured on a labelled set
in `tests/fixtures/tagging/` (see tests/test_tagging.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, update
from sqlmodel import Session, select

from archive import models as m
from archive.body_segments import split_segments
from archive.markup import collapse_whitespace, to_plain_text
from archive.models import utcnow
from archive.side_process import SideResult
from archive.tag_suggestions import SUGGESTED, TaggedState, TagSuggestion
from archive.transcripts import format_time, segments_of
from ingest.readers.parsed import Parsed

HARM_TYPE = "harm-type"
PASSAGE_CHARS = 240
# How passages are cut: a new value re-tags every object at the next ingest, so passages stored
# by an older tagger (2: cut between words, with an ellipsis) are made again.
PASSAGES = 2
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Entry:
    concept_id: str
    phrase: str
    regex: re.Pattern  # without phrase_pattern's leading "not after a word character" test ...
    needle: str  # a lowercase literal every match contains: a fast test before the regex
    word_start: bool  # ... which `first_match` makes instead, so `re` can scan for the first word


WORD_START = r"(?<!\w)"


def first_match(entry: Entry, lower: str, start: int) -> re.Match | None:
    """The first match of the entry at or after `start` that does not begin inside a word.

    A pattern opening with a look-behind gets no literal-prefix scan from `re` and was tried at
    every position of the text (about 8 times slower on a record's body), so the look-behind
    is checked here on each candidate instead."""
    hit = entry.regex.search(lower, start)
    while hit is not None and entry.word_start and hit.start() > 0 and _is_word_char(lower[hit.start() - 1]):
        hit = entry.regex.search(lower, hit.start() + 1)
    return hit


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what `\w` matches in a str pattern


def needle(phrase: str) -> str:
    """The longest word of the phrase (without a final `e`, which inflections may drop)."""
    words = [w.lower()[:-1] if w.isalpha() and len(w) >= 4 and w.lower().endswith("e") else w.lower()
             for w in phrase.split()]
    return max(words, key=len)


@dataclass(frozen=True)
class Match:
    concept_id: str
    phrase: str
    passage: str


def phrase_pattern(phrase: str, flags: int = re.IGNORECASE) -> re.Pattern:
    """A phrase as a regex: words in order, any whitespace, simple English inflections."""
    parts = []
    for word in phrase.split():
        escaped = re.escape(word)
        if word.isalpha() and len(word) >= 4:
            stem = re.escape(word[:-1]) if word.endswith("e") else escaped
            escaped = rf"{stem}(?:e|es|ed|ing|s|d)?" if word.endswith("e") else rf"{escaped}(?:s|es|ed|ing)?"
        parts.append(escaped)
    start = r"(?<!\w)" if phrase[:1].isalnum() else ""
    end = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return re.compile(start + r"\s+".join(parts) + end, flags)


class Lexicon:
    def __init__(self, entries: Iterable[tuple[str, str]]):
        seen: set[tuple[str, str]] = set()
        self.entries: list[Entry] = []
        for concept_id, phrase in entries:
            phrase = " ".join(phrase.split())
            if phrase and (concept_id, phrase.casefold()) not in seen:
                seen.add((concept_id, phrase.casefold()))
                # Matched against lowercased text: much faster than a case-insensitive regex.
                pattern = phrase_pattern(phrase.lower(), 0).pattern
                self.entries.append(Entry(concept_id, phrase, re.compile(pattern.removeprefix(WORD_START)),
                                          needle(phrase), pattern.startswith(WORD_START)))
        self.digest = hashlib.sha256(
            "\n".join(f"{e.concept_id}\t{e.phrase}" for e in self.entries).encode()).hexdigest()

    @classmethod
    def from_concepts(cls, objects: Iterable[Parsed]) -> Lexicon:
        """Label, alternative labels and phrases of every harm type in the taxonomy."""
        pairs = []
        for obj in objects:
            if obj.kind == "concept" and obj.scheme == HARM_TYPE:
                s = obj.source
                pairs += [(s.id, p) for p in [s.label, *s.alt_labels, *getattr(s, "phrases", [])]]
        return cls(pairs)

    def tag(self, text: str) -> list[Match]:
        """The harm types `text` suggests, first match per type, with its sentence."""
        found: dict[str, Match] = {}
        lower = text.lower()
        if len(lower) != len(text):  # rare characters whose lower case is longer: keep offsets true
            lower, text = text.casefold(), text.casefold()
        for entry in self.entries:
            first = lower.find(entry.needle) if entry.concept_id not in found else -1
            if first < 0:
                continue
            hit = first_match(entry, lower, max(0, first - len(entry.phrase)))
            if hit:
                found[entry.concept_id] = Match(entry.concept_id, entry.phrase, passage(text, hit.start(), hit.end()))
        return list(found.values())


def passage(text: str, start: int, end: int) -> str:
    """The sentence holding text[start:end], cut to a readable length around the match.

    A cut falls between words, never inside one, and is shown by an ellipsis, so a curator
    reads whole words and sees where the passage was shortened."""
    left = max((m.end() for m in SENTENCE_END.finditer(text, 0, start)), default=0)
    right_match = SENTENCE_END.search(text, end)
    right = right_match.start() if right_match else len(text)
    before = after = ""
    if right - left > PASSAGE_CHARS:
        if start - PASSAGE_CHARS // 2 > left:
            left, before = _word_start(text, start - PASSAGE_CHARS // 2, start), "… "
        if end + PASSAGE_CHARS // 2 < right:
            right, after = _word_end(text, end + PASSAGE_CHARS // 2, end), " …"
    return before + collapse_whitespace(text[left:right]) + after


def _word_start(text: str, at: int, limit: int) -> int:
    """`at`, or the start of the next word after it when `at` falls inside one (not past `limit`)."""
    if text[at - 1].isspace():
        return at
    space = next((i for i in range(at, limit) if text[i].isspace()), limit)
    return next((i for i in range(space, limit) if not text[i].isspace()), limit)


def _word_end(text: str, at: int, limit: int) -> int:
    """`at`, or the end of the word before it when `at` falls inside one (not before `limit`)."""
    if text[at].isspace():
        return at
    space = next((i for i in range(at, limit, -1) if text[i - 1].isspace()), limit)
    return next((i for i in range(space, limit, -1) if not text[i - 1].isspace()), limit)


def _targets(session: Session, obj: Parsed) -> tuple[list[tuple[str, str]], set[str]]:
    """(locator, text) pairs to tag for one object, and the harm types curators already gave it."""
    if obj.kind == "record":
        return _record_targets(obj)
    targets = []
    for i, seg in enumerate(split_segments(obj.body)):
        where = f"body segment {i}" + (f" ({seg['time']})" if seg["time"] else "")
        targets.append((where, f"{seg['title']}. {seg['text']}"))
    for seg in segments_of(session, obj.id):
        where = f"segment {seg.position}" + (f" ({format_time(seg.start_ms)})" if seg.start_ms is not None else "")
        targets.append((where, collapse_whitespace(f"{seg.title}. {seg.synopsis} {seg.text}").strip(". ")))
    return targets, set(obj.source.harm_types)


def _record_targets(obj: Parsed) -> tuple[list[tuple[str, str]], set[str]]:
    """A record's text to tag and its subjects: read from the file alone, never the store."""
    s = obj.source
    return [("", f"{s.title}. {to_plain_text(obj.body)}")], set(s.subjects)


# From this many records never tagged before (a first ingest: all of them), their text is
# scanned by a forked child while this process writes the rows (`TagsBeside`).
SIDE_TAG_MIN = 2000


class TagsBeside:
    """The suggestions of the records never tagged before, made in a forked child while the
    caller writes the store, so `suggest_tags` finds them made.

    At 100,000 records the tagger's scan was ~8.5 s of one core after the rows were written,
    with the other core idle (bench/results/48). A record's suggestions depend on its file
    and the lexicon alone (`_record_targets`), so the child makes exactly what `suggest_tags`
    would; records tagged before are left to it (a changed one is re-tagged against the
    curators' decisions, an unchanged one skipped), as are narratives (their segments are
    read from the store)."""

    def __init__(self, session: Session, objects: list[Parsed]):
        self.lexicon = Lexicon.from_concepts(objects)
        self._side: SideResult[dict[str, dict[tuple[str, str], Match]]] | None = None
        self._found: dict[str, dict[tuple[str, str], Match]] = {}
        records = [o for o in objects if o.kind == "record"]
        if len(records) < SIDE_TAG_MIN:  # an ingest of the changed files: not worth a fork, nor the read below
            return
        tagged = set(session.exec(select(TaggedState.object_id).where(TaggedState.object_type == "record")))
        new = [o for o in records if o.id not in tagged]
        if len(new) >= SIDE_TAG_MIN:
            lexicon = self.lexicon
            self._side = SideResult(lambda: {o.id: _record_suggestions(o, lexicon) for o in new})

    def found(self, obj: Parsed) -> dict[tuple[str, str], Match] | None:
        """The record's suggestions made beside, or None (not made here: `suggest_tags` makes them)."""
        if obj.kind != "record":
            return None
        if self._side is not None:
            self._found = self._side.result()
            self._side = None
        return self._found.get(obj.id)

    def close(self) -> None:
        """Stop the child when its suggestions were not taken (the write failed)."""
        if self._side is not None:
            self._side.close()


def suggest_tags(session: Session, objects: list[Parsed], beside: TagsBeside | None = None) -> int:
    """Propose harm types for every changed record and narrative; returns suggestions added.

    Objects tagged before from the same content and lexicon are skipped. Objects seen for the
    first time are written in bulk (ingest of a large catalog would crawl through the ORM);
    re-tagging a changed object goes through the ORM so curators' decisions are kept.
    `beside`: the new records' suggestions, made while the rows were written.
    """
    lexicon = beside.lexicon if beside is not None else Lexicon.from_concepts(objects)
    tagged = [o for o in objects if o.kind in ("record", "narrative")]
    hashes, states = _known(session, tagged)
    new_states: list[dict] = []
    new_rows: list[dict] = []
    added = 0
    for obj in objects:
        if obj.kind not in ("record", "narrative"):
            continue
        digest = hashlib.sha256(f"{hashes.get((obj.kind, obj.id), '')}\n{lexicon.digest}\n{PASSAGES}".encode()).hexdigest()
        known = states.get((obj.kind, obj.id))
        if known == digest:
            continue
        made = beside.found(obj) if beside is not None and known is None else None
        found = made if made is not None else _suggestions(session, obj, lexicon)
        if known is None:
            new_states.append({"object_type": obj.kind, "object_id": obj.id, "digest": digest})
            new_rows += [{"object_type": obj.kind, "object_id": obj.id, "locator": locator, "concept_id": concept,
                          "phrase": match.phrase, "passage": match.passage, "status": SUGGESTED,
                          "decided_by": "", "created_at": utcnow()}
                         for (locator, concept), match in found.items()]
            added += len(found)
            continue
        added += _retag(session, obj, found)
        session.exec(update(TaggedState).where(TaggedState.object_type == obj.kind,
                                               TaggedState.object_id == obj.id).values(digest=digest))
    if new_states:
        session.exec(insert(TaggedState), params=new_states)
    if new_rows:
        session.exec(insert(TagSuggestion), params=new_rows)
    session.flush()
    return added


def _known(session: Session, objects: list[Parsed]) -> tuple[dict, dict]:
    """The stored content hash and tagged digest of these objects: read for all at once when
    they are many (a whole ingest), by id when few (an ingest of the files that changed)."""
    tables = {"record": m.Record, "narrative": m.Narrative}
    hashes: dict = {}
    states: dict = {}
    if len(objects) > 2000:
        for kind, table in tables.items():
            hashes |= {(kind, i): h for i, h in session.exec(select(table.id, table.content_hash))}
        states = {(t, i): d for t, i, d in session.exec(
            select(TaggedState.object_type, TaggedState.object_id, TaggedState.digest))}
        return hashes, states
    for kind, table in tables.items():
        ids = [o.id for o in objects if o.kind == kind]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            hashes |= {(kind, i): h for i, h in session.exec(select(table.id, table.content_hash)
                                                             .where(table.id.in_(chunk)))}
            states |= {(t, i): d for t, i, d in session.exec(
                select(TaggedState.object_type, TaggedState.object_id, TaggedState.digest)
                .where(TaggedState.object_type == kind, TaggedState.object_id.in_(chunk)))}
    return hashes, states


def _suggestions(session: Session, obj: Parsed, lexicon: Lexicon) -> dict[tuple[str, str], Match]:
    """{(locator, harm type): match} for one object, leaving out what curators already tagged."""
    return _matches(*_targets(session, obj), lexicon)


def _record_suggestions(obj: Parsed, lexicon: Lexicon) -> dict[tuple[str, str], Match]:
    """`_suggestions` of a record, which needs no store."""
    return _matches(*_record_targets(obj), lexicon)


def _matches(targets: list[tuple[str, str]], curated: set[str], lexicon: Lexicon) -> dict[tuple[str, str], Match]:
    found: dict[tuple[str, str], Match] = {}
    for locator, text in targets:
        for match in lexicon.tag(text):
            if match.concept_id not in curated:
                found.setdefault((locator, match.concept_id), match)
    return found


def _retag(session: Session, obj: Parsed, new: dict[tuple[str, str], Match]) -> int:
    old = {(r.locator, r.concept_id): r for r in session.exec(select(TagSuggestion).where(
        TagSuggestion.object_type == obj.kind, TagSuggestion.object_id == obj.id))}
    for key, row in old.items():
        if key not in new and row.status == SUGGESTED:
            session.delete(row)
    added = 0
    for (locator, concept_id), match in new.items():
        row = old.get((locator, concept_id))
        if row is None:
            row = TagSuggestion(object_type=obj.kind, object_id=obj.id, locator=locator, concept_id=concept_id,
                                phrase=match.phrase, passage=match.passage)
            added += 1
        row.phrase, row.passage = match.phrase, match.passage
        session.add(row)
    return added


@dataclass
class Score:
    precision: float
    recall: float
    true_positive: int
    false_positive: int
    false_negative: int


def evaluate(lexicon: Lexicon, examples: list[tuple[str, set[str]]]) -> Score:
    """Micro-averaged precision and recall of the tagger over (text, expected harm types)."""
    tp = fp = fn = 0
    for text, expected in examples:
        got = {mt.concept_id for mt in lexicon.tag(text)}
        tp += len(got & expected)
        fp += len(got - expected)
        fn += len(expected - got)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return Score(precision, recall, tp, fp, fn)
