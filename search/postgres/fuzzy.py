"""Fuzzy terms (`hospitl~`) and "did you mean" on the postgres engine, through pg_trgm.

A fuzzy term matches the indexed stems within one or two edits of its own stem. The stems an
index holds are kept in a table of their own (`<table>_terms`) with a pg_trgm GIN index, and
a trigram similarity search finds the candidates, which are then checked here by their exact
edit distance (a transposition counts as one edit, as tantivy counts it).

Why this is exact and not approximate: an edit changes at most three of a word's trigrams, so
a word within `d` edits of the query shares at least `|T| - 3d` of the query's `|T|` distinct
trigrams, and its own trigrams number at most `len + d + 1`. That gives a lowest similarity
any true match can have (`similarity_floor`); searching at that threshold misses none. When the
floor is zero (a short word, two edits), every stem of a similar length is checked instead.

"Did you mean" uses the same search over the index's vocabulary (the words as written, with
their document counts, `<table>_vocab`) and the same rule as the other engines (whoosh's
Levenshtein automaton: two edits, the first letter kept; closest, then commonest, then
alphabetical), so it suggests what they suggest.
"""

from __future__ import annotations


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one lowercase alphanumeric word: padded with two spaces before, one after."""
    padded = f"  {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def similarity_floor(word: str, distance: int) -> float:
    """The lowest pg_trgm similarity a word within `distance` edits of `word` can have."""
    own = len(trigrams(word))
    shared = own - 3 * distance
    if shared <= 0:
        return 0.0
    return shared / (own + len(word) + distance + 1 - shared)


def edit_distance(a: str, b: str, limit: int, transpositions: bool = True) -> int:
    """The edit distance between a and b (optimal string alignment when `transpositions`),
    or limit + 1 when it is more than `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if transpositions and before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def candidates(conn, table: str, column: str, word: str, distance: int) -> list[str]:
    """The values of `table.column` that may be within `distance` edits of `word` (a superset:
    the caller checks each one's distance)."""
    floor = similarity_floor(word, distance)
    if floor <= 0:
        rows = conn.execute(f"SELECT {column} FROM {table} WHERE length({column}) BETWEEN %s AND %s",
                            (len(word) - distance, len(word) + distance))
        return [r[0] for r in rows]
    with conn.transaction():
        # The threshold of the `%` operator, for this transaction only; `%` uses the GIN index
        # where `similarity(...) >= x` would read the whole table.
        conn.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", (str(max(floor - 1e-6, 0.0)),))
        return [r[0] for r in conn.execute(f"SELECT {column} FROM {table} WHERE {column} %% %s", (word,))]


def within(conn, table: str, column: str, word: str, distance: int, transpositions: bool = True,
           prefix: int = 0) -> list[tuple[int, str]]:
    """(edit distance, value) of every value of `table.column` within `distance` edits of
    `word` whose first `prefix` letters are the word's."""
    found = []
    for value in candidates(conn, table, column, word, distance):
        if value[:prefix] != word[:prefix]:
            continue
        d = edit_distance(word, value, distance, transpositions)
        if d <= distance:
            found.append((d, value))
    return found
