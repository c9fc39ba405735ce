"""Entry point: no file → REPL; FILE.do → batch; `-` or a pipe → commands from stdin."""
from __future__ import annotations

import argparse
import os
import sys

from hlmshell.errors import StataError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hlmshell",
                                     description="A Stata-like shell for multilevel linear models.")
    parser.add_argument("file", nargs="?", help="a do-file to run in batch mode, or - for stdin")
    opts = parser.parse_args(argv)

    from hlmshell.batch import run_do, run_file
    from hlmshell.commands.program import close_logs
    from hlmshell.session import ExitRequest, Session
    # text that cannot be encoded (a lone surrogate from a non-UTF-8 pipe) is shown escaped
    sys.stdout.reconfigure(errors="backslashreplace")
    session = Session()
    rc = 0
    try:
        if opts.file is None and sys.stdin.isatty():
            from hlmshell.graphics.viewer import repl_hook
            from hlmshell.repl.app import run_repl
            session.graph_hook = repl_hook(session)  # graphs open in a viewer, or say where
            return run_repl(session)
        try:
            if opts.file in (None, "-"):  # standard input runs as a do-file does
                run_do(session, sys.stdin.read(), os.getcwd())
            else:
                run_file(session, opts.file)
        except StataError as err:  # the do-file failed, or could not be found
            session.write(err.message, force=True)  # empty if already printed
            session.write(f"r({err.code});", force=True)
            rc = err.code
    except ExitRequest:
        rc = 0
    except KeyboardInterrupt:
        session.write("--Break--\nr(1);", force=True)
        rc = 1
    except BrokenPipeError:     # the reader went away (`hlmshell run.do | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        rc = 141                # 128 + SIGPIPE, as a shell reports a pipeline cut short
    finally:
        close_logs(session)
        sys.stdout.flush()
    return min(rc, 255) if rc else 0


if __name__ == "__main__":
    sys.exit(main())
