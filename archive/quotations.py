"""The one quotation check: is a quoted passage in its source word for word?

Evidence binds a harm to the exact words of a record or narrative. Ingest (a harm file's
`evidence:` list) and the staff app (a curator linking evidence) both ask these functions,
so a quotation is judged the same way whichever door it comes in by.
"""

from __future__ import annotations

from archive.markup import collapse_whitespace, to_plain_text


def source_plain_text(body: str, transcript_texts: list[str] | tuple[str, ...] = ()) -> str:
    """The words a quotation is checked against: the Markdown body's plain text, then the
    transcript's segments (a narrative's transcript file is its text too)."""
    text = to_plain_text(body)
    if transcript_texts:
        text += " " + collapse_whitespace(" ".join(transcript_texts))
    return text


def quotation_found(quote: str, plain_text: str) -> bool:
    """Is the quotation in the source word for word (whitespace aside)? Ingest and the staff
    app's evidence links both ask this one function."""
    return collapse_whitespace(quote) in plain_text
