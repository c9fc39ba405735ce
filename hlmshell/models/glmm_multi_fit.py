"""Maximise the likelihood of a GLMM with several random-effects levels: nested ones by
level-by-level adaptive quadrature (glmm_nested.py), crossed ones (and intmethod(laplace))
by the joint Laplace approximation (glmm_blocks.py).

Start values and the iteration log follow glmm_fit (the single-level fit, a "grid node"
with every level's SD at the first feasible value, then Newton with step halving).
Derivatives: for quadrature the analytic gradient with the nodes held where the last
adaptation left them and its central differences as Hessian (glmm_nested.derivs),
switching to central differences of the exact re-adapted function when Newton stalls;
for Laplace central differences of the exact function. The VCE is the inverse of that
Hessian (nodes held, as Stata's), by the delta method to Stata's metric (variances and
covariances).
"""
from __future__ import annotations

import math

import numpy as np

from .glmm import numeric, reported
from .glmm_blocks import JointLaplace, MultiData
from .glmm_fit import GLMMResult, _jacobian, _single_level, _vce
from .newton import direction
from .glmm_nested import NestedAGQ
from .results import ModelError


def _theta_for(cov, q, nt, sd):
    if q == 1 or cov == "identity":
        return [math.log(sd)]
    if cov == "independent":
        return [math.log(sd)] * q
    if cov == "exchangeable":
        return [math.log(sd), 0.0]
    th = np.zeros(nt)
    th[[i * (i + 1) // 2 + i for i in range(q)]] = math.log(sd)
    return list(th)


def numeric_lean(fun, x, h=1e-4):
    """Gradient (central) and Hessian of a scalar function from (P+1)(P+2)/2 + P values:
    the mixed second differences share the one-sided points, O(h) accurate (enough for a
    Newton direction; the VCE uses glmm.numeric's central scheme)."""
    x = np.asarray(x, dtype=float)
    k = len(x)
    f0 = fun(x)
    fp, fm = np.zeros(k), np.zeros(k)
    E = np.eye(k) * h
    for i in range(k):
        fp[i], fm[i] = fun(x + E[i]), fun(x - E[i])
    g = (fp - fm) / (2 * h)
    H = np.diag((fp - 2 * f0 + fm) / (h * h))
    for i in range(k):
        for j in range(i):
            H[i, j] = H[j, i] = (fun(x + E[i] + E[j]) - fp[i] - fp[j] + f0) / (h * h)
    return g, H


class _Exact:
    """The exact (re-adapted) function for numeric derivatives, leaving the engine's
    nodes where they were."""

    def __init__(self, eng):
        self.eng = eng

    def __call__(self, x):
        return self.eng.value(x)

    def derivs(self, x, lean=False):
        saved = _state(self.eng)
        out = (numeric_lean if lean else numeric)(self.eng.value, x, 1e-4)
        _restore(self.eng, saved)
        self.eng.value(x)
        return out


def _state(eng):
    return eng.state() if hasattr(eng, "state") else eng.v.copy()


def _restore(eng, s):
    if hasattr(eng, "restore"):
        eng.restore(s)
    else:
        eng.v = s.copy()


def fit_multi(d: MultiData, method: str = "mvaghermite", points: int = 7, maxiter: int = 300,
              on_iteration=None) -> GLMMResult:
    beta0, lnalpha0, ll_c, glm_log = _single_level(d, 300)
    eng = JointLaplace(d) if method == "laplace" else NestedAGQ(d, method, points)
    par = eng.par
    extra = [lnalpha0] if par.nb else []
    best = None
    for sd in (0.5, 1.0, 0.25, 2.0, 0.1):
        x = np.r_[beta0, [t for b, nt in zip(d.blocks, par.nts)
                          for t in _theta_for(b.cov, b.q, nt, sd)], extra]
        _restore(eng, _state(eng))
        if hasattr(eng, "adapted"):
            eng.adapted = False
        with np.errstate(all="ignore"):
            val = eng.value(x)
        if np.isfinite(val):
            best = (val, x)
            break
    if best is None:
        raise ModelError(430, "initial values not feasible")
    ll, x = best
    grid_ll = ll
    exact = _Exact(eng)
    quad = method != "laplace"
    use_exact = not quad
    log, converged, it, diverged, slow, stall = [ll], False, 0, False, 0, 0
    for it in range(1, maxiter + 1):
        with np.errstate(all="ignore"):
            g, H = exact.derivs(x, lean=not quad) if use_exact else \
                eng.derivs(x, central=False)
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
            break
        step = direction(g, H)
        saved = _state(eng)
        t, new = 1.0, -np.inf
        for _ in range(40):
            with np.errstate(all="ignore"):
                new = eng.value(x + t * step)
            if np.isfinite(new) and new >= ll - 1e-11 * abs(ll):
                break
            _restore(eng, saved)
            t *= 0.5
        else:
            _restore(eng, saved)
            eng.value(x)
            if use_exact:
                break
            # no ascent along the fixed-node direction: take the exact function's next
            # (else the same failed search repeats until maxiter)
            use_exact = True
            t, new = 0.0, ll
        # halved steps far from the optimum come from a poor start; near it (g'H⁻¹g
        # small) they mean the fixed-node derivatives miss the re-adapted function's
        # optimum: finish on the exact function's (as glmm_fit)
        slow = slow + 1 if t < 1 and abs(g @ step) < 1e-2 else 0
        if not use_exact and slow >= 2:
            use_exact = True
        x = x + t * step
        ll_old, ll = ll, new
        log.append(ll)
        if on_iteration is not None:
            on_iteration(it, ll)
        if t == 1 and abs(g @ step) < 1e-5 and abs(ll - ll_old) < 1e-7 * (1 + abs(ll)):
            converged = True
            break
        if _diverging(d, par, x):
            diverged = True
            break
        # no progress for 3 iterations short of convergence (a flat ridge: a variance
        # running off): the exact function's derivatives next, and if they stall too, stop
        stall = stall + 1 if ll - ll_old <= 1e-10 * (1 + abs(ll)) else 0
        if stall >= 3:
            if use_exact:
                break
            use_exact, stall = True, 0
    with np.errstate(all="ignore"):      # quadrature: the Hessian with the nodes held
        _, H = eng.derivs(x) if quad else exact.derivs(x)
    V_int = _vce(-H)
    f = lambda z: _reported(par, d, z)
    J = _jacobian(f, x, 1e-6)
    flat = np.isnan(np.diag(V_int))
    V = J @ np.nan_to_num(V_int) @ J.T
    lost = np.any(np.abs(J[:, flat]) > 0, axis=1)
    V[lost, :] = np.nan
    V[:, lost] = np.nan
    return GLMMResult(f(x), V, ll, ll_c, glm_log, grid_ll, log, converged, it, x, eng,
                      diverged)


def _reported(par, d, z):
    beta, thetas, _ = par.split(z)
    parts = [beta] + [reported(t, b.cov, b.q) for t, b in zip(thetas, d.blocks)]
    if par.nb:
        parts.append(z[par.cuts[-1]:])
    return np.concatenate(parts)


def _diverging(d, par, x) -> bool:
    beta, thetas, _ = par.split(x)
    limit = {"logit": 30.0, "probit": 10.0, "cloglog": 10.0}.get(d.link)
    if limit and d.X.size and np.max(np.abs(d.X @ beta)) > limit:
        return True
    for L in par.chols(thetas):
        if np.max(np.sqrt(np.diag(L @ L.T))) > 20:
            return True
    return False
