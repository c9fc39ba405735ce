"""What graph commands share on the command side: the sample of one plot (`if`/`in`),
numeric columns with Stata's errors, axis titles from variable labels, by() groups."""
from __future__ import annotations

import numpy as np

from hlmshell.dataset.varlist import expand_varlist
from hlmshell.errors import StataError
from hlmshell.graphics import options as gopts
from hlmshell.syntax.spec import Spec, split_options

_MAIN = Spec("[anything] [if] [in]")


def plot_parts(session, text: str, allowed: set[str]):
    """`vars [if] [in] [, options]` → (variable words, sample mask, options dict)."""
    main, opt_text = split_options(text)
    args = _MAIN.bind(main, session.data.names, session.data.nobs)
    mask = args.touse(session)
    return args.anything.strip(), mask, gopts.parse(opt_text, allowed)


def numeric_vars(session, words: str, low: int, high: int | None, what="varlist"):
    names = expand_varlist(words, session.data.names) if words.strip() else []
    if len(names) < low:
        raise StataError(102 if names else 100, "too few variables specified"
                         if names else "varlist required")
    if high is not None and len(names) > high:
        raise StataError(103, "too many variables specified")
    for name in names:
        if session.data.is_string(name):
            raise StataError(109, f"string variables not allowed in {what};\n"
                                  f"{name} is a string variable")
    return names


def label_of(session, name: str) -> str:
    var = session.data.var(name)
    return var.label or name


def complete_rows(session, names: list[str], mask: np.ndarray) -> np.ndarray:
    """The sample without observations missing in any of `names` (graphs skip them)."""
    keep = mask.copy()
    for name in names:
        keep &= ~np.isnan(session.data.column(name))
    return keep


def by_groups(session, by: dict, mask: np.ndarray):
    """[(heading, rows)] for by(varlist): one per combination present in the sample, in
    sorted order; missing values form groups only with by(, missing)."""
    names = expand_varlist(" ".join(by["vars"]), session.data.names)
    cols = [session.data.column(n) for n in names]
    rows = mask.copy()
    if not by.get("missing"):
        for n, c in zip(names, cols):
            if not session.data.is_string(n):
                rows &= ~np.isnan(c)
    idx = np.flatnonzero(rows)
    keys = sorted({tuple(_key(c[i]) for c in cols) for i in idx}, key=_sort_key)
    from hlmshell.render.formats import fmt
    out = []
    for key in keys:
        sel = rows.copy()
        for c, v in zip(cols, key):
            sel &= (c == v) if not (isinstance(v, float) and np.isnan(v)) else np.isnan(c)
        # Stata heads a panel with the value's label where it has one
        head = ", ".join(v if isinstance(v, str) else
                         session.data.value_text(n, v) or fmt(v, "%9.0g").strip()
                         for n, v in zip(names, key))
        out.append((head, sel))
    total = mask if by.get("total") else None
    note = by.get("note")
    if note is None:
        note = "Graphs by " + ", ".join(label_of(session, n) for n in names)
    return out, total, note


def _key(v):
    return v if isinstance(v, str) else float(v)


def _sort_key(key):
    return tuple((1, 0.0, v) if isinstance(v, str) else
                 (0, np.inf if np.isnan(v) else v, "") for v in key)
