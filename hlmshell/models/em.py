"""Stata's optimisation path: EM iterations first, then Newton–Raphson with ml's stopping rules.

Stata (stata-reference 1.5) runs `emiterate()` (default 20) EM iterations before its
Newton–Raphson, and its NR stops by ml's rules (nrtolerance AND (tolerance OR ltolerance)).
We follow the same path so that the iteration log and e(ic) tell the user what Stata's would,
while our own Newton still goes on to the exact optimum silently (models/README.md).

EM here is the ECME form on the relative covariance T = Lambda Lambda' (Sigma = s2 T) with
beta and s2 profiled at every step: with u_g | y ~ N(P_g r_g, s2 P_g), P_g = (Z'Z + T^-1)^-1
= Lambda (Lambda'Z'Z Lambda + I)^-1 Lambda' (no T^-1 needed, so singular T is fine) and
r_g = Z_g'(y_g - X_g beta),
    T_new = mean_g [ P_g r_g r_g' P_g / s2 + P_g (+ P_g Z'X (X'V*^-1X)^-1 X'Z P_g under REML) ]
projected on the level's structure, from the per-group statistics M0 (one level). Nested
models take the same step from the gradient of the profiled deviance (Fisher's identity,
em_step_generic); both agree on one-level models (tests/models/test_em.py).

Speed: a one-level iteration is ONE forward pass whose P_g the E-step reuses (_em_outer with
em_onelevel.Kernel for q <= 2, _ForwardKernel above); 20 iterations cost about as much as
four or five Newton stencils (benchmarks/fit_speed.py: the fit with and without emiterate(0)).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import covariance as cv
from .lmm import LOG2PI, _inv_logdet


@dataclass(frozen=True)
class PathOptions:
    """Stata's maximisation options (defaults: stata-reference 1.5)."""
    emiterate: int = 20
    emtolerance: float = 1e-10
    emonly: bool = False
    iterate: int = 300
    tolerance: float = 1e-6
    ltolerance: float = 1e-7
    nrtolerance: float = 1e-5


def _project(cov: str, T: np.ndarray) -> np.ndarray:
    """The M-step under a covariance structure: the structured T closest in the EM sense."""
    q = T.shape[0]
    if cov == "identity":
        return np.eye(q) * float(np.trace(T)) / q
    if cov == "independent":
        return np.diag(np.diag(T))
    if cov == "exchangeable":
        v = float(np.trace(T)) / q
        c = float(T.sum() - np.trace(T)) / (q * (q - 1))
        return np.full((q, q), c) + np.eye(q) * (v - c)
    return 0.5 * (T + T.T)


def _theta(cov: str, q: int, T: np.ndarray) -> np.ndarray:
    """theta of the M-step's T, directly (cv.from_relative floors eigenvalues: only needed
    when T is not positive definite). q <= 2 in scalars: numpy's call overhead is most of
    an EM iteration's cost at this size."""
    if q == 1 and cov != "exchangeable":
        d0 = float(T[0, 0])
        if d0 > 0:
            return np.array([math.sqrt(d0)])
    elif q == 2 and cov in ("independent", "unstructured"):
        a, b, d = float(T[0, 0]), float(T[1, 0]), float(T[1, 1])
        if cov == "independent":
            if a > 0 and d > 0:
                return np.array([math.sqrt(a), math.sqrt(d)])
        elif a > 0:
            l0 = math.sqrt(a)
            l1 = b / l0
            e = d - l1 * l1
            if e > 0:       # Cholesky exists; its diagonal must not be nearly singular
                l2 = math.sqrt(e)
                if min(l0, l2) > 1e-4 * math.sqrt(max(a, d)):
                    return np.array([l0, l1, l2])
    else:
        dg = np.diag(T)
        if cov == "identity" and dg[0] > 0:
            return np.sqrt(dg[:1])
        if cov == "independent" and (dg > 0).all():
            return np.sqrt(dg)
        if cov == "unstructured":
            try:
                L = np.linalg.cholesky(T)
            except np.linalg.LinAlgError:
                L = None
            if L is not None and (np.diag(L) > 1e-4 * np.sqrt(dg.max())).all():
                return L.T[_triu(q)]      # column-major lower triangle
    return cv.canonical(cov, q, cv.from_relative(cov, T))


@lru_cache(maxsize=None)
def _triu(q):
    return np.triu_indices(q)


def em_supported(model) -> bool:
    # crossed.py has no per-group cross-products for the EM step: Newton from the start
    return len(model.levels) >= 1 and all(q > 0 for q in model.q) and \
        not getattr(model, "crossed", False) and getattr(model, "lw", None) is None


def _dev_grad_s2(model, th):
    """model.deviance(th, True) and the profiled s2 from the same pass (lmm.py's algebra)."""
    from .lmm import LOG2PI
    R, ld, cache, _ = model._forward(th[None])
    beta, r2, ldXX, Q, XXinv = model._top(R, model.reml)
    n, p = model.n, model.p
    nu = n - p if model.reml else n
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = ld + nu * (1.0 + LOG2PI + np.log(r2 / nu)) + (ldXX if model.reml else 0.0)
    Rbar = (nu / r2)[:, None, None] * Q
    if model.reml and p:
        Rbar[:, :p, :p] += XXinv
    g = model._backward(cache, Rbar)
    return float(dev[0]), g[0], float(r2[0]) / nu


def em_step_generic(model, th: np.ndarray):
    """One ECME step for any nesting, from the gradient of the profiled deviance.

    Fisher's identity: dl/dSigma_l = 1/2 Sigma^-1 (S_l - m_l Sigma) Sigma^-1 with S_l the
    sum over the level's m_l groups of E[u u' | y] (ML; REML the same with its restricted
    likelihood), i.e. S_l = m_l Sigma + 2 Sigma G Sigma, G = dl/dSigma. Our gradient is in
    theta (Sigma = s2 Lambda Lambda'): dl/dtheta_k = 2 s2 tr(Lambda' G E_k). The structure's
    M-step needs only the part of G these equations determine: their minimum-norm solution.
    Returns (-dev/2 at th, the new theta)."""
    dev, g, s2 = _dev_grad_s2(model, th)
    gl = -0.5 * g
    new = th.copy()
    for l, (lv, q) in enumerate(zip(model.levels, model.q)):
        sl = slice(model.offsets[l], model.offsets[l + 1])
        L = model.lambdas(th)[l]
        E = model.E[l]
        # unknowns: the q(q+1)/2 entries of symmetric G; rows: one per theta_k
        iu = np.triu_indices(q)
        A = np.zeros((len(E), len(iu[0])))
        for c, (i, j) in enumerate(zip(*iu)):
            Gc = np.zeros((q, q))
            Gc[i, j] = Gc[j, i] = 1.0
            A[:, c] = [2 * s2 * np.trace(L.T @ Gc @ Ek) for Ek in E]
        x = np.linalg.lstsq(A, gl[sl], rcond=None)[0]
        G = np.zeros((q, q))
        G[iu] = x
        G = G + G.T - np.diag(np.diag(G))
        Sig = s2 * L @ L.T
        m = lv.n_groups
        S = m * Sig + 2 * Sig @ G @ Sig
        T = _project(lv.covariance, S / (m * s2))
        new[sl] = _theta(lv.covariance, q, T)
    return -float(dev) / 2, new


def _evaluate(model, th):
    """-dev/2, beta, s2 and (X'V*^-1X)^-1 at theta from ONE forward pass."""
    from .lmm import LOG2PI
    R, ld, _, _ = model._forward(th[None])
    beta, r2, ldXX, _, XXinv = model._top(R, True)
    n, p = model.n, model.p
    nu = n - p if model.reml else n
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = ld[0] + nu * (1.0 + LOG2PI + np.log(r2[0] / nu))
        if model.reml:
            dev += ldXX[0]
    return -float(dev) / 2, beta[0], float(r2[0]) / nu, XXinv[0]


def em(model, theta: np.ndarray, opts: PathOptions, on_iteration=None):
    """Up to opts.emiterate EM steps from theta. Returns (theta, -dev/2 per EM iteration
    starting with the start's, iterations run)."""
    if len(model.levels) > 1:
        return _em_generic(model, theta, opts, on_iteration)
    if getattr(model, "_O", None) is not None:
        return _em_outer(model, theta, opts, on_iteration)
    q, p = model.q[0], model.p
    cov = model.levels[0].covariance
    M = model.M0
    ZZ, ZX, Zy = M[:, :q, :q], M[:, :q, q:q + p], M[:, :q, -1]
    G = M.shape[0]
    eye = np.eye(q)
    th = np.asarray(theta, dtype=float).copy()
    ll, beta, s2, XXinv = _evaluate(model, th)
    lls = [ll]
    it = 0
    while it < opts.emiterate:
        if not (s2 > 0 and math.isfinite(s2)):
            break
        L = model.lambdas(th)[0]
        A = (L.T @ ZZ) @ L + eye
        P = L @ _inv_logdet(A)[0] @ L.T     # closed forms for q <= 2
        b = (P @ (Zy - ZX @ beta)[:, :, None])[:, :, 0]
        T = b.T @ b / s2 + P.sum(0)
        if model.reml and p:
            PZX = P @ ZX
            T += (PZX @ XXinv @ np.swapaxes(PZX, 1, 2)).sum(0)
        T = _project(cov, T / G)
        new = _theta(cov, q, T)
        ll_new, beta_n, s2_n, XXinv_n = _evaluate(model, new)
        if not math.isfinite(ll_new):
            break
        th, it = new, it + 1
        beta, s2, XXinv = beta_n, s2_n, XXinv_n
        lls.append(ll_new)
        if on_iteration:
            on_iteration(it, ll_new)
        if abs(ll_new - lls[-2]) / (abs(lls[-2]) + 1) <= opts.emtolerance:
            break
    return th, lls, it


class _ForwardKernel:
    """em_onelevel.Kernel's interface on lmm.py's one-level fast path for q > 2: the E-step's
    P_g = Lambda A_g^-1 Lambda' is the C_g (G, q^2) that _forward1 computes anyway."""

    def __init__(self, model):
        q, p, M = model.q[0], model.p, model.M0
        self.model, self.q, self.p, self.G = model, q, p, M.shape[0]
        self.nu = model.n - p if model.reml else model.n
        self.r = np.ascontiguousarray(M[:, :q, -1])                 # (G, q): Z_g'y_g
        self.ZX = M[:, :q, q:q + p]                                 # (G, q, p)

    def evaluate(self, th):
        model = self.model
        R, ld, cache, _ = model._forward1(th[None])
        beta, r2, ldXX, _, XXinv = model._top(R, model.reml)
        r2 = float(r2[0])
        if not r2 > 0:      # a degenerate theta: ends the EM phase like a non-finite ll
            return math.nan, None, math.nan, None, None
        dev = float(ld[0]) + self.nu * (1.0 + LOG2PI + math.log(r2 / self.nu))
        if model.reml:
            dev += float(ldXX[0])
        return -dev / 2, beta[0], r2 / self.nu, (XXinv[0] if model.reml else None), cache[3][0]

    def next_theta(self, beta, s2, XXinv, C):
        q, G = self.q, self.G
        Cg = C.reshape(G, q, q)
        r = self.r - self.ZX @ beta if self.p else self.r
        b = (Cg @ r[:, :, None])[:, :, 0]                           # (G, q)
        T = b.T @ b / s2 + Cg.sum(0)
        if self.model.reml and self.p:
            PZX = Cg @ self.ZX                                      # (G, q, p)
            T += np.einsum("gip,gjp->ij", PZX @ XXinv, PZX)
        cov = self.model.levels[0].covariance
        return _theta(cov, q, _project(cov, T / G))


def _em_outer(model, theta, opts: PathOptions, on_iteration=None):
    """em() on lmm.py's one-level fast path (the same algebra, one forward pass per
    iteration whose P_g the E-step reuses): em_onelevel.Kernel for q <= 2, else
    _ForwardKernel."""
    from . import em_onelevel
    kern = em_onelevel.Kernel(model) if em_onelevel.supported(model) else _ForwardKernel(model)
    th = np.asarray(theta, dtype=float).copy()
    ll, beta, s2, XXinv, P = kern.evaluate(th)
    lls = [ll]
    it = 0
    while it < opts.emiterate:
        if not (s2 > 0 and math.isfinite(s2)):
            break
        new = kern.next_theta(beta, s2, XXinv, P)
        ll_new, beta_n, s2_n, XXinv_n, P_n = kern.evaluate(new)
        if not math.isfinite(ll_new):
            break
        th, it = new, it + 1
        beta, s2, XXinv, P = beta_n, s2_n, XXinv_n, P_n
        lls.append(ll_new)
        if on_iteration:
            on_iteration(it, ll_new)
        if abs(ll_new - lls[-2]) / (abs(lls[-2]) + 1) <= opts.emtolerance:
            break
    return th, lls, it


def _em_generic(model, theta, opts: PathOptions, on_iteration=None):
    th = np.asarray(theta, dtype=float).copy()
    lls = []
    it = 0
    while True:
        ll, new = em_step_generic(model, th)
        if not math.isfinite(ll):
            break
        lls.append(ll)
        if it and abs(lls[-1] - lls[-2]) / (abs(lls[-2]) + 1) <= opts.emtolerance:
            break
        if it >= opts.emiterate or not np.all(np.isfinite(new)):
            break
        th, it = new, it + 1
        if on_iteration:
            on_iteration(it, ll)
    return th, lls, it


def ml_stop(trace, opts: PathOptions) -> int | None:
    """The Newton iteration at which ml would declare convergence, from the trace of
    (theta, criterion, Newton decrement) per iteration (0 = the start); None if never.

    ml: g (-H)^-1 g' < nrtolerance, and the change from the previous iteration is small in
    the criterion (reldif < ltolerance) or in the parameters (mreldif < tolerance). For the
    criterion ll = -dev/2, g (-H)^-1 g' is half our decrement of the deviance."""
    for k in range(1, len(trace)):
        th0, ll0, _ = trace[k - 1]
        th1, ll1, dec = trace[k]
        if not dec / 2 < opts.nrtolerance:
            continue
        dll = abs(ll1 - ll0) / (abs(ll0) + 1)
        dth = float(np.max(np.abs(th1 - th0) / (np.abs(th0) + 1))) if len(th0) else 0.0
        if dll < opts.ltolerance or dth < opts.tolerance:
            return k
    return None
