"""Negative binomial regression (NB2, mean dispersion: Var = mu + alpha mu^2) by
Newton–Raphson in (b, ln alpha) with analytic derivatives: what `nbreg` fits.

With a = alpha, m = 1/a, mu = exp(eta), p = 1/(1 + a mu), per observation
  l        = lnG(y+m) - lnG(m) - lnG(y+1) - m ln(1+a mu) + y ln(a mu p)
  dl/deta  = (y - mu) p                 d2l/deta2   = -(1 + a y) mu p^2
  dl/dlna  = m [ln(1+a mu) - psi(y+m) + psi(m)] + (y - mu) p
  d2l/deta dlna = a mu (mu - y) p^2
  d2l/dlna2 = -m [ln(1+a mu) - psi(y+m) + psi(m)] + mu p + m^2 [psi1(y+m) - psi1(m)]
              - a mu (y - mu) p^2
Never prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln, polygamma, psi

from .results import ModelError


@dataclass
class NBFit:
    b: np.ndarray            # coefficients then ln(alpha)
    V: np.ndarray            # inverse observed information over the same
    ll: float
    converged: bool
    log: list = field(default_factory=list)
    scores: np.ndarray | None = None


def _terms(X, y, theta, off, derivs=True, uy=None, inv=None):
    """(ll, gradient, (Hessian, per-row scores)); the gamma-function terms depend on y
    alone, so they are evaluated once per distinct y (`uy`, `inv`: np.unique's) — counts
    have few, and trigamma is the costliest piece of the evaluation."""
    k = X.shape[1]
    eta = X @ theta[:k] + off
    lna = theta[k]
    a = np.exp(lna)
    m = 1.0 / a
    if uy is None:
        uy, inv = np.unique(y, return_inverse=True)
    mu = np.exp(np.minimum(eta, 700.0))
    lden = np.logaddexp(0.0, lna + eta)                 # ln(1 + a mu)
    l = (_lgamma_ratio(uy, m, lna) - gammaln(uy + 1.0))[inv] - m * lden + y * (eta - lden)
    if not derivs:
        return float(np.sum(l)), None, None
    p = 1.0 / (1.0 + a * mu)
    r = y - mu
    de = r * p
    bracket = lden - (psi(uy + m) - psi(m))[inv]
    dt = m * bracket + r * p
    dee = -(1.0 + a * y) * mu * p * p
    det = -a * mu * r * p * p
    dtt = -m * bracket + mu * p + m * m * (polygamma(1, uy + m) - polygamma(1, m))[inv] \
        - a * mu * r * p * p
    g = np.append(X.T @ de, np.sum(dt))
    H = np.empty((k + 1, k + 1))
    H[:k, :k] = (X.T * dee) @ X
    H[:k, k] = H[k, :k] = X.T @ det
    H[k, k] = np.sum(dtt)
    S = np.column_stack([X * de[:, None], dt])
    return float(np.sum(l)), g, (H, S)


def _lgamma_ratio(y, m, lna):
    """lnG(y+m) - lnG(m) - y ln m (= ... + y ln a) without the cancellation of the two
    gammas when m = 1/alpha is large (alpha near its Poisson limit): Stirling's series."""
    if m < 1e6:
        return gammaln(y + m) - gammaln(m) + y * lna
    return y * (y - 1) / (2 * m) - y * (y - 1) * (2 * y - 1) / (12 * m * m)


def fit_nb2(X, y, offset=None, b0=None, lnalpha0=0.0, maxiter: int = 300, tol: float = 1e-9,
            on_iteration=None) -> NBFit:
    X = np.asarray(X, dtype=float)
    k = X.shape[1]
    off = 0.0 if offset is None else np.asarray(offset, dtype=float)
    theta = np.append(np.zeros(k) if b0 is None else np.asarray(b0, float), lnalpha0)
    uy, inv = np.unique(y, return_inverse=True)
    inv = inv.ravel()
    ll, g, (H, S) = _terms(X, y, theta, off, True, uy, inv)
    if not np.isfinite(ll):
        raise ModelError(430, "initial values not feasible")
    log = [ll]
    converged = False
    for it in range(1, maxiter + 1):
        try:
            step = np.linalg.solve(-H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(-H, g, rcond=None)[0]
        if float(g @ step) <= 0:         # not an ascent direction: gradient step
            step = g / max(1.0, float(np.max(np.abs(g))))
        t = 1.0
        for _ in range(50):
            new = theta + t * step
            nll, _, _ = _terms(X, y, new, off, False, uy, inv)
            if np.isfinite(nll) and nll >= ll - 1e-12 * abs(ll):
                break
            t *= 0.5
        else:
            break
        theta = new
        change = nll - ll
        dec = float(g @ step)
        ll, g, (H, S) = _terms(X, y, theta, off, True, uy, inv)
        log.append(ll)
        if on_iteration is not None:
            on_iteration(it, ll)
        small = abs(change) <= tol * (abs(ll) + 1)
        # at the boundary (alpha numerically 0: the Poisson limit) ln(alpha) drifts on a
        # flat likelihood; the change in ll decides there
        if small and (dec < 1e-10 * max(1.0, abs(ll)) or theta[k] < -12):
            converged = True
            break
    try:
        V = np.linalg.inv(-H)
    except np.linalg.LinAlgError:
        V = np.linalg.pinv(-H)
    return NBFit(theta, V, ll, converged, log, scores=S)


def moment_lnalpha(y, mu) -> float:
    """A start for ln(alpha): the moment estimate sum((y-mu)^2 - y) / sum(mu^2), floored."""
    a = float(np.sum((y - mu) ** 2 - y) / np.sum(mu * mu))
    return float(np.log(min(max(a, 1e-2), 1e2)))
