"""Per-observation log likelihood of a GLM and its first two derivatives in the linear
predictor eta, vectorised over any array shape: everything the single-level fit (glm.py)
and the quadrature of the multilevel one (glmm.py) need.

`loglik(family, link, y, eta, n=1, alpha=None) -> (l, d1, d2)` with
  bernoulli/binomial (n trials)  links logit, probit, cloglog
  poisson                        link log (l includes -ln y!, as Stata's)
  nbinomial (mean dispersion)    link log, alpha = var/mu^2 - 1/mu
Every family here is log-concave in eta (d2 < 0), which the mode search relies on.
"""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln, log_ndtr, ndtr

LINKS = {"bernoulli": ("logit", "probit", "cloglog"), "binomial": ("logit", "probit", "cloglog"),
         "poisson": ("log",), "nbinomial": ("log",)}
_SQ2PI = np.sqrt(2 * np.pi)


def logit_derivs(y, eta, n=1.0):
    """(d1, d2) of the binomial logit log likelihood in eta alone (glmm.py reuses the eta
    of its last likelihood evaluation)."""
    # p = 1 / (1 + e^-eta) directly (exp is cheap; e^-eta = inf gives p = 0 exactly):
    # cheaper than choosing between the two stable forms element by element
    with np.errstate(over="ignore"):
        p = np.negative(eta)
        np.exp(p, out=p)
    p += 1.0
    np.reciprocal(p, out=p)
    if not isinstance(n, np.ndarray) and n == 1.0:
        return y - p, p * (p - 1.0)
    return y - n * p, -n * p * (1 - p)


def _binomial(link, y, eta, n, derivs=True):
    f = n - y
    if link == "logit":
        # l = y eta - n log(1 + e^eta), with one exp and one log1p (the hot path)
        e = np.abs(eta)
        np.negative(e, out=e)
        np.exp(e, out=e)                                   # e^-|eta|
        soft = np.maximum(eta, 0.0)
        soft += np.log1p(e, out=e)                         # log(1 + e^eta)
        if not isinstance(n, np.ndarray) and n == 1.0:
            l = y * eta
            l -= soft
        else:
            l = y * eta - n * soft
        if not derivs:
            return l, None, None
        return (l,) + logit_derivs(y, eta, n)
    if link == "probit":
        lp, lq = log_ndtr(eta), log_ndtr(-eta)
        phi = np.exp(-0.5 * eta * eta) / _SQ2PI
        lam1, lam0 = phi / np.exp(lp), phi / np.exp(lq)       # Mills ratios
        d1 = y * lam1 - f * lam0
        d2 = -y * lam1 * (eta + lam1) - f * lam0 * (lam0 - eta)
        return y * lp + f * lq, d1, d2
    # cloglog: p = 1 - exp(-e^eta)
    m = np.exp(np.minimum(eta, 700.0))
    lq = -m
    em = -np.expm1(-m)                                         # p
    lp = np.log(np.maximum(em, 1e-300))
    with np.errstate(over="ignore", invalid="ignore"):
        g = np.where(m < 1e-8, 1.0 - m / 2, m / np.expm1(m))  # d log p / d eta
        dg = np.where(m < 1e-8, -m / 2, g * (1.0 - g - m))
    d1 = y * g - f * m
    d2 = y * dg - f * m
    return y * lp + f * lq, d1, d2


def loglik(family: str, link: str, y, eta, n=1.0, alpha: float | None = None,
           derivs: bool = True):
    """(l, d1, d2); with derivs=False the derivatives may come back as None."""
    eta = np.asarray(eta, dtype=float)
    if family in ("bernoulli", "binomial"):
        return _binomial(link, y, eta, n, derivs)
    mu = np.exp(np.minimum(eta, 700.0))
    if family == "poisson":
        return y * eta - mu - gammaln(y + 1.0), y - mu, -mu
    # negative binomial, mean dispersion: m = 1/alpha
    m = 1.0 / alpha
    lden = np.logaddexp(0.0, np.log(alpha) + eta)           # log(1 + alpha mu)
    l = (gammaln(y + m) - gammaln(m) - gammaln(y + 1.0) - m * lden
         + y * (np.log(alpha) + eta - lden))
    p = 1.0 / (1.0 + alpha * mu)
    d1 = (y - mu) * p
    d2 = -(1.0 + alpha * y) * mu * p * p
    return l, d1, d2


def mean(link: str, eta):
    """The inverse link: the conditional mean per trial."""
    eta = np.asarray(eta, dtype=float)
    if link == "logit":
        return 1.0 / (1.0 + np.exp(-eta))
    if link == "probit":
        return ndtr(eta)
    if link == "cloglog":
        return -np.expm1(-np.exp(eta))
    return np.exp(eta)
