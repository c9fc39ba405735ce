"""More egen functions of [D] egen: skew, kurt (summarize, detail's moments), mad (median
absolute deviation from the median), mdev (mean absolute deviation from the mean), pc
(percent of the group total; `prop` for proportions), and the row functions rowfirst,
rowlast, rowmedian and rowpctile (summarize's percentile rule over the nonmissing values).
Registered in EGEN_FUNCTIONS when egen_more loads."""
from __future__ import annotations

import numpy as np

from hlmshell.dataset.egen import (EGEN_FUNCTIONS, EgenFunction, _broadcast, _by_group,
                                   _numeric, _sizes, group_mean, group_total)
from hlmshell.dataset.egen_more import _in_sample, _matrix, _pctile_of, number
from hlmshell.errors import StataError


def _moment_ratio(power: int):
    """skew: m3 / m2^1.5; kurt: m4 / m2^2, with m_k the k-th central moment (divisor n)."""
    def impl(call):
        v = _numeric(call)
        ng = _sizes(call.groups)
        _, g, x = _by_group(v, call.groups)
        n = np.bincount(g, minlength=ng).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(g, x, minlength=ng) / n
            d = x - mean[g]
            m2 = np.bincount(g, d ** 2, minlength=ng) / n
            mk = np.bincount(g, d ** power, minlength=ng) / n
            out = np.where(m2 > 0, mk / m2 ** (power / 2), np.nan)
        return _broadcast(out, call.groups), None
    return impl


def _mdev(call):
    v = _numeric(call)
    return group_mean(np.abs(v - group_mean(v, call.groups)), call.groups), None


def _mad(call):
    v = _numeric(call)
    return _pctile_of(np.abs(v - _pctile_of(v, call.groups, 50)), call.groups, 50), None


def _pc(call):
    v = _numeric(call)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = v / group_total(v, call.groups)
    return (share if call.options.get("prop") else 100 * share), None


def _row_order(kind):
    def impl(call):
        m = _matrix(call)
        present = ~np.isnan(m)
        any_ = present.any(axis=1)
        pick = present.argmax(axis=1) if kind == "rowfirst" else \
            m.shape[1] - 1 - present[:, ::-1].argmax(axis=1)
        out = np.where(any_, m[np.arange(len(m)), pick], np.nan)
        return _in_sample(call, out), None
    return impl


def _row_pctile(fixed_p):
    """rowmedian (fixed_p = 50) and rowpctile(varlist), p(#) (default 50)."""
    def impl(call):
        p = fixed_p if fixed_p is not None else number(call, "p", 50)
        if not 0 < p < 100:
            raise StataError(198, "p() must be between 0 and 100")
        m = _matrix(call)
        s = np.sort(m, axis=1)                    # NaN sort last
        n = (~np.isnan(m)).sum(axis=1)
        pos = n * p / 100
        k = np.floor(pos).astype(int)
        whole = pos == k
        rows = np.arange(len(m))
        with np.errstate(invalid="ignore"):
            lo = s[rows, np.clip(k - 1, 0, None)]
            hi = s[rows, np.clip(np.minimum(k, n - 1), 0, None)]
            out = np.where(whole & (k >= 1) & (k < n), (lo + hi) / 2,
                           s[rows, np.clip(np.where(whole, k - 1, k), 0, None)])
        return _in_sample(call, np.where(n > 0, out, np.nan)), None
    return impl

for fn in (
    EgenFunction("skew", _moment_ratio(3), "exp"),
    EgenFunction("kurt", _moment_ratio(4), "exp"),
    EgenFunction("mdev", _mdev, "exp"),
    EgenFunction("mad", _mad, "exp"),
    EgenFunction("pc", _pc, "exp", ("prop",)),
    EgenFunction("rowfirst", _row_order("rowfirst"), "varlist"),
    EgenFunction("rowlast", _row_order("rowlast"), "varlist"),
    EgenFunction("rowmedian", _row_pctile(50.0), "varlist"),
    EgenFunction("rowpctile", _row_pctile(None), "varlist", ("p",)),
):
    EGEN_FUNCTIONS[fn.name] = fn
