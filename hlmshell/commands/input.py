"""`input [varlist] [, automatic label]` ([D] input): type data in, one observation per line,
up to a line `end`. The lang layer collects the data lines (lang/blocks.reads_to_end) and
hands them over in `session.pending_input`; they are echoed numbered, as Stata's log shows.

New variables are float unless a type is given (`input str10 name age`, `input int (a b)`);
values are blank- (or comma-) separated, strings may be quoted, `.` and `.a`-`.z` are
missing. When every variable named is new, the values fill the observations in memory from
the first one on (then add more); otherwise they are added after those in memory.
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import coerce, is_string_type
from hlmshell.dataset.varlist import check_new_name, unabbreviate
from hlmshell.errors import StataError
from hlmshell.syntax.spec import split_options

_TYPE = re.compile(r"^(byte|int|long|float|double|str\d+|strL)$")
_VALUE = re.compile(r'"([^"]*)"|`"(.*?)"\'|([^\s,]+)')


def _targets(session, text: str) -> list[tuple[str, str | None]]:
    """[(name, type for a new variable or None for an existing one)]."""
    out, pending = [], None
    # `int (v1 v2)`: the type for each name in the parentheses
    text = re.sub(r"(\S+)\s*\(([^()]*)\)",
                  lambda m: " ".join(f"{m.group(1)} {v}" for v in m.group(2).split()), text)
    for word in text.split():
        if _TYPE.match(word):
            if pending is not None:
                raise StataError(198, "invalid syntax")
            pending = word
            continue
        name = word
        if name in session.data.names or (pending is None and session.data.names and
                                          _existing(session, name)):
            if pending is not None:
                raise StataError(110, f"variable {name} already defined")
            out.append((unabbreviate(name, session.data.names), None))
        else:
            check_new_name(name, session.data.names + [n for n, _ in out])
            out.append((name, pending or "float"))
        pending = None
    if pending is not None:
        raise StataError(198, "invalid syntax")
    return out


def _existing(session, name: str) -> bool:
    try:
        unabbreviate(name, session.data.names)
        return True
    except StataError:
        return False


def _value(token: str, stype: str, name: str, row: int):
    if is_string_type(stype):
        return token if stype == "strL" else token[: int(stype[3:])]
    if re.fullmatch(r"\.[a-z]?", token):
        from hlmshell.dataset.missing import value
        return value(token[1:])
    try:
        return float(token)
    except ValueError:
        raise StataError(198, f"'{token}' cannot be read as a number for {name}[{row}]") from None


@command("input", abbrev="inp", syntax="raw", help="type data in, one observation per line")
def input_cmd(session, args):
    """input [[type] varname ...] [, automatic label]
        then the observations, one per line, and a line `end`"""
    main, opts = split_options(args.body)
    if opts is not None and opts.strip():
        raise StataError(198, f"option {opts.strip().split()[0]} not allowed")
    rows = getattr(session, "pending_input", None)
    if rows is None:
        raise StataError(198, "input needs its data lines, ended by a line end")
    data = session.data
    targets = _targets(session, main) if main.strip() else \
        [(n, None) for n in data.names]
    if not targets:
        raise StataError(104, "nothing to input")
    types = {n: (t or data.var(n).stype) for n, t in targets}
    lines = [r for r in rows if r.line.strip() != "end"]
    start = 0 if all(t is not None for _, t in targets) else data.nobs
    values = {n: [] for n, _ in targets}
    for k, item in enumerate(lines, start + 1):
        toks = [next(g for g in m.groups() if g is not None) for m in _VALUE.finditer(item.line)]
        if len(toks) != len(targets):
            raise StataError(198, f"observation {k}: {len(targets)} values expected, "
                                  f"{len(toks)} found")          # text unconfirmed
        for (name, _), tok in zip(targets, toks):
            values[name].append(_value(tok, types[name], name, k))
    new = data.copy()
    total = max(data.nobs, start + len(lines))
    for name in new.names:                      # existing variables: rows added at the end
        var = new.vars[name]
        blank = [""] if var.is_string else [np.nan]
        col = list(var.values) + blank * (total - data.nobs)
        if name in values:
            col[start:start + len(lines)] = values[name]
        var.values = coerce(col, var.stype)
    new.nobs = total
    for name, stype in targets:
        if stype is not None:                   # a new variable: missing outside its rows
            blank = [""] if is_string_type(stype) else [np.nan]
            col = blank * start + values[name] + blank * (total - start - len(lines))
            new.add(name, coerce(col, stype), stype)
    new.changed = True
    new.sortedby = []
    session.data = new
    header = "   " + "".join(f"{n:>11}" for n, _ in targets)
    shown = [f"{k:>3}. {r.typed.strip()}" for k, r in enumerate(rows, start + 1)]
    return "\n".join(["", header] + shown)

