"""Session: the state of one hlmshell (data, estimates, r(), scalars, matrices, output) and
run(), the one path that executes commands for the REPL, do-files and tests alike."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, TextIO

import numpy as np

from hlmshell.commands import load_all
from hlmshell.commands.registry import REGISTRY
from hlmshell.dataset.dataset import Dataset
from hlmshell.errors import BreakError, StataError
from hlmshell.estimates.store import EstimatesStore
from hlmshell.render import to_text
from hlmshell.returns import Returns
from hlmshell.syntax.command_line import parse_command_line
from hlmshell.syntax.lines import logical_lines


DEFAULT_SEED = 123456789  # Stata's seed when it starts, so an unseeded session is reproducible too


class ExitRequest(Exception):
    """`exit`: leave the shell (or the do-file being run)."""


@dataclass
class _State:
    data: Dataset
    estimates: EstimatesStore
    r: Returns
    scalars: dict
    matrices: dict


class Session:
    def __init__(self, out: TextIO | None = None):
        load_all()
        self.out = out if out is not None else sys.stdout
        self.data = Dataset()
        self.estimates = EstimatesStore()
        self.r = Returns()
        self.scalars: dict = {}
        self.matrices: dict = {}
        self.rc = 0
        self.settings = {"linesize": 79, "more": "off", "level": 95}
        self.rng = np.random.default_rng(DEFAULT_SEED)  # runiform() etc.; `set seed` replaces it
        self.logs: list = []  # open `log using` files: objects with write()
        self.quiet = False
        self.do_depth = 0
        self.do_dirs: list[str] = []
        self.interrupt_check: Callable[[], None] | None = None

    # --- output --------------------------------------------------------------------------
    def write(self, text: str, *, force: bool = False) -> None:
        """Screen and logs; dropped under quietly unless `force` (errors always show)."""
        if not text or (self.quiet and not force):
            return
        if not text.endswith("\n"):
            text += "\n"
        self.out.write(text)
        for log in self.logs:
            log.write(text)

    def log_only(self, text: str) -> None:
        for log in self.logs:
            log.write(text if text.endswith("\n") else text + "\n")

    # --- execution -----------------------------------------------------------------------
    def run(self, text: str, *, echo: bool = False) -> int:
        """Run every command in `text`; stops at the first error. Returns the last r()."""
        rc = 0
        for line in logical_lines(text):
            rc = self.execute(line, echo=echo)
            if rc:
                break
        return rc

    def execute(self, line: str, *, echo: bool = False, typed: str | None = None) -> int:
        """One logical line: echo (`typed`, the line as written, if given), dispatch,
        render; errors print message and r(#)."""
        shown = f". {line if typed is None else typed}"
        if echo:
            self.write(shown)
        else:
            self.log_only(shown)
        rc = self._dispatch(line)
        self.write("\n")
        return rc

    def _dispatch(self, line: str) -> int:
        saved = self._snapshot()
        quiet_before = self.quiet
        capture = False
        try:
            parsed = parse_command_line(line)
            capture = parsed.capture
            if parsed.quietly is not None:
                self.quiet = parsed.quietly
            if capture and parsed.quietly is None:
                self.quiet = True
            result = self.call(parsed)
            if result is not None:
                self.write(result if isinstance(result, str) else to_text(result))
            rc = 0
        except ExitRequest:
            self.quiet = quiet_before
            raise
        except KeyboardInterrupt:
            self._restore(saved)
            rc = self._report(BreakError(), capture)
        except StataError as err:
            if not getattr(err, "keeps_state", False):
                self._restore(saved)
            if getattr(err, "output", None) is not None:
                self.write(to_text(err.output))
            rc = self._report(err, capture)
        except RecursionError:
            self._restore(saved)
            rc = self._report(StataError(130, "expression too long"), capture)
        except Exception as err:  # a bug: say so plainly, keep the data, no traceback
            self._restore(saved)
            rc = self._report(StataError(9999, f"internal error: {type(err).__name__}: {err}"),
                              capture)
        finally:
            self.quiet = quiet_before
        if capture:
            self.rc = rc
            return 0
        return rc

    def call(self, parsed):
        """Look up the command, bind its syntax, run its handler; return its result."""
        cmd = REGISTRY.lookup(parsed.word)
        if parsed.by is not None and not cmd.by_ok:
            raise StataError(190, f"{cmd.name} may not be combined with by")
        args = cmd.spec.bind(parsed.body, self.data.names, self.data.nobs)
        args.prefix, args.bysort = parsed.by, parsed.bysort
        return cmd.handler(self, args)

    def _report(self, err: StataError, capture: bool) -> int:
        if not capture:
            if err.message:
                self.write(err.message, force=True)
            self.write(f"r({err.code});", force=True)
        elif err.message and not self.quiet:    # `capture noisily`: the message, no r(#)
            self.write(err.message)
        return err.code

    def _snapshot(self) -> _State:
        return _State(self.data.copy(), self.estimates.copy(),
                      Returns(dict(self.r.scalars), dict(self.r.macros), dict(self.r.matrices)),
                      dict(self.scalars), dict(self.matrices))

    def _restore(self, state: _State) -> None:
        self.data, self.estimates, self.r = state.data, state.estimates, state.r
        self.scalars, self.matrices = state.scalars, state.matrices
