"""`python -m reckon`: the same as the `reckon` command."""

from reckon.launch import main

raise SystemExit(main())
