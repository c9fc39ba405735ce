"""do/run: a do-file's logical lines, each through Session.execute, stopping at the first error."""
from __future__ import annotations

import os

from hlmshell.errors import StataError
from hlmshell.paths import find_file
from hlmshell.syntax.lines import do_lines


class DoFileFailed(StataError):
    """A do-file stopped at an error whose message was already printed.

    The failing command has already undone its own changes; the commands before it
    completed, and (as in Stata) their work stays: `keeps_state` tells Session not to roll
    back the `do` command as a whole."""

    keeps_state = True

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
    """Run commands as a do-file does; an `exit` ends the do-file early (`exit, STATA`, or
    an `exit` typed at the top level, leaves the shell)."""
    return _run_lines(session, text, echo)[0]


def _run_lines(session, text: str, echo: bool) -> tuple[int, bool]:
    """(rc, whether an `exit` ended the text early)."""
    from hlmshell.session import ExitRequest
    try:
        rc = session.lang.run_items(do_lines(text), echo=echo)
    except KeyboardInterrupt:  # Ctrl-C between two commands: stop here, as inside one
        if session.do_depth == 0:
            raise
        session.write("--Break--\nr(1);\n\n", force=True)
        return 1, False
    except ExitRequest as exc:
        if session.do_depth == 0 or getattr(exc, "leave", False):
            raise
        session.write("\n")
        return 0, True
    return rc, False


def run_do(session, text: str, directory: str, *, echo: bool = True,
           arguments: str = "") -> int:
    """A do-file's text, in a local-macro scope of its own (`0' holds its arguments, `1',
    `2', ... their words): its commands, then Stata's trailer (`. ` and `end of do-file`,
    or at an error `end of do-file` and the `r(#);` again, raised as DoFileFailed)."""
    from hlmshell.lang.programs import Frame, begin_frame, end_frame
    session.do_depth += 1
    session.do_dirs.append(directory)
    frame = begin_frame(session, Frame(None), arguments)
    quiet_before = session.quiet
    if not echo:
        session.quiet = True
    try:
        rc, exited = _run_lines(session, text, echo)
    finally:
        session.quiet = quiet_before
        end_frame(session, frame)
        session.do_depth -= 1
        session.do_dirs.pop()
    if echo:
        session.write("end of do-file" if rc or exited else ". \nend of do-file")
    if rc:
        raise DoFileFailed(rc)
    return rc


def run_file(session, name: str, *, echo: bool = True, arguments: str = "") -> int:
    path = find_file(session, name, ".do")
    text = read_text(path)
    return run_do(session, text, os.path.dirname(os.path.abspath(path)), echo=echo,
                  arguments=arguments)
