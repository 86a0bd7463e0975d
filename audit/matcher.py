"""Every fingerprint looked for in a text in one pass: an Aho–Corasick automaton (pyahocorasick).

`audit.leaks.find_in_slowly` states what a finding is, one fingerprint at a time; at 100,000
records (~18,000 fingerprints, ~200,000 files) that loop is hours. `Matcher` gives exactly the
same findings (tests/test_audit_matcher.py compares both on generated texts): each needle is a
plain substring of the text (lower-cased, HTML entities decoded, as `find_in_slowly` reads it),
so one automaton built once over all of them finds every place a fingerprint could be, and only
those few candidates are then confirmed as the slow rule does:

- a word (a needle that is one `WORD`): the occurrence must be one whole word as `WORD.findall`
  cuts the text: it starts where a word starts (a letter not inside a run of word characters
  holding a letter before it) and ends where that word ends;
- a token (no space, not a word: an e-mail address, a number): any occurrence;
- a phrase (a space inside): an occurrence in the text with every run of white space made one
  space (a second automaton, over that text). That text is made only when the longest run of
  other characters of some phrase is in the lower-cased text (a needle of the first automaton):
  making white space one space changes no other character, so a phrase present there has every
  such run present here;
- a spelled name or span (`spelled`): its slug (`-private-personname-`) in the text's slug.
  Every run of letters and digits of a slug found there is a whole run of the lower-cased
  text, so its longest run (`personname`, rarer than `private`) is a needle of the first
  automaton, and the text's slug is made, and each slug looked for once, only when one is
  present (each name was looked for at every occurrence of its first run: a 9 MB download
  holding "private" thousands of times took minutes);
- an address (a hidden object's page or image, `kind == "address"`): the path, case as written,
  in the raw text, not followed by a word character or hyphen. A path that begins with `/` and
  holds no `&` (every page and image address) is a needle of the first automaton, in lower
  case, and confirmed in the raw text only where it occurs there: decoding entities keeps such
  a path whole (no entity name holds `/`, so none reaches into it) and lower-casing a text
  lower-cases each of its substrings, so a path in the raw text is, lower-cased, in the text
  the first automaton reads. Other paths are looked for in the raw text (a third automaton).
  One pass over each text fewer: a tenth of the audit's matching at 100,000 records.

Most texts hold no needle at all (a fingerprint is, by its making, in no public view), yet each
was lower-cased (~240 MB/s for a text with any character outside ASCII: most pages, for the
theme's typographic quotes) and walked by pyahocorasick: ~125 MB/s in all with the fingerprints
of 100,000 records, over ~3 GB of site files and OAI-PMH records. So each text, its entities
decoded, is first asked by Hyperscan (GB/s, over its UTF-8 bytes, stopping at the first match)
whether it holds any needle of the first automaton, ASCII letters of either case, unless it
holds a character outside ASCII that lower-casing changes (`É`, `İ`, the Kelvin sign;
`_lowering_changes_beyond_ascii`), which sends it the whole way. When it holds neither,
lower-casing it would change only ASCII letters, so a needle (lower case already) is in its
lower-cased form exactly when Hyperscan's caseless literal is in it (UTF-8 is self-synchronising:
a needle's bytes found start and end on characters), and none is: nothing of the first
automaton can be found, and the text is neither lower-cased nor walked. Any match at all, and
the text takes the whole path above, unchanged: ~3.5 times faster on the site's files.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import ahocorasick
import hyperscan

WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
LETTER = re.compile(r"[^\W\d_]")
WORD_CHAR = re.compile(r"[\w'’-]")
ADDRESS_END = re.compile(r"[\w-]")


ASCII_WORD = re.compile(r"[a-z][a-z0-9_'-]*")  # `WORD` in lower-case ASCII text, a fifth faster


def words(text: str) -> set[str]:
    if text.isascii():  # lower case first, at once: in ASCII it moves no word's edges
        return set(ASCII_WORD.findall(text.lower()))
    return {w.lower() for w in set(WORD.findall(text))}


def slugged(text: str) -> str:
    """Text as ids and URLs spell it: lower case, every run of other characters one hyphen."""
    return "-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") + "-"


def _starts_word(text: str, i: int) -> bool:
    """A `WORD.findall` match begins at `i`: a letter there, and no letter in the run of word
    characters just before it (such a letter would have begun a word running through `i`)."""
    if not LETTER.match(text, i):
        return False
    k = i - 1
    while k >= 0 and WORD_CHAR.match(text, k):
        if LETTER.match(text, k):
            return False
        k -= 1
    return True


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


_ASCII = bytes(range(128))


def _lowering_changes_beyond_ascii(data: bytes, errors: str = "surrogatepass") -> bool:
    """Whether lower-casing the text of these UTF-8 bytes changes any character outside ASCII
    (`É`, `İ`, the Kelvin sign): those characters are what is left when every ASCII byte is
    deleted (each is whole in UTF-8), a few per page, lower-cased by themselves. `errors`:
    "replace" for bytes read from a file, which may not be UTF-8 at all. Each character of
    their text (`data.decode("utf-8", "replace")`) outside ASCII is U+FFFD, which lower-casing
    keeps, or a whole sequence of `data`, still whole once the ASCII bytes around it are gone
    (its first byte is no continuation byte, so no broken sequence before it takes it in; it
    ends with its own last byte): it is among those checked."""
    if data.isascii():
        return False
    rest = data.translate(None, _ASCII).decode("utf-8", errors)
    return rest.lower() != rest


class AnyOf:
    """Whether a text may hold any of the needles in its lower-cased form: Hyperscan over its
    UTF-8 bytes, the needles as caseless literals, when lower-casing changes nothing outside
    ASCII (else it may). Hyperscan's bindings take each literal as a C string, ended by its
    first NUL: a needle holding one is looked for as its longest run without (present wherever
    the needle is). Its one scratch space serves one scan at a time: a `Matcher` is used by one
    thread (each audit process makes its own)."""

    def __init__(self, needles: Sequence[str]):
        runs = sorted({max(n.split("\0"), key=len) for n in needles})
        self.db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self.db.compile(expressions=[_utf8(n) for n in runs], ids=list(range(len(runs))), elements=len(runs),
                        flags=hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH, literal=True)
        self.scratch = hyperscan.Scratch(self.db)

    @classmethod
    def of(cls, needles: Sequence[str]) -> AnyOf | None:
        """None when some needle is NULs only (it could be anywhere) or there is none."""
        return cls(needles) if needles and all(n.strip("\0") for n in needles) else None

    def __call__(self, text: str) -> bool:
        """False only when no needle is in `text.lower()` (a needle is lower case)."""
        return self.in_utf8(_utf8(text))

    def in_utf8(self, data: bytes, errors: str = "surrogatepass") -> bool:
        """`__call__` of the text these bytes encode (`errors`: as `_lowering_changes_beyond_ascii`).
        Bytes that are not UTF-8 decode to U+FFFD, which no needle holds (`Matcher` sees to it),
        and leave every whole sequence as it was: a needle (whole characters) found in the text
        is in the bytes."""
        if _lowering_changes_beyond_ascii(data, errors):
            return True
        try:
            self.db.scan(data, match_event_handler=_stop, scratch=self.scratch)
        except hyperscan.ScanTerminated:  # `_stop`: a needle is there
            return True
        return False


def _stop(*_) -> bool:
    return True  # ends the scan at the first needle found


def _automaton(needles: dict[str, list]) -> ahocorasick.Automaton | None:
    if not needles:
        return None
    auto = ahocorasick.Automaton()
    for needle, entries in needles.items():
        auto.add_word(needle, (needle, entries))
    auto.make_automaton()
    return auto


class Matcher:
    """Built once over fingerprints (objects with `text`, `spelled` and `kind`); `find(text)`
    gives those present, in the order given, each once (as many times as it is given)."""

    def __init__(self, prints: Sequence):
        self.prints = list(prints)
        low: dict[str, list] = {}  # needle -> [(rule, index)] over the lower-cased text
        phrase: dict[str, list] = {}
        raw: dict[str, list] = {}
        self.always: list[int] = []  # an empty needle is in every text (`"" in text`)
        self.phrase_always = False
        self.slugs: dict[int, str] = {}
        self.addresses: dict[int, re.Pattern] = {}  # confirmed in the raw text where found lower-cased
        for n, f in enumerate(self.prints):
            if f.kind == "address":
                path = f.text.rstrip("/")
                if path.startswith("/") and "&" not in path:
                    low.setdefault(path.lower(), []).append(("address", n))
                    self.addresses[n] = re.compile(re.escape(path) + r"(?![\w-])")
                elif path:
                    raw.setdefault(path, []).append(("address", n))
                else:
                    self.always.append(n)  # an empty path is in every text, and so is its end
                continue
            needle = f.text.lower()
            if " " in needle:
                phrase.setdefault(needle, []).append(("phrase", n))
                runs = needle.split()
                if runs:
                    low.setdefault(max(runs, key=len), []).append(("phrase", n))
                else:
                    self.phrase_always = True  # white space alone: any text may hold it
            elif not needle:
                self.always.append(n)
            elif WORD.fullmatch(needle):
                low.setdefault(needle, []).append(("word", n))
            else:
                low.setdefault(needle, []).append(("token", n))
            if f.spelled and len(slug := slugged(needle)) > 2:
                self.slugs[n] = slug
                longest = max(slug.strip("-").split("-"), key=len)
                low.setdefault(longest, []).append(("slug", n))
        self.low, self.phrase, self.raw = _automaton(low), _automaton(phrase), _automaton(raw)
        self.any_low = AnyOf.of(list(low))  # no needle of `low` in a text: no walk of it
        # A file's bytes can be asked as they are read (`indices_in_file`) when nothing can be
        # found without a needle of `low` and none runs across lines or holds U+FFFD.
        self.bytes_first = (self.any_low is not None and self.raw is None and not self.always
                            and not self.phrase_always and not any("\n" in n or "\ufffd" in n for n in low))

    def find(self, text: str) -> list:
        return [self.prints[n] for n in self.indices(text)]

    def indices_in_file(self, head: str, data: bytes) -> list[int]:
        """`indices(f"{head}\n{text}")`, the text of a file's bytes being `data.decode("utf-8",
        "replace")`, asked first of `head` and of the bytes as they are (no decoding, no
        copying, no encoding again: a third of matching the site's files) when the matcher is
        `bytes_first` and neither holds `&` (with no entity to decode, the text is what it
        reads): no needle then runs from `head` into the text (none holds a line break), so
        when neither holds one, nothing is found. Else, or when one may, as `indices`."""
        if (self.bytes_first and b"&" not in data and "&" not in head
                and not self.any_low(head) and not self.any_low.in_utf8(data, "replace")):
            return []
        return self.indices(f"{head}\n{data.decode('utf-8', 'replace')}")

    def indices_in_utf8(self, data: bytes) -> list[int]:
        """`indices(data.decode())` of UTF-8 bytes (a search index's document, written so:
        `audit.index_documents`), asked first as they are, as `indices_in_file` asks a file's."""
        if self.bytes_first and b"&" not in data and not self.any_low.in_utf8(data):
            return []
        return self.indices(data.decode("utf-8", "surrogatepass"))

    def indices(self, text: str) -> list[int]:
        """`find`, as the fingerprints' places in the list given, in order."""
        found: set[int] = set(self.always)
        phrases = self.phrase_always
        if self.raw is not None:
            for end, (needle, entries) in self.raw.iter(text):
                if end + 1 == len(text) or not ADDRESS_END.match(text, end + 1):
                    found.update(n for _, n in entries)
        unescaped = html.unescape(text)
        if self.any_low is not None and not self.phrase_always and not self.any_low(unescaped):
            return sorted(found)  # no needle of `low` in the lower-cased text: nothing more to find
        lowered = unescaped.lower()
        slug_candidates: set[int] = set()  # each once, however often its run occurs
        address_candidates: set[int] = set()
        if self.low is not None:
            for end, (needle, entries) in self.low.iter(lowered):
                whole = None
                for rule, n in entries:
                    if rule == "token":
                        found.add(n)
                    elif rule == "slug":
                        slug_candidates.add(n)
                    elif rule == "address":
                        address_candidates.add(n)
                    elif rule == "phrase":
                        phrases = True
                    else:  # a word
                        if whole is None:
                            start = end - len(needle) + 1
                            whole = ((end + 1 == len(lowered) or not WORD_CHAR.match(lowered, end + 1))
                                     and _starts_word(lowered, start))
                        if whole:
                            found.add(n)
        if self.phrase is not None and phrases:
            for _, (_, entries) in self.phrase.iter(" ".join(lowered.split())):
                found.update(n for _, n in entries)
        found.update(n for n in address_candidates if n not in found and self.addresses[n].search(text))
        if slug_candidates and any(n not in found for n in slug_candidates):
            text_slug = slugged(lowered)
            found.update(n for n in slug_candidates if self.slugs[n] in text_slug)
        return sorted(found)
