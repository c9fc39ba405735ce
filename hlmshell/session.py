"""Session: the state of one hlmshell (data, estimates, r(), scalars, matrices, output) and
run(), the one path that executes commands for the REPL, do-files and tests alike."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, TextIO

import numpy as np

from hlmshell.commands.registry import REGISTRY, use_index
from hlmshell.dataset.dataset import Dataset
from hlmshell.errors import BreakError, StataError
from hlmshell.estimates.store import EstimatesStore
from hlmshell.lang.interpreter import Interpreter, LoopControl
from hlmshell.lang.macros import Expander, Macros
from hlmshell.render import OpenLine, to_text
from hlmshell.returns import Returns
from hlmshell.syntax.command_line import parse_command_line
from hlmshell.syntax.lines import do_lines


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
    macros: tuple


class Session:
    def __init__(self, out: TextIO | None = None):
        use_index()
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
        self.macros = Macros()
        self.programs: dict = {}            # user programs: name -> lang.programs.Program
        self.silent_errors = False          # inside `capture`: errors print nothing
        self.break_pending = False          # a Break that `capture` held (see dispatch)
        self.lang = Interpreter(self)
        self._expander = Expander(self)

    # --- output --------------------------------------------------------------------------
    def write(self, text: str, *, force: bool = False) -> None:
        """Screen and logs; dropped under quietly unless `force` (errors always show)."""
        if not text or (self.quiet and not force):
            return
        if not text.endswith("\n") and not isinstance(text, OpenLine):
            text += "\n"
        self.out.write(text)
        for log in self.logs:
            log.write(text)

    def log_only(self, text: str) -> None:
        for log in self.logs:
            log.write(text if text.endswith("\n") else text + "\n")

    # --- execution -----------------------------------------------------------------------
    def run(self, text: str, *, echo: bool = False) -> int:
        """Run every command in `text` (blocks, loops and programs included); stops at the
        first error. Returns its r() code, 0 when all ran."""
        return self.lang.run_items(do_lines(text), echo=echo)

    def execute(self, line: str, *, echo: bool = False, typed: str | None = None) -> int:
        """One logical line at the top level: echo (`typed`, the line as written, if
        given), dispatch, render; errors print message and r(#)."""
        shown = f". {line if typed is None else typed}"
        if echo:
            self.write(shown)
        else:
            self.log_only(shown)
        rc = self.dispatch(line)
        self.write("\n")
        return rc

    def expand(self, text: str) -> str:
        """The line with its macros substituted (lang/macros.py)."""
        return self._expander.expand(text)

    def dispatch(self, line: str, *, inner: bool = False, expanded: bool = False) -> int:
        """Expand, parse and run one command; on error restore the state as it was and
        report. `inner`: a line of a block or program, whose error prints its message
        here and its r(#) where the outermost command reports it."""
        saved = self._snapshot()
        quiet_before, silent_before = self.quiet, self.silent_errors
        capture = False
        try:
            parsed = parse_command_line(line if expanded else self.expand(line))
            capture = parsed.capture
            if parsed.quietly is not None:
                self.quiet = parsed.quietly
            if capture and parsed.quietly is None:
                self.quiet = True
            if capture:
                self.silent_errors = parsed.quietly is not False
            result = self.call(parsed)
            if result is not None and not self.quiet:   # (quietly: not even laid out)
                self.write(result if isinstance(result, str) else to_text(result))
            rc = 0
        except (ExitRequest, LoopControl):
            self.quiet, self.silent_errors = quiet_before, silent_before
            raise
        except KeyboardInterrupt:
            self._restore(saved)
            # capture holds a Break as Stata's does (_rc = 1); a loop around it stops at its
            # next pass all the same (lang.interpreter), so Ctrl-C always ends a loop
            self.break_pending = True
            rc = self._report(BreakError(), capture, inner, silent_before)
        except StataError as err:
            if not getattr(err, "keeps_state", False):
                self._restore(saved)
            if getattr(err, "output", None) is not None:
                self.write(to_text(err.output))
            rc = self._report(err, capture, inner, silent_before)
        except RecursionError:
            self._restore(saved)
            rc = self._report(StataError(130, "expression too long"), capture, inner,
                              silent_before)
        except Exception as err:  # a bug: say so plainly, keep the data, no traceback
            self._restore(saved)
            rc = self._report(StataError(9999, f"internal error: {type(err).__name__}: {err}"),
                              capture, inner, silent_before)
        finally:
            self.quiet, self.silent_errors = quiet_before, silent_before
        if capture:
            self.rc = rc
            return 0
        return rc

    def report(self, err: StataError) -> int:
        """A top-level error raised outside dispatch (a block's own syntax): message, r(#)."""
        return self._report(err, False, False, self.silent_errors)

    def call(self, parsed):
        """Look up the command (a user program by its exact name first), bind its syntax,
        run its handler; return its result."""
        if parsed.error is not None:
            raise parsed.error
        program = self.programs.get(parsed.word)
        if program is not None:
            from hlmshell.lang.programs import call_program
            if parsed.by is not None:
                raise StataError(190, f"{parsed.word} may not be combined with by")
            return call_program(self, program, parsed.body)
        cmd = REGISTRY.lookup(parsed.word)
        if parsed.by is not None and not cmd.by_ok:
            raise StataError(190, f"{cmd.name} may not be combined with by")
        args = cmd.spec.bind(parsed.body, self.data.names, self.data.nobs)
        args.prefix, args.bysort = parsed.by, parsed.bysort
        before = self.estimates.active
        out = cmd.handler(self, args)
        if self.estimates.active is not before:
            from hlmshell.estimates.esample import stamp
            stamp(self.estimates.active, self.data)
        return out

    def _report(self, err: StataError, capture: bool, inner: bool, silent: bool) -> int:
        """Print an error: its message (unless an enclosing `capture` silences it), and its
        r(#) at the top level only. `capture noisily` shows the message without r(#)."""
        if capture:
            if err.message and not self.silent_errors:
                self.write(err.message, force=True)
        elif not silent:
            if err.message:
                self.write(err.message, force=True)
            if not inner:
                self.write(f"r({err.code});", force=True)
        return err.code

    def _snapshot(self) -> _State:
        return _State(self.data.copy(), self.estimates.copy(),
                      Returns(dict(self.r.scalars), dict(self.r.macros), dict(self.r.matrices)),
                      dict(self.scalars), dict(self.matrices), self.macros.snapshot())

    def _restore(self, state: _State) -> None:
        self.data, self.estimates, self.r = state.data, state.estimates, state.r
        self.scalars, self.matrices = state.scalars, state.matrices
        self.macros.restore(state.macros)
