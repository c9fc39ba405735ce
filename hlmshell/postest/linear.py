"""Wald tests, linear and nonlinear combinations of e(b), with the DF rule.

The DF rule: when the result has the scalar e(df_r), tests are F(q, df_r) and single
combinations use t(df_r); otherwise chi2(q) and the normal distribution.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hlmshell.errors import StataError


@dataclass
class Coefs:
    """What generic postestimation reads from an estimation result."""
    names: list[str]          # e(b)'s column names as stored (`mathach:ses`, `_cons`)
    b: np.ndarray
    V: np.ndarray
    df_r: float | None        # None: normal / chi2
    depvar: str = ""

    @property
    def multi_eq(self) -> bool:
        return any(":" in n for n in self.names)


def coefs_of(result) -> Coefs:
    mats = getattr(result, "matrices", None) or {}
    if "b" not in mats or "V" not in mats:
        raise StataError(301, "last estimates not found")
    b = np.asarray(mats["b"].values, dtype=float).reshape(-1)
    V = np.asarray(mats["V"].values, dtype=float)
    df = result.scalars.get("df_r") if hasattr(result, "scalars") else None
    df = float(df) if isinstance(df, (int, float)) and not math.isnan(df) else None
    depvar = str(result.macros.get("depvar", "")).split(" ")[0] if hasattr(result, "macros") else ""
    return Coefs(list(mats["b"].colnames), b, V, df, depvar)


# ------------------------------------------------------------------ distributions
def _stats():
    from scipy import stats  # loaded at first use, not at shell start
    return stats


def p_two_sided(stat: float, df: float | None) -> float:
    if math.isnan(stat):
        return math.nan
    st = _stats()
    if df is None:
        return float(2 * st.norm.sf(abs(stat)))
    return float(2 * st.t.sf(abs(stat), df))


def critical(level: float, df: float | None) -> float:
    st = _stats()
    q = 1 - (1 - level / 100) / 2
    return float(st.norm.ppf(q) if df is None else st.t.ppf(q, df))


# ------------------------------------------------------------------- Wald test
@dataclass
class WaldTest:
    R: np.ndarray             # constraints as rows over e(b)'s columns
    q: np.ndarray             # right-hand sides: R b = q
    dropped: list[int]        # 1-based numbers of dropped constraints
    df: int
    df_r: float | None
    chi2: float
    F: float
    p: float


def wald(R: np.ndarray, q: np.ndarray, c: Coefs) -> WaldTest:
    """Joint test of R b = q. A constraint that is linearly dependent on the earlier ones
    under V (or only on coefficients with no variance: base, omitted) is dropped, as
    Stata's test does."""
    R = np.atleast_2d(np.asarray(R, dtype=float))
    q = np.asarray(q, dtype=float).reshape(-1)
    V = np.where(np.isfinite(c.V), c.V, 0.0)
    kept, dropped = [], []
    seen: set[bytes] = set()
    for i in range(R.shape[0]):
        key = R[i].tobytes() + q[i].tobytes()
        if key in seen:         # a repeat of an earlier constraint: dropped, no algebra
            dropped.append(i + 1)
            continue
        seen.add(key)
        rows = R[kept + [i]]
        M = rows @ V @ rows.T
        scale = max(1.0, float(np.max(np.abs(np.diag(M)))) if M.size else 1.0)
        ev = np.linalg.eigvalsh((M + M.T) / 2)
        if ev.min() <= 1e-12 * scale:
            dropped.append(i + 1)
        else:
            kept.append(i)
    df = len(kept)
    if df == 0:
        return WaldTest(R, q, dropped, 0, c.df_r, math.nan, math.nan, math.nan)
    Rk = R[kept]
    b = np.where(np.isfinite(c.b), c.b, 0.0)
    d = Rk @ b - q[kept]
    M = Rk @ V @ Rk.T
    chi2 = float(d @ np.linalg.solve(M, d))
    st = _stats()
    if c.df_r is None:
        return WaldTest(R, q, dropped, df, None, chi2, math.nan, float(st.chi2.sf(chi2, df)))
    F = chi2 / df
    return WaldTest(R, q, dropped, df, c.df_r, math.nan, F, float(st.f.sf(F, df, c.df_r)))


# ------------------------------------------------------------ combinations
@dataclass
class Combination:
    """One estimate with its SE, test and CI (lincom, one nlcom row)."""
    label: str
    estimate: float
    se: float
    stat: float               # t or z
    p: float
    lb: float
    ub: float
    df: float | None


def combination(label: str, estimate: float, se: float, df: float | None,
                level: float) -> Combination:
    if not (se > 0) or math.isnan(estimate):
        return Combination(label, estimate, se if se > 0 else math.nan, math.nan, math.nan,
                           math.nan, math.nan, df)
    stat = estimate / se
    crit = critical(level, df)
    return Combination(label, estimate, se, stat, p_two_sided(stat, df),
                       estimate - crit * se, estimate + crit * se, df)


def lincom(g: np.ndarray, const: float, c: Coefs, level: float) -> Combination:
    """g'b + const with SE sqrt(g'Vg)."""
    idx = np.flatnonzero(g)
    est = float(g[idx] @ c.b[idx]) + const
    var = float(g[idx] @ c.V[np.ix_(idx, idx)] @ g[idx])
    return combination("(1)", est, math.sqrt(var) if var > 0 else math.nan, c.df_r, level)


def gradient(f, b: np.ndarray, idx: list[int]) -> np.ndarray:
    """Central differences of f at b over the columns idx (others 0). The step is scaled
    to each coefficient, as nlcom's numerical derivatives are."""
    g = np.zeros(len(b))
    for j in idx:
        h = 1e-6 * max(abs(b[j]), 1e-2)
        up, dn = b.copy(), b.copy()
        up[j] += h
        dn[j] -= h
        g[j] = (f(up) - f(dn)) / (2 * h)
    return g


@dataclass
class NlcomResult:
    names: list[str]
    texts: list[str]
    b: np.ndarray
    V: np.ndarray
    rows: list[Combination] = field(default_factory=list)


def nlcom(funcs, names: list[str], texts: list[str], c: Coefs, level: float,
          df: float | None = None) -> NlcomResult:
    """Delta method: values f_k(b), V = G V_b G' with G by central differences.
    funcs: list of (f(b) -> float, indices of the coefficients f reads)."""
    values, G = [], []
    for (f, idx), text in zip(funcs, texts):
        v = f(c.b)
        if not math.isfinite(v):
            raise StataError(498, f"expression ({text}) evaluates to missing")
        values.append(v)
        G.append(gradient(f, c.b, idx))
    G = np.array(G)
    Vb = np.where(np.isfinite(c.V), c.V, 0.0)
    V = G @ Vb @ G.T
    out = NlcomResult(names, texts, np.array(values), V)
    for k, name in enumerate(names):
        var = V[k, k]
        out.rows.append(combination(name, values[k], math.sqrt(var) if var > 0 else math.nan,
                                    df, level))
    return out
