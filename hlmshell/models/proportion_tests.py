"""Proportion tests ([R] prtest, [R] bitest): the large-sample z tests of one proportion
and of the difference of two, and the exact binomial test. Numbers only.

prtest: se = sqrt(p(1-p)/n) for the table; z = (p - p0)/sqrt(p0(1-p0)/n) for one sample,
(p1 - p2)/sqrt(pbar(1-pbar)(1/n1 + 1/n2)) for two (the pooled SE under H0); normal
intervals. bitest: Pr(k >= kobs) and Pr(k <= kobs), and the two-sided p summing the
opposite tail from the first k there whose probability is no larger than that of kobs
(bitesti.ado's OppoTail, with its 1e-7 relative tolerance on -ln Pr).
"""
from __future__ import annotations

import math
from dataclasses import dataclass


def _norm_ps(z: float) -> tuple[float, float, float]:
    from scipy.special import ndtr
    if math.isnan(z):
        return math.nan, math.nan, math.nan
    return float(ndtr(z)), float(2 * ndtr(-abs(z))), float(ndtr(-z))


def _q(level: float) -> float:
    from scipy.special import ndtri
    return float(ndtri((100 + level) / 200))


@dataclass
class PrOne:
    n: int
    P: float
    se: float
    lb: float
    ub: float
    z: float
    p_l: float
    p: float
    p_u: float


def _root(num: float, den: float) -> float:
    """sqrt(num/den), missing where Stata's arithmetic gives missing (den 0, num < 0)."""
    return math.sqrt(num / den) if den > 0 and num >= 0 else math.nan


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


def pr_one(n: int, p1: float, p0: float, level: float) -> PrOne:
    se = _root(p1 * (1 - p1), n) if n > 1 else math.nan
    q = _q(level)
    z = _ratio(p1 - p0, _root(p0 * (1 - p0), n))
    return PrOne(n, p1, se, p1 - q * se, p1 + q * se, z, *_norm_ps(z))


@dataclass
class PrTwo:
    n1: int
    n2: int
    P1: float
    P2: float
    se1: float
    se2: float
    se_diff: float       # sqrt(p1(1-p1)/n1 + p2(1-p2)/n2): the interval's
    se_diff0: float      # under H0, pooled
    z: float
    p_l: float
    p: float
    p_u: float
    q: float             # the normal quantile of the interval

    def ci(self, mean: float, se: float) -> tuple[float, float]:
        return mean - self.q * se, mean + self.q * se


def pr_two(n1: int, p1: float, n2: int, p2: float, level: float) -> PrTwo:
    pbar = _ratio(n1 * p1 + n2 * p2, n1 + n2)
    s1, s2 = _root(p1 * (1 - p1), n1), _root(p2 * (1 - p2), n2)
    sp = math.sqrt(s1 ** 2 + s2 ** 2)
    spp = math.sqrt(_root(pbar * (1 - pbar), n1) ** 2 + _root(pbar * (1 - pbar), n2) ** 2)
    z = _ratio(p1 - p2, spp)
    return PrTwo(n1, n2, p1, p2, s1, s2, sp, spp, z, *_norm_ps(z), _q(level))


@dataclass
class Binomial:
    n: int
    k: int
    p0: float
    p_u: float           # Pr(k >= kobs)
    p_l: float           # Pr(k <= kobs)
    p: float             # two-sided
    k_opp: int | None    # None: the opposite tail is empty
    empty: str = ""      # "lower" | "upper": which tail of the two-sided p is empty


def upper_tail(n: int, k: int, p: float) -> float:
    """Stata's Binomial(n, k, p) = Pr(X >= k)."""
    from scipy.stats import binom
    return 1.0 if k <= 0 else float(binom.sf(k - 1, n, p))


def pmf(n: int, k: int, p: float) -> float:
    from scipy.stats import binom
    return float(binom.pmf(k, n, p)) if 0 <= k <= n else 0.0


def _opposite(n: int, kobs: int, p: float) -> int:
    """k on the opposite tail: the first one (from the centre) whose -ln Pr is at least
    (1 - 1e-7) times that of kobs; n + 1 (or -1) when there is none."""
    import numpy as np
    from scipy.stats import binom
    if abs(p - 0.5) < 1e-7:
        return n - kobs
    flip = kobs > n * p
    q, k = (1 - p, n - kobs) if flip else (p, kobs)
    lnobs = -float(binom.logpmf(k, n, q))
    lo = int(n * q + 1e-7)
    if k == lo:
        lo = k + 1
    js = np.arange(lo, n + 1)
    found = np.flatnonzero(-binom.logpmf(js, n, q) >= lnobs - 1e-7 * lnobs)
    kopp = int(js[found[0]]) if len(found) else n + 1
    return n - kopp if flip else kopp


def binomial_test(n: int, k: int, p0: float) -> Binomial:
    p_u = upper_tail(n, k, p0)
    p_l = upper_tail(n, n - k, 1 - p0)
    kopp = _opposite(n, k, p0)
    if kopp in (-1, n + 1):
        if k > n * p0:
            return Binomial(n, k, p0, p_u, p_l, p_u, None, "lower")
        return Binomial(n, k, p0, p_u, p_l, p_l, None, "upper")
    k1, k2 = min(k, kopp), max(k, kopp)
    p = min(1.0, upper_tail(n, k2, p0) + upper_tail(n, n - k1, 1 - p0))
    return Binomial(n, k, p0, p_u, p_l, p, kopp)
