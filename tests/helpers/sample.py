"""The bundled sample's narratives as files: front matter, who may read them, and the words
only the hidden ones use (no public output may carry any of them)."""

from __future__ import annotations

import re

import yaml

from archive.markup import to_plain_text
from tests.helpers.archives import SAMPLE

WORD = re.compile(r"[A-Za-z][A-Za-z'-]{6,}")


def front_matter(path):
    _, front, body = path.read_text().split("---\n", 2)
    return yaml.safe_load(front), body


def narratives():
    return {p.stem: front_matter(p) for p in sorted((SAMPLE / "narratives").glob("*.md"))}


def is_public(meta) -> bool:
    consent = [c for c in meta.get("consent", []) if c["use"] == "publish-text"]
    return meta.get("access", "public") == "public" and bool(consent) and consent[-1]["granted"]


def hidden_vocabulary() -> dict[str, set[str]]:
    """Long words of each non-public narrative that no public source file uses."""
    public_words: set[str] = set()
    for path in SAMPLE.rglob("*"):
        if path.suffix not in (".md", ".yaml") or path.name == "README.md":
            continue
        if path.parent.name == "narratives" and not is_public(front_matter(path)[0]):
            continue
        public_words |= {w.lower() for w in WORD.findall(path.read_text())}
    hidden = {}
    for object_id, (meta, body) in narratives().items():
        if not is_public(meta):
            text = " ".join([meta["title"], meta["summary"], meta["narrator"]["name"],
                             meta["narrator"]["display_name"], to_plain_text(body)])
            hidden[object_id] = {w for w in WORD.findall(text) if w.lower() not in public_words}
    return hidden
