"""Empirical Bayes predictions of the random effects after a GLMM fit (glmm.py): the
posterior modes (with the curvature there) and the posterior means and covariances by
adaptive quadrature, in the standardised metric v (u = L v), for every group at once.
"""
from __future__ import annotations

import numpy as np

from .glmm import Problem, chol_of
from .quadrature import product_rule


def posterior(prob: Problem, params, points: int | None = None):
    """(mode, mode_cov, mean, cov) per group, v metric: G x q and G x q x q."""
    beta, theta, alpha = prob.split(params)
    q = prob.q
    xb = prob.X @ beta + prob.off
    A = prob.Z @ chol_of(theta, prob.cov, q)
    mode, H = prob.mode(xb, A, alpha, np.zeros((prob.G, q)))
    mode_cov = np.linalg.inv(-H)
    C = np.linalg.cholesky(mode_cov)
    if points is None:
        points = max(prob.points, 7) if q == 1 else max(prob.points, 3)
    saved = prob.t, prob.logw
    prob.t, prob.logw = product_rule(points, q)
    try:
        a, v, _, _ = prob.at_nodes(xb, A, alpha, mode, C, derivs=False)
    finally:
        prob.t, prob.logw = saved
    w = np.exp(a - a.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    mean = np.einsum("gk,gkq->gq", w, v)
    r = v - mean[:, None, :]
    cov = np.einsum("gk,gka,gkb->gab", w, r, r)
    return mode, mode_cov, mean, cov
