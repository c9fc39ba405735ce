"""Two-level generalized linear mixed models by adaptive Gauss–Hermite quadrature.

Random effects u_g = L v_g with v_g ~ N(0, I) and Σ = L L' (covariance.py's structures, in
the parameterisation below); the marginal log likelihood of group g,
    ℓ_g = log ∫ Π_i f(y_i | x_i β + z_i' L v) φ_q(v) dv,
is integrated on v = m_g + C_g t_k over a product Gauss–Hermite rule (quadrature.py):
    mcaghermite  m_g the mode, C_g C_g' the inverse curvature there;
    mvaghermite  m_g, C_g C_g' the posterior mean and covariance (iterated from the mode
                 to their quadrature fixed point; Stata's default);
    ghermite     m_g = 0, C_g = I (non-adaptive);
    laplace      mcaghermite with one point.
Everything is vectorised over all groups at once (rows sorted by group, sums by
np.add.reduceat): no Python loop per group.

Derivatives: for the quadrature methods the gradient and Hessian are analytic with the
nodes held fixed within an iteration (as Stata's): η is linear in c = (β, the entries of L),
so both follow from d l/dη and d²l/dη² (families.py) and the posterior node weights.
Laplace and the negative binomial use numerical derivatives of the exact function.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .families import logit_derivs, loglik
from .quadrature import product_rule

LOG2PI = math.log(2 * math.pi)


# ------------------------------------------------------------------ covariance structure
def n_theta(cov: str, q: int) -> int:
    return {"identity": 1, "independent": q, "exchangeable": 2,
            "unstructured": q * (q + 1) // 2}[cov] if q > 1 else 1


def chol_of(theta, cov: str, q: int) -> np.ndarray:
    """L (lower triangular) from the internal parameters: log SDs, atanh(rho), or the
    Cholesky factor with a log diagonal (unstructured)."""
    theta = np.asarray(theta, dtype=float)
    if q == 1 or cov == "identity":
        return np.exp(theta[0]) * np.eye(q)
    if cov == "independent":
        return np.diag(np.exp(theta))
    if cov == "exchangeable":
        s2, rho = np.exp(2 * theta[0]), np.tanh(theta[1])
        S = s2 * ((1 - rho) * np.eye(q) + rho * np.ones((q, q)))
        return np.linalg.cholesky(S + 1e-300 * np.eye(q))
    L = np.zeros((q, q))
    L[np.tril_indices(q)] = theta
    L[np.diag_indices(q)] = np.exp(np.diag(L))
    return L


def reported(theta, cov: str, q: int) -> np.ndarray:
    """Stata's random-effects parameters: variances, then covariances (upper pairs in
    order); identity/exchangeable report the one variance (and one covariance)."""
    L = chol_of(theta, cov, q)
    S = L @ L.T
    if q == 1 or cov == "identity":
        return np.array([S[0, 0]])
    if cov == "independent":
        return np.diag(S).copy()
    if cov == "exchangeable":
        return np.array([S[0, 0], S[0, 1]])
    iu = np.triu_indices(q, 1)
    return np.r_[np.diag(S), S[iu]]


def reported_names(effects: list[str], groupvar: str, cov: str) -> list[str]:
    q = len(effects)
    tag = lambda e: f"{e}[{groupvar}]"
    if q == 1:
        return [f"var({tag(effects[0])})"]
    if cov == "identity":
        return [f"var({' '.join(effects)}[{groupvar}])"]
    if cov == "exchangeable":
        return [f"var({' '.join(effects)}[{groupvar}])", f"cov({' '.join(effects)}[{groupvar}])"]
    names = [f"var({tag(e)})" for e in effects]
    if cov == "unstructured":
        names += [f"cov({tag(effects[i])},{tag(effects[j])})"
                  for i, j in zip(*np.triu_indices(q, 1))]
    return names


def _entries(cov: str, q: int):
    """The entries (a, b) of L that can be nonzero."""
    if q == 1 or cov in ("identity", "independent"):
        return [(a, a) for a in range(q)]
    return list(zip(*np.tril_indices(q)))


# ------------------------------------------------------------------------- the problem
@dataclass
class GLMMData:
    y: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    group: np.ndarray          # 0..G-1 for each row
    n_groups: int
    family: str
    link: str
    trials: np.ndarray | float = 1.0
    offset: np.ndarray | None = None
    covariance: str = "identity"


@dataclass
class GLMMFit:
    params: np.ndarray         # internal: beta, theta, [lnalpha]
    ll: float
    V_internal: np.ndarray
    converged: bool
    iterations: int
    log: list = field(default_factory=list)
    mode: np.ndarray | None = None     # adaptive centres (G x q), in the sorted group order
    scale: np.ndarray | None = None    # adaptive scales (G x q x q)


class Problem:
    def __init__(self, d: GLMMData, method: str = "mvaghermite", points: int = 7):
        order = np.argsort(d.group, kind="stable")
        self.order = order
        self.y = np.asarray(d.y, dtype=float)[order]
        self.X = np.asarray(d.X, dtype=float)[order]
        self.Z = np.asarray(d.Z, dtype=float)[order]
        self.g = np.asarray(d.group)[order]
        self.trials = d.trials[order] if isinstance(d.trials, np.ndarray) else d.trials
        self.off = np.zeros(len(self.y)) if d.offset is None else np.asarray(d.offset, float)[order]
        self.starts = np.r_[0, np.flatnonzero(np.diff(self.g)) + 1]
        self.XZ = np.hstack([self.X, self.Z])
        self.G, self.q, self.p = d.n_groups, self.Z.shape[1], self.X.shape[1]
        self.family, self.link, self.cov = d.family, d.link, d.covariance
        self.method = method
        self.points = 1 if method == "laplace" else points
        self.t, self.logw = product_rule(self.points, self.q)
        self.nt = n_theta(self.cov, self.q)
        self.nb = d.family == "nbinomial"
        self.entries = _entries(self.cov, self.q)
        self.m = np.zeros((self.G, self.q))
        self.C = np.broadcast_to(np.eye(self.q), (self.G, self.q, self.q)).copy()
        self.adapted = False
        self.last = None
        self._cache = None          # (params, m, C, a, v, eta) of adapt()'s last evaluation
        self._eta = None

    # -- pieces ---------------------------------------------------------------------
    def split(self, params):
        p, nt = self.p, self.nt
        alpha = float(np.exp(params[p + nt])) if self.nb else None   # inf, not OverflowError
        return params[:p], params[p:p + nt], alpha

    def _ll(self, eta, alpha, derivs=True):
        y = self.y[:, None] if eta.ndim == 2 else self.y
        n = self.trials
        if isinstance(n, np.ndarray) and eta.ndim == 2:
            n = n[:, None]
        return loglik(self.family, self.link, y, eta, n, alpha, derivs)

    def _sum(self, a):
        return np.add.reduceat(a, self.starts, axis=0)

    def mode(self, xb, A, alpha, v0):
        """Per-group mode of h(v) = Σ l - v'v/2 and the Hessian there (Newton, halving)."""
        g, eye = self.g, np.eye(self.q)
        v = v0.copy()

        def h_at(v):
            eta = xb + np.einsum("iq,iq->i", A, v.take(g, axis=0))
            l, d1, d2 = self._ll(eta, alpha)
            return self._sum(l) - 0.5 * (v * v).sum(1), d1, d2

        h, d1, d2 = h_at(v)
        for _ in range(200):
            grad = self._sum(A * d1[:, None]) - v
            H = self._sum(A[:, :, None] * A[:, None, :] * d2[:, None, None]) - eye
            step = np.linalg.solve(-H, grad[..., None])[..., 0]
            t = np.ones(self.G)
            for _ in range(40):
                vn = v + t[:, None] * step
                hn, d1n, d2n = h_at(vn)
                bad = ~(hn >= h - 1e-12 * (1 + np.abs(h)))
                if not bad.any():
                    break
                t = np.where(bad, t * 0.5, t)
            v, h, d1, d2 = vn, hn, d1n, d2n
            if np.max(np.abs(t[:, None] * step)) < 1e-10:
                break
        H = self._sum(A[:, :, None] * A[:, None, :] * d2[:, None, None]) - eye
        return v, H

    def nodes(self, m, C):
        return m[:, None, :] + np.einsum("gab,kb->gka", C, self.t)      # G x K x q

    def at_nodes(self, xb, A, alpha, m, C, derivs=True):
        """log integrand per group and node (G x K), the node values and row derivatives."""
        v = self.nodes(m, C)
        if self.q == 1:
            eta = v[:, :, 0].take(self.g, axis=0)     # take: far cheaper than v[g]
            eta *= A
            eta += xb[:, None]
        else:
            eta = xb[:, None] + np.einsum("iq,ikq->ik", A, v[self.g])
        l, d1, d2 = self._ll(eta, alpha, derivs)
        a = self.logw + self._sum(l) - 0.5 * (v * v).sum(2) - 0.5 * self.q * LOG2PI
        self._eta = eta
        return a, v, d1, d2

    def _at_nodes_derivs(self, params, xb, A, alpha):
        """at_nodes with derivatives at the current (m, C); when adapt() has just converged
        at these params with these (m, C), its a, v and eta are reused and only d1, d2
        are computed (one likelihood evaluation per Newton iteration saved)."""
        c = self._cache
        if c is not None and c[1] is self.m and c[2] is self.C and np.array_equal(c[0], params):
            _, _, _, a, v, eta = c
            y = self.y[:, None]
            n = self.trials[:, None] if isinstance(self.trials, np.ndarray) else self.trials
            if self.link == "logit" and self.family in ("bernoulli", "binomial"):
                d1, d2 = logit_derivs(y, eta, n)
            else:
                _, d1, d2 = self._ll(eta, alpha)
            return a, v, d1, d2
        return self.at_nodes(xb, A, alpha, self.m, self.C)

    def adapt(self, params, warm=True):
        """Set the adaptive centres and scales for `params` (per the method)."""
        beta, theta, alpha = self.split(params)
        if self.method == "ghermite":
            return
        xb = self.X @ beta + self.off
        A = self.Z @ chol_of(theta, self.cov, self.q)
        if self.method == "mvaghermite" and warm and self.adapted:
            m, C = self.m, self.C      # Stata's way: update the last centres and scales
        else:
            m, H = self.mode(xb, A, alpha, self.m if warm else np.zeros_like(self.m))
            C = np.linalg.cholesky(np.linalg.inv(-H))
        self.adapted = True
        self.last = None
        self._cache = None
        if self.method == "mvaghermite":
            for _ in range(200):
                a, v, _, _ = self.at_nodes(xb, A, alpha, m, C, derivs=False)
                w = np.exp(a - a.max(1, keepdims=True))
                w /= w.sum(1, keepdims=True)
                m_new = np.einsum("gk,gkq->gq", w, v)
                r = v - m_new[:, None, :]
                S = np.einsum("gk,gka,gkb->gab", w, r, r)
                try:
                    C_new = np.linalg.cholesky(S)
                except np.linalg.LinAlgError:
                    break
                change = max(np.max(np.abs(m_new - m)), np.max(np.abs(C_new - C)))
                if change < 1e-8:        # keep the (m, C) that `a` was computed with
                    self.last = self._total(a, C)
                    self._cache = (np.array(params, dtype=float), m, C, a, v, self._eta)
                    break
                m, C = m_new, C_new
        self.m, self.C = m, C

    def _total(self, a, C):
        amax = a.max(1)
        lg = amax + np.log(np.exp(a - amax[:, None]).sum(1))
        logdet = np.log(np.abs(np.diagonal(C, axis1=1, axis2=2))).sum(1)
        return float(np.sum(lg + logdet))

    def loglik(self, params):
        beta, theta, alpha = self.split(params)
        xb = self.X @ beta + self.off
        A = self.Z @ chol_of(theta, self.cov, self.q)
        a, *_ = self.at_nodes(xb, A, alpha, self.m, self.C, derivs=False)
        return self._total(a, self.C)

    def value(self, params):
        """The log likelihood with the adaptive quantities recomputed at `params`."""
        self.adapt(params)
        if self.last is not None:
            return self.last
        return self.loglik(params)

    # -- derivatives -------------------------------------------------------------------
    def analytic(self, params):
        """Gradient and Hessian in the internal metric with the nodes held fixed."""
        beta, theta, alpha = self.split(params)
        q, p = self.q, self.p
        L = chol_of(theta, self.cov, q)
        xb = self.X @ beta + self.off
        A = self.Z @ L
        a, v, d1, d2 = self._at_nodes_derivs(params, xb, A, alpha)
        w = np.exp(a - a.max(1, keepdims=True))
        w /= w.sum(1, keepdims=True)                                   # G x K
        # c = (β, L's entries (a, b)): dη/dc = (x_i, z_ia v_b), and v is constant within
        # a group, so every sum over rows is a sum of d1 or w·d2 against X or Z columns
        X, Z, g = self.X, self.Z, self.g
        ai = [e[0] for e in self.entries]
        bi = [e[1] for e in self.entries]
        XZ = self.XZ
        GD = self._sum(np.einsum("ik,ij->ikj", d1, XZ))                  # G x K x (p + q)
        Gx, Dz = GD[:, :, :p], GD[:, :, p:]
        Gk = np.concatenate([Gx, Dz[:, :, ai] * v[:, :, bi]], 2)          # G x K x P
        gbar = np.einsum("gk,gkp->gp", w, Gk)
        grad_c = gbar.sum(0)
        wd2 = w.take(g, axis=0)                                           # n x K
        wd2 *= d2
        if q == 1:
            v1 = v[:, :, 0].take(g, axis=0)
            Wv = np.einsum("ik,ik->i", wd2, v1)[:, None]
            Wvv = np.einsum("ik,ik,ik->i", wd2, v1, v1)[:, None, None]
        else:
            vr = v[g]
            Wv = np.einsum("ik,ikq->iq", wd2, vr)
            Wvv = np.einsum("ik,ikb,ikd->ibd", wd2, vr, vr)
        ZL = Z[:, ai] * Wv[:, bi]                                         # n x E
        Za = Z[:, ai]
        Hxx = (X.T * (wd2 @ np.ones(wd2.shape[1]))) @ X
        Hxl = X.T @ ZL
        Hll = np.einsum("ie,if,ief->ef", Za, Za, Wvv[:, bi][:, :, bi])
        H = np.block([[Hxx, Hxl], [Hxl.T, Hll]])
        H += np.einsum("gk,gkp,gkr->pr", w, Gk, Gk) - gbar.T @ gbar
        # chain rule to theta: c_L = L[entries](theta)
        nt = self.nt
        if q == 1 or self.cov in ("identity", "independent"):
            # L's entries are exp(theta_e): Jacobian and second derivatives in closed form
            ex = np.diag(chol_of(theta, self.cov, q))
            J = np.zeros((len(self.entries), nt))
            second = np.zeros((len(self.entries), nt, nt))
            for e in range(len(self.entries)):
                col = 0 if q == 1 or self.cov == "identity" else e
                J[e, col] = second[e, col, col] = ex[e]
        else:
            f = lambda th: np.array([chol_of(th, self.cov, q)[e] for e in self.entries])
            J, second = _jac_hess(f, theta)
        P = p + nt
        Jfull = np.zeros((p + len(self.entries), P))
        Jfull[:p, :p] = np.eye(p)
        Jfull[p:, p:] = J
        g = Jfull.T @ grad_c
        Hp = Jfull.T @ H @ Jfull
        Hp[p:, p:] += np.einsum("e,eab->ab", grad_c[p:], second)
        return g, Hp


def _jac_hess(f, x, h=1e-5):
    """Jacobian and per-output Hessians of a small smooth map by central differences."""
    x = np.asarray(x, dtype=float)
    f0 = f(x)
    k = len(x)
    J = np.zeros((len(f0), k))
    Hs = np.zeros((len(f0), k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = h
        fp, fm = f(x + e), f(x - e)
        J[:, i] = (fp - fm) / (2 * h)
        Hs[:, i, i] = (fp - 2 * f0 + fm) / (h * h)
        for j in range(i):
            e2 = np.zeros(k)
            e2[j] = h
            val = (f(x + e + e2) - f(x + e - e2) - f(x - e + e2) + f(x - e - e2)) / (4 * h * h)
            Hs[:, i, j] = Hs[:, j, i] = val
    return J, Hs


def numeric(fun, x, h=1e-4):
    """Gradient and Hessian of a scalar function by central differences."""
    x = np.asarray(x, dtype=float)
    k = len(x)
    f0 = fun(x)
    g = np.zeros(k)
    H = np.zeros((k, k))
    fp, fm = np.zeros(k), np.zeros(k)
    for i in range(k):
        e = np.zeros(k)
        e[i] = h
        fp[i], fm[i] = fun(x + e), fun(x - e)
        g[i] = (fp[i] - fm[i]) / (2 * h)
        H[i, i] = (fp[i] - 2 * f0 + fm[i]) / (h * h)
    for i in range(k):
        for j in range(i):
            e = np.zeros(k)
            e[i] = h
            e2 = np.zeros(k)
            e2[j] = h
            H[i, j] = H[j, i] = (fun(x + e + e2) - fun(x + e - e2) - fun(x - e + e2)
                                 + fun(x - e - e2)) / (4 * h * h)
    return g, H
