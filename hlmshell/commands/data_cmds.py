"""Changing the data: drop, keep, expand, sort, gsort, label variable (rename and order:
commands/variables.py)."""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.by import by_groups, touse_by
from hlmshell.commands.generate import _plural
from hlmshell.commands.registry import Registry, command
from hlmshell.dataset.dataset import MAX_OBS
from hlmshell.dataset.egen import sort_order
from hlmshell.dataset.evaluate import evaluate
from hlmshell.dataset.varlist import check_new_name, expand_varlist, unabbreviate
from hlmshell.render.formats import comma_int
from hlmshell.errors import StataError
from hlmshell.syntax.expr import parse_expression
from hlmshell.syntax.spec import clauses, split_options, unquote


def _typed_varlist(args) -> bool:
    """Did the user type a varlist (as opposed to an empty one the spec filled in)?"""
    main, _ = clauses(split_options(args.body)[0])
    return bool(main.strip())


def _selected(session, args) -> np.ndarray:
    """The if/in sample, with `if` evaluated within by-groups when there is a by prefix."""
    _, groups = by_groups(session, args)
    return touse_by(session, args, groups)


def _drop_keep(session, args, keep: bool):
    data = session.data
    typed = _typed_varlist(args)
    has_sample = args.if_exp is not None or args.in_range is not None
    if typed and has_sample:
        raise StataError(198, "invalid syntax")
    if not typed and not has_sample:
        raise StataError(100, "varlist required")
    if typed:
        if args.prefix is not None:
            raise StataError(190, "request may not be combined with by")
        names = args.varlist
        data.drop_vars([n for n in data.names if (n in names) != keep])
        return None
    mask = _selected(session, args)
    rows = mask if keep else ~mask
    deleted = int(data.nobs - rows.sum())
    if deleted:
        data.take(np.flatnonzero(rows), sortedby=list(data.sortedby))
    return f"({_plural(deleted, 'observation', 'observations')} deleted)"


@command("drop", syntax="[varlist] [if] [in]", help="drop variables or observations", by_ok=True)
def drop(session, args):
    return _drop_keep(session, args, keep=False)


@command("keep", syntax="[varlist] [if] [in]", help="keep variables or observations", by_ok=True)
def keep(session, args):
    return _drop_keep(session, args, keep=True)


def _ignored(count: int, kind: str) -> str:
    """`(1 zero count ignored; observation not deleted)`: [D] expand's note for an
    observation kept once because its count is negative, zero or missing."""
    if count == 1:
        return f"(1 {kind} count ignored; observation not deleted)"
    return f"({comma_int(count)} {kind} counts ignored; observations not deleted)"


@command("expand", syntax="anything [if] [in] [, GENerate(string)]", help="duplicate observations")
def expand(session, args):
    """expand [=]exp [if] [in] [, generate(newvar)]"""
    data = session.data
    text = args.anything.strip().removeprefix("=")
    counts = evaluate(parse_expression(text), session)
    if counts.dtype == object:
        raise StataError(109, "type mismatch")
    new = args.options.get("generate")
    if new is not None:
        check_new_name(new, data.names)
    sample = args.touse(session)
    # [D] expand: the count is exp rounded to the nearest integer; below 1 or missing, the
    # observation is kept once. Observations outside if/in are kept once, silently.
    with np.errstate(invalid="ignore", over="ignore"):
        rounded = np.sign(counts) * np.floor(np.abs(counts) + 0.5)
        copies = np.where(sample & (rounded >= 1), rounded, 1.0)
        total = data.nobs + float(np.sum(copies - 1))  # float, maybe inf: exp may be 1e300
    if total > MAX_OBS:
        raise StataError(901, "no room to add more observations")
    data.check_capacity(int(total))     # its spare column covers generate()
    # the duplicates go at the end, each observation's together, in the data's order
    index = np.arange(data.nobs)
    extra = np.repeat(index, (copies - 1).astype(np.int64))
    data.take(np.concatenate([index, extra]), copies=True)  # no longer sorted
    if new is not None:
        data.add(new, np.r_[np.zeros(len(index)), np.ones(len(extra))], "byte")
    with np.errstate(invalid="ignore"):
        ignored = {"negative": int(np.sum(sample & (rounded < 0))),
                   "zero": int(np.sum(sample & (rounded == 0))),
                   "missing": int(np.sum(sample & np.isnan(rounded)))}
    notes = [_ignored(count, kind) for kind, count in ignored.items() if count]
    notes.append(f"({_plural(len(extra), 'observation', 'observations')} created)")
    return "\n".join(notes)


@command("sort", syntax="varlist [in]", help="sort the data (stable)")
def sort(session, args):
    data = session.data
    if args.in_range is not None:
        first, stop = args.in_range
        order = np.arange(data.nobs)
        sub = data.copy()
        sub.take(np.arange(first, stop))
        order[first:stop] = first + sort_order(sub, args.varlist)
        data.take(order, sortedby=[])
        return None
    data.take(sort_order(data, args.varlist), sortedby=list(dict.fromkeys(args.varlist)))
    return None


GSORT_RE = re.compile(r"([+-]?)\s*([A-Za-z_][A-Za-z0-9_]*|\*)")


@command("gsort", syntax="anything [, MFirst]", help="sort ascending (+) or descending (-)")
def gsort(session, args):
    """gsort [+|-]varname [[+|-]varname ...] [, mfirst]"""
    data = session.data
    text = args.anything.strip()
    names, descending = [], []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = GSORT_RE.match(text, pos)
        if not m:
            raise StataError(198, "invalid syntax")
        for name in expand_varlist(m.group(2), data.names):
            names.append(name)
            descending.append(m.group(1) == "-")
        pos = m.end()
    if not names:
        raise StataError(100, "varlist required")
    order = sort_order(data, names, descending)
    data.take(order, sortedby=[] if any(descending) else list(dict.fromkeys(names)))
    return None


# ------------------------------------------------------------------ label
LABEL = Registry("subcommand")


@LABEL.command("variable", abbrev="var", syntax="raw", help="attach a label to a variable")
def label_variable(session, text: str):
    text = text.strip()
    m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$", text, re.S)
    if not m:
        raise StataError(100, "varlist required")
    name = unabbreviate(m.group(1), session.data.names)
    label = unquote(m.group(2).strip())
    var = session.data.var(name)
    var.label = label[:80]
    session.data.changed = True
    return None


@command("label", abbrev="la", syntax="raw", help="variable, value and data labels")
def label(session, args):
    """label variable varname ["label"]
    label define lblname # "label" [# "label" ...] [, add modify replace nofix]
    label values varlist [lblname | .]
    label list [lblnames] | label dir | label drop {lblnames | _all} | label data ["label"]"""
    word, _, rest = args.anything.strip().partition(" ")
    sub = LABEL.lookup(word)
    return sub.handler(session, rest)


# the subcommands other modules register: label define/values/list/..., loaded with `label`
from hlmshell.commands import labels  # noqa: E402,F401
