"""Sandwich VCE after a GLMM fit (glmm.py, glmm_fit.py): vce(robust) and vce(cluster v).

The units are the top-level groups (vce(robust) clusters there, as Stata's me commands do)
or the clusters of v that contain them. The score of a cluster is the gradient of its
groups' marginal log likelihoods, taken in the estimation metric (β, log-SD / Cholesky
parameters, ln(alpha)) by central differences of each group's integrated log likelihood:
with the adaptive nodes held where the fit left them for the quadrature methods (what the
fit's own derivatives do), re-adapted at every point for Laplace (whose approximation
moves with its centre). Then
    V = G/(G−1) · H⁻¹ (Σ_c s_c s_c') H⁻¹
with H the Hessian of the fit, and the reported metric (variances, covariances) by the
same delta method as the model-based VCE; a sandwich transforms exactly that way.
"""
from __future__ import annotations

import math

import numpy as np

from .glmm import Problem, chol_of
from .results import ModelError


def group_loglik(prob: Problem, params, readapt: bool) -> np.ndarray:
    """ℓ_g for every top-level group (in group-code order) at `params`."""
    if readapt:
        prob.adapt(params)
    beta, theta, alpha = prob.split(params)
    xb = prob.X @ beta + prob.off
    A = prob.Z @ chol_of(theta, prob.cov, prob.q)
    a, *_ = prob.at_nodes(xb, A, alpha, prob.m, prob.C, derivs=False)
    amax = a.max(1)
    lg = amax + np.log(np.exp(a - amax[:, None]).sum(1))
    logdet = np.log(np.abs(np.diagonal(prob.C, axis1=1, axis2=2))).sum(1)
    return lg + logdet


def group_scores(prob: Problem, params, h: float = 1e-5) -> np.ndarray:
    """G x P: d ℓ_g / d params (internal metric) by central differences."""
    params = np.asarray(params, dtype=float)
    readapt = prob.method == "laplace"
    saved = (prob.m.copy(), prob.C.copy(), prob.adapted, prob.last, prob._cache)
    out = np.zeros((prob.G, len(params)))
    try:
        for i in range(len(params)):
            step = h * max(1.0, abs(params[i]))
            e = np.zeros(len(params))
            e[i] = step
            up = group_loglik(prob, params + e, readapt)
            if readapt:
                prob.m, prob.C = saved[0].copy(), saved[1].copy()
            down = group_loglik(prob, params - e, readapt)
            if readapt:
                prob.m, prob.C = saved[0].copy(), saved[1].copy()
            out[:, i] = (up - down) / (2 * step)
    finally:
        prob.m, prob.C, prob.adapted, prob.last, prob._cache = saved
    return out


def cluster_owner(group: np.ndarray, n_groups: int, codes: np.ndarray | None,
                  clustvar: str) -> np.ndarray:
    """The cluster (0..C-1) of every top-level group; r(459) when a group spans clusters."""
    group = np.asarray(group)
    if codes is None:
        return np.arange(n_groups)
    codes = np.asarray(codes)
    first = np.full(n_groups, -1)
    first[group[::-1]] = codes[::-1]
    if np.any(codes != first[group]):
        raise ModelError(459, f"highest-level groups are not nested within {clustvar}")
    _, owner = np.unique(first, return_inverse=True)
    return owner.ravel()


def sandwich(fit, owner: np.ndarray, where: str):
    """(V in the reported metric, number of clusters) for a GLMMResult."""
    from .glmm_fit import _jacobian, _numeric_at, _vce
    from .glmm import reported
    prob, x = fit.problem, np.asarray(fit.params, dtype=float)
    nc = int(owner.max()) + 1 if len(owner) else 0
    if nc < 2:
        raise ModelError(459, f"only one cluster in {where}")
    g, H = _numeric_at(prob, x) if prob.nb or prob.method == "laplace" else prob.analytic(x)
    V_int = _vce(-H)
    S = np.zeros((nc, len(x)))
    np.add.at(S, owner, group_scores(prob, x))
    flat = np.isnan(np.diag(V_int))
    B = np.nan_to_num(V_int)
    V_rob = (nc / (nc - 1.0)) * B @ (S.T @ S) @ B
    p, nt, q = prob.p, prob.nt, prob.q
    f = lambda z: np.r_[z[:p], reported(z[p:p + nt], prob.cov, q), z[p + nt:]]
    J = _jacobian(f, x, 1e-6)
    V = J @ V_rob @ J.T
    lost = np.any(np.abs(J[:, flat]) > 0, axis=1)
    V[lost, :] = math.nan
    V[:, lost] = math.nan
    return V, nc
