"""`reckon`, the command line: wiring only, over the library functions of every package."""
