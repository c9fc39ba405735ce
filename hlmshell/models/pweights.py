"""Scores of the pseudo-likelihood of a two-level model with sampling weights, for the
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


def scores(model, beta, psi):
    """(G, p + k + 1): d ll_j / d (beta, theta, ln s_e) at the estimates."""
    x0 = np.r_[beta, psi]
    p = len(beta)
    out = np.empty((model.M0.shape[0], len(x0)))
    for i in range(len(x0)):
        h = 1e-5 * max(abs(x0[i]), 0.1)
        up, dn = x0.copy(), x0.copy()
        up[i] += h
        dn[i] -= h
        f = [group_ll(model, z[:p], z[p:-1], z[-1]) for z in (up, dn)]
        out[:, i] = (f[0] - f[1]) / (2 * h)
    return out
