"""`python -m reckon`: the same as the `reckon` command."""

from reckon.cli import main

main()
