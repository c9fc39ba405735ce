"""Stata's random-number functions: runiform(), runiformint(), rnormal(), rbinomial(),
rpoisson(), rchi2().

Each implementation is ``impl(rng, n, *args)``: ``rng`` is the session's numpy Generator
(``set seed`` replaces it, so the same seed gives the same draws), ``n`` the number of draws
(the observations evaluated; 1 for display and scalar). Arguments are 0-d or length-n
float arrays, so every observation can have its own mean, bounds, etc.

An argument outside the function's domain gives missing for that observation, as in Stata
(the domains are those of Stata's help for each function, e.g. rbinomial's p in
[1e-8, 1-1e-8]). A draw is still taken for such an observation, with a harmless stand-in
parameter: numpy refuses invalid parameters, and a fixed number of draws per call keeps
the stream reproducible whatever the arguments are.

Draws are made for every observation evaluated; `generate ... if` then keeps the selected
rows and sets the others to missing, so the stream advances by _N draws whatever the if.
"""
from __future__ import annotations

import numpy as np

from hlmshell.dataset.functions import _num, _register
from hlmshell.errors import StataError

_MAX_INT = 2.0 ** 53  # the integers a double holds exactly: runiformint's bounds


def _params(n: int, *args) -> list[np.ndarray]:
    """Every argument as a float array over the n draws."""
    return [np.broadcast_to(np.asarray(a, dtype=float), (n,)) for a in args]


def _masked(ok: np.ndarray, draws) -> np.ndarray:
    return _num(np.where(ok, draws, np.nan))


def _valid(ok: np.ndarray, value: np.ndarray, stand_in: float) -> np.ndarray:
    """`value` where the domain holds, `stand_in` (a parameter numpy accepts) elsewhere."""
    return np.where(ok, value, stand_in)


@_register("runiform", 0, 2, "n", random=True)
def _runiform(rng, n, a=None, b=None):
    """runiform(): uniform on [0, 1); runiform(a, b): on [a, b), a < b."""
    if a is not None and b is None:  # the table allows 0-2 arguments; Stata has no runiform(a)
        raise StataError(198, "invalid syntax")
    u = rng.random(n)
    if a is None:
        return u
    a, b = _params(n, a, b)
    with np.errstate(all="ignore"):
        ok = (a < b) & (np.abs(a) <= 1e300) & (np.abs(b) <= 1e300)
        return _masked(ok, a + (b - a) * u)


@_register("runiformint", 2, 2, "n", random=True)
def _runiformint(rng, n, a, b):
    """Integers uniform on [a, b] (bounds within +-2^53; non-integer bounds mean the
    integers between them)."""
    a, b = _params(n, a, b)
    with np.errstate(all="ignore"):
        lo, hi = np.ceil(a), np.floor(b)
        ok = (lo <= hi) & (np.abs(lo) <= _MAX_INT) & (np.abs(hi) <= _MAX_INT)
    lo, hi = _valid(ok, lo, 0.0).astype(np.int64), _valid(ok, hi, 0.0).astype(np.int64)
    return _masked(ok, rng.integers(lo, hi, size=n, endpoint=True).astype(float))


@_register("rnormal", 0, 2, "n", random=True)
def _rnormal(rng, n, m=None, s=None):
    """rnormal(): N(0, 1); rnormal(m): N(m, 1); rnormal(m, s): N(m, s^2), s >= 0."""
    z = rng.standard_normal(n)
    m = np.float64(0.0) if m is None else np.asarray(m, dtype=float)
    s = np.float64(1.0) if s is None else np.asarray(s, dtype=float)
    with np.errstate(all="ignore"):
        return _masked(s >= 0, m + s * z)  # missing m or s: NaN, missing


@_register("rbinomial", 2, 2, "n", random=True)
def _rbinomial(rng, n, trials, p):
    """Binomial(trials, p): trials an integer in [1, 1e11], p in [1e-8, 1-1e-8] (Stata's
    domain; rbinomial(10, 0) is missing in Stata too)."""
    trials, p = _params(n, trials, p)
    with np.errstate(invalid="ignore"):
        ok = ((trials >= 1) & (trials <= 1e11) & (trials == np.floor(trials))
              & (p >= 1e-8) & (p <= 1 - 1e-8))
    draws = rng.binomial(_valid(ok, trials, 1.0).astype(np.int64), _valid(ok, p, 0.5), size=n)
    return _masked(ok, draws.astype(float))


@_register("rpoisson", 1, 1, "n", random=True)
def _rpoisson(rng, n, m):
    """Poisson(m), m in [1e-6, 1e11] (Stata's domain)."""
    (m,) = _params(n, m)
    with np.errstate(invalid="ignore"):
        ok = (m >= 1e-6) & (m <= 1e11)
    return _masked(ok, rng.poisson(_valid(ok, m, 1.0), size=n).astype(float))


@_register("rchi2", 1, 1, "n", random=True)
def _rchi2(rng, n, df):
    """Chi-squared with df degrees of freedom, df in [2e-4, 2e8] (Stata's domain)."""
    (df,) = _params(n, df)
    with np.errstate(invalid="ignore"):
        ok = (df >= 2e-4) & (df <= 2e8)
    return _masked(ok, rng.chisquare(_valid(ok, df, 1.0), size=n))
