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


def licence_url(statement: str) -> str | None:
    """The URL of the licence `statement` names (a URL in it, a CC licence), or None."""
    if not statement:
        return None
    found = _URL.search(statement)
    if found:
        return found.group(0)
    if _CC0.search(statement):
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    cc = _CC.search(statement)
    if cc:
        kind = re.sub(r"[ -]+", "-", cc.group(1).lower())
        return f"https://creativecommons.org/licenses/{kind}/{cc.group(2)}/"
    return None


def licence_name(statement: str) -> str | None:
    """The licence's short name ("CC-BY-4.0", "CC0-1.0"), as SPDX spells it, or None."""
    url = licence_url(statement)
    if url is None or "creativecommons.org" not in url:
        return None
    if "/zero/" in url:
        return "CC0-1.0"
    kind, version = url.rstrip("/").split("/")[-2:]
    return f"CC-{kind.upper()}-{version}"
