"""What the replication prefixes (simulate, bootstrap) share: splitting `exp_list, options :
command`, the exp_list itself, running the command quietly once, and the replication dots.

The command after the colon runs through the session's own parse → registry → handler path
(Session.call), under a snapshot of its own, with its output captured unless `noisily`."""
from __future__ import annotations

import io
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from hlmshell.errors import StataError
from hlmshell.syntax.spec import Spec, split_options, top_level_positions


# --------------------------------------------------------------------- prefix syntax
def split_prefix(body: str, spec: Spec) -> tuple[str, dict, str]:
    """`exp_list [, options] : command` → (exp_list text, options, command)."""
    colon = next((i for i, _ in top_level_positions(body, ":")), None)
    if colon is None:
        raise StataError(198, "invalid syntax")
    head, command = body[:colon], body[colon + 1:].strip()
    if not command:
        raise StataError(198, "command required")    # text unconfirmed
    main, opts = split_options(head)
    options = spec.bind_options(opts) if opts is not None else {}
    return main.strip(), options, command


# ------------------------------------------------------------------------- exp_list
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}$")
_EEXP_RE = re.compile(r"(_b|_se)(?:\[\s*([^\]]+?)\s*\])?$")


@dataclass
class ExpItem:
    name: str | None  # given as name=exp, else None (named later by the caller)
    text: str         # as typed, for the legend
    kind: str         # "exp", "_b" or "_se" (all of e(b) / its standard errors)
    node: object = None


def _items(text: str) -> list[str]:
    """Top-level words: `b=_b[x]  (r(mean) + 1)  se = _se[x]` → three items."""
    words, start, depth, i, n = [], None, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
            if depth < 0:
                raise StataError(198, "unmatched parentheses")   # text unconfirmed
        if c.isspace() and depth == 0:
            if start is not None:
                words.append(text[start:i])
                start = None
        elif start is None:
            start = i
        i += 1
    if depth:
        raise StataError(198, "unmatched parentheses")
    if start is not None:
        words.append(text[start:])
    # glue `name = exp` typed with blanks back into one item
    out: list[str] = []
    k = 0
    while k < len(words):
        w = words[k]
        if k + 1 < len(words) and (words[k + 1] == "=" or words[k + 1].startswith("=")) \
                and "=" not in w:
            w += words[k + 1]
            k += 1
            if w.endswith("=") and k + 1 < len(words):
                w += words[k + 1]
                k += 1
        elif w.endswith("=") and k + 1 < len(words):
            w += words[k + 1]
            k += 1
        out.append(w)
        k += 1
    return out


def parse_exp_list(text: str) -> list[ExpItem]:
    from hlmshell.syntax.expr import parse_expression
    items = []
    for word in _items(text):
        name, exp = None, word
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*(.*)$", word, re.S)
        if m:
            name, exp = m.group(1), m.group(2)
            if not _NAME_RE.match(name):
                raise StataError(198, f"{name} invalid name")
            if not exp:
                raise StataError(198, "invalid syntax")
        e = _EEXP_RE.match(exp)
        if e and e.group(2) is None:
            if name is not None:
                raise StataError(198, f"{exp} may not be named")  # text unconfirmed
            items.append(ExpItem(None, exp, exp))
            continue
        items.append(ExpItem(name, exp, "exp", parse_expression(exp)))
    return items


def coef_names(session) -> tuple[list[str], np.ndarray, np.ndarray]:
    """e(b)'s column names, values and standard errors (r(301) with no estimates)."""
    res = session.estimates.active
    if res is None or "b" not in res.matrices:
        raise StataError(301, "last estimates not found")
    b = res.matrices["b"]
    v = res.matrices.get("V")
    se = np.sqrt(np.clip(np.diag(v.values), 0, None)) if v is not None else \
        np.full(b.values.shape[1], np.nan)
    return list(b.colnames), b.values[0].astype(float), se


def evaluate_items(session, items: list[ExpItem]) -> list[float]:
    """The values of the exp_list after one run of the command (as a flat list)."""
    from hlmshell.dataset.evaluate import evaluate
    out: list[float] = []
    for item in items:
        if item.kind == "exp":
            value = evaluate(item.node, session, scalar=True)
            if isinstance(value, str):
                raise StataError(109, "type mismatch")
            out.append(float(value))
        else:
            _, b, se = coef_names(session)
            out += list(b if item.kind == "_b" else se)
    return out


def expand_names(session, items: list[ExpItem], prefix: str = "_sim",
                 colnames: bool = False) -> list[tuple[str, str]]:
    """(name, legend text) for every value evaluate_items returns: given names, `_b_x` /
    `_se_x` for whole e(b) vectors (or, with `colnames`, e(b)'s own column names, as
    bootstrap's e(b) keeps them), `<prefix>_#` for the others, numbered in order."""
    out, k = [], 0
    for item in items:
        if item.kind == "exp":
            k += 1
            out.append((item.name or f"{prefix}_{k}", item.text))
            continue
        cols = coef_names(session)[0]
        first_eq = cols[0].rpartition(":")[0] if cols else ""
        for col in cols:
            if colnames:
                out.append((col if item.kind == "_b" else f"{col}_se", f"{item.kind}[{col}]"))
                continue
            # _b_x, _b_cons for the first equation; lns1_1_1_b_cons for the others
            eq, _, coef = col.rpartition(":")
            base = re.sub(r"[^A-Za-z0-9_]", "_", coef).lstrip("_")
            head = re.sub(r"[^A-Za-z0-9_]", "_", eq) if eq and eq != first_eq else ""
            name = f"{head}{item.kind}_{base}"[:32]
            out.append((name, f"{item.kind}[{col}]"))
    return out


# ------------------------------------------------------------------ running a command
@contextmanager
def side_state_guard(session):
    """State outside Session's snapshot (preserved copies, open postfiles, timers) that the
    replicated command may change: put back if the prefix command as a whole fails."""
    saved = {name: _copy(getattr(session, name, None))
             for name in ("preserve_frames", "preserved", "postfiles", "timers")}
    try:
        yield
    except BaseException:
        for name, value in saved.items():
            setattr(session, name, value)
        raise


def _copy(value):
    return value.copy() if isinstance(value, (list, dict)) else value


def run_command(session, line: str, noisily: bool) -> int:
    """Run one command line through the session's one execute path; its output (and its
    error message) dropped unless `noisily`. A failed command leaves the state as it was
    before it; Ctrl-C propagates so the whole prefix command stops and is rolled back, and
    `exit` ends just the replicated command, as it ends a program."""
    from hlmshell.errors import BreakError
    from hlmshell.session import ExitRequest
    out, logs, quiet, silent = session.out, session.logs, session.quiet, session.silent_errors
    if not noisily:
        session.out, session.logs = io.StringIO(), []
        session.quiet = session.silent_errors = True
    try:
        rc = session.dispatch(line, inner=True, expanded=True)
    except ExitRequest:
        rc = 0
    finally:
        session.out, session.logs = out, logs
        session.quiet, session.silent_errors = quiet, silent
    if rc == BreakError().code:
        raise KeyboardInterrupt
    return rc


# ------------------------------------------------------------------------------ dots
RULER = "----+--- 1 ---+--- 2 ---+--- 3 ---+--- 4 ---+--- 5 "


@dataclass
class Dots:
    """Replication dots as Stata 16/17 print them: a title, the ruler, rows of 50 marks
    each ended by the count (%6.0f); `.` success, `x` the command failed, `e` the exp_list
    could not be evaluated, `n` a statistic was missing."""
    title: str
    marks: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [self.title, RULER]
        for start in range(0, len(self.marks), 50):
            row = "".join(self.marks[start:start + 50])
            end = start + len(row)
            lines.append(row + (f"{end:6d}" if len(row) == 50 else ""))
        return "\n".join(lines)


def legend(command: str, names: list[tuple[str, str]]) -> list[str]:
    """`      Command: cmd` then `name: exp`, names right-aligned in 13 columns (as Stata 17
    logs of simulate and bootstrap show them)."""
    lines = [f"{'Command':>13}: {command}"]
    lines += [f"{name[:13]:>13}: {text}" for name, text in names]
    return lines


def check_reps(options: dict, default: int | None) -> int:
    reps = options.get("reps", default)
    if reps is None:
        raise StataError(198, "option reps() required")
    if not 1 <= reps <= 2_147_483_647:
        raise StataError(198, "reps() must be a positive integer")   # text unconfirmed
    return int(reps)


def apply_seed(session, options: dict) -> None:
    if "seed" in options:
        from hlmshell.commands.program import set_seed
        set_seed(session, str(options["seed"]).strip())


def saving_target(session, text: str | None) -> tuple[str, bool] | None:
    """saving(filename[, replace double every(#)]) → (path with .dta, replace)."""
    if text is None:
        return None
    from hlmshell.paths import with_extension
    from hlmshell.syntax.spec import unquote
    import os
    name, opts = split_options(text)
    replace = False
    for word in (opts or "").split():
        if "replace".startswith(word.lower()) and word:
            replace = True
        elif word.lower() not in ("double",):
            raise StataError(198, f"option {word} not allowed")
    path = with_extension(unquote(name.strip()), ".dta")
    if not name.strip():
        raise StataError(198, "invalid syntax")
    if os.path.exists(path) and not replace:
        raise StataError(602, f"file {path} already exists")
    return path, replace


def isnan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
