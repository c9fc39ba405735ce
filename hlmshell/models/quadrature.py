"""Gauss–Hermite rules for integrals against a q-variate standard normal density.

`product_rule(points, q)` -> (t, logw): nodes t (K x q, K = points**q) and log weights such
that for any smooth f,  ∫ f(v) dv  ≈  Σ_k exp(logw[k]) f(t[k])  when f is close to a normal
density centred at 0 with unit covariance (the weights include 1/φ_q(t_k)). The adaptive
rules shift and scale these nodes per group (glmm.py): v = m + C t, with |det C| as Jacobian.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

# refuse a rule whose node-by-observation array would not fit: K * n doubles, a few copies
MAX_CELLS = 60_000_000


@lru_cache(maxsize=32)
def _rule(points: int):
    from numpy.polynomial.hermite_e import hermegauss
    t, w = hermegauss(points)                     # weight exp(-t^2/2), Σw = sqrt(2π)
    w = w / math.sqrt(2 * math.pi)                # expectation under N(0, 1)
    return t, np.log(w)


def product_rule(points: int, q: int):
    t1, lw1 = _rule(points)
    grids = np.meshgrid(*([np.arange(points)] * q), indexing="ij")
    idx = np.stack([g.ravel() for g in grids], axis=1)          # K x q
    t = t1[idx]
    logw = lw1[idx].sum(axis=1) + 0.5 * (t * t).sum(axis=1) + 0.5 * q * math.log(2 * math.pi)
    return t, logw


def check_size(points: int, q: int, n_rows: int) -> None:
    """Raise MemoryError-like ValueError before allocating an impossible grid."""
    cells = float(points) ** q * n_rows
    if cells > MAX_CELLS:
        raise ValueError(f"{points} integration points for {q} random effects over {n_rows:,} "
                         f"observations need {points}^{q} x {n_rows:,} = {cells:,.0f} cells; "
                         f"the limit is {MAX_CELLS:,}")
