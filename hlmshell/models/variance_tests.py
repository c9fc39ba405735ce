"""Variance tests ([R] sdtest): the one-sample chi-squared test of a standard deviation,
the two-sample variance-ratio F test, and robvar's Levene / Brown-Forsythe statistics
W0 (deviations from the group mean), W50 (from the median) and W10 (from the 10% trimmed
mean: the mean of the values between the group's 10th and 90th percentiles, inclusive,
percentiles as egen pctile() takes them). Numbers only; arrays cut to the sample.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class SdOne:
    chi2: float
    df: int
    p_l: float
    p_u: float
    p: float
    upper: bool          # the two-sided p doubles the upper tail (C > c)


def sd_one(n: int, sd: float, sd0: float) -> SdOne:
    """chi2 = (n-1) s^2 / s0^2 on n-1 df; two-sided p = twice the smaller tail."""
    from scipy.special import chdtr, chdtrc
    df = n - 1
    chi2 = df * sd ** 2 / sd0 ** 2 if df > 0 else math.nan
    if math.isnan(chi2):
        return SdOne(chi2, df, math.nan, math.nan, math.nan, True)
    p_u, p_l = float(chdtrc(df, chi2)), float(chdtr(df, chi2))
    upper = not p_l < p_u
    return SdOne(chi2, df, p_l, p_u, 2 * (p_u if upper else p_l), upper)


@dataclass
class SdRatio:
    F: float
    df_1: int
    df_2: int
    p_l: float
    p_u: float
    p: float
    upper: bool


def sd_ratio(n1: int, s1: float, n2: int, s2: float) -> SdRatio:
    """F = (s1/s2)^2 on (n1-1, n2-1) df; two-sided p = twice the smaller tail."""
    from scipy.special import fdtr, fdtrc
    d1, d2 = n1 - 1, n2 - 1
    F = (s1 / s2) ** 2 if s2 > 0 and d1 > 0 and d2 > 0 else math.nan
    if math.isnan(F):
        return SdRatio(F, d1, d2, math.nan, math.nan, math.nan, True)
    p_u, p_l = float(fdtrc(d1, d2, F)), float(fdtr(d1, d2, F))
    upper = not p_l < p_u
    return SdRatio(F, d1, d2, p_l, p_u, 2 * (p_u if upper else p_l), upper)


def stata_pctile(x: np.ndarray, p: float) -> float:
    """The p-th percentile as egen pctile() and _pctile compute it: with the sorted values
    x(1..n) and P = n p / 100, the mean of x(P) and x(P+1) when P is an integer, else
    x(ceil(P))."""
    xs = np.sort(x)
    n = len(xs)
    P = n * p / 100
    i = math.floor(P)
    if P == i:
        if i <= 0:
            return float(xs[0])
        if i >= n:
            return float(xs[-1])
        return float((xs[i - 1] + xs[i]) / 2)
    return float(xs[min(math.ceil(P), n) - 1])


@dataclass
class Levene:
    W: float
    df_1: int
    df_2: int
    p: float


def _levene(y: np.ndarray, codes: np.ndarray, k: int, centre: np.ndarray) -> Levene:
    from scipy.special import fdtrc
    N = len(y)
    z = np.abs(y - centre[codes])
    n = np.bincount(codes, minlength=k).astype(float)
    zbar_i = np.bincount(codes, weights=z, minlength=k) / n
    zbar = float(z.mean())
    between = float((n * (zbar_i - zbar) ** 2).sum()) / (k - 1)
    within = float(((z - zbar_i[codes]) ** 2).sum()) / (N - k)
    W = between / within if within > 0 else math.nan
    p = float(fdtrc(k - 1, N - k, W)) if not math.isnan(W) else math.nan
    return Levene(W, k - 1, N - k, p)


def robvar(y: np.ndarray, codes: np.ndarray, k: int) -> tuple[Levene, Levene, Levene]:
    """W0, W50, W10 for groups coded 0..k-1 (every group non-empty)."""
    groups = [y[codes == j] for j in range(k)]
    means = np.array([g.mean() for g in groups])
    medians = np.array([np.median(g) for g in groups])
    trimmed = []
    for g in groups:
        lo, hi = stata_pctile(g, 10), stata_pctile(g, 90)
        trimmed.append(g[(g >= lo) & (g <= hi)].mean())
    return (_levene(y, codes, k, means), _levene(y, codes, k, medians),
            _levene(y, codes, k, np.array(trimmed)))
