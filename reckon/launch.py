"""The `reckon` command's first step (and `python -m reckon`'s): a warm process runs the
command when one can (`reckon/warm_client.py`); only when none does is the CLI imported and
run here.

Why a module of its own: the command used to start in `reckon.cli`, whose imports (argparse,
dataclasses, the settings and errors of `archive`) every command paid before it was handed to
the warm process: ~15 ms of a warm command's ~50 ms caller, twice in `reckon ingest && reckon
build`."""

from __future__ import annotations

import sys


def main() -> int:
    from reckon.warm_client import WarmUnavailable, run_warm

    try:
        status = run_warm(sys.argv[1:])
    except WarmUnavailable as exc:
        print(f"error: RECKON_WARM=require: {exc}", file=sys.stderr)
        return 1
    if status is not None:
        return status
    from reckon.cli import main as run_here

    return run_here(sys.argv[1:])
