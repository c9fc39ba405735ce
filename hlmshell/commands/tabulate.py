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
    x = var.values[rows]
    if not var.is_string and not np.isnan(x).any():   # the common case: one sort
        uniq, inverse = np.unique(x, return_inverse=True)
        return inverse.ravel(), _value_texts(data, var, uniq, labels)
    ids = group_ids(data, [name], rows)
    index = np.flatnonzero(rows)
    _, first = np.unique(ids[index], return_index=True)   # first row of each level, in order
    reps = var.values[index[first]]
    return ids[rows], _value_texts(data, var, reps, labels)


@command("tabulate", abbrev="ta", syntax="varlist [if] [in] [, Missing ROW COLumn CEll NOFreq CHi2 LRchi2 "
                 "EXact NOLabel GENerate(name) SORT MATCell(name) MATRow(name) SUmmarize(varname) "
                 "MEans STandard FReq OBS NOMeans NOStandard NOFreq NOObs WRap]",
         help="one- and two-way tables of frequencies", by_ok=True)
def tabulate(session, args):
    from hlmshell.commands.by import repeat_by
    from hlmshell.render import to_text
    if len(args.varlist) > 2:
        raise StataError(103, "too many variables specified")
    for opt in ("row", "column", "cell", "chi2", "lrchi2", "exact"):
        # two-way options: Stata's one-way syntax lacks them
        if len(args.varlist) == 1 and args.options.get(opt):
            raise StataError(198, f"option {opt} not allowed")
    if args.options.get("summarize"):
        if len(args.varlist) == 2:     # the two-way grid of means is not built
            raise StataError(198, "option summarize() with two variables not allowed")
        if args.prefix is not None:
            return repeat_by(session, args, lambda sample, rows:
                             to_text(_summary(session, args, sample)))
        return _summary(session, args, args.touse(session))
    for opt in ("means", "standard", "freq", "obs", "nomeans", "nostandard", "noobs", "wrap"):
        if args.options.get(opt):
            raise StataError(198, f"option {opt} requires option summarize()")
    for opt in ("generate", "sort", "matcell", "matrow"):
        # one-way options here (two-way matcell()/matrow() are not built)
        if len(args.varlist) == 2 and args.options.get(opt):
            raise StataError(198, f"option {opt}{'' if opt == 'sort' else '()'} not allowed")
    if args.prefix is not None and args.options.get("generate"):
        raise StataError(190, "generate() may not be combined with by")
    if args.options.get("exact"):
        raise StataError(198, "option exact not allowed")   # Fisher's exact test: not built
    if args.prefix is not None:
        return repeat_by(session, args, lambda sample, rows: to_text(_tabulate(session, args, sample)))
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
        freqs = np.bincount(ids, minlength=len(labels))
        order = np.argsort(-freqs, kind="stable") if args.options.get("sort") else \
            np.arange(len(labels))
        _oneway_outputs(session, args, names[0], rows, ids, labels, freqs, order)
        session.r = Returns({"N": float(n), "r": float(len(labels))})
        return OneWay(titles[0], [labels[k] for k in order], freqs[order].tolist())
    rid, rlabels = _levels(data, names[0], rows, labels)
    cid, clabels = _levels(data, names[1], rows, labels)
    if len(rlabels) > MAX_ROWS or len(clabels) > MAX_COLS:
        raise StataError(134, "too many values")
    counts = np.bincount(rid * len(clabels) + cid,
                         minlength=len(rlabels) * len(clabels)).reshape(len(rlabels), len(clabels))
    r = {"N": float(n), "r": float(len(rlabels)), "c": float(len(clabels))}
    tests = []
    opts = args.options
    if opts.get("chi2") or opts.get("lrchi2"):
        df, chi2, lr = independence_tests(counts)
        if opts.get("chi2"):
            r.update(chi2=chi2, p=_chi2tail(df, chi2))
            tests.append(("Pearson chi2", df, chi2, r["p"]))
        if opts.get("lrchi2"):
            r.update(chi2_lr=lr, p_lr=_chi2tail(df, lr))
            tests.append(("Likelihood-ratio chi2", df, lr, r["p_lr"]))
    session.r = Returns(r)
    return TwoWay(titles[0], titles[1], rlabels, clabels, counts.tolist(),
                  row=bool(opts.get("row")), col=bool(opts.get("column")),
                  cell=bool(opts.get("cell")), freq=not opts.get("nofreq"), tests=tests)


def _summary(session, args, rows):
    """One-way `tabulate var, summarize(y)`: y's mean, sd and count in each row of var."""
    from hlmshell.render.tabulate import OneWaySummary
    data, o = session.data, args.options
    name, y = args.varlist[0], o["summarize"]
    if data.is_string(y):
        raise StataError(109, "type mismatch")
    col = data.column(name)
    rows = rows & ((col != "") if col.dtype == object else ~np.isnan(col)) \
        if not o.get("missing") else rows
    yv = np.asarray(data.column(y), dtype=float)
    rows = rows & ~np.isnan(yv)
    if not rows.any():
        raise StataError(2000, "no observations")
    ids, labels = _levels(data, name, rows, not o.get("nolabel"))
    ys = yv[rows]

    def stats(v):
        return (float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else float("nan"),
                len(v))
    cells = [stats(ys[ids == k]) for k in range(len(labels))] + [stats(ys)]
    chosen = [bool(o.get(k)) for k in ("means", "standard", "freq")]
    show = tuple(chosen) if any(chosen) else \
        tuple(not o.get(k) for k in ("nomeans", "nostandard", "nofreq"))
    ytitle = f"Summary of {data.var(y).label or y}"
    session.r = Returns({"N": float(len(ys)), "r": float(len(labels))})
    return OneWaySummary(data.var(name).label or name, ytitle, labels, cells, show)


def _oneway_outputs(session, args, name, rows, ids, texts, freqs, order) -> None:
    """generate(stub): an indicator per level in value order (byte; missing outside the
    sample), labelled `name==value`; matcell()/matrow(): the frequencies and the values as
    column vectors in the order shown (`order`: sort's)."""
    from hlmshell.matrix import StataMatrix
    opts, data = args.options, session.data
    k = len(texts)
    stub = opts.get("generate")
    if stub:
        new = [f"{stub}{j + 1}" for j in range(k)]
        for v in new:
            if len(v) > 32:
                raise StataError(198, f"{v} invalid name")
            if v in data.names:
                raise StataError(110, f"variable {v} already defined")
    values = None
    if opts.get("matrow"):
        if data.is_string(name):
            raise StataError(109, "type mismatch")
        values = np.empty(k)
        values[ids] = data.column(name)[rows]
    index = np.flatnonzero(rows)
    if stub:
        for j, v in enumerate(new):
            col = np.full(data.nobs, np.nan)
            col[index] = (ids == j).astype(float)
            data.add(v, col, "byte", label=f"{name}=={texts[j]}"[:80])
    rnames = [f"r{j + 1}" for j in range(k)]
    if opts.get("matcell"):
        session.matrices[opts["matcell"]] = StataMatrix(
            np.asarray(freqs, float)[order].reshape(-1, 1), rnames, ["c1"])
    if values is not None:
        session.matrices[opts["matrow"]] = StataMatrix(values[order].reshape(-1, 1), rnames,
                                                       ["c1"])


def independence_tests(counts: np.ndarray) -> tuple[int, float, float]:
    """(df, Pearson chi2, likelihood-ratio chi2) of the r×c table; empty cells add nothing to
    the likelihood ratio. df = (r-1)(c-1)."""
    counts = np.asarray(counts, dtype=float)
    expected = np.outer(counts.sum(1), counts.sum(0)) / counts.sum()
    df = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = float(np.where(expected > 0, (counts - expected) ** 2 / expected, 0).sum())
        lr = float(2 * np.where(counts > 0, counts * np.log(counts / expected), 0).sum())
    return df, chi2, lr


def _chi2tail(df: int, x: float) -> float:
    if df <= 0:
        return float("nan")
    from scipy.special import chdtrc   # lighter to load than scipy.stats
    return float(chdtrc(df, x))


def _each(session, args, pairs) -> str:
    """tab1/tab2: `-> tabulation of …` then each table (Stata's tab1.ado/tab2.ado layout)."""
    from dataclasses import replace
    from hlmshell.render import to_text
    blocks = []
    for names in pairs:
        sub = replace(args, varlist=list(names), options=dict(args.options))
        blocks.append("\n-> tabulation of " + " by ".join(names))
        try:
            blocks.append(to_text(_tabulate(session, sub, args.touse(session))))
        except StataError as err:
            if err.code != 2000:
                raise
            blocks.append(err.message)
    return "\n".join(blocks)


@command("tab1", syntax="varlist [if] [in] [, Missing NOLabel]",
         help="one-way tables for each variable")
def tab1(session, args):
    """tab1 varlist [if] [in] [, missing nolabel]"""
    return _each(session, args, [(n,) for n in args.varlist])


@command("tab2", syntax="varlist [if] [in] [, Missing ROW COLumn CEll NOFreq CHi2 LRchi2 "
                        "NOLabel]",
         help="two-way tables for every pair of variables")
def tab2(session, args):
    """tab2 varlist [if] [in] [, missing row column cell nofreq chi2 lrchi2 nolabel]"""
    names = args.varlist
    if len(names) < 2:
        raise StataError(102, "too few variables specified")
    return _each(session, args, [(a, b) for i, a in enumerate(names) for b in names[i + 1:]])
