"""Random-effects negative binomial ([XT] xtnbreg, re; Hausman, Hall and Griliches 1984)
and its comparison model, the pooled constant-dispersion negative binomial (nbreg,
dispersion(constant)).

xtnbreg, re: y_it | p_i ~ NB(λ_it, p_i), λ_it = exp(x_it β + offset), with the panel's
p_i ~ Beta(r, s) integrated out in closed form; with Λ_i = Σ_t λ_it and Y_i = Σ_t y_it,

    ℓ_i = ln B(r + Λ_i, s + Y_i) − ln B(r, s)
          + Σ_t [ln Γ(λ_it + y_it) − ln Γ(λ_it) − ln Γ(y_it + 1)].

Parameters (β, ln r, ln s). Pooled NB1: var = μ(1 + δ), parameters (β, ln δ); ℓ_it =
ln Γ(y + μ/δ) − ln Γ(μ/δ) − ln Γ(y + 1) − (μ/δ) ln(1 + δ) + y ln(δ / (1 + δ)).
Both: analytic gradients, the Hessian by central differences of the gradient, Newton with
step halving. numpy/scipy only; never prints.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .newton import inverse, maximize


@dataclass
class NBFit:
    b: np.ndarray
    V: np.ndarray
    ll: float
    converged: bool
    iterations: int
    log: list = field(default_factory=list)


def _sorted(X, y, group, offset):
    order = np.argsort(group, kind="stable")
    g = np.asarray(group)[order]
    starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, float)[order]
    return np.asarray(X, float)[order], np.asarray(y, float)[order], off, starts


def beta_nb(params, X, y, off, starts, grad=True):
    from scipy.special import betaln, gammaln, psi
    k = X.shape[1]
    beta, r, s = params[:k], math.exp(params[k]), math.exp(params[k + 1])
    lam = np.exp(X @ beta + off)
    L, Y = np.add.reduceat(lam, starts), np.add.reduceat(y, starts)
    ll = float(np.sum(betaln(r + L, s + Y)) - len(starts) * betaln(r, s)
               + np.sum(gammaln(lam + y) - gammaln(lam) - gammaln(y + 1)))
    if not grad:
        return ll, None
    common = psi(r + L) - psi(r + L + s + Y)                 # per panel
    rows = np.repeat(common, np.diff(np.r_[starts, len(y)]))
    g_beta = X.T @ (lam * (psi(lam + y) - psi(lam) + rows))
    g_r = np.sum(common) - len(starts) * (psi(r) - psi(r + s))
    g_s = np.sum(psi(s + Y) - psi(r + L + s + Y)) - len(starts) * (psi(s) - psi(r + s))
    return ll, np.r_[g_beta, r * g_r, s * g_s]


def nb1(params, X, y, off, starts=None, grad=True):
    from scipy.special import gammaln, psi
    k = X.shape[1]
    beta, d = params[:k], math.exp(params[k])
    mu = np.exp(X @ beta + off)
    a = mu / d
    ll = float(np.sum(gammaln(y + a) - gammaln(a) - gammaln(y + 1) - a * math.log1p(d)
                      + y * math.log(d / (1 + d))))
    if not grad:
        return ll, None
    da = psi(y + a) - psi(a) - math.log1p(d)                  # d ℓ / d a
    g_beta = X.T @ (da * a)                                   # a = μ/δ: d a / d η = a
    # d ℓ / d ln δ: a depends on δ (d a / d ln δ = −a), plus the explicit terms
    g_d = float(np.sum(-da * a - a * d / (1 + d) + y / (1 + d)))
    return ll, np.r_[g_beta, g_d]


def _hessian(f, x, h=1e-5):
    k = len(x)
    H = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = h
        H[:, i] = (f(x + e)[1] - f(x - e)[1]) / (2 * h)
    return (H + H.T) / 2


def newton(f, x, maxiter=300, on_iteration=None) -> NBFit:
    x, ll, converged, it, log = maximize(
        lambda z: f(z, grad=False)[0], lambda z: (f(z)[1], _hessian(f, z)), x, maxiter,
        on_iteration, ran_off=lambda z: np.max(np.abs(z[-2:])) > 30)  # a dispersion ran off
    V = inverse(-_hessian(f, x))
    return NBFit(x, V, ll, converged, it, log)


def fit_nb1(X, y, offset=None, beta0=None, maxiter=300) -> NBFit:
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, float)
    X, y = np.asarray(X, float), np.asarray(y, float)
    x0 = np.r_[np.zeros(X.shape[1]) if beta0 is None else beta0, 0.0]
    return newton(lambda p, grad=True: nb1(p, X, y, off, None, grad), x0, maxiter)


def fit_beta_nb(X, y, group, offset=None, beta0=None, maxiter=300,
                on_iteration=None) -> NBFit:
    """From (beta0, ln r = ln s = 0), as xtnbreg.ado starts."""
    X, y, off, starts = _sorted(X, y, group, offset)
    x0 = np.r_[np.zeros(X.shape[1]) if beta0 is None else beta0, 0.0, 0.0]
    return newton(lambda p, grad=True: beta_nb(p, X, y, off, starts, grad), x0, maxiter,
                  on_iteration)
