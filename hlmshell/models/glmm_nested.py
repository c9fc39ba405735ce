"""Nested multilevel GLMMs (`|| school: || class:` and deeper) by adaptive quadrature,
integrated level by level as Stata does.

For a top-level group the likelihood is ∫ φ(v₁) Π_children [∫ φ(v₂) Π ... Π_rows f dv₂] dv₁.
Each level's integral uses its own product Gauss–Hermite rule (K_k = points^q_k nodes),
and a lower level's integral is computed once per combination of its ancestors' nodes
(its "context"): level k has M_k = K_1 ... K_(k-1) contexts, and every array of that level
is (groups x contexts [x nodes]), so all groups and contexts are evaluated at once with
numpy (the bottom level's linear predictor is rows x M_L x K_L).

Adaptive centres and scales, per group and context (glmm.py's notation v = m + C t):
    start       the mode of that level's conditional integrand (lower levels at zero)
                and the inverse curvature there, level by level from the top;
    mvaghermite then iterated to the posterior means and covariances, which the node
                weights of every level give (the lower levels' integrals included);
    mcaghermite the start alone; ghermite m = 0, C = I.
As the number of points grows every variant converges to the same integral.
"""
from __future__ import annotations

import math

import numpy as np

from .glmm_blocks import MultiData, Params, ll_rows
from .quadrature import product_rule

LOG2PI = math.log(2 * math.pi)


class NestedAGQ:
    def __init__(self, d: MultiData, method: str = "mvaghermite", points: int = 7):
        order = np.argsort(d.blocks[-1].group, kind="stable")
        self.order = order
        self.d = MultiData(np.asarray(d.y, float)[order], np.asarray(d.X, float)[order], [],
                           d.family, d.link,
                           d.trials[order] if isinstance(d.trials, np.ndarray) else d.trials,
                           None if d.offset is None else np.asarray(d.offset, float)[order])
        self.blocks = d.blocks
        self.par = Params(d)
        self.xoff = np.zeros(len(order)) if d.offset is None else self.d.offset
        self.Z = [np.asarray(b.Z, float)[order] for b in d.blocks]
        self.g = [np.asarray(b.group)[order] for b in d.blocks]
        self.G = [b.n_groups for b in d.blocks]
        self.q = [b.q for b in d.blocks]
        self.L = len(d.blocks)
        self.row_starts = [np.r_[0, np.flatnonzero(np.diff(g)) + 1] for g in self.g]
        # children of level k sorted by their parent (nested keys are lexicographic)
        self.child_starts = [np.r_[0, np.flatnonzero(np.diff(b.parent)) + 1]
                             for b in d.blocks[1:]]
        self.method = method
        self.points = points
        self.rules = [product_rule(points, q) for q in self.q]
        self.K = [len(r[1]) for r in self.rules]
        self.M = [int(np.prod(self.K[:k])) for k in range(self.L)]
        self.m = [np.zeros((G, M, q)) for G, M, q in zip(self.G, self.M, self.q)]
        self.C = [np.broadcast_to(np.eye(q), (G, M, q, q)).copy()
                  for G, M, q in zip(self.G, self.M, self.q)]
        self.adapted = False
        self.w = [None] * self.L      # the last evaluation's node weights and nodes
        self.nodes = [None] * self.L
        self._want_d1 = False         # gradient(): keep d l/d eta of the bottom level
        self._d1 = None

    # ------------------------------------------------------------------ evaluation
    def _pieces(self, x):
        beta, thetas, alpha = self.par.split(x)
        A = [Z @ L for Z, L in zip(self.Z, self.par.chols(thetas))]
        return self.d.X @ beta + self.xoff, A, alpha

    def _contrib(self, k, A, v):
        """(Z L v)_i for each row's group at level k: v is G x M x K x q -> n x M x K."""
        g = self.g[k]
        if self.q[k] == 1:
            out = v[..., 0].take(g, axis=0)
            out *= A[:, 0].reshape(-1, *([1] * (v.ndim - 2)))
            return out
        return np.einsum("iq,i...q->i...", A, v.take(g, axis=0))

    def _level(self, k, eta0, A, alpha):
        G, M, q = self.G[k], self.M[k], self.q[k]
        t, logw = self.rules[k]
        K = len(logw)
        v = self.m[k][:, :, None, :] + np.einsum("gmab,kb->gmka", self.C[k], t)
        eta = (eta0[:, :, None] + self._contrib(k, A[k], v)).reshape(len(eta0), M * K)
        if k == self.L - 1:
            l, d1, _ = ll_rows(self.d, eta, alpha, derivs=self._want_d1)
            self._d1 = d1
            S = np.add.reduceat(l, self.row_starts[k], axis=0)
        else:
            del eta0
            S = np.add.reduceat(self._level(k + 1, eta, A, alpha), self.child_starts[k], axis=0)
        a = S.reshape(G, M, K) + logw - 0.5 * (v * v).sum(-1) - 0.5 * q * LOG2PI
        amax = a.max(-1, keepdims=True)
        e = np.exp(a - amax)
        tot = e.sum(-1)
        self.w[k] = e / tot[..., None]
        self.nodes[k] = v
        logdet = np.log(np.abs(np.diagonal(self.C[k], axis1=2, axis2=3))).sum(-1)
        return amax[..., 0] + np.log(tot) + logdet

    def fixed(self, x) -> float:
        """The log likelihood with the centres and scales held where they are."""
        xb, A, alpha = self._pieces(x)
        with np.errstate(all="ignore"):
            return float(self._level(0, xb[:, None], A, alpha).sum())

    def gradient(self, x):
        """Analytic gradient of fixed(x) (nodes held): every row's d l/dη weighted by the
        posterior probability of each path of nodes (the product of the levels' node
        weights), against dη/dβ = x_i and dη/dL_k[a, b] = Z_k[i, a] v_k[b] on that path;
        then the chain rule to θ (L's Jacobian by central differences: tiny). ln(alpha)
        (negative binomial) by a central difference of fixed()."""
        beta, thetas, alpha = self.par.split(x)
        xb, A, _ = self._pieces(x)
        self._want_d1 = True
        try:
            with np.errstate(all="ignore"):
                self._level(0, xb[:, None], A, alpha)
        finally:
            self._want_d1 = False
        d1 = self._d1                                            # n x paths
        cw = np.ones((self.G[0], 1))
        for k in range(self.L - 1):
            cw = (cw[:, :, None] * self.w[k]).reshape(self.G[k], -1)[self.blocks[k + 1].parent]
        W = (cw[:, :, None] * self.w[-1]).reshape(self.G[-1], -1).take(self.g[-1], axis=0)
        Wd = W * d1                                              # n x paths
        grad = [self.d.X.T @ Wd.sum(1)]
        paths = Wd.shape[1]
        for k in range(self.L):
            q, R = self.q[k], paths // (self.M[k] * self.K[k])
            S = Wd.reshape(len(Wd), -1, R).sum(-1)               # n x M_(k+1)
            v = self.nodes[k].reshape(self.G[k], -1, q)
            Sv = np.einsum("im,imb->ib", S, v.take(self.g[k], axis=0))   # n x q
            GL = self.Z[k].T @ Sv                                # q x q: d ll / d L[a, b]
            f = lambda th, k=k: self.par.chols([th if j == k else thetas[j]
                                                for j in range(self.L)])[k].ravel()
            grad.append(_jac(f, thetas[k]).T @ GL.ravel())
        if self.par.nb:
            h = 1e-5
            e = np.zeros(len(x))
            e[-1] = h
            grad.append(np.array([(self.fixed(x + e) - self.fixed(x - e)) / (2 * h)]))
        return np.concatenate(grad)

    def derivs(self, x, h=1e-5, central=True):
        """(gradient, Hessian) of fixed(x): the Hessian by differences of the analytic
        gradient (2P gradients, or P forward ones for a Newton direction, instead of the
        2P² function values)."""
        if self.par.nb:       # ln(alpha)'s derivative is itself a difference: no nesting
            from .glmm import numeric
            return numeric(self.fixed, x, 1e-4)
        g0 = self.gradient(x)
        P = len(x)
        H = np.zeros((P, P))
        for j in range(P):
            e = np.zeros(P)
            e[j] = h
            H[:, j] = (self.gradient(x + e) - self.gradient(x - e)) / (2 * h) if central \
                else (self.gradient(x + e) - g0) / h
        return g0, 0.5 * (H + H.T)

    # ------------------------------------------------------------------ adaptation
    def _mode(self, k, eta0, A, alpha):
        """Per group and context: mode of Σ l(eta0 + A v) - v'v/2 and the Hessian there."""
        G, M, q = self.G[k], eta0.shape[1], self.q[k]
        starts, eye = self.row_starts[k], np.eye(q)
        v = np.zeros((G, M, q))

        def h_at(v):
            eta = eta0 + self._contrib(k, A, v[:, :, None, :])[..., 0]
            l, d1, d2 = ll_rows(self.d, eta, alpha)
            return np.add.reduceat(l, starts, axis=0) - 0.5 * (v * v).sum(-1), d1, d2

        def hess(d2):
            return np.add.reduceat(A[:, None, :, None] * A[:, None, None, :]
                                   * d2[:, :, None, None], starts, axis=0) - eye

        h, d1, d2 = h_at(v)
        for _ in range(100):
            grad = np.add.reduceat(A[:, None, :] * d1[:, :, None], starts, axis=0) - v
            step = np.linalg.solve(-hess(d2), grad[..., None])[..., 0]
            s = np.ones((G, M))
            for _ in range(40):
                vn = v + s[..., None] * step
                hn, d1n, d2n = h_at(vn)
                bad = ~(hn >= h - 1e-12 * (1 + np.abs(h)))
                if not bad.any():
                    break
                s = np.where(bad, s * 0.5, s)
            v, h, d1, d2 = vn, hn, d1n, d2n
            if np.max(np.abs(s[..., None] * step)) < 1e-9:
                break
        return v, hess(d2)

    def _start(self, x):
        xb, A, alpha = self._pieces(x)
        eta0 = xb[:, None]
        for k in range(self.L):
            m, H = self._mode(k, eta0, A[k], alpha)
            C = np.linalg.cholesky(np.linalg.inv(-H))
            self.m[k], self.C[k] = m, C
            if k < self.L - 1:
                t = self.rules[k][0]
                v = m[:, :, None, :] + np.einsum("gmab,kb->gmka", C, t)
                eta0 = (eta0[:, :, None] + self._contrib(k, A[k], v)).reshape(len(xb), -1)

    def value(self, x) -> float:
        """The log likelihood with the centres and scales adapted to x."""
        if self.method == "ghermite":
            return self.fixed(x)
        with np.errstate(all="ignore"):
            if not (self.adapted and self.method == "mvaghermite"):
                self._start(x)
            self.adapted = True
            ll = self.fixed(x)
            if self.method != "mvaghermite":
                return ll
            for _ in range(100):
                change = 0.0
                new = []
                for k in range(self.L):
                    w, v = self.w[k], self.nodes[k]
                    mean = np.einsum("gmk,gmkq->gmq", w, v)
                    r = v - mean[:, :, None, :]
                    S = np.einsum("gmk,gmka,gmkb->gmab", w, r, r)
                    try:
                        C = np.linalg.cholesky(S)
                    except np.linalg.LinAlgError:
                        return ll
                    change = max(change, float(np.max(np.abs(mean - self.m[k]))),
                                 float(np.max(np.abs(C - self.C[k]))))
                    new.append((mean, C))
                if not np.isfinite(change):
                    return ll
                if change < 1e-7:
                    return ll
                for k, (mean, C) in enumerate(new):
                    self.m[k], self.C[k] = mean, C
                ll = self.fixed(x)
            return ll

    def state(self):
        return ([a.copy() for a in self.m], [a.copy() for a in self.C], self.adapted)

    def restore(self, s):
        self.m = [a.copy() for a in s[0]]
        self.C = [a.copy() for a in s[1]]
        self.adapted = s[2]

    # ------------------------------------------------------------------ posterior
    def posterior(self, x):
        """[(mean G x q, cov G x q x q)] per level, v metric: each level's posterior
        moments averaged over its contexts with the ancestors' posterior node weights."""
        self.value(x)
        self.fixed(x)
        out = []
        cw = np.ones((self.G[0], 1))
        for k in range(self.L):
            w, v = self.w[k], self.nodes[k]
            ww = cw[:, :, None] * w
            mean = np.einsum("gmk,gmkq->gq", ww, v)
            second = np.einsum("gmk,gmka,gmkb->gab", ww, v, v)
            out.append((mean, second - np.einsum("ga,gb->gab", mean, mean)))
            if k < self.L - 1:
                cw = ww.reshape(self.G[k], -1)[self.blocks[k + 1].parent]
        return out


def _jac(f, x, h=1e-6):
    """Central-difference Jacobian of a small map (L's entries in θ)."""
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = h
        cols.append((f(x + e) - f(x - e)) / (2 * h))
    return np.stack(cols, 1)
