"""tabulate var1 [var2] [if] [in] [, missing row column]

One-way and two-way frequency tables. Missing values are left out unless `missing`.
Stata/SE's limits: 12,000 values one-way, 1,200 rows × 80 columns two-way (r(134)).
"""
from __future__ import annotations

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.dataset.egen import group_ids
from hlmshell.errors import StataError
from hlmshell.render.formats import fmt, parse_format
from hlmshell.render.tabulate import OneWay, TwoWay
from hlmshell.returns import Returns

MAX_ONEWAY = 12000
MAX_ROWS, MAX_COLS = 1200, 80


def _value_texts(data, var, values: np.ndarray, labels: bool = True) -> list[str]:
    """Each value as tabulate shows it: its value label (unless nolabel), else the number."""
    if var.is_string:
        return [str(v) for v in values]
    spec = var.fmt if parse_format(var.fmt).kind in "gf" else "%9.0g"
    out = []
    for v in values:
        text = data.value_text(var.name, v) if labels and var.value_label else None
        out.append(text if text is not None else fmt(v, spec).strip())
    return out


def _levels(data, name: str, rows: np.ndarray, labels: bool = True
            ) -> tuple[np.ndarray, list[str]]:
    """Level index of every selected row and the level texts in sorted order."""
    var = data.var(name)
    ids = group_ids(data, [name], rows)
    first = {}
    for i in np.flatnonzero(rows):
        first.setdefault(ids[i], i)
    reps = var.values[[first[g] for g in sorted(first)]]
    return ids[rows], _value_texts(data, var, reps, labels)


@command("tabulate", abbrev="ta", syntax="varlist [if] [in] [, Missing ROW COLumn NOLabel]",
         help="one- and two-way tables of frequencies", by_ok=True)
def tabulate(session, args):
    from hlmshell.commands.generate import repeat_by
    from hlmshell.render import to_text
    if len(args.varlist) > 2:
        raise StataError(103, "too many variables specified")
    for opt in ("row", "column"):   # two-way options: Stata's one-way syntax lacks them
        if len(args.varlist) == 1 and args.options.get(opt):
            raise StataError(198, f"option {opt} not allowed")
    if args.prefix is not None:
        return repeat_by(session, args, lambda sample: to_text(_tabulate(session, args, sample)))
    return _tabulate(session, args, args.touse(session))


def _tabulate(session, args, rows):
    data = session.data
    names = args.varlist
    if not args.options.get("missing"):
        for name in names:
            col = data.column(name)
            rows &= (col != "") if col.dtype == object else ~np.isnan(col)
    n = int(rows.sum())
    if n == 0:
        raise StataError(2000, "no observations")
    titles = [data.var(name).label or name for name in names]
    labels = not args.options.get("nolabel")
    if len(names) == 1:
        ids, labels = _levels(data, names[0], rows, labels)
        if len(labels) > MAX_ONEWAY:
            raise StataError(134, "too many values")
        freqs = np.bincount(ids, minlength=len(labels)).tolist()
        session.r = Returns({"N": float(n), "r": float(len(labels))})
        return OneWay(titles[0], labels, freqs)
    rid, rlabels = _levels(data, names[0], rows, labels)
    cid, clabels = _levels(data, names[1], rows, labels)
    if len(rlabels) > MAX_ROWS or len(clabels) > MAX_COLS:
        raise StataError(134, "too many values")
    counts = np.zeros((len(rlabels), len(clabels)), dtype=int)
    np.add.at(counts, (rid, cid), 1)
    session.r = Returns({"N": float(n), "r": float(len(rlabels)), "c": float(len(clabels))})
    return TwoWay(titles[0], titles[1], rlabels, clabels, counts.tolist(),
                  row=bool(args.options.get("row")), col=bool(args.options.get("column")))
