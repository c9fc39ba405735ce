"""Maximise a GLMM likelihood (glmm.py): start values from the single-level fit, a small
grid for the variance ("Refining starting values"), then Newton with step halving on the
quadrature likelihood; the VCE of Stata's parameters (β, variances and covariances,
ln(alpha)) by the delta method from the internal metric.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .glm import constant_only, fit_glm
from .glmm import GLMMData, Problem, chol_of, numeric, reported
from .newton import direction
from .results import ModelError


@dataclass
class GLMMResult:
    b: np.ndarray              # β, then the random-effects parameters, then lnalpha
    V: np.ndarray
    ll: float
    ll_c: float                # the single-level model's log likelihood
    glm_log: list              # its iteration log
    grid_ll: float             # "Refining starting values"
    log: list                  # the full model's log likelihood by iteration
    converged: bool
    iterations: int
    params: np.ndarray         # internal metric
    problem: Problem = field(repr=False, default=None)
    diverged: bool = False     # stopped because the estimates run off to infinity


def _single_level(d: GLMMData, maxiter: int):
    fam = "poisson" if d.family == "nbinomial" else d.family
    b0 = np.zeros(d.X.shape[1])
    cons = [j for j in range(d.X.shape[1]) if np.all(d.X[:, j] == 1.0)]
    if cons:   # Stata's log starts from the constant-only model
        b0[cons[0]] = constant_only(d.y, fam, d.link, d.trials, d.offset)
    g = fit_glm(d.X, d.y, fam, d.link, d.trials, d.offset, b0=b0, maxiter=maxiter)
    ll_c, log = g.ll, g.log
    lnalpha = None
    if d.family == "nbinomial":                   # the single-level negative binomial
        eta0 = d.X @ g.b + (0 if d.offset is None else d.offset)
        mu = np.exp(eta0)
        a0 = max(float(np.mean((d.y - mu) ** 2 - d.y) / np.mean(mu * mu)), 0.05)
        from .families import loglik as ll_fun

        def nb_ll(x):
            eta = d.X @ x[:-1] + (0 if d.offset is None else d.offset)
            return float(np.sum(ll_fun("nbinomial", "log", d.y, eta, 1.0, math.exp(x[-1]))[0]))
        x = np.r_[g.b, math.log(a0)]
        x, ll_c, log = _newton_numeric(nb_ll, x, maxiter)
        return x[:-1], x[-1], ll_c, log
    return g.b, lnalpha, ll_c, log


def _newton_numeric(fun, x, maxiter):
    ll = fun(x)
    log = [ll]
    still = 0
    for _ in range(maxiter):
        g, H = numeric(fun, x, 1e-4)
        step = direction(g, H)
        t, new = 1.0, None
        for _ in range(40):
            new = fun(x + t * step)
            if np.isfinite(new) and new >= ll - 1e-12 * abs(ll):
                break
            t *= 0.5
        x = x + t * step
        ll_old, ll = ll, new
        log.append(ll)
        if abs(g @ step) < 1e-10 and abs(ll - ll_old) < 1e-10 * (1 + abs(ll)):
            break
        # a flat direction (ln(alpha) running to -inf on counts that are not
        # overdispersed): the likelihood has stopped moving; Stata's ltolerance ends it
        still = still + 1 if abs(ll - ll_old) < 1e-10 * (1 + abs(ll)) else 0
        if still >= 3:
            break
    return x, ll, log


def fit_glmm(d: GLMMData, method: str = "mvaghermite", points: int = 7, maxiter: int = 300,
             on_iteration=None) -> GLMMResult:
    beta0, lnalpha0, ll_c, glm_log = _single_level(d, 300)   # iterate() is the full model's
    prob = Problem(d, method, points)
    q, nt = prob.q, prob.nt
    extra = [lnalpha0] if prob.nb else []

    def theta_for(sd):
        if q == 1 or d.covariance == "identity":
            return [math.log(sd)]
        if d.covariance == "independent":
            return [math.log(sd)] * q
        if d.covariance == "exchangeable":
            return [math.log(sd), 0.0]
        th = np.zeros(nt)
        th[[i * (i + 1) // 2 + i for i in range(q)]] = math.log(sd)
        return list(th)

    best = None
    for sd in (0.5, 1.0, 0.25, 2.0, 0.1):        # "Refining starting values": the first
        x = np.r_[beta0, theta_for(sd), extra]   # feasible node of a small grid
        prob.m[:] = 0.0
        prob.adapted = False
        val = prob.value(x)
        if np.isfinite(val):
            best = (val, x, prob.m, prob.C)   # the loop ends here: no copies, so that
            break                             # analytic() reuses this evaluation
    if best is None:
        raise ModelError(430, "initial values not feasible")
    ll, x, prob.m, prob.C = best
    grid_ll = ll
    # Laplace: the fixed-node Hessian lacks the curvature's derivative (Newton would crawl);
    # the negative binomial's ln(alpha) is outside η: both take numerical derivatives
    derivs = (lambda x: _numeric_at(prob, x)) if prob.nb or method == "laplace" \
        else prob.analytic
    log, converged, it = [ll], False, 0
    diverged = False
    exact = prob.nb or method == "laplace"   # already the exact function's derivatives
    slow = flat = 0
    for it in range(1, maxiter + 1):
        g, H = derivs(x)
        step = direction(g, H)
        saved = (prob.m.copy(), prob.C.copy())
        t, new = 1.0, -np.inf
        for _ in range(40):
            new = prob.value(x + t * step)
            if np.isfinite(new) and new >= ll - 1e-11 * abs(ll):
                break
            prob.m, prob.C = saved[0].copy(), saved[1].copy()
            t *= 0.5
        else:
            prob.m, prob.C = saved
            prob.value(x)
            if exact:
                break
            t, new = 0.0, ll
        # with few points the fixed-node derivatives can miss the re-adapted function's
        # optimum; when Newton stalls, finish on the exact function's derivatives
        slow = slow + 1 if t < 1 else 0
        if not exact and slow >= 2:
            exact = True
            derivs = lambda z: _numeric_at(prob, z)
        x = x + t * step
        ll_old, ll = ll, new
        log.append(ll)
        if on_iteration is not None:
            on_iteration(it, ll)
        # after a full Newton step with g'H⁻¹g < 1e-5 (Stata's nrtolerance) the remaining
        # error is of its square (quadratic convergence); on a ridge towards a zero
        # variance, where Newton only crawls, the same test stops once the likelihood no
        # longer moves (Stata's ltolerance 1e-7)
        if t == 1 and abs(g @ step) < 1e-5 and abs(ll - ll_old) < 1e-7 * (1 + abs(ll)):
            converged = True
            break
        # a flat direction (ln(alpha) of counts that are not overdispersed, run off to
        # -inf) where numerical noise halves every step: both criteria hold, so stop
        flat = flat + 1 if abs(g @ step) < 1e-5 and abs(ll - ll_old) < 1e-7 * (1 + abs(ll)) \
            else 0
        if flat >= 3:
            converged = True
            break
        if _diverging(prob, x):
            diverged = True
            break
    g, H = derivs(x)
    V_int = _vce(-H)
    p = prob.p
    f = lambda z: np.r_[z[:p], reported(z[p:p + nt], d.covariance, q), z[p + nt:]]
    J = _jacobian(f, x, 1e-6)
    flat = np.isnan(np.diag(V_int))
    V = J @ np.nan_to_num(V_int) @ J.T
    lost = np.any(np.abs(J[:, flat]) > 0, axis=1)     # reported through a flat direction
    V[lost, :] = np.nan
    V[:, lost] = np.nan
    return GLMMResult(f(x), V, ll, ll_c, glm_log, grid_ll, log, converged, it, x, prob,
                      diverged)


def _jacobian(f, x, h):
    """Central-difference Jacobian (the same first derivatives as _jac_hess, without the
    second ones that the delta method does not use)."""
    k = len(x)
    cols = []
    for i in range(k):
        e = np.zeros(k)
        e[i] = h
        cols.append((f(x + e) - f(x - e)) / (2 * h))
    return np.stack(cols, 1)


def _vce(info):
    """Inverse information; a parameter in whose direction the likelihood is flat (a
    variance or ln(alpha) run off to its boundary) gets a missing variance, not 0."""
    d = np.diag(info)
    flat = ~(d > 1e-10 * max(1.0, float(np.max(np.abs(d)))))
    keep = ~flat
    V = np.full(info.shape, np.nan)
    try:
        V[np.ix_(keep, keep)] = np.linalg.inv(info[np.ix_(keep, keep)])
    except np.linalg.LinAlgError:
        V[np.ix_(keep, keep)] = np.linalg.pinv(info[np.ix_(keep, keep)])
    return V


def _diverging(prob: Problem, x) -> bool:
    """Estimates running off to infinity (an outcome that some groups or covariates predict
    perfectly): a fixed linear predictor beyond ±30 (logit; ±10 probit and cloglog) or a
    random-effect SD above 20 on the link scale can only grow further; stop instead of
    crawling to iterate()."""
    beta, theta, _ = prob.split(x)
    limit = {"logit": 30.0, "probit": 10.0, "cloglog": 10.0}.get(prob.link)
    if limit and prob.X.size and np.max(np.abs(prob.X @ beta)) > limit:
        return True
    L = chol_of(theta, prob.cov, prob.q)
    return bool(np.max(np.sqrt(np.diag(L @ L.T))) > 20)


def _numeric_at(prob: Problem, x):
    """Central-difference derivatives of the exact (re-adapted) log likelihood."""
    saved = (prob.m.copy(), prob.C.copy())
    out = numeric(prob.value, x, 1e-4)
    prob.m, prob.C = saved
    prob.value(x)
    return out
