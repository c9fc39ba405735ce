"""do/run: a do-file's logical lines, each through Session.execute, stopping at the first error."""
from __future__ import annotations

import os

from hlmshell.errors import StataError
from hlmshell.paths import find_file
from hlmshell.syntax.lines import logical_lines


class DoFileFailed(StataError):
    """A do-file stopped at an error whose message was already printed."""

    def __init__(self, code: int):
        super().__init__(code, "")


def read_text(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except IsADirectoryError:
        raise StataError(603, f"file {path} could not be opened") from None
    except PermissionError:
        raise StataError(603, f"file {path} could not be opened") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # Stata's older do-files are Latin-1


def run_text(session, text: str, *, echo: bool = True) -> int:
    """Run commands as a do-file does; an `exit` ends the do-file early."""
    from hlmshell.session import ExitRequest
    rc = 0
    try:
        for line in logical_lines(text):
            rc = session.execute(line, echo=echo)
            if rc:
                break
    except ExitRequest:
        if session.do_depth == 0:
            raise
        rc = 0
    return rc


def run_file(session, name: str, *, echo: bool = True) -> int:
    path = find_file(session, name, ".do")
    text = read_text(path)
    session.do_depth += 1
    session.do_dirs.append(os.path.dirname(os.path.abspath(path)))
    quiet_before = session.quiet
    if not echo:
        session.quiet = True
    try:
        rc = run_text(session, text, echo=echo)
    finally:
        session.quiet = quiet_before
        session.do_depth -= 1
        session.do_dirs.pop()
    if echo:
        session.write("\nend of do-file" if not rc else "end of do-file")
    if rc:
        raise DoFileFailed(rc)
    return rc
