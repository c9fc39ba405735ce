"""Per-group statistics for collapse, vectorised over rows and groups (no loop per group).

`group_stat(stat, x, g, ng, w, wtype)` → one value per group, where `g` holds the 0-based
group of each row (rows are already restricted to the sample), `w` the weights (None when
unweighted) and `wtype` one of fweight/aweight/pweight/iweight.

Weighting, as collapse.ado does it: means, sums and standard deviations are weighted;
aweights are rescaled to sum to the group's number of nonmissing observations (so an
aweighted `sum` is N·weighted mean; pweighted sums are Σw·x); `count` is Σw for fweights,
iweights and pweights and the unweighted count for aweights; `percent` is the group's share
of Σw (of N unweighted); `rawsum` ignores the weights; percentiles use the weighted
empirical distribution (summarize, detail's definition when unweighted); semean divides by
the square root of N (Σw for fweights).
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.errors import StataError

STATS = ("mean", "median", "sd", "semean", "sebinomial", "sepoisson", "sum", "rawsum", "count",
         "percent", "max", "min", "iqr", "first", "last", "firstnm", "lastnm")
PCTILE = re.compile(r"^p([1-9][0-9]?)$")


def known_stat(name: str) -> bool:
    return name in STATS or bool(PCTILE.match(name))


def _sums(values, g, ng):
    return np.bincount(g, values, minlength=ng)


def group_stat(stat: str, x: np.ndarray, g: np.ndarray, ng: int,
               w: np.ndarray | None = None, wtype: str | None = None) -> np.ndarray:
    present = ~np.isnan(x)
    if stat in ("first", "last"):
        return _ends(x, g, ng, stat == "last", np.ones(len(x), dtype=bool))
    if stat in ("firstnm", "lastnm"):
        return _ends(x, g, ng, stat == "lastnm", present)
    if present.all():                      # no missing values: no copies
        xs, gs = x, g
    else:
        xs, gs = x[present], g[present]
    ws = None if w is None else (w if present.all() else w[present])
    n = np.bincount(gs, minlength=ng).astype(float)
    if stat in ("max", "min"):
        fill = -np.inf if stat == "max" else np.inf
        out = np.full(ng, fill)
        (np.maximum if stat == "max" else np.minimum).at(out, gs, xs)
        return np.where(n > 0, out, np.nan)
    if stat == "count":
        return _sums(ws, gs, ng) if wtype in ("fweight", "iweight", "pweight") else n
    if stat == "percent":
        count = n if ws is None else _sums(ws, gs, ng)
        total = count.sum()
        return 100 * count / total if total else np.full(ng, np.nan)
    if stat == "rawsum":
        return _sums(xs, gs, ng)
    if ws is not None and wtype == "aweight":   # rescaled to sum to the group's N
        wsum = _sums(ws, gs, ng)
        with np.errstate(invalid="ignore", divide="ignore"):
            ws = ws * (n / wsum)[gs]
    sw = n if ws is None else _sums(ws, gs, ng)
    wx = xs if ws is None else ws * xs
    with np.errstate(invalid="ignore", divide="ignore"):
        total = _sums(wx, gs, ng)
        mean = total / sw
        if stat == "mean":
            return np.where(n > 0, mean, np.nan)
        if stat == "sum":
            return total
        if stat in ("sd", "semean"):
            dev2 = (xs - mean[gs]) ** 2
            ss = _sums(dev2 if ws is None else ws * dev2, gs, ng)
            sd = np.where((sw > 1) & (n > 0), np.sqrt(ss / (sw - 1)), np.nan)
            obs = sw if wtype == "fweight" else n
            return sd if stat == "sd" else sd / np.sqrt(obs)
        if stat in ("sebinomial", "sepoisson"):
            obs = sw
            if stat == "sebinomial":     # only for 0/1 data
                bad = _sums(((xs != 0) & (xs != 1)).astype(float), gs, ng) > 0
                out = np.sqrt(mean * (1 - mean) / obs)
            else:                        # only for non-negative data
                bad = _sums((xs < 0).astype(float), gs, ng) > 0
                out = np.sqrt(np.floor(mean * obs + 0.5)) / obs
            return np.where(bad | (n == 0), np.nan, out)
    ws = np.ones(len(xs)) if ws is None else ws
    if stat == "median":
        return _percentile(xs, gs, ng, ws, 50)
    if stat == "iqr":
        return _percentile(xs, gs, ng, ws, 75) - _percentile(xs, gs, ng, ws, 25)
    m = PCTILE.match(stat)
    if m:
        return _percentile(xs, gs, ng, ws, int(m.group(1)))
    raise StataError(198, f"{stat} invalid statistic")


def _ends(x, g, ng, last: bool, rows: np.ndarray) -> np.ndarray:
    """The first (last) value in the current order of each group among `rows`."""
    out = np.full(ng, np.nan)
    idx = np.flatnonzero(rows)
    if last:
        idx = idx[::-1]
    grp, first = np.unique(g[idx], return_index=True)
    out[grp] = x[idx[first]]
    return out


def _percentile(xs, gs, ng, ws, p: float) -> np.ndarray:
    """Weighted p-th percentile per group: with W the group's weight total and P = W·p/100,
    the first value whose cumulative weight exceeds P; where it equals P exactly, the mean
    of that value and the next (summarize, detail's rule when every weight is 1)."""
    out = np.full(ng, np.nan)
    if len(xs) == 0:
        return out
    order = np.lexsort((xs, gs))
    x, g, w = xs[order], gs[order], ws[order]
    cw = np.cumsum(w)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    stops = np.r_[starts[1:], len(g)]
    before = np.r_[0.0, cw][starts]                 # cumulative weight before each group
    total = cw[stops - 1] - before
    target = total * p / 100
    tol = 1e-6                      # collapse.ado's tolerance on cumulative weights
    pos = np.searchsorted(cw, before + target + tol, side="right")
    pos = np.minimum(pos, stops - 1)
    prev_pos = np.maximum(pos - 1, starts)
    exact = (pos > starts) & (np.abs(cw[prev_pos] - before - target) <= tol)
    value = x[pos]
    prev = x[np.maximum(pos - 1, starts)]
    grp = g[starts]
    out[grp] = np.where(exact, (prev + value) / 2, value)
    return out
