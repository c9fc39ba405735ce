"""Term sums of squares for `anova` ([R] anova): partial (Stata's default) and sequential.

Partial SS are Stata's "marginal" sums of squares, which for a hierarchical model with
categorical factors equal SAS's Type III: the increase in the residual SS when a term's
columns are removed from the full model coded with sum-to-zero (effect) contrasts. They are
*not* the Wald tests of the term's coefficients in the base-level coding that `regress`
posts: with an interaction in the model those test a main effect at the base level of the
other factor. Checked on Afifi and Azen's systolic data (the [R] anova example, unbalanced
drug##disease): sum-to-zero Type III reproduces Stata's 2997.47186 / 415.873046 /
707.266259, base-level coding gives 939.96 for drug (tests/fixtures/make_anova_reference.py).

Coding rule (the counterpart of models/design.py's base cells): a categorical factor of a
term gets sum-to-zero contrasts (level j minus the last level) when the term without that
factor is in the model (the constant counts as the empty term), else its full indicators;
continuous factors enter as they are; interactions are products. In a hierarchical model
with a constant every factor is sum-coded (Type III). The span of the columns of the first
j terms is the same as in the base-level design, so the model, its rank, and the sequential
SS do not depend on the coding.

Sums come from one weighted Gram matrix of the centred columns (one BLAS pass over the
data); collinear columns (empty cells) are dropped in term order by a pivot test, as the
design drops them. Plain numpy; no shell imports.
"""
from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from .results import ModelError

PIVOT_TOL = 1e-11      # squared relative residual below which a column is collinear


@dataclass
class TermSS:
    ss: list[float]           # per term: partial or sequential SS
    df: list[int]             # per term: columns kept (numerator df)
    rss: float
    mss: float
    k: int                    # columns kept besides the constant


def _levels(x: np.ndarray) -> np.ndarray:
    return np.unique(x)


def _key(term) -> tuple:
    """A term as a multiset of (var, categorical): c.x#c.x is not c.x."""
    return tuple(sorted(term))


def _without(key: tuple, item) -> tuple:
    out = list(key)
    out.remove(item)
    return tuple(out)


def term_columns(term, cols: dict, present: set, levels: dict) -> list[np.ndarray]:
    """Columns of one term over the sample rows. `term` is a sequence of (var, categorical)
    pairs; `present` holds the model's terms as `_key`s."""
    key = _key(term)
    blocks: list[list[np.ndarray]] = [[]]
    for var, categorical in term:
        x = cols[var]
        if not categorical:
            blocks = [b + [x] for b in blocks]
            continue
        lv = levels[var]
        ind = [(x == v).astype(float) for v in lv]
        if _without(key, (var, True)) in present and len(lv) > 1:
            coded = [ind[j] - ind[-1] for j in range(len(lv) - 1)]
        else:
            coded = ind
        blocks = [b + [c] for b in blocks for c in coded]
    out = []
    for parts in blocks:
        col = np.ones(len(next(iter(cols.values())))) if not parts else parts[0]
        for p in parts[1:]:
            col = col * p
        out.append(col)
    return out


def _kept_cholesky(G: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Cholesky factor of G over the columns kept in order (a column is dropped when its
    squared residual on the kept ones is below PIVOT_TOL of its own square)."""
    k = len(G)
    d = np.diag(G).copy()
    if k and (d > 0).all():
        s = np.sqrt(d)
        try:                                   # full rank: one LAPACK call
            L = np.linalg.cholesky(G / s[:, None] / s[None, :])
            if (np.diag(L) ** 2 > 1e-8).all():
                return L * s[:, None], list(range(k))
        except np.linalg.LinAlgError:
            pass
    from scipy.linalg import solve_triangular
    keep: list[int] = []
    L = np.zeros((k, k))
    for j in range(k):
        if d[j] <= 0:
            continue
        m = len(keep)
        r = solve_triangular(L[:m, :m], G[keep, j], lower=True) if m else np.zeros(0)
        piv = G[j, j] - r @ r
        if piv <= PIVOT_TOL * d[j]:
            continue
        L[m, :m] = r
        L[m, m] = np.sqrt(piv)
        keep.append(j)
    m = len(keep)
    return L[:m, :m], keep


def term_ss(y: np.ndarray, cols: dict, terms, *, constant: bool, weights=None,
            sequential: bool = False) -> TermSS:
    """Partial (default) or sequential SS of each term.

    y: response over the sample rows; cols: variable -> values over the sample rows;
    terms: per term a tuple of (var, categorical) pairs, in model order; weights: the
    weights the sums use (aweights already normalised), or None.
    """
    n = len(y)
    present = {_key(t) for t in terms}
    if constant:
        present.add(())
    levels = {v: _levels(cols[v]) for t in terms for v, c in t if c}
    blocks = [term_columns(t, cols, present, levels) for t in terms]
    owner = [i for i, b in enumerate(blocks) for _ in b]
    k = len(owner)
    Z = np.empty((n, k), order="F")
    j = 0
    for b in blocks:
        for c in b:
            Z[:, j] = c
            j += 1
    w = weights
    sw = float(n if w is None else w.sum())
    yy = y
    if constant:
        mz = (Z.mean(axis=0) if w is None else (w @ Z) / sw)
        my = float(y.mean() if w is None else w @ y / sw)
        Z -= mz
        yy = y - my
    Zw = Z if w is None else Z * w[:, None]
    G = Zw.T @ Z
    g = Zw.T @ yy
    tss = float(yy @ yy if w is None else w @ (yy * yy))
    L, keep = _kept_cholesky(G)
    if not np.isfinite(L).all():
        raise ModelError(430, "numerical problem in the anova design")
    from scipy.linalg import solve_triangular
    z = solve_triangular(L, g[keep], lower=True) if keep else np.zeros(0)
    mss = float(z @ z)
    rss = max(tss - mss, 0.0)
    kept_owner = np.array([owner[j] for j in keep], dtype=int)
    df = [int((kept_owner == i).sum()) for i in range(len(terms))]
    ss = [0.0] * len(terms)
    if sequential:
        for i in range(len(terms)):
            ss[i] = float((z[kept_owner == i] ** 2).sum())
        return TermSS(ss, df, rss, mss, len(keep))
    Li = solve_triangular(L, np.eye(len(keep)), lower=True)
    Ginv = Li.T @ Li
    b = Ginv @ g[keep]
    for i in range(len(terms)):
        idx = np.flatnonzero(kept_owner == i)
        if not len(idx):
            continue
        bt = b[idx]
        ss[i] = max(float(bt @ np.linalg.solve(Ginv[np.ix_(idx, idx)], bt)), 0.0)
    return TermSS(ss, df, rss, mss, len(keep))


def cell_count(terms, cols: dict) -> int:
    """Columns the design of these terms needs (every cell of every term)."""
    nlev = {}
    total = 0
    for t in terms:
        c = 1
        for v, categorical in t:
            if categorical:
                if v not in nlev:
                    nlev[v] = len(np.unique(cols[v]))
                c *= nlev[v]
        total += c
    return total


