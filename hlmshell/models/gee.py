"""Generalized estimating equations as Stata's xtgee fits them ([XT] xtgee; xtgee.ado 4.11).

Data arrive sorted by panel (then time). Each iteration, at the current b:
  e = (y - mu) / sqrt(V(mu))                         Pearson residuals
  s = sum(e^2) / (N - nmp*p)                         the scale the correlations divide by
  exchangeable  alpha = sum_i sum_{j<k} e_ij e_ik / s / (sum_i n_i(n_i-1)/2 - nmp*p)
  ar 1          alpha = sum_i sum_t e_it e_i,t+1 / s / (N - G - nmp*p)
  unstructured  R_jk  = sum_{i with j,k} e_ij e_ik / s / (panels with both j and k)
then one Fisher-scoring step b += (sum D'V^-1 D)^-1 sum D'V^-1 (y - mu) with V_i =
A_i^1/2 R_i A_i^1/2; the tolerance is mreldif(b_new, b_old) = max|b1-b0|/(|b0|+1), stop when
it is <= tol. Exchangeable: alpha > 1 is r(430) "estimates diverging (correlation > 1)";
alpha < -1/(max n_i - 1) is reset to .99 times that bound and the iterations go on; a
reset in the last iteration ends the fit with r(430).
The final R is the last iteration's (estimated at the b before the last step); the VCE uses
it at the final b. Conventional V = phi (sum D'V^-1 D)^-1; robust: the sandwich with the
panel scores, times G/(G-1) (rgf: also (N-1)/(N-p)).

Where Stata's compiled _GEEUC is not documented (how it weighs lag products of panels of
different sizes) the plain moment sums above are used: identical for balanced panels.
`fit_gee(...)` -> GEEFit. Never prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .results import ModelError


# the working correlation (e(R)) is T x T: Stata's matrices stop at 11,000 (c(max_matdim));
# ours at 2,000 (32 MB), past which the per-pattern inverses would not finish anyway
MAX_T = 2000


@dataclass
class GEEFit:
    b: np.ndarray
    V1: np.ndarray            # (sum D'V^-1 D)^-1 at the final b (scale 1)
    meat: np.ndarray          # sum_i U_i U_i'
    R: np.ndarray             # the working correlation, max n_i (or T) square
    alpha: float | None
    mu: np.ndarray
    iterations: int
    converged: bool
    dif: float
    log: list = field(default_factory=list)     # tolerances
    reset: float | None = None      # the alpha the last iteration was reset to (r(430))
    resets: list = field(default_factory=list)  # (iteration, alpha) of every reset


def mreldif(a, b) -> float:
    return float(np.max(np.abs(a - b) / (np.abs(b) + 1))) if len(a) else 0.0


class _Pieces:
    """Mean, derivative and variance at b; Pearson residuals e and scaled rows Xt."""

    def __init__(self, X, y, fam, lnk, off, b):
        n = fam.n if fam.name == "binomial" else 1.0
        eta = X @ b + off
        p, dp, _ = lnk.mean(eta)
        self.mu, dmu = n * p, n * dp
        V, _ = fam.variance(self.mu)
        if not (np.all(np.isfinite(self.mu)) and np.all(np.isfinite(V)) and np.all(V > 0)):
            raise ModelError(430, "estimates diverging (missing predictions)")
        sv = np.sqrt(V)
        self.e = (y - self.mu) / sv
        self.Xt = X * (dmu / sv)[:, None]


class Panels:
    """Panel structure of the sorted sample: starts, sizes, and each row's time position."""

    def __init__(self, group, pos=None):
        g = np.asarray(group)
        self.starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        self.sizes = np.diff(np.r_[self.starts, len(g)])
        self.G, self.N = len(self.starts), len(g)
        self.code = np.repeat(np.arange(self.G), self.sizes)
        within = np.arange(self.N) - np.repeat(self.starts, self.sizes)
        self.pos = within if pos is None else np.asarray(pos, dtype=int)
        self.T = int(self.pos.max()) + 1 if self.N else 0

    def sums(self, a):
        return np.add.reduceat(a, self.starts, axis=0)


def _pair_sum(P: Panels, e) -> float:
    s = P.sums(e)
    return float((np.sum(s * s) - np.sum(e * e)) / 2)


def _lag1_sum(P: Panels, e) -> float:
    same = P.code[1:] == P.code[:-1]
    adjacent = same & (P.pos[1:] - P.pos[:-1] == 1)
    return float(np.sum(e[1:][adjacent] * e[:-1][adjacent]))


def _unstructured(P: Panels, e, s) -> np.ndarray:
    E = np.zeros((P.G, P.T))
    M = np.zeros((P.G, P.T))
    E[P.code, P.pos] = e
    M[P.code, P.pos] = 1.0
    num, cnt = E.T @ E, M.T @ M
    with np.errstate(all="ignore"):
        R = np.where(cnt > 0, num / cnt / s, 0.0)
    np.fill_diagonal(R, 1.0)
    return R


def _patterns(P: Panels):
    """Panels grouped by their tuple of time positions: [(positions, panel indices)]."""
    key = {}
    for i, (a, n) in enumerate(zip(P.starts, P.sizes)):
        key.setdefault(tuple(P.pos[a:a + n]), []).append(i)
    return [(np.array(k), np.array(v)) for k, v in key.items()]


def _solve_general(P, patterns, R, Xt, e):
    """sum Xt_i' R_i^-1 Xt_i, sum Xt_i' R_i^-1 e_i and the per-panel scores, pattern by
    pattern (one inverse per distinct set of time positions)."""
    k = Xt.shape[1]
    H, g = np.zeros((k, k)), np.zeros(k)
    U = np.zeros((P.G, k))
    for pos, idx in patterns:
        n = len(pos)
        Ri = np.linalg.inv(R[np.ix_(pos, pos)])
        rows = (P.starts[idx][:, None] + np.arange(n)[None, :]).ravel()
        Xb = Xt[rows].reshape(len(idx), n, k)
        eb = e[rows].reshape(len(idx), n)
        RX = np.einsum("st,gtk->gsk", Ri, Xb)
        H += np.einsum("gsk,gsl->kl", Xb, RX)
        u = np.einsum("gsk,gs->gk", RX, eb)
        U[idx] = u
        g += u.sum(axis=0)
    return H, g, U


def _solve_exchangeable(P, alpha, Xt, e):
    """Closed form: R_i^-1 = (I - c_i J)/(1 - alpha), c_i = alpha/(1 + (n_i - 1) alpha)."""
    c = alpha / (1 + (P.sizes - 1) * alpha)
    sx, se = P.sums(Xt), P.sums(e)
    H = (Xt.T @ Xt - (sx * c[:, None]).T @ sx) / (1 - alpha)
    U = (P.sums(Xt * e[:, None]) - sx * (c * se)[:, None]) / (1 - alpha)
    return H, U.sum(axis=0), U


def _solve_ar1(P, rho, Xt, e):
    """AR(1) over consecutive positions: R_i^-1 = M/(1 - rho^2) with M tridiagonal (1 at the
    ends, 1 + rho^2 inside, -rho next to the diagonal): no matrices per panel."""
    same = P.code[1:] == P.code[:-1]
    first = np.r_[True, ~same]
    last = np.r_[~same, True]
    inner = ~first & ~last
    c = 1.0 / (1 - rho * rho)
    w = 1 + rho * rho * inner
    a = np.flatnonzero(same)                  # row a and a + 1 are neighbours
    Xa, Xb = Xt[a], Xt[a + 1]
    cross = Xa.T @ Xb
    H = c * ((Xt * w[:, None]).T @ Xt - rho * (cross + cross.T))
    rows = Xt * (w * e)[:, None]
    rows[a] -= rho * (Xa * e[a + 1][:, None] + Xb * e[a][:, None])
    U = c * P.sums(rows)
    return H, U.sum(axis=0), U


def _consecutive(P) -> bool:
    same = P.code[1:] == P.code[:-1]
    return bool(np.all(P.sizes >= 2) and np.all(np.diff(P.pos)[same] == 1))


def working_R(corr: str, alpha, T: int) -> np.ndarray:
    if corr == "exchangeable":
        R = np.full((T, T), alpha)
        np.fill_diagonal(R, 1.0)
        return R
    if corr == "ar":
        d = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
        return alpha ** d
    return np.eye(T)


def fit_gee(X, y, group, fam, lnk, corr: str, b0, offset=None, pos=None, nmp=False,
            tol=1e-6, maxiter=100, fixed_R=None, on_iteration=None) -> GEEFit:
    """corr: independent | exchangeable | ar (lag 1) | unstructured | fixed (fixed_R)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, dtype=float)
    P = Panels(group, pos)
    N, p = len(y), X.shape[1]
    maxn = int(P.sizes.max())
    T = P.T if corr in ("unstructured", "fixed") else maxn
    if T > MAX_T:
        raise ModelError(908, "matsize too small")
    pats = None
    if corr in ("unstructured", "fixed") or (corr == "ar" and not _consecutive(P)):
        pats = _patterns(P)
    dof = N - (p if nmp else 0)
    b = np.array(b0, dtype=float)
    log, dif, it, alpha, reset, resets = [], 1000.0, 0, None, None, []
    R = np.eye(T) if fixed_R is None else np.asarray(fixed_R, dtype=float)
    while it < maxiter and dif > tol:
        it += 1
        reset = None            # as xtgee.ado's areset: only the last iteration's counts
        pc = _Pieces(X, y, fam, lnk, off, b)
        s = float(np.sum(pc.e ** 2)) / dof
        if corr == "exchangeable":
            denom = float(np.sum(P.sizes * (P.sizes - 1)) / 2) - (p if nmp else 0)
            alpha = _pair_sum(P, pc.e) / s / denom if denom > 0 and s > 0 else 0.0
            if alpha >= 1:      # (= 1: R singular; xtgee.ado tests > 1)
                raise ModelError(430, "estimates diverging (correlation > 1)")
            low = -1.0 / (maxn - 1) if maxn > 1 else -np.inf
            if alpha < low:
                alpha = reset = 0.99 * low
                resets.append((it, reset))
            R = working_R(corr, alpha, T)
        elif corr == "ar":
            denom = N - P.G - (p if nmp else 0)
            alpha = _lag1_sum(P, pc.e) / s / denom if denom > 0 and s > 0 else 0.0
            if not abs(alpha) < 1:      # R singular or indefinite (an alternating outcome)
                raise ModelError(430, "working correlation matrix not positive definite")
            R = working_R(corr, alpha, T)
        elif corr == "unstructured":
            R = _unstructured(P, pc.e, s) if s > 0 else np.eye(T)   # s = 0: an exact fit
        if not np.all(np.isfinite(R)):
            raise ModelError(430, "estimates diverging (missing predictions)")
        try:
            H, g, _ = _step(corr, P, pats, R, alpha, pc)
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            raise ModelError(430, "working correlation matrix not positive definite") from None
        b_new = b + step
        dif = mreldif(b_new, b)
        b = b_new
        log.append(dif)
        if on_iteration is not None:
            on_iteration(it, dif)
    pc = _Pieces(X, y, fam, lnk, off, b)
    try:
        H, _, U = _step(corr, P, pats, R, alpha, pc)
    except np.linalg.LinAlgError:
        raise ModelError(430, "working correlation matrix not positive definite") from None
    try:
        V1 = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        V1 = np.linalg.pinv(H)
    converged = dif <= tol and reset is None
    return GEEFit(b, V1, U.T @ U, R, alpha, pc.mu, it, converged, dif, log, reset, resets)


def _step(corr, P, pats, R, alpha, pc):
    if corr == "ar" and pats is None:
        return _solve_ar1(P, alpha, pc.Xt, pc.e)
    if corr == "independent":
        U = P.sums(pc.Xt * pc.e[:, None])
        return pc.Xt.T @ pc.Xt, U.sum(axis=0), U
    if corr == "exchangeable":
        return _solve_exchangeable(P, alpha, pc.Xt, pc.e)
    return _solve_general(P, pats, R, pc.Xt, pc.e)
