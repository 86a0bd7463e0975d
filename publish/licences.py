"""A licence named in words ("CC BY 4.0", "CC0") as the URL outside tools expect.

JSON-LD's `license` and a Data Package's `licenses[].path` take a URL; rights statements in
the content are sentences ("Description written for Reckoning (CC BY 4.0); quotations remain
the work of their authors."). The Creative Commons licence a sentence names is found here;
a sentence naming none (e.g. "All rights reserved") gives None, and stays a sentence.
"""

from __future__ import annotations

import re

_CC = re.compile(r"\bCC[ -]?(BY(?:[ -](?:NC|SA|ND))*)[ -]?(\d\.\d)\b", re.IGNORECASE)
_CC0 = re.compile(r"\bCC[ -]?0\b|\bCC[ -]?zero\b", re.IGNORECASE)
_URL = re.compile(r"https?://\S+[^\s.,;)]")


def licence_urls(statement: str) -> list[str]:
    """The URLs of the licences `statement` names (URLs in it, CC licences by name), in order;
    a statement may name several ("Description CC BY 4.0. Illustration: CC0")."""
    found: list[str] = []
    if not statement:
        return found
    named = [(m.start(), m.group(0)) for m in _URL.finditer(statement)]
    named += [(m.start(), "https://creativecommons.org/publicdomain/zero/1.0/") for m in _CC0.finditer(statement)]
    named += [(m.start(), "https://creativecommons.org/licenses/{}/{}/".format(
        re.sub(r"[ -]+", "-", m.group(1).lower()), m.group(2))) for m in _CC.finditer(statement)]
    for _, url in sorted(named):
        if url not in found:
            found.append(url)
    return found


def licence_url(statement: str) -> str | None:
    """The URL of the first licence `statement` names, or None."""
    urls = licence_urls(statement)
    return urls[0] if urls else None


def _name(url: str) -> str | None:
    if "creativecommons.org" not in url:
        return None
    if "/zero/" in url:
        return "CC0-1.0"
    kind, version = url.rstrip("/").split("/")[-2:]
    return f"CC-{kind.upper()}-{version}"


def licence_name(statement_or_url: str) -> str | None:
    """The SPDX id ("CC-BY-4.0", "CC0-1.0") of the first licence named, or None."""
    url = statement_or_url if statement_or_url.startswith("http") else licence_url(statement_or_url)
    return _name(url) if url else None
