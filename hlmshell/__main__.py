import os
import sys

from hlmshell.cli import main

code = main()
# Leave with our own code: under `python -m`, CPython reports a SIGINT exit status (-2) when
# a Ctrl-C we handled (--Break-- r(1)) happened to land inside a module being imported,
# although main() returned normally. Everything is flushed and closed by then.
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
