"""Random-effects Poisson with gamma-distributed panel effects ([XT] xtpoisson, re): the
effect ν_i multiplies the mean, ν_i ~ Gamma(mean 1, variance α), and integrates out in
closed form (Hausman, Hall and Griliches 1984). With θ = 1/α, λ_it = exp(x_it β + offset),
Y_i = Σ_t y_it and Λ_i = Σ_t λ_it, panel i contributes

    ℓ_i = Σ_t [y_it ln λ_it − ln y_it!] + ln Γ(θ + Y_i) − ln Γ(θ) + θ ln θ
          − (θ + Y_i) ln(θ + Λ_i).

Parameters (β, ln α) as Stata's e(b); gradient and Hessian analytic; Newton with step
halving from the pooled Poisson fit. numpy/scipy only; never prints.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .newton import inverse, maximize


@dataclass
class GammaFit:
    b: np.ndarray            # β, then ln α
    V: np.ndarray
    ll: float
    converged: bool
    iterations: int
    log: list = field(default_factory=list)


def _sums(a, starts):
    return np.add.reduceat(a, starts, axis=0)


def _pieces(params, X, y, off, starts, lgy):
    beta, lna = params[:-1], params[-1]
    theta = math.exp(-lna)
    eta = X @ beta + off
    lam = np.exp(eta)
    Y, L = _sums(y, starts), _sums(lam, starts)
    return beta, theta, eta, lam, Y, L


def loglik(params, X, y, off, starts, lgy) -> float:
    from scipy.special import gammaln
    _, theta, eta, lam, Y, L = _pieces(params, X, y, off, starts, lgy)
    return float(np.sum(y * eta) - lgy + np.sum(
        gammaln(theta + Y) - gammaln(theta) + theta * math.log(theta)
        - (theta + Y) * np.log(theta + L)))


def derivatives(params, X, y, off, starts, lgy):
    """(gradient, Hessian) in (β, ln α)."""
    from scipy.special import polygamma, psi
    _, theta, eta, lam, Y, L = _pieces(params, X, y, off, starts, lgy)
    lx = _sums(lam[:, None] * X, starts)                 # Σ_t λ x, per panel
    r = (theta + Y) / (theta + L)
    g_beta = X.T @ y - r @ lx
    # Σ_i r_i Σ_t λ x x': the panel weights r_i carried to the rows
    rows_r = np.repeat(r, np.diff(np.r_[starts, len(y)]))
    H_bb = -((X * (lam * rows_r)[:, None]).T @ X) + (lx * (r / (theta + L))[:, None]).T @ lx
    g_th = np.sum(psi(theta + Y) - psi(theta) + math.log(theta) + 1
                  - np.log(theta + L) - r)
    H_tt = np.sum(polygamma(1, theta + Y) - polygamma(1, theta) + 1 / theta
                  - 1 / (theta + L) - (L - Y) / (theta + L) ** 2)
    H_bt = -(((L - Y) / (theta + L) ** 2) @ lx)
    # θ = exp(−ln α): dθ/d ln α = −θ
    g = np.r_[g_beta, -theta * g_th]
    k = X.shape[1]
    H = np.empty((k + 1, k + 1))
    H[:k, :k] = H_bb
    H[:k, k] = H[k, :k] = -theta * H_bt
    H[k, k] = theta * theta * H_tt + theta * g_th
    return g, H


def fit_gamma(X, y, group, offset=None, beta0=None, lnalpha0=0.0, maxiter=300,
              on_iteration=None) -> GammaFit:
    from scipy.special import gammaln
    order = np.argsort(group, kind="stable")
    X, y, g = np.asarray(X, float)[order], np.asarray(y, float)[order], np.asarray(group)[order]
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, float)[order]
    starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    lgy = float(np.sum(gammaln(y + 1)))
    x = np.r_[np.zeros(X.shape[1]) if beta0 is None else beta0, lnalpha0]
    f = lambda z: loglik(z, X, y, off, starts, lgy)
    # α → 0 is the pooled Poisson model: no interior maximum
    x, ll, converged, it, log = maximize(
        f, lambda z: derivatives(z, X, y, off, starts, lgy), x, maxiter, on_iteration,
        ran_off=lambda z: z[-1] < -30)
    V = inverse(-derivatives(x, X, y, off, starts, lgy)[1])
    return GammaFit(x, V, ll, converged, it, log)
