"""GLMMs with several random-effects levels (nested or crossed): the data, the
parameters, and the joint Laplace approximation on a sparse design.

Each level ("block") k has per-row group indices g_k, a design Z_k (n x q_k) and a
covariance structure Σ_k = L_k L_k' (glmm.chol_of's parameterisation). With standardised
effects v (u_k = L_k v_k, v ~ N(0, I)), stacked over every block's groups,
    η = Xβ + offset + A v,    A[i, col(k, g_k(i), j)] = (Z_k L_k)[i, j]   (sparse, n x D),
and the Laplace approximation of the marginal log likelihood is
    h(v̂) - ½ log det(A'WA + I),    h(v) = Σ l(η) - ½|v|²,  W = -d²l/dη²,
at the joint mode v̂ (penalised Newton, as lme4's PIRLS with the exact weights; for the
canonical links these are lme4's). It serves crossed models (Stata's default there is
Laplace) and intmethod(laplace) on nested ones. scipy.sparse is imported lazily.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .families import loglik
from .glmm import chol_of, n_theta


@dataclass
class Block:
    label: str                 # `school`, `school>class`, `_all>a`
    groupvar: str              # the level variable (or `_all`)
    effects: list              # slopes then `_cons`
    cov: str
    group: np.ndarray          # group index (0..G-1) of each sample row
    n_groups: int
    Z: np.ndarray              # sample rows x q
    parent: np.ndarray | None = None   # nested: each group's group one level up
    factor: str | None = None  # `_all: R.a`: a

    @property
    def q(self) -> int:
        return self.Z.shape[1]


@dataclass
class MultiData:
    y: np.ndarray
    X: np.ndarray
    blocks: list               # Block, top level first
    family: str
    link: str
    trials: np.ndarray | float = 1.0
    offset: np.ndarray | None = None


class Params:
    """The internal parameter vector: β, θ of each block in turn, [ln α]."""

    def __init__(self, d: MultiData):
        self.p = d.X.shape[1]
        self.nts = [n_theta(b.cov, b.q) for b in d.blocks]
        self.cuts = np.cumsum([self.p] + self.nts)
        self.nb = d.family == "nbinomial"
        self.blocks = d.blocks
        self.size = int(self.cuts[-1]) + (1 if self.nb else 0)

    def split(self, x):
        x = np.asarray(x, dtype=float)
        thetas = [x[a:b] for a, b in zip(self.cuts[:-1], self.cuts[1:])]
        alpha = math.exp(x[self.cuts[-1]]) if self.nb else None
        return x[:self.p], thetas, alpha

    def chols(self, thetas):
        return [chol_of(t, b.cov, b.q) for t, b in zip(thetas, self.blocks)]


def ll_rows(d: MultiData, eta, alpha, derivs=True):
    y = d.y if eta.ndim == 1 else d.y.reshape((-1,) + (1,) * (eta.ndim - 1))
    n = d.trials
    if isinstance(n, np.ndarray) and eta.ndim > 1:
        n = n.reshape((-1,) + (1,) * (eta.ndim - 1))
    return loglik(d.family, d.link, y, eta, n, alpha, derivs)


class JointLaplace:
    """The Laplace approximation over all blocks' effects at once (module docstring).
    A is held as r nonzeros per row (r = Σ q_k): columns C (n x r) and values (n x r);
    A'WA + I has a fixed sparsity pattern, found once, whose entries are weighted sums
    over the rows (np.bincount), so no sparse product is formed per Newton step."""

    def __init__(self, d: MultiData):
        self.d = d
        self.par = Params(d)
        self.xoff = np.zeros(len(d.y)) if d.offset is None else np.asarray(d.offset, float)
        cols, self.offsets = [], []
        base = 0
        for b in d.blocks:
            self.offsets.append(base)
            cols += [base + np.asarray(b.group) * b.q + j for j in range(b.q)]
            base += b.n_groups * b.q
        self.D = D = base
        self.C = np.stack(cols, 1)                               # n x r
        r = self.C.shape[1]
        # the pattern of A'WA + I in CSC order: key = column * D + row, sorted
        ci = np.repeat(self.C, r, axis=1).ravel()                # row index of the pair
        cj = np.tile(self.C, (1, r)).ravel()                     # its column
        keys = np.r_[cj.astype(np.int64) * D + ci, np.arange(D, dtype=np.int64) * (D + 1)]
        ukeys, inv = np.unique(keys, return_inverse=True)
        self.pair = inv[: len(ci)].reshape(len(d.y), r * r)
        self.diag = inv[len(ci):]
        self.indices = (ukeys % D).astype(np.int32)
        self.indptr = np.r_[0, np.cumsum(np.bincount(ukeys // D, minlength=D))].astype(np.int32)
        self.v = np.zeros(D)
        self.last = None            # (negH's LU, v, chols) at the last evaluation

    def A(self, chols):
        """The values of A's nonzeros (n x r) in the order of self.C."""
        return np.concatenate([b.Z @ L for b, L in zip(self.d.blocks, chols)], axis=1)

    def _negH(self, AA, w):
        """A'WA + I from AA = the products a_is a_it per row (n x r², fixed within a mode
        search) and the weights w."""
        from scipy import sparse
        data = np.bincount(self.pair.ravel(), weights=(AA * w[:, None]).ravel(),
                           minlength=len(self.indices))
        data[self.diag] += 1.0
        return sparse.csc_matrix((data, self.indices, self.indptr), shape=(self.D, self.D))

    def mode(self, xb, Av, alpha, v0):
        """Joint mode of h(v) by Newton with step halving; (v, h, negH's LU)."""
        from scipy.sparse.linalg import splu
        C, D = self.C, self.D
        v = v0.copy()
        r = Av.shape[1]
        AA = (Av[:, :, None] * Av[:, None, :]).reshape(len(Av), r * r)

        def h_at(v):
            l, d1, d2 = ll_rows(self.d, xb + np.einsum("ir,ir->i", Av, v[C]), alpha)
            return float(l.sum() - 0.5 * v @ v), d1, d2

        h, d1, d2 = h_at(v)
        for _ in range(100):
            lu = splu(self._negH(AA, -d2))
            grad = np.bincount(C.ravel(), weights=(Av * d1[:, None]).ravel(), minlength=D) - v
            step = lu.solve(grad)
            t = 1.0
            for _ in range(40):
                hn, d1n, d2n = h_at(v + t * step)
                if np.isfinite(hn) and hn >= h - 1e-12 * (1 + abs(h)):
                    break
                t *= 0.5
            else:
                break
            v, h_old = v + t * step, h
            h, d1, d2 = hn, d1n, d2n
            if np.max(np.abs(t * step), initial=0.0) < 1e-10 or \
                    (t == 1 and h - h_old < 1e-13 * (1 + abs(h))):
                break
        return v, h, splu(self._negH(AA, -d2))

    def value(self, x):
        beta, thetas, alpha = self.par.split(x)
        chols = self.par.chols(thetas)
        A = self.A(chols)
        xb = self.d.X @ beta + self.xoff
        v, h, lu = self.mode(xb, A, alpha, self.v)
        if not np.all(np.isfinite(v)):
            v, h, lu = self.mode(xb, A, alpha, np.zeros(self.D))
        self.v = v
        logdet = float(np.sum(np.log(np.abs(lu.U.diagonal()))))
        self.last = (lu, v, chols)
        return h - 0.5 * logdet

    def posterior(self, x):
        """Joint mode v̂ and the diagonal q x q blocks of (A'WA + I)^-1 per block:
        [(mode G x q, cov G x q x q)] in the v metric."""
        self.value(x)
        lu, v, _ = self.last
        out = []
        for b, base in zip(self.d.blocks, self.offsets):
            G, q = b.n_groups, b.q
            cov = np.zeros((G, q, q))
            idx = base + np.arange(G * q)
            chunk = max(1, min(256, 4_000_000 // max(self.D, 1)))   # <= ~32 MB at a time
            for s in range(0, len(idx), chunk):    # columns of the inverse, in chunks
                cols = idx[s:s + chunk]
                E = np.zeros((self.D, len(cols)))
                E[cols, np.arange(len(cols))] = 1.0
                Y = lu.solve(E)
                for c_pos, c in enumerate(cols):
                    g, j = divmod(int(c - base), q)
                    cov[g, :, j] = Y[base + g * q: base + (g + 1) * q, c_pos]
            out.append((v[base: base + G * q].reshape(G, q), cov))
        return out
