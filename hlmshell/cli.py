"""Entry point: no file → REPL; FILE.do → batch; `-` or a pipe → commands from stdin."""
from __future__ import annotations

import argparse
import sys

from hlmshell.errors import StataError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hlmshell",
                                     description="A Stata-like shell for multilevel linear models.")
    parser.add_argument("file", nargs="?", help="a do-file to run in batch mode, or - for stdin")
    opts = parser.parse_args(argv)

    from hlmshell.batch import run_file, run_text
    from hlmshell.session import ExitRequest, Session
    session = Session()
    try:
        if opts.file is None and sys.stdin.isatty():
            from hlmshell.repl.app import run_repl
            return run_repl(session)
        if opts.file in (None, "-"):
            rc = run_text(session, sys.stdin.read())
        else:
            try:
                rc = run_file(session, opts.file)
            except StataError as err:
                session.write(err.message, force=True)  # empty if already printed
                session.write(f"r({err.code});", force=True)
                rc = err.code
    except ExitRequest:
        rc = 0
    except KeyboardInterrupt:
        session.write("--Break--\nr(1);", force=True)
        rc = 1
    sys.stdout.flush()
    return min(rc, 255) if rc else 0


if __name__ == "__main__":
    sys.exit(main())
