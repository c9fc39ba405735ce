"""`test`, `testparm` and `lincom` after `mixed ..., dfmethod()`: F and t with the
estimation's DF method (Stata's small-sample inference for linear hypotheses and
combinations) instead of chi2 and z.

  residual       F(l, N - rank(X)), t(N - rank(X))
  satterthwaite  the multi-df Satterthwaite F (smallsample.satterthwaite_test); t with the
                 combination's own Satterthwaite DF
  kroger         Kenward-Roger's scaled F and DF m (smallsample.kr_test) on the adjusted
                 VCE; t with the combination's DF (= m for one row) and the adjusted SE
  other methods  (repeated, anova) the smallest DF of the coefficients involved (not
                 verified against Stata)
Only hypotheses on the fixed effects: one that involves a variance parameter, or results
without the fit's numeric state (estimates use), keeps chi2/z (returns None).
"""
from __future__ import annotations

import numpy as np


def small_of(result):
    model = getattr(result, "model", None)
    if getattr(result, "cmd", "") != "mixed" or model is None:
        return None
    return getattr(model, "small", None)


def _fixed_rows(result, R):
    """R over e(b) -> R over the estimable fixed columns, or None."""
    fit = result.model
    kf = len(fit.fixed_names)
    R = np.atleast_2d(np.asarray(R, dtype=float))
    if R.shape[1] < kf or np.any(R[:, kf:] != 0):
        return None
    st = getattr(fit, "_state", None) or {}
    if "design" not in st:
        return None
    keep = np.asarray(st["design"].keep)
    if np.any(np.delete(R[:, :kf], keep, axis=1) != 0):
        return None
    return R[:, keep], keep


def _pieces(small, fit):
    pc = getattr(small, "_pieces", None)
    if pc is None:
        from hlmshell.models.smallsample import pieces
        with np.errstate(all="ignore"):
            pc = pieces(fit)
        small._pieces = pc
    return pc


def small_test(result, R, q):
    """(F, df, ddf) of R b = q (independent rows), or None (chi2 stays; also when the
    information is singular)."""
    try:
        return _small_test(result, R, q)
    except np.linalg.LinAlgError:
        return None


def small_df(result, g):
    """The DF of the combination g'b, or None (z stays)."""
    try:
        return _small_df(result, g)
    except np.linalg.LinAlgError:
        return None


def _small_test(result, R, q):
    small = small_of(result)
    if small is None:
        return None
    got = _fixed_rows(result, R)
    if got is None:
        return None
    L, keep = got
    fit = result.model
    beta = np.asarray(fit.beta, dtype=float)[keep]
    # test L b' = 0 with b' = b - L^+ q (L has independent rows)
    bq = beta - np.linalg.pinv(L) @ np.asarray(q, dtype=float)
    l = L.shape[0]
    if small.method in ("satterthwaite", "kroger"):
        from hlmshell.models.smallsample import kr_test, satterthwaite_test
        pc = _pieces(small, fit)
        with np.errstate(all="ignore"):
            if small.method == "kroger":
                F, _, ddf, _ = kr_test(pc, L, bq, small.V_beta[np.ix_(keep, keep)])
            else:
                F, _, ddf = satterthwaite_test(pc, L, bq, small.info)
        return float(F), l, float(ddf)
    V = small.V_beta[np.ix_(keep, keep)]
    d = L @ bq
    F = float(d @ np.linalg.solve(L @ V @ L.T, d)) / l
    cols = np.flatnonzero(np.any(L != 0, axis=0))
    return F, l, float(np.min(small.df[keep][cols]))


def _small_df(result, g):
    small = small_of(result)
    if small is None:
        return None
    got = _fixed_rows(result, g)
    if got is None:
        return None
    L, keep = got
    L = L[0]
    cols = np.flatnonzero(L)
    if small.method in ("satterthwaite", "kroger"):
        from hlmshell.models.smallsample import satterthwaite
        if len(cols) == 1 and L[cols[0]] != 0:     # one coefficient: its DF as estimated
            return float(small.df[keep][cols[0]])
        with np.errstate(all="ignore"):
            return float(satterthwaite(_pieces(small, result.model), L,
                                       "eim" if small.method == "kroger" else small.info))
    if not len(cols):
        return None
    return float(np.min(small.df[keep][cols]))
