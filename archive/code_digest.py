"""A digest of some modules' source, so work made by older code is noticed and made again.

The site's view cache, the one-record rebuild and the search indexes' incremental update each
keep what they made together with a digest of the code that made it; when the digest differs,
they start afresh (or compare everything) instead of trusting output of another version. The
modules are found without importing them: a patched rebuild imports only what it uses. A
package's `__init__` holding its `__version__` (markdown_it does) makes an upgrade count too.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterable
from pathlib import Path


def modules_digest(names: Iterable[str]) -> str:
    """blake2b of each module's name and source bytes, in the order given."""
    digest = hashlib.blake2b(digest_size=16)
    for name in names:
        digest.update(name.encode() + b"\0" + Path(importlib.util.find_spec(name).origin).read_bytes())
    return digest.hexdigest()
