"""The by/bysort prefix, shared by every command that accepts it (registered with
by_ok=True): grouping and the sort check (`by_groups`), the if/in sample and expressions
evaluated within groups (`touse_by`, `evaluate_by`: `_n`, `_N`, `x[_n-1]` count within the
row's group), and the per-group output of reporting commands (`repeat_by`).

All of it is vectorised: groups are runs of rows (the data are sorted by the by-variables),
so evaluation needs only each row's group start and size (dataset/evaluate.py).
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.dataset.groups import group_ids, is_sorted_by, sort_order, stable_argsort
from hlmshell.dataset.varlist import expand_varlist
from hlmshell.errors import StataError


def by_groups(session, args) -> tuple[list[str], np.ndarray | None]:
    """Apply the by/bysort prefix: sort (bysort) or check the order (by, r(5) `not sorted`)
    and return the by-variables and the group id of each row (None without a prefix).

    `bysort a (b):` sorts by a b and groups by a, as Stata does."""
    if args.prefix is None:
        return [], None
    if args.in_range is not None:
        raise StataError(190, "in may not be combined with by")
    text, inner = args.prefix, ""
    m = re.match(r"^([^()]*)\((.*)\)\s*$", text)
    if m:
        text, inner = m.group(1), m.group(2)
    data = session.data
    byvars = expand_varlist(text, data.names)
    if not byvars:
        raise StataError(100, "varlist required")
    sortvars = byvars + (expand_varlist(inner, data.names) if inner.strip() else [])
    ids = group_ids(data, byvars)
    if args.bysort:
        if data.sortedby[:len(sortvars)] != sortvars:
            order = stable_argsort(ids) if sortvars == byvars else sort_order(data, sortvars)
            data.take(order, sortedby=sortvars)
            ids = ids[order]
    elif not is_sorted_by(data, sortvars):
        raise StataError(5, "not sorted")
    elif data.sortedby[:len(sortvars)] != sortvars:
        data.sortedby = sortvars
    return byvars, ids


def evaluate_by(session, node, groups: np.ndarray | None) -> np.ndarray:
    """Evaluate an expression over the data, within by-groups when there are any."""
    from hlmshell.dataset.evaluate import evaluate
    return evaluate(node, session, groups=groups)


def touse_by(session, args, groups: np.ndarray | None) -> np.ndarray:
    """The if/in sample, with `if` evaluated within by-groups (`if _n == 1`)."""
    n = session.data.nobs
    mask = np.ones(n, dtype=bool)
    if args.in_range is not None:
        mask[:] = False
        mask[args.in_range[0]:args.in_range[1]] = True
    if args.if_exp is not None:
        value = evaluate_by(session, args.if_exp, groups)
        if value.dtype == object:
            raise StataError(109, "type mismatch")
        mask &= value != 0  # missing counts as true
    return mask


def by_header(data, byvars: list[str], row: int) -> str:
    """`-> sector = 0, id = 1224`: the by-group heading Stata prints before each group."""
    from hlmshell.render.formats import fmt
    parts = []
    for name in byvars:
        var = data.var(name)
        value = var.values[row]
        parts.append(f"{name} = {value if var.is_string else fmt(value, '%9.0g').strip()}")
    return "-> " + ", ".join(parts)


def repeat_by(session, args, produce) -> str | None:
    """Run `produce(sample, rows)` → text once per by-group (Stata's by prefix on a
    reporting command): a rule, `-> g = v`, then the command's output. `sample` is the
    if/in sample within the group, `rows` the group's rows (a bool mask)."""
    byvars, groups = by_groups(session, args)
    if groups is None:
        return None
    sample = touse_by(session, args, groups)
    width = int(session.settings.get("linesize", 79))
    blocks = []
    n = len(groups)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if n else np.zeros(0, int)
    stops = np.r_[starts[1:], n]
    for first, stop in zip(starts.tolist(), stops.tolist()):
        rows = np.zeros(n, dtype=bool)
        rows[first:stop] = True
        # each group: a blank line, the rule, `-> g = v`, then the command's output
        blocks.append("\n" + "-" * width + "\n" + by_header(session.data, byvars, first))
        try:
            text = produce(sample & rows, rows)
        except StataError as err:
            if err.code != 2000:
                raise
            text = err.message
        if text:
            blocks.append(text)
    return "\n".join(blocks).rstrip("\n")


__all__ = ["by_groups", "evaluate_by", "touse_by", "by_header", "repeat_by"]
