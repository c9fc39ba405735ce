"""BLUPs (empirical Bayes means) of the random effects, their standard errors, predictions.

The elimination in lmm.py eliminated the levels innermost first; its per-group K = A^-1 B
gives the conditional mean of the spherical effects b of a group given everything outside
(its ancestors' effects u and beta):  b = K [-u_parent, ..., -u_top, -beta, 1].
Going top-down therefore yields the posterior means. The same recursion carries the joint
posterior covariance of the chain (u_l, ..., u_top, beta):
    Var(b) = s2 A^-1 + D C D',   Cov(b, chain) = -D C,   u = Lambda b,
with D = K without its y column and C the chain covariance of the parent. Starting the chain
with C = Var(beta_hat) gives Var(u_hat - u) ("comparative", accounts for estimating beta);
starting with 0 gives Var(u | y) with beta known ("posterior").
"""
from __future__ import annotations

import numpy as np

KINDS = ("stata", "posterior", "comparative", "diagnostic")


def _compute(fit, with_beta_uncertainty: bool):
    st = fit._state
    key = ("blup", with_beta_uncertainty)
    if key in st:
        return st[key]
    model = st["model"]
    beta_k, s2, XXinv, cache, lams = model.solution(st["theta"])
    p = model.p
    means, covs = [], []
    # chain state per group of the current level: stacked means and covariance
    chain_mean = beta_k[None, :]                        # (1, p)
    chain_cov = (s2 * XXinv if with_beta_uncertainty else np.zeros((p, p)))[None]
    parent = np.zeros(1, dtype=np.int64)
    for l in range(len(model.levels)):
        Lam, _Gm, _H, Ainv, K = cache[l]
        Lam, Ainv, K = Lam[0, 0], Ainv[0], K[0]          # drop the batch axis
        if l > 0:
            parent = model.levels[l].parent
        else:
            parent = np.zeros(K.shape[0], dtype=np.int64)
        cm, cc = chain_mean[parent], chain_cov[parent]    # (G, D), (G, D, D)
        D = K[:, :, :-1]
        b = K[:, :, -1] - np.einsum("gqd,gd->gq", D, cm)
        Vb = s2 * Ainv + D @ cc @ np.swapaxes(D, 1, 2)
        Cb = -D @ cc                                      # Cov(b, chain)
        u = b @ Lam.T
        Vu = Lam @ Vb @ Lam.T
        Cu = Lam @ Cb
        means.append(u)
        covs.append(Vu)
        q = u.shape[1]
        Dn = q + cm.shape[1]
        newc = np.empty((len(u), Dn, Dn))
        newc[:, :q, :q] = Vu
        newc[:, :q, q:] = Cu
        newc[:, q:, :q] = np.swapaxes(Cu, 1, 2)
        newc[:, q:, q:] = cc
        chain_mean = np.concatenate([u, cm], axis=1)
        chain_cov = newc
    st[key] = (means, covs)
    return means, covs


def _expand(fit, level_index, per_group):
    g = fit._state["design"].levels[level_index].group_all
    out = np.full((len(g), per_group.shape[1]), np.nan)
    ok = g >= 0
    out[ok] = per_group[g[ok]]
    return out


def group_blups(fit, level_index: int) -> np.ndarray:
    """BLUPs per sample group of a level (n_groups x q)."""
    return _compute(fit, False)[0][level_index]


def group_reses(fit, level_index: int, kind: str = "stata") -> np.ndarray:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if kind == "stata":
        kind = "comparative" if fit.method == "REML" else "posterior"
    if kind == "posterior":
        V = _compute(fit, False)[1][level_index]
    else:
        V = _compute(fit, True)[1][level_index]
        if kind == "diagnostic":
            V = fit.levels[level_index].Sigma[None] - V
    return np.sqrt(np.maximum(np.diagonal(V, axis1=1, axis2=2), 0.0))


def reffects(fit, level_index: int) -> np.ndarray:
    if getattr(fit._state["model"], "crossed", False):
        from .crossed import reffects as crossed_reffects
        return crossed_reffects(fit, level_index)
    return _expand(fit, level_index, group_blups(fit, level_index))


def reses(fit, level_index: int, kind: str = "stata") -> np.ndarray:
    if getattr(fit._state["model"], "crossed", False):
        from .crossed import reses as crossed_reses
        return crossed_reses(fit, level_index, kind)
    return _expand(fit, level_index, group_reses(fit, level_index, kind))


def predict(fit, kind: str = "xb", level: int | None = None) -> np.ndarray:
    d = fit._state["design"]
    X = d.X_all
    xb = X @ fit.beta
    if kind == "xb":
        return xb
    if kind == "stdp":
        return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", X, fit.V_beta, X), 0.0))
    if kind not in ("fitted", "residuals", "rstandard"):
        raise ValueError(f"unknown prediction {kind}")
    last = len(fit.levels) - 1 if level is None else level
    fitted = xb.copy()
    for l in range(last + 1):
        u = reffects(fit, l)
        fitted = fitted + np.sum(d.levels[l].Z_all * u, axis=1)
    if kind == "fitted":
        return fitted
    res = d.y_all - fitted
    if kind == "residuals":
        return res
    out = np.full(len(res), np.nan)
    structure = getattr(fit._state.get("model"), "structure", None)
    if structure is not None:   # residuals(): R_g^-1/2 e_g (Cholesky, in t order) per group
        out[d.rows] = structure.standardize(fit._state["theta"][fit._state["model"].ktheta:],
                                            fit.sigma2, res[d.rows])
        return out
    out[d.sample] = res[d.sample] / np.sqrt(fit.sigma2)
    return out
