"""Our code run as a program of its own: this interpreter, with this process's import path.

Why a program and not a fork: a process with threads must not fork (`archive.fork_safety`),
and a helper that must outlive or stay apart from its caller (the deleter of a patch's old
files, the server's read-ahead) is better a process of its own anyway. Handed `sys.path`, it
imports the same code as its caller, from an editable install or a test's checkout alike.
"""

from __future__ import annotations

import json
import sys


def python_running(code: str, *args: str) -> list[str]:
    """The argument list that runs `code` (Python, one line, importing our modules) in this
    interpreter with this process's `sys.path`; `args` follow as `sys.argv[2:]`."""
    prelude = "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    return [sys.executable, "-c", prelude + code, json.dumps(sys.path), *args]
