"""Running a stream of logical lines as Stata does: blocks are collected as typed, macros
are expanded each time a line runs, control statements are carried out here and every other
line goes to Session's dispatch (one command, fully expanded)."""
from __future__ import annotations

import re

from hlmshell.errors import StataError
from hlmshell.lang.blocks import (Block, Item, collect, is_program_define, opener, prefix_words,
                                  reads_to_end)
from hlmshell.lang.macros import number_text

MAX_NESTING = 64   # programs calling programs (and recursion) stop here with r(1000)


class Reported(StataError):
    """An error inside a block or program whose message is already on the screen: what is
    left to print is the r(#) of the command that started it all. Work done before the
    failing command stays, as in Stata."""

    keeps_state = True

    def __init__(self, code: int):
        super().__init__(code, "")


class LoopControl(Exception):
    """`continue` (break=False) or `continue, break` inside a loop."""

    def __init__(self, brk: bool):
        super().__init__()
        self.brk = brk


def _items(source):
    for entry in source:
        yield entry if isinstance(entry, Item) else Item(*entry)


class Interpreter:
    def __init__(self, session):
        self.session = session
        self.loop_depth = 0
        self.nesting = 0                 # programs running, one inside another
        self.max_nesting = MAX_NESTING
        self.frames: list = []           # lang.programs.Frame of each running program/do-file

    # ------------------------------------------------------------------------- top level
    def run_file(self, name: str, *, echo: bool, arguments: str = "") -> int:
        """`do`/`run`: the do-file's lines in a local scope of their own (batch.py)."""
        from hlmshell.batch import run_file
        return run_file(self.session, name, echo=echo, arguments=arguments)

    def run_items(self, source, *, echo: bool) -> int:
        """Lines typed at the prompt or read from a do-file; stops at the first error and
        returns its code."""
        s = self.session
        if self.loop_depth == 0:
            s.break_pending = False     # a Break reported before does not reach new loops
        items = _items(source)
        state = _IfState()
        for item in items:
            if not item.line:
                if echo:
                    s.write(f". {item.typed}")
                if item.note:
                    s.write(item.note)
                continue
            try:
                block = self._read_block(item, items)
            except StataError as err:      # a block that is never closed, `} else {`
                s.write(f". {item.typed}") if echo else s.log_only(f". {item.typed}")
                return s.report(err)
            if block is None:
                rc = self._top_command(item, echo, state)
            else:
                self._echo_block(item, block, echo)
                rc = self._top(lambda: self._run_block(block, state))
                s.write("\n")
            if rc:
                return rc
        return 0

    def _top_command(self, item: Item, echo: bool, state: "_IfState") -> int:
        s = self.session
        shown = f". {item.typed}"
        s.write(shown) if echo else s.log_only(shown)
        if _word(item.line) in ("if", "else") or state.pending is not None:
            rc = self._top(lambda: self._statement(item.line, state))
        else:
            rc = s.dispatch(item.line)
        s.write("\n")
        return rc

    def _top(self, run) -> int:
        """Run a block (or if/else) typed at the top level: its own errors are reported here,
        those of the commands inside it were reported where they happened."""
        s = self.session
        try:
            run()
        except Reported as err:
            s.write(f"r({err.code});", force=True)
            return err.code
        except LoopControl:
            return s.report(StataError(198, "continue may only be used within a loop"))
        except StataError as err:
            return s.report(err)
        return 0

    def _read_block(self, item: Item, items) -> Block | None:
        kind = opener(item.line) or reads_to_end(item.line)
        return None if kind is None else collect(item, items, kind)

    def _echo_block(self, first: Item, block: Block, echo: bool) -> None:
        """Stata's echo of a block: the opening line after `. `, then every line numbered
        (a loop's body from 2, a program's from 1)."""
        s = self.session
        start = 1 if block.kind == "program" else 2
        lines = [f". {first.typed}"]
        if block.kind == "input":        # input shows its data lines itself, numbered
            s.write(lines[0]) if echo else s.log_only(lines[0])
            return
        for k, it in enumerate(block.body + [block.closing], start):
            lines.append(f"{k:>3}. {it.typed}")
        text = "\n".join(lines)
        s.write(text) if echo else s.log_only(text)

    # --------------------------------------------------------------------------- bodies
    def run_body(self, owner) -> None:
        """Run the lines of a block or program (`owner.body`); an error raises Reported.
        The body is split into commands and nested blocks once, then reused."""
        ops = owner.ops
        if ops is None:
            ops = owner.ops = compile_body(owner.body)
        state = _IfState()
        for kind, op in ops:
            if kind is _BLOCK:
                self._run_block(op, state)
            elif kind is _COND or state.pending is not None:
                self._statement(op, state)
            else:
                self.command(op)

    def command(self, line: str, *, expanded: bool = False) -> None:
        """One line of a body. `local`/`global` take a short path (no snapshot: an
        assignment either happens whole or not at all)."""
        s = self.session
        text = line if expanded else s.expand(line)
        m = _ASSIGN.match(text)
        if m:
            from hlmshell.commands.macro_cmds import assign
            try:
                assign(s, text[m.end():], m.group(1).startswith("l"))
                return
            except StataError as err:
                s._report(err, False, True, s.silent_errors)
                raise Reported(err.code) from None
        rc = s.dispatch(text, inner=True, expanded=True)
        if rc:
            raise Reported(rc)

    def _run_block(self, block: Block, state: "_IfState") -> None:
        kind = block.kind
        if kind == "program":
            from hlmshell.lang.programs import define_program
            state.pending = None
            define_program(self.session, is_program_define(block.head), block.body)
            return
        if kind in ("if", "else"):
            self._if_block(block, state)
            return
        state.pending = None
        if kind == "input":
            self._input(block)
            return
        if kind == "prefix":
            self._prefix_block(block)
        elif kind == "foreach":
            self._loop(block, self._foreach_values(self.expand(block.head)))
        elif kind == "forvalues":
            self._loop(block, forvalues_values(self.expand(block.head)))
        elif kind == "while":
            self._while(block)

    def _input(self, block: Block) -> None:
        """`input varlist` with its data lines (commands/input.py reads them from the
        session while the command runs through the one execute path)."""
        s = self.session
        # the data lines (and the closing `end`) are macro-expanded as any line of a do-file
        # or loop body is
        s.pending_input = [Item(it.typed, self.expand(it.line))
                           for it in block.body + [block.closing]]
        try:
            self.command(block.head)
        finally:
            s.pending_input = None

    def expand(self, text: str) -> str:
        return self.session.expand(text)

    # ---------------------------------------------------------------------- if / else
    def _statement(self, line: str, state: "_IfState") -> None:
        """A one-line `if exp command` or `else command`, or any line after an if."""
        word = _word(line)
        if word == "else":
            if state.pending is None:
                raise StataError(198, "else without if")
            ran, state.pending = state.pending, None
            rest = line[4:].strip()
            if ran:
                return
            if _word(rest) == "if":
                self._statement(rest, state)
                return
            self.command(rest)
            return
        if word != "if":
            state.pending = None
            self.command(line)
            return
        cond, rest = self._condition(line[2:])
        state.pending = cond
        if cond and rest:
            self.command(rest, expanded=True)
        elif not rest:
            raise StataError(198, "invalid syntax")

    def _if_block(self, block: Block, state: "_IfState") -> None:
        if block.kind == "else":
            if state.pending is None:
                raise StataError(198, "else without if")
            ran, state.pending = state.pending, None
            rest = block.head[4:].strip()
            if ran:
                if _word(rest) == "if":
                    state.pending = True    # a later `else` of this chain is skipped too
                return
            if not rest:
                self.run_body(block)
                return
            if _word(rest) != "if":
                raise StataError(198, "invalid syntax")
            head = rest
        else:
            head = block.head
        cond, rest = self._condition(head[2:])
        if rest:
            raise StataError(198, "invalid syntax")
        state.pending = cond
        if cond:
            self.run_body(block)

    def _condition(self, text: str) -> tuple[bool, str]:
        """The value of the expression at the start of `text` (expanded) and what follows."""
        from hlmshell.dataset.evaluate import evaluate
        from hlmshell.syntax.expr import split_expression
        text = self.expand(text).strip()
        if not text:
            raise StataError(198, "invalid syntax")
        node, end = split_expression(text, 0)
        value = evaluate(node, self.session, scalar=True)
        if isinstance(value, str):
            raise StataError(109, "type mismatch")
        return value != 0, text[end:].strip()    # missing is true, as in Stata

    # -------------------------------------------------------------------------- blocks
    def _prefix_block(self, block: Block) -> None:
        """quietly { }, noisily { }, capture [noisily] { }."""
        s = self.session
        words, _ = prefix_words(block.head + " {")
        quiet_before, silent_before = s.quiet, s.silent_errors
        capture = "capture" in words
        loud = [w for w in words if w != "capture"]
        if loud:
            s.quiet = loud[-1] == "quietly"
        elif capture:
            s.quiet = True
        if capture:
            s.silent_errors = "noisily" not in words
        try:
            self.run_body(block)
            rc = 0
        except Reported as err:
            if not capture:
                raise
            rc = err.code
        except StataError as err:
            if not capture:
                raise
            if err.message and not s.silent_errors:
                s.write(err.message, force=True)
            rc = err.code
        finally:
            s.quiet, s.silent_errors = quiet_before, silent_before
        if capture:
            s.rc = rc

    def _loop(self, block: Block, values) -> None:
        name, values = values
        macros = self.session.macros
        self.loop_depth += 1
        try:
            for value in values:
                macros.set_local(name, value)
                if not self._iteration(block):
                    break
        finally:
            self.loop_depth -= 1

    def _while(self, block: Block) -> None:
        self.loop_depth += 1
        try:
            while True:
                cond, rest = self._condition(block.head[5:])
                if rest:
                    raise StataError(198, "invalid syntax")
                if not cond or not self._iteration(block):
                    break
        finally:
            self.loop_depth -= 1

    def _iteration(self, block: Block) -> bool:
        """One pass through a loop's body; False after `continue, break`."""
        self._check_break()
        if self.session.break_pending:      # Ctrl-C held by a `capture` in the last pass
            self.session.break_pending = False
            raise KeyboardInterrupt
        try:
            self.run_body(block)
        except LoopControl as ctl:
            return not ctl.brk
        return True

    def _check_break(self) -> None:
        check = self.session.interrupt_check
        if check is not None:
            check()

    def _foreach_values(self, head: str):
        """`foreach x in|of local|of global|of varlist|of newlist|of numlist list`."""
        m = re.fullmatch(r"foreach\s+(\S+)\s+(in|of)\s*(.*)", head, re.S)
        if not m:
            raise StataError(198, "invalid syntax")
        name, how, rest = m.groups()
        from hlmshell.lang.extended import tokens, unquote
        from hlmshell.lang.macros import check_name
        check_name(name, local=True)
        if how == "in":
            return name, [unquote(w) for w in tokens(rest)]
        kind, _, lst = rest.partition(" ")
        kind, lst = kind.strip(), lst.strip()
        s = self.session
        if kind == "local":
            return name, [unquote(w) for w in tokens(s.macros.local(lst))]
        if kind == "global":
            return name, [unquote(w) for w in tokens(s.macros.globals.get(lst, ""))]
        if kind == "varlist":
            from hlmshell.dataset.varlist import expand_varlist
            return name, expand_varlist(lst, s.data.names)
        if kind == "newlist":
            from hlmshell.dataset.varlist import check_new_name
            return name, [check_new_name(w, s.data.names) for w in lst.split()]
        if kind == "numlist":
            from hlmshell.syntax.numlist import parse_numlist
            return name, [number_text(v) for v in parse_numlist(lst)]
        raise StataError(198, f"{kind} invalid" if kind else "invalid syntax")


_BLOCK, _COND, _CMD = "block", "cond", "cmd"
_ASSIGN = re.compile(r"(loc(?:a|al)?|gl(?:o|ob|oba|obal)?)(?=\s|$)")


def compile_body(body: list[Item]) -> list[tuple[str, object]]:
    """A body as (kind, what) steps: nested blocks collected, if/else marked."""
    ops: list[tuple[str, object]] = []
    items = iter(body)
    for item in items:
        if not item.line:
            continue
        kind = opener(item.line) or reads_to_end(item.line)
        if kind is not None:
            ops.append((_BLOCK, collect(item, items, kind)))
        elif _word(item.line) in ("if", "else"):
            ops.append((_COND, item.line))
        else:
            ops.append((_CMD, item.line))
    return ops


class _IfState:
    """Whether the last statement was an `if` (and whether it ran): a following `else`
    depends on it."""

    def __init__(self):
        self.pending: bool | None = None


def _word(line: str) -> str:
    m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", line.lstrip())
    return m.group() if m else ""


_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def forvalues_values(head: str):
    """`forvalues i = a/b | a(d)b | a t to b | a t : b`: the loop's values as text."""
    m = re.fullmatch(r"forv\w*\s+(\w+)\s*=\s*(.*?)\s*", head, re.S)
    if not m:
        raise StataError(198, "invalid syntax")
    name, rng = m.groups()
    from hlmshell.lang.macros import check_name
    check_name(name, local=True)
    compact = rng.replace(" ", "")
    if (r := re.fullmatch(rf"({_NUM})/({_NUM})", compact)):
        a, b = float(r.group(1)), float(r.group(2))
        step = 1.0
    elif (r := re.fullmatch(rf"({_NUM})\(({_NUM})\)({_NUM})", compact)):
        a, step, b = (float(g) for g in r.groups())
    elif (r := re.fullmatch(rf"({_NUM})\s+({_NUM})\s*(?:to|:)\s*({_NUM})", rng.strip())):
        a, t, b = (float(g) for g in r.groups())
        step = t - a
    else:
        raise StataError(198, "invalid syntax")
    if step == 0:
        raise StataError(198, "invalid syntax")
    return name, _range_values(a, step, b)


def _range_values(a: float, step: float, b: float):
    k = 0
    while True:
        v = a + k * step
        if (step > 0 and v > b + abs(step) * 1e-9) or (step < 0 and v < b - abs(step) * 1e-9):
            return
        yield number_text(float(f"{v:.15g}"))
        k += 1
