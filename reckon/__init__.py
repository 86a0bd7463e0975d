"""`reckon`, the command line: wiring only, over the library functions of every package.

`reckon` keeps its bytecode cache even where PYTHONDONTWRITEBYTECODE is set (containers and CI
images often set it for everything): the command is run again and again on the same install,
and without the cache each run compiles its ~140 modules anew, about 0.15–0.3 s of CPU per
command, a third of the budget of publishing one changed record (`ingest` then `build`).
"""

import sys

sys.dont_write_bytecode = False
