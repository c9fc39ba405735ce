"""Conditional (fixed-effects) logit ([R] clogit, [XT] xtlogit, fe): the panel effects
condition out on each panel's number of positive outcomes m_i,

    ℓ_i = Σ_{t: y=1} η_t − ln e_{m_i}(w_1 … w_{n_i}),   w_t = exp(η_t),

where e_m is the m-th elementary symmetric polynomial of the panel's w (the sum over all
subsets of size m). e_m and its first and second derivatives in β come from the usual
recursion e_k ← e_k + w_t e_{k−1}, run over the panels' t-th rows all at once (panels
padded to the longest), rescaled after every step so that long panels cannot overflow.
Newton with step halving from β = 0. numpy only; never prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .newton import inverse, maximize


@dataclass
class ClogitFit:
    b: np.ndarray
    V: np.ndarray
    ll: float
    ll_0: float             # β = 0
    converged: bool
    iterations: int
    log: list = field(default_factory=list)


class Panels:
    """Rows padded into (G, T) by panel; y, x and the offset laid out alike."""

    def __init__(self, X, y, group, offset=None):
        g = np.asarray(group)
        order = np.argsort(g, kind="stable")
        g = g[order]
        starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
        sizes = np.diff(np.r_[starts, len(g)])
        G, T = len(starts), int(sizes.max())
        pos = np.arange(len(g)) - np.repeat(starts, sizes)
        panel = np.repeat(np.arange(G), sizes)
        self.G, self.T, self.p = G, T, X.shape[1]
        self.mask = np.zeros((G, T), bool)
        self.mask[panel, pos] = True
        self.X = np.zeros((G, T, self.p))
        self.X[panel, pos] = np.asarray(X, float)[order]
        self.y = np.zeros((G, T))
        self.y[panel, pos] = np.asarray(y, float)[order]
        self.off = np.zeros((G, T))
        if offset is not None:
            self.off[panel, pos] = np.asarray(offset, float)[order]
        self.m = self.y.sum(1).astype(int)
        self.M = int(self.m.max())
        self.xy = np.einsum("gtp,gt->p", self.X, self.y)
        self.offy = float(np.sum(self.off * self.y))

    def loglik(self, beta, derivs=True):
        """(ℓ, gradient, Hessian) of the conditional log likelihood."""
        G, M, p = self.G, self.M, self.p
        eta = self.X @ beta + self.off
        # centre η per panel (the conditional likelihood is invariant to it)
        c = np.where(self.mask, eta, -np.inf).max(1)
        w = np.where(self.mask, np.exp(eta - c[:, None]), 0.0)
        E = np.zeros((G, M + 1))
        E[:, 0] = 1.0
        D1 = np.zeros((G, M + 1, p)) if derivs else None
        D2 = np.zeros((G, M + 1, p, p)) if derivs else None
        logscale = np.zeros(G)
        for t in range(self.T):
            wt = w[:, t]
            x = self.X[:, t, :]
            K = min(t + 1, M)        # after t+1 rows, e_k = 0 for k > t+1: skip them
            if derivs:
                # products with the old E_{k-1} (k = 1..K), before E is updated
                e0, d0, h0 = E[:, :K], D1[:, :K], D2[:, :K]
                xx = x[:, :, None] * x[:, None, :]
                add2 = (xx[:, None] * e0[:, :, None, None]
                        + x[:, None, :, None] * d0[:, :, None, :]
                        + d0[:, :, :, None] * x[:, None, None, :] + h0)
                add1 = x[:, None, :] * e0[:, :, None] + d0
                D2[:, 1:K + 1] += wt[:, None, None, None] * add2
                D1[:, 1:K + 1] += wt[:, None, None] * add1
            E[:, 1:K + 1] = E[:, 1:K + 1] + wt[:, None] * E[:, :K]
            s = E.max(1)
            E /= s[:, None]
            if derivs:
                D1 /= s[:, None, None]
                D2 /= s[:, None, None, None]
            logscale += np.log(s)
        idx = np.arange(G)
        Em = E[idx, self.m]
        ll = float(self.xy @ beta + self.offy - np.sum(np.log(Em) + logscale + self.m * c))
        if not derivs:
            return ll, None, None
        mu = D1[idx, self.m] / Em[:, None]                    # E[Σ_{t∈S} x_t]
        S2 = D2[idx, self.m] / Em[:, None, None]
        grad = self.xy - mu.sum(0)
        H = -(S2 - mu[:, :, None] * mu[:, None, :]).sum(0)
        return ll, grad, H


def fit_clogit(X, y, group, offset=None, maxiter=300, on_iteration=None) -> ClogitFit:
    """X over rows of panels that have both outcomes (the caller drops the others)."""
    P = Panels(X, y, group, offset)
    b0 = np.zeros(P.p)
    b, ll, converged, it, log = maximize(lambda z: P.loglik(z, derivs=False)[0],
                                         lambda z: P.loglik(z)[1:], b0, maxiter, on_iteration)
    ll_0 = log[0]
    V = inverse(-P.loglik(b)[2])
    return ClogitFit(b, V, ll, ll_0, converged, it, log)
