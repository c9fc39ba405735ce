"""The few distribution functions every `mixed` fit needs, from the standard library.

scipy.special costs ~0.3-0.4 s to import, more than a whole handout model; these scalar
functions keep it out of the shell until a command really needs it (dfmethod, robust,
expression functions). Accuracy: relative ~1e-14, also far in the tails (e(p_c) of the
handout is 2.8e-216), checked against scipy in tests/models/test_distributions.py.
"""
from __future__ import annotations

import math
from statistics import NormalDist

_STD = NormalDist()


def ndtr(x: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def ndtri(p: float) -> float:
    """Standard normal quantile (Wichura's AS 241 in the standard library)."""
    if not 0.0 < p < 1.0:
        return -math.inf if p == 0.0 else (math.inf if p == 1.0 else math.nan)
    return _STD.inv_cdf(p)


def _gammaq(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x): series below a + 1, Lentz's continued
    fraction above (both to full double precision)."""
    if x <= 0:
        return 1.0
    lead = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        ap = a
        for _ in range(10000):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-17:
                break
        return max(0.0, 1.0 - total * math.exp(lead))
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return math.exp(lead) * h


def chdtrc(k: float, x: float) -> float:
    """Chi-squared survival function P(chi2(k) > x)."""
    if math.isnan(x) or math.isnan(k) or k <= 0:
        return math.nan
    if x <= 0:
        return 1.0
    if x == math.inf:
        return 0.0
    if k == 1:
        return math.erfc(math.sqrt(x / 2.0))
    if k == 2:
        return math.exp(-x / 2.0)
    return _gammaq(k / 2.0, x / 2.0)
