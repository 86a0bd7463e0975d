"""Which of a few words the public views hold, without cutting every view into words.

The fingerprints (`audit.leaks.fingerprints`) need the public vocabulary only to ask, of each
hidden object's words of seven letters or more (and of each one-word redacted span), whether
some public view holds it. At 100,000 records the public views are ~400 MB of text, and cutting
each into its words (`audit.matcher.words`) was half the fingerprints' CPU (14.6 of 29.3 s)
and a tenth of the whole audit's parent, to answer a question about a few thousand words.

`public_among(candidates, texts)` answers it directly. Hyperscan (as `audit.matcher.AnyOf`)
asks each text whether it may hold any candidate not yet found public; only a text that may is
cut into words, and what it holds is taken off the list. The common candidates go in the first
texts, and the list's database is then made again from what is left: the rest of the texts,
asked for rare words, are mostly not cut at all. A text Hyperscan passes cannot hold one: a
word of `words(text)` is one of its `WORD` matches lower-cased, and when lower-casing changes
no character outside ASCII (`AnyOf` sends any other text to be cut), that is a substring of
the text in which only ASCII letters changed case, which a caseless literal finds in its UTF-8
bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from audit.matcher import AnyOf, words

# Texts cut since the database was made, before it is made again from the candidates still not
# found. At 100,000 records (16,603 candidates, ~2,000 views cut) making it is ~50 ms and
# cutting a view ~0.1 ms: after every 64 texts (32 databases) `public_among` took 2.2-2.9 s,
# after 256 1.45 s, after 1,024 1.2 s (5 databases), after 4,096 1.65 s.
REBUILD_AFTER = 1024


def public_among(candidates: Iterable[str], texts: Iterable[str]) -> set[str]:
    """`{w for text in texts for w in words(text)} & set(candidates)`: the candidates (lower
    case, as `words` gives them) that are words of some text."""
    left = set(candidates)
    found: set[str] = set()
    any_of = AnyOf.of(sorted(left))
    cut = 0
    for text in texts:
        if not left:
            break  # every candidate found (or none given): nothing more to learn
        if any_of is not None and not any_of(text):
            continue
        held = words(text) & left
        found |= held
        left -= held
        cut += 1
        if cut >= REBUILD_AFTER:
            any_of, cut = AnyOf.of(sorted(left)), 0
    return found
