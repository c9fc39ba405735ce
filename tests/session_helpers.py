"""Sessions and command runners shared by the test modules.

Sessions: `hsb_session` (data/hsb.dta read in directly), `hsb_after` (the same after some
commands, e.g. fits) and `data_session` (a small dataset given inline). Every one writes to
an io.StringIO. `post_results` leaves estimates, a scalar, a matrix and r() in a session.

Runners (each returns what the command printed, in the shape its tests compare):
`run_lines` -> (rc, lines), `run_nonblank` / `run_trimmed` -> lines (asserting the rc),
`execute_text` -> (rc, text) for one logical line through Session.execute, and
`run_fresh_out` -> (rc, text) with session.out replaced by a new StringIO first.

tests/conftest.py puts this folder on sys.path, so `from session_helpers import ...` works in
every subfolder."""
from __future__ import annotations

import io
import math
from pathlib import Path

from hlmshell.dataset.dataset import Dataset
from hlmshell.dataset.io import read_dta
from hlmshell.session import Session

ROOT = Path(__file__).resolve().parents[1]  # the repository
HSB = ROOT / "data" / "hsb.dta"


# ---------------------------------------------------------------------------- sessions
def hsb_session(data: bool = True) -> Session:
    """A session with data/hsb.dta in memory (or, with data=False, no data)."""
    s = Session(out=io.StringIO())
    if data:
        s.data = read_dta(str(HSB))
    return s


def hsb_after(*commands: str) -> Session:
    """hsb_session() after running `commands`, each of which must succeed."""
    s = hsb_session()
    for cmd in commands:
        assert s.run(cmd) == 0, cmd
    return s


def data_session(columns: dict) -> tuple[Session, io.StringIO]:
    """A session holding `columns` (name -> (storage type, values) or (storage type, values,
    variable label)), in that order, and the StringIO it writes to (also session.buf)."""
    out = io.StringIO()
    s = Session(out=out)
    data = Dataset()
    for name, (stype, values, *label) in columns.items():
        data.add(name, values, stype, label=label[0] if label else "")
    s.data = data
    s.buf = out
    return s, out


def post_results(session: Session) -> Session:
    """Fit `mixed y x || g:` and store it as m1, define scalar k and matrix A, leave r() from
    `summarize y`: results a failed command must leave as they were. For a session holding
    y, x and g (fuzz_commands.fresh_session's)."""
    for line in ["qui mixed y x || g:", "est store m1", "scalar k = 3", "mat A = e(b)",
                 "qui sum y"]:
        assert session.execute(line) == 0, session.out.getvalue()
    return session


# ---------------------------------------------------------------------------- runners
def run_lines(s: Session, cmd: str) -> tuple[int, list[str]]:
    """r() and the printed lines, right-stripped (a final newline gives a final "")."""
    start = s.out.tell()
    rc = s.run(cmd)
    s.out.seek(start)
    return rc, [line.rstrip() for line in s.out.read().split("\n")]


def run_nonblank(s: Session, command: str, rc: int = 0) -> list[str]:
    """The non-blank printed lines of a command that must end with r(rc); for a
    data_session's session (reads session.buf)."""
    start = s.buf.tell()
    assert s.run(command) == rc, s.buf.getvalue()[start:]
    return [ln for ln in s.buf.getvalue()[start:].splitlines() if ln.strip()]


def run_trimmed(s: Session, out: io.StringIO, command: str, rc: int = 0) -> list[str]:
    """The printed lines, right-stripped and without leading or trailing blank lines, of a
    command that must end with r(rc)."""
    start = out.tell()
    assert s.run(command) == rc, out.getvalue()[start:]
    text = [ln.rstrip() for ln in out.getvalue()[start:].splitlines()]
    while text and not text[-1]:
        text.pop()
    while text and not text[0]:
        text.pop(0)
    return text


def execute_text(session: Session, line: str) -> tuple[int, str]:
    """r() and the printed text of one logical line run through Session.execute."""
    start = session.out.tell()
    rc = session.execute(line)
    return rc, session.out.getvalue()[start:]


def run_fresh_out(session: Session, line: str) -> tuple[int, str]:
    """r() and all the text of Session.run(line), session.out being replaced first."""
    session.out = io.StringIO()
    rc = session.run(line)
    return rc, session.out.getvalue()


# ---------------------------------------------------------------------------- data
def col(s: Session, name: str) -> list:
    """A variable's values as a list, missing numbers as None."""
    return [None if isinstance(v, float) and math.isnan(v) else v
            for v in s.data.column(name).tolist()]


def state(s: Session):
    """Each variable's name, storage type, label and values, and the number of observations:
    what a failed command must leave as it was."""
    return [(v.name, v.stype, v.label, repr(v.values.tolist())) for v in s.data.vars.values()], \
        s.data.nobs

