"""A narrative body's typed segments: `## [hh:mm:ss] Title` headings, each starting one.

Read by the Catalog (a narrative page's segments), by redaction (each segment is a field staff
can find a span in) and by the harm tagger (a suggestion names its passage).
"""

from __future__ import annotations

import re

from archive.markup import to_html, to_plain_text

SEGMENT_HEADING = re.compile(r"^##\s+\[(\d{1,2}:\d{2}:\d{2})\]\s*(.*)$")


def split_segments(body: str) -> list[dict]:
    """Transcript segments start at `## [hh:mm:ss] Title` headings; text before is a preface."""
    segments: list[dict] = []
    current = {"time": None, "title": "", "lines": []}
    for line in body.splitlines():
        match = SEGMENT_HEADING.match(line)
        if match:
            segments.append(current)
            current = {"time": match.group(1), "title": match.group(2).strip(), "lines": []}
        else:
            current["lines"].append(line)
    segments.append(current)
    result = []
    for seg in segments:
        text = "\n".join(seg["lines"]).strip()
        if seg["time"] is None and not text:
            continue
        result.append({"time": seg["time"], "title": seg["title"], "html": to_html(text),
                       "text": to_plain_text(text)})
    return result
