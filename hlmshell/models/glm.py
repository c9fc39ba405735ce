"""Single-level GLMs by Newton–Raphson on the observed information (logit, probit,
cloglog, Poisson): what `logit`, `probit`, `poisson` fit, and the start values of the
multilevel fits.

`fit_glm(X, y, family, link, n=1, offset=0)` -> GLMFit (coefficients for the columns of X,
observed-information VCE, log likelihood, iteration log, convergence). Never prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .families import loglik
from .results import ModelError


@dataclass
class GLMFit:
    b: np.ndarray
    V: np.ndarray
    ll: float
    iterations: int
    converged: bool
    log: list = field(default_factory=list)     # log likelihood at iteration 0, 1, ...
    scores: np.ndarray | None = None            # per-observation d l / d b (for robust VCE)


def constant_only(y, family: str, link: str, n=1.0, offset=None) -> float:
    """The ML intercept of the constant-only model (closed form without an offset)."""
    from scipy.special import ndtri
    tot = float(np.sum(y))
    if family in ("bernoulli", "binomial") and offset is None:
        p = tot / float(np.sum(n * np.ones_like(y)))
        p = min(max(p, 1e-10), 1 - 1e-10)
        return {"logit": np.log(p / (1 - p)), "probit": float(ndtri(p)),
                "cloglog": np.log(-np.log1p(-p))}[link]
    if family in ("poisson", "nbinomial"):
        den = float(np.sum(np.exp(offset))) if offset is not None else float(len(y))
        return np.log(max(tot, 1e-10) / den)
    # binomial with an offset: Newton on one parameter
    fit = fit_glm(np.ones((len(y), 1)), y, family, link, n, offset, b0=np.zeros(1))
    return float(fit.b[0])


def fit_glm(X, y, family: str, link: str, n=1.0, offset=None, b0=None, maxiter: int = 300,
            tol: float = 1e-9, on_iteration=None) -> GLMFit:
    X = np.asarray(X, dtype=float)
    k = X.shape[1]
    off = 0.0 if offset is None else np.asarray(offset, dtype=float)
    b = np.zeros(k) if b0 is None else np.array(b0, dtype=float)

    def evaluate(beta, derivs=True):
        eta = X @ beta + off
        l, d1, d2 = loglik(family, link, y, eta, n)
        return float(np.sum(l)), d1, d2

    ll, d1, d2 = evaluate(b)
    if not np.isfinite(ll):
        raise ModelError(430, "initial values not feasible")
    log = [ll]
    converged = False
    it = 0
    for it in range(1, maxiter + 1):
        g = X.T @ d1
        H = -(X.T * d2) @ X
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        for _ in range(40):                       # step halving ("backed up")
            new_ll, nd1, nd2 = evaluate(b + t * step)
            if np.isfinite(new_ll) and new_ll >= ll - 1e-12 * abs(ll):
                break
            t *= 0.5
        b = b + t * step
        change = new_ll - ll
        ll, d1, d2 = new_ll, nd1, nd2
        log.append(ll)
        if on_iteration is not None:
            on_iteration(it, ll)
        # Stata's default: relative change in ll, with the scaled gradient (nrtolerance)
        scaled = float(g @ step)
        if abs(change) <= tol * (abs(ll) + 1) and abs(scaled) < 1e-8:
            converged = True
            break
    H = -(X.T * d2) @ X
    try:
        V = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        V = np.linalg.pinv(H)
    return GLMFit(b, V, ll, it, converged, log, scores=X * d1[:, None])


def robust_vce(V, scores, clusters=None):
    """Huber/White sandwich V S'S V with Stata's small-sample factor: N/(N-1) per
    observation, G/(G-1) per cluster (scores summed within clusters)."""
    if clusters is None:
        S = scores
    else:
        _, inv = np.unique(clusters, return_inverse=True)
        S = np.zeros((int(inv.max()) + 1, scores.shape[1]))
        np.add.at(S, inv.ravel(), scores)
    m = S.shape[0]
    if m < 2:
        raise ModelError(460, "only one cluster detected")
    return (m / (m - 1.0)) * V @ (S.T @ S) @ V


def perfect_predictors(X_all, y_all, rows, candidates):
    """Stata's check before a binary fit: a regressor whose nonzero values all go with one
    outcome predicts it perfectly, so its coefficient would run off to infinity. Such a
    column is omitted and the rows where it is nonzero leave the sample; repeated until no
    column qualifies (dropping rows can expose another). Only columns with exactly two
    values, one of them 0 (indicators), are checked, as Stata's note `x != 0` implies.

    candidates: column indices to check, in order. Returns (rows left, [(column,
    'failure' | 'success', rows dropped)]).
    """
    rows = np.asarray(rows)
    found = []
    remaining = list(candidates)
    changed = True
    while changed and len(rows):
        changed = False
        y = y_all[rows]
        for j in list(remaining):
            x = X_all[rows, j]
            values = np.unique(x)
            if len(values) != 2 or values[0] != 0 and values[1] != 0:
                continue
            on = x != 0
            outcome = y[on]
            if np.all(outcome == 0) or np.all(outcome != 0):
                found.append((j, "failure" if outcome[0] == 0 else "success", int(on.sum())))
                rows = rows[~on]
                remaining.remove(j)
                changed = True
                break
    return rows, found
