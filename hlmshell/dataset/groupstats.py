"""Summary statistics of a variable within groups, all groups at once (numpy only).

`group_stats(stat, x, codes, ngroups)`: `codes` gives each observation's group 0..G-1; x
holds its values (NaN = missing, left out). Counts, sums and moments come from bincount,
minimum, maximum and percentiles from one sort by (group, value) — so a table of 1,000
cells over a million rows costs a few passes, not 1,000 subsets.

Definitions are summarize's: sd/variance with n - 1, skewness and kurtosis from the
population moments (m3/m2^1.5, m4/m2^2), percentiles by summarize/_pctile's rule
(commands/summarize.percentile: with P = n p/100, the mean of x[P] and x[P+1] when P is an
integer, else x[ceil(P)]), iqr = p75 - p25, cv = sd/mean, semean = sd/sqrt(n).
Optional frequency weights `w` (integers >= 0) count each observation w times.
"""
from __future__ import annotations

import numpy as np

MOMENT_STATS = ("count", "sum", "mean", "variance", "sd", "semean", "cv", "skewness",
                "kurtosis")
ORDER_STATS = ("min", "max", "range", "median", "iqr", "q1", "q2", "q3")

PERCENT_POINTS = {"median": 50.0, "q1": 25.0, "q2": 50.0, "q3": 75.0}


def is_percentile(stat: str) -> bool:
    return stat.startswith("p") and stat[1:].isdigit() and 1 <= int(stat[1:]) <= 99


def group_stats(stat: str, x: np.ndarray, codes: np.ndarray, ngroups: int,
                w: np.ndarray | None = None, cache: dict | None = None,
                var_cache: dict | None = None) -> np.ndarray:
    """One statistic per group (NaN where it is not defined); `count` and `sum` are 0 for
    groups without a nonmissing value.

    `cache` (one dict per variable and grouping) keeps the sums and the sort between
    statistics; `var_cache` (one dict per variable) keeps its nonmissing rows and their
    order by value, so each new grouping needs only a stable sort of small integer codes."""
    cache = {} if cache is None else cache
    vc = {} if var_cache is None else var_cache
    if "ok" not in vc:
        ok = ~np.isnan(x)
        vc["ok"] = None if ok.all() else ok
    ok = vc["ok"]
    if ok is not None:
        x, codes = x[ok], codes[ok]
        w = w[ok] if w is not None else None
    if stat in MOMENT_STATS:
        return _moments(stat, x, codes, ngroups, w, cache)
    if stat in ("min", "max", "range") and "sorted" not in cache:
        if w is not None:                      # a zero weight drops the observation
            x, codes = x[w > 0], codes[w > 0]
        return _extremes(stat, x, codes, ngroups)
    if stat in ORDER_STATS or is_percentile(stat):
        if "xorder" not in vc:
            vc["xorder"] = np.argsort(x, kind="stable")
        return _order(stat, x, codes, ngroups, w, cache, vc["xorder"])
    raise ValueError(f"unknown statistic {stat}")


def _moments(stat, x, codes, G, w, cache):
    if "n" not in cache:
        wt = np.ones(len(x)) if w is None else w
        n = np.bincount(codes, weights=wt, minlength=G)
        s = np.bincount(codes, weights=wt * x, minlength=G)
        cache.update(n=n, s=s, wt=wt)
    n, s, wt = cache["n"], cache["s"], cache["wt"]
    if stat == "count":
        return n
    if stat == "sum":
        return s
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, s / n, np.nan)
        if stat == "mean":
            return mean
        if "d" not in cache:
            d = x - mean[codes]
            cache.update(d=d, m2=np.bincount(codes, weights=wt * d * d, minlength=G))
        d, m2 = cache["d"], cache["m2"]
        if stat in ("skewness", "kurtosis"):
            p = 3 if stat == "skewness" else 4
            mp = np.bincount(codes, weights=wt * d ** p, minlength=G) / n
            m2n = m2 / n
            out = mp / m2n ** (p / 2)
            return np.where((n > 0) & (m2n > 0), out, np.nan)
        var = np.where(n > 1, m2 / (n - 1), np.nan)
        if stat == "variance":
            return var
        sd = np.sqrt(var)
        if stat == "sd":
            return sd
        if stat == "semean":
            return sd / np.sqrt(n)
        return np.where(mean != 0, sd / mean, np.nan)       # cv


def _extremes(stat, x, codes, G):
    """min, max, range without a sort (positive frequency weights do not change them)."""
    lo = np.full(G, np.inf)
    hi = np.full(G, -np.inf)
    if stat != "max":
        np.minimum.at(lo, codes, x)
    if stat != "min":
        np.maximum.at(hi, codes, x)
    has = np.bincount(codes, minlength=G) > 0
    out = lo if stat == "min" else hi if stat == "max" else hi - lo
    return np.where(has, out, np.nan)


def _sorted(x, codes, G, w, xorder):
    """x ordered by (group, value): the value order, then a stable sort of the group codes
    (a radix sort when they fit 16 bits)."""
    small = codes.astype(np.int16 if G < 2 ** 15 else np.int64)
    order = xorder[np.argsort(small[xorder], kind="stable")]
    xs, cs = x[order], codes[order]
    if w is not None:
        # frequency weights: the observation repeated w times (a sort of the expanded data)
        reps = w[order].astype(np.int64)
        xs, cs = np.repeat(xs, reps), np.repeat(cs, reps)
    n = np.bincount(cs, minlength=G)
    start = np.concatenate(([0], np.cumsum(n)[:-1]))
    return xs, n, start


def _order(stat, x, codes, G, w, cache, xorder):
    if "sorted" not in cache:
        cache["sorted"] = _sorted(x, codes, G, w, xorder)
    xs, n, start = cache["sorted"]
    has = n > 0
    last = np.where(has, start + n - 1, 0)
    first = np.where(has, start, 0)
    if not len(xs):
        return np.full(G, np.nan)
    lo, hi = xs[first], xs[last]
    if stat == "min":
        return np.where(has, lo, np.nan)
    if stat == "max":
        return np.where(has, hi, np.nan)
    if stat == "range":
        return np.where(has, hi - lo, np.nan)

    def pct(p: float) -> np.ndarray:
        pos = n * p / 100
        k = np.floor(pos).astype(np.int64)
        exact = pos == k
        # P an integer: mean of the k-th and (k+1)-th (1-based), clamped to the ends
        a = start + np.clip(k - 1, 0, np.maximum(n - 1, 0))
        b = start + np.clip(k, 0, np.maximum(n - 1, 0))
        mid = (xs[np.where(has, a, 0)] + xs[np.where(has, b, 0)]) / 2
        mid = np.where(k <= 0, lo, np.where(k >= n, hi, mid))
        other = xs[np.where(has, start + np.minimum(k, np.maximum(n - 1, 0)), 0)]
        return np.where(has, np.where(exact, mid, other), np.nan)

    if stat == "iqr":
        return pct(75.0) - pct(25.0)
    return pct(PERCENT_POINTS.get(stat) or float(stat[1:]))


__all__ = ["group_stats", "is_percentile", "MOMENT_STATS", "ORDER_STATS"]
