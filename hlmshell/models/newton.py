"""Newton-Raphson for a concave log likelihood, as Stata's ml runs it: the Newton direction
(eigenvalues floored where -H is not positive definite), step halving until the likelihood
does not fall, and Stata's default stopping rule (nrtolerance 1e-5 on g'H⁻¹g with a full
step, ltolerance 1e-7 on the change in ll)."""
from __future__ import annotations

import numpy as np


def direction(g, H):
    """Newton direction; where -H is not positive definite, its eigenvalues are floored."""
    try:
        c = np.linalg.cholesky(-H)
        return np.linalg.solve(c.T, np.linalg.solve(c, g))
    except np.linalg.LinAlgError:
        w, U = np.linalg.eigh(-H)
        w = np.maximum(np.abs(w), 1e-6 * max(1.0, np.abs(w).max()))
        return U @ ((U.T @ g) / w)


def maximize(value, derivs, x, maxiter=300, on_iteration=None, ran_off=None):
    """value(x) -> ll; derivs(x) -> (gradient, Hessian); ran_off(x): stop, no interior
    maximum (a dispersion parameter running off). Returns (x, ll, converged, iterations,
    log of ll by iteration)."""
    ll = value(x)
    log, converged, it = [ll], False, 0
    for it in range(1, maxiter + 1):
        g, H = derivs(x)
        step = direction(g, H)
        t, new = 1.0, -np.inf
        for _ in range(40):
            new = value(x + t * step)
            if np.isfinite(new) and new >= ll - 1e-11 * abs(ll):
                break
            t *= 0.5
        else:
            break
        x = x + t * step
        ll_old, ll = ll, new
        log.append(ll)
        if on_iteration is not None:
            on_iteration(it, ll)
        if t == 1 and abs(g @ step) < 1e-5 and abs(ll - ll_old) < 1e-7 * (1 + abs(ll)):
            converged = True
            break
        if ran_off is not None and ran_off(x):
            break
    return x, ll, converged, it, log


def inverse(info):
    """The VCE from the information matrix (pseudo-inverse when it is singular)."""
    try:
        return np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(info)
