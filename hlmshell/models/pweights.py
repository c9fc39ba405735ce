"""Scores of the pseudo-likelihood of a model with sampling weights, for the
sandwich VCE that Stata uses whenever pweights are given (robust.sandwich).

Per group j (lmm.py's cross-products M_j of the sqrt(w_i|j)-scaled columns [Z X y]):
    ll_j = -1/2 w_j [ log|A_j| + n_j log(2 pi s2) + v' S_j v / s2 ],   v = [beta; -1]
with A_j = Lambda' Z_j'W_j Z_j Lambda + I, S_j the Schur complement of A_j (lmm.py) and
n_j = sum_i w_i|j. The scores d ll_j / d (beta, theta, ln s_e) come from central
differences of this vector of group contributions (smooth; O(groups) per evaluation).
"""
from __future__ import annotations

import numpy as np

LOG2PI = np.log(2 * np.pi)


def group_ll(model, beta, theta, lnsig):
    """The vector of the groups' weighted pseudo-log-likelihood contributions."""
    q = model.q[0]
    M = model.M0                            # (G, d, d): Z columns first
    Lam = model.lambdas(np.asarray(theta, dtype=float)[None])[0][0]
    Gm, H, WW = M[:, :q, :q], M[:, :q, q:], M[:, q:, q:]
    A = Lam.T @ Gm @ Lam + np.eye(q)
    B = Lam.T @ H
    S = WW - np.swapaxes(B, 1, 2) @ np.linalg.solve(A, B)
    v = np.r_[beta, -1.0]
    quad = np.einsum("i,gij,j->g", v, S, v)
    s2 = np.exp(2 * lnsig)
    n_j = model.n_j
    ll = -0.5 * (np.linalg.slogdet(A)[1] + n_j * (LOG2PI + np.log(s2)) + quad / s2)
    return ll if model.lw is None else model.lw[0] * ll


def group_ll_nested(model, beta, theta, lnsig):
    """The same for nested levels: lmm.py's elimination for one theta, the top-level
    groups kept apart. A group's log-determinant counts with the product of its own and
    its ancestors' weights (model.cw); each S_g enters its parent with its own weight."""
    L = len(model.levels)
    lw = model.lw if model.lw is not None else [np.ones(lv.n_groups) for lv in model.levels]
    cw = model.cw if model.lw is not None else lw
    lams = model.lambdas(np.asarray(theta, dtype=float)[None])
    top_of = [np.arange(model.levels[0].n_groups)]
    for l in range(1, L):
        top_of.append(top_of[l - 1][model.levels[l].parent])
    G0 = model.levels[0].n_groups
    ld = np.zeros(G0)
    M = model.M0
    for l in range(L - 1, -1, -1):
        q = model.q[l]
        Lam = lams[l][0]
        Gm, H, WW = M[:, :q, :q], M[:, :q, q:], M[:, q:, q:]
        A = Lam.T @ Gm @ Lam + np.eye(q)
        B = Lam.T @ H
        S = (WW - np.swapaxes(B, 1, 2) @ np.linalg.solve(A, B)) * lw[l][:, None, None]
        ld += np.bincount(top_of[l], weights=np.linalg.slogdet(A)[1] * cw[l], minlength=G0)
        M = np.add.reduceat(S, model.starts[l], axis=0) if l > 0 else S
    v = np.r_[beta, -1.0]
    quad = np.einsum("i,gij,j->g", v, M, v)
    n_top = np.bincount(top_of[-1][model.levels[-1].group], weights=model.row_w, minlength=G0)
    s2 = np.exp(2 * lnsig)
    return -0.5 * (ld + n_top * (LOG2PI + np.log(s2)) + quad / s2)


def scores(model, beta, psi):
    """(G, p + k + 1): d ll_j / d (beta, theta, ln s_e) at the estimates."""
    x0 = np.r_[beta, psi]
    p = len(beta)
    ll = group_ll if len(model.levels) == 1 else group_ll_nested
    out = np.empty((model.levels[0].n_groups, len(x0)))
    for i in range(len(x0)):
        h = 1e-5 * max(abs(x0[i]), 0.1)
        up, dn = x0.copy(), x0.copy()
        up[i] += h
        dn[i] -= h
        f = [ll(model, z[:p], z[p:-1], z[-1]) for z in (up, dn)]
        out[:, i] = (f[0] - f[1]) / (2 * h)
    return out
