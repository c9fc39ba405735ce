"""Small-sample inference for the fixed effects (Stata's `dfmethod()`): residual,
Satterthwaite and Kenward–Roger degrees of freedom, the Kenward–Roger-adjusted VCE, and
F tests of linear hypotheses.

Covariance parameters in their LINEAR form phi (the entries of each level's Sigma in the
structure's basis, then s2), so that V = sum_i phi_i V_i and every second derivative of V
vanishes (as pbkrtest assumes). Everything is summed over top-level groups, which are
independent; groups of equal size are batched, so the cost is O(groups · size^3).

With Phi = (X'V^-1 X)^-1, P_i = -X'V^-1 V_i V^-1 X, Q_ij = X'V^-1 V_i V^-1 V_j V^-1 X:
  REML expected information  I_ij = 1/2 tr(P V_i P V_j)   (P the REML projection)
  REML observed information  I_ij = -1/2 tr(P V_i P V_j) + y'P V_i P V_j P y
  Satterthwaite, one coefficient: df = 2 Phi_jj^2 / (g' W g), g_i = -(Phi P_i Phi)_jj, W = I^-1
  Kenward–Roger (1997): Phi_A = Phi + 2 Phi [sum_ij W_ij (Q_ij - P_i Phi P_j)] Phi, and the
  scaled F with its denominator DF m for L beta = 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def _basis(cov: str, q: int) -> list[np.ndarray]:
    """Sigma = sum_k phi_k B_k for the structure (linear in phi)."""
    if cov == "identity":
        return [np.eye(q)]
    if cov == "independent":
        return [np.diag(np.eye(q)[k]) for k in range(q)]
    if cov == "exchangeable":
        return [np.eye(q), np.ones((q, q)) - np.eye(q)]
    out = []
    for j in range(q):
        for i in range(j, q):
            B = np.zeros((q, q))
            B[i, j] = B[j, i] = 1.0
            out.append(B)
    return out


@dataclass
class Pieces:
    Phi: np.ndarray             # (X'V^-1X)^-1 over the estimable columns
    P: np.ndarray               # (k, p, p)
    Q: np.ndarray               # (k, k, p, p)
    eim: np.ndarray             # (k, k)
    oim: np.ndarray             # (k, k)
    R: np.ndarray | None = None  # (k, k, p, p) X'V^-1 V_ij V^-1 X where V is not linear


def batches(fit, bucket: int = 8):
    """Top-level groups of similar size together, padded to the bucket's size: yields
    (rows (G, s) with -1 for padding, valid (G, s), [V_i (G, s, s)], V). V_i are the
    derivatives of V in the linear parameters (last: s2, the identity on real rows), V the
    estimate (the identity on padding rows, which are decoupled from the real ones and
    carry zero X, Z and residual, so they add nothing to any sum)."""
    d = fit._state["design"]
    levels = d.levels
    Zs = [lv.Z_all[d.rows] for lv in levels]
    gs = [lv.group for lv in levels]
    bases = [_basis(lv.covariance, Z.shape[1]) for lv, Z in zip(levels, Zs)]
    top = gs[0]
    order = np.argsort(top, kind="stable")
    sizes = np.bincount(top)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    # exact sizes when there are few distinct ones (balanced panels), else buckets
    uniq = np.unique(sizes[sizes > 0])
    padded = uniq if len(uniq) <= 4 else -(-uniq // bucket) * bucket
    for S in np.unique(padded):
        members = np.flatnonzero((sizes > 0) & (np.isin(sizes, uniq[padded == S])))
        off = np.arange(S)[None, :]
        valid = off < sizes[members][:, None]
        idx = np.where(valid, order[np.minimum(starts[members][:, None] + off, len(order) - 1)], -1)
        G = len(members)
        take = np.where(valid, idx, 0)
        Vi = np.zeros((sum(len(B) for B in bases) + 1, G, S, S))    # one array: no stack
        V = np.zeros((G, S, S))
        i = 0
        diag = np.arange(S)
        for Z, g, B, lv in zip(Zs, gs, bases, fit.levels):
            Zb = Z[take] * valid[:, :, None]                     # (G, S, q), 0 on padding
            Zt = np.swapaxes(Zb, 1, 2)
            gb = np.where(valid, g[take], -1)
            mask = (gb[:, :, None] == gb[:, None, :]) & valid[:, :, None]
            for Bk in B:
                np.multiply((Zb @ Bk) @ Zt, mask, out=Vi[i])
                i += 1
            V += (Zb @ lv.Sigma) @ Zt * mask
        Vi[i][:, diag, diag] = valid
        V[:, diag, diag] += fit.sigma2 * valid + ~valid
        yield idx, valid, Vi, V


def n_linear(fit) -> int:
    return sum(len(_basis(lv.covariance, len(lv.effects))) for lv in fit.levels) + 1


def _pad(a, idx, valid):
    """a[idx] with zeros on padding rows."""
    out = a[np.where(valid, idx, 0)]
    out[~valid] = 0.0
    return out


def pieces(fit) -> Pieces:
    """The sums above at the estimates of a fit (MixedFit with its _state)."""
    from .smallsample_resid import pieces_structured, structure_of
    if structure_of(fit) is not None:   # residuals(): V not linear in its parameters
        return pieces_structured(fit)
    if getattr(fit._state["model"], "crossed", False):     # no independent groups
        from .crossed_small import crossed_pieces
        return crossed_pieces(fit)
    if len(fit.levels) == 1:
        return pieces_one_level(fit)
    return pieces_dense(fit)


class OneLevel:
    """One level: every sum from the per-group cross-products of [Z X y] (LMM.M0), with
    V^-1 = s2^-1 (I - Z K Z'), K = T (I + N T)^-1, T = Sigma / s2, N = Z'Z (no row-level
    work, no inverse of Sigma). ip1(A, B) = A'V^-1 B, ip2 = A'V^-2 B per group."""

    def __init__(self, fit):
        model = fit._state["model"]
        d = fit._state["design"]
        q, p = model.q[0], model.p
        M = model.M0
        beta = np.asarray(fit.beta, dtype=float)[d.keep]
        s2 = float(fit.sigma2)
        N = M[:, :q, :q]
        ZX, XX = M[:, :q, q:q + p], M[:, q:q + p, q:q + p]
        Zr = M[:, :q, -1] - ZX @ beta
        Xr = M[:, q:q + p, -1] - XX @ beta
        rr = M[:, -1, -1] - 2 * M[:, q:q + p, -1] @ beta + np.einsum("gij,i,j->g", XX, beta, beta)
        T = np.asarray(fit.levels[0].Sigma, dtype=float) / s2
        K = T @ np.linalg.inv(np.eye(q) + N @ T)
        self.q, self.p, self.s2, self.n_g = q, p, s2, model.levels[0].sizes.astype(float)
        self.N, self.K = N, 0.5 * (K + np.swapaxes(K, 1, 2))
        # blocks of [Z X r] cross-products: Z'Z, Z'X, Z'r, X'X, X'r, r'r
        self.c = {("Z", "Z"): N, ("Z", "X"): ZX, ("Z", "r"): Zr[:, :, None],
                  ("X", "X"): XX, ("X", "r"): Xr[:, :, None], ("r", "r"): rr[:, None, None]}

    def cross(self, a, b):
        if (a, b) in self.c:
            return self.c[(a, b)]
        return np.swapaxes(self.c[(b, a)], 1, 2)

    def ip1(self, a, b):
        KZb = self.K @ self.cross("Z", b)
        return (self.cross(a, b) - self.cross(a, "Z") @ KZb) / self.s2

    def ip2(self, a, b):
        aZ, Zb = self.cross(a, "Z"), self.cross("Z", b)
        KZb = self.K @ Zb
        return (self.cross(a, b) - 2 * aZ @ KZb + aZ @ self.K @ self.N @ KZb) / self.s2 ** 2


def pieces_one_level(fit) -> Pieces:
    o = OneLevel(fit)
    lv = fit.levels[0]
    B = _basis(lv.covariance, len(lv.effects))
    kS = len(B)
    k = kS + 1
    p = o.p
    U = o.ip1("Z", "X")                  # (G, q, p)   Z'V^-1 X
    Mz = o.ip1("Z", "Z")                 # Z'V^-1 Z
    zr = o.ip1("Z", "r")[:, :, 0]        # Z'V^-1 r
    Z2X = o.ip2("Z", "X")                # Z'V^-2 X
    Z2Z = o.ip2("Z", "Z")
    Z2r = o.ip2("Z", "r")[:, :, 0]
    X2X = o.ip2("X", "X")
    X2r = o.ip2("X", "r")[:, :, 0]
    r2r = o.ip2("r", "r")[:, 0, 0]
    KN = o.K @ o.N
    Phi_inv = o.ip1("X", "X").sum(0)
    Pm = np.zeros((k, p, p))
    Q = np.zeros((k, k, p, p))
    trVV = np.zeros((k, k))
    XVa = np.zeros((k, p))
    aVa = np.zeros((k, k))
    BU = [Bi @ U for Bi in B]                            # (G, q, p)
    Bzr = [(Bi @ zr.T).T for Bi in B]                    # (G, q)
    MB = [Mz @ Bi for Bi in B]                           # (G, q, q)
    Ut = np.swapaxes(U, 1, 2)
    for i in range(kS):
        Pm[i] = -(Ut @ BU[i]).sum(0)
        XVa[i] = np.einsum("gqp,gq->p", U, Bzr[i])
        for j in range(kS):
            Q[i, j] = (Ut @ (B[i] @ (Mz @ BU[j]))).sum(0)
            trVV[i, j] = np.einsum("gab,gba->", MB[i], MB[j])
            aVa[i, j] = np.einsum("ga,gab,gb->", Bzr[i], Mz, Bzr[j])
        Q[i, kS] = (Ut @ (B[i] @ Z2X)).sum(0)
        Q[kS, i] = Q[i, kS].T
        trVV[i, kS] = trVV[kS, i] = np.einsum("ab,gba->", B[i], Z2Z)
        aVa[i, kS] = aVa[kS, i] = np.einsum("ga,ga->", Bzr[i], Z2r)
    e = kS
    Pm[e] = -X2X.sum(0)
    XVa[e] = X2r.sum(0)
    X3X = (X2X - Ut @ o.K @ U) / o.s2                    # X'V^-3 X
    Q[e, e] = X3X.sum(0)
    trVV[e, e] = float(np.sum(o.n_g - 2 * np.einsum("gii->g", KN)
                              + np.einsum("gab,gba->g", KN, KN))) / o.s2 ** 2
    # r'V^-3 r = s2^-1 (r'V^-2 r - (Z'V^-1 r)' K (Z'V^-1 r))
    aVa[e, e] = float(np.sum(r2r - np.einsum("ga,gab,gb->g", zr, o.K, zr))) / o.s2
    return _finish(Phi_inv, Pm, Q, trVV, XVa, aVa)


def pieces_dense(fit) -> Pieces:
    """Every top-level group's V as a dense matrix (nested levels)."""
    d = fit._state["design"]
    X = d.X
    y = d.y
    n, p = X.shape
    beta = np.asarray(fit.beta, dtype=float)[d.keep]
    r = y - X @ beta
    k = n_linear(fit)
    Phi_inv = np.zeros((p, p))
    Pm = np.zeros((k, p, p))
    Q = np.zeros((k, k, p, p))
    trVV = np.zeros((k, k))
    XVa = np.zeros((k, p))        # X'V^-1 a_i, a_i = V_i V^-1 r
    aVa = np.zeros((k, k))
    for idx, valid, Vi, V in batches(fit):
        Vinv = np.linalg.inv(V)
        Xb, rb = _pad(X, idx, valid), _pad(r, idx, valid)
        G, S = idx.shape
        VX = Vinv @ Xb                                           # (G, S, p)
        Vr = (Vinv @ rb[:, :, None])[:, :, 0]
        Phi_inv += np.einsum("gap,gaq->pq", Xb, VX)
        Vs = Vi                                                  # (k, G, S, S)
        A = Vinv[None] @ Vs                                      # V^-1 V_i
        T = Vs @ VX[None]                                        # V_i V^-1 X
        a = (Vs @ Vr[None, :, :, None])[..., 0]                  # V_i V^-1 r
        VT = Vinv[None] @ T                                      # V^-1 V_i V^-1 X
        Va = (Vinv[None] @ a[..., None])[..., 0]
        # every sum over groups and rows as one matrix product
        VXf = VX.reshape(-1, p)                                  # (G S, p)
        Tf = T.reshape(k, -1, p)
        Pm -= np.swapaxes(Tf, 1, 2) @ VXf
        XVa += a.reshape(k, -1) @ VXf
        At = np.swapaxes(A, 2, 3).reshape(k, -1)
        trVV += A.reshape(k, -1) @ At.T
        VTm = np.swapaxes(VT.reshape(k, -1, p), 1, 2).reshape(k * p, -1)
        Tm = np.swapaxes(Tf, 1, 2).reshape(k * p, -1)
        Q += (VTm @ Tm.T).reshape(k, p, k, p).transpose(0, 2, 1, 3)
        aVa += Va.reshape(k, -1) @ a.reshape(k, -1).T
    return _finish(Phi_inv, Pm, Q, trVV, XVa, aVa)


def _finish(Phi_inv, Pm, Q, trVV, XVa, aVa) -> Pieces:
    Phi = np.linalg.inv(Phi_inv)
    # tr(P V_i P V_j) = tr(V^-1V_iV^-1V_j) - 2 tr(Phi Q_ij) + tr(Phi P_i Phi P_j)
    PhiP = np.einsum("pq,iqr->ipr", Phi, Pm)
    trPP = trVV - 2 * np.einsum("pq,ijqp->ij", Phi, Q) + np.einsum("ipq,jqp->ij", PhiP, PhiP)
    yPPy = aVa - XVa @ Phi @ XVa.T
    eim = 0.5 * trPP
    oim = -0.5 * trPP + yPPy
    return Pieces(Phi, Pm, Q, eim, 0.5 * (oim + oim.T))


def _inv(M):
    """The information's inverse; a pseudo-inverse when a variance is on its boundary."""
    try:
        w = np.linalg.eigvalsh(M)
        if w.min() > 1e-10 * max(w.max(), 1e-300):
            return np.linalg.inv(M)
    except np.linalg.LinAlgError:
        pass
    return np.linalg.pinv(M, rcond=1e-10)


def satterthwaite(pc: Pieces, L: np.ndarray, info: str = "eim") -> float:
    """DF of one linear combination L'beta (L over the estimable columns)."""
    W = _inv(pc.eim if info == "eim" else pc.oim)
    PhiL = pc.Phi @ L
    var = float(L @ PhiL)
    g = -np.einsum("p,ipq,q->i", PhiL, pc.P, PhiL)
    den = float(g @ W @ g)
    return 2 * var * var / den if den > 0 else math.inf


def kr_vcov(pc: Pieces) -> np.ndarray:
    """Kenward–Roger's adjusted covariance of beta-hat."""
    W = _inv(pc.eim)
    Phi = pc.Phi
    PhiP = np.einsum("pq,iqr->ipr", Phi, pc.P)
    S = np.einsum("ij,ijpq->pq", W, pc.Q) - np.einsum("ij,ipq,jqr->pr", W, pc.P, PhiP)
    if pc.R is not None:        # Kenward-Roger's second-derivative term (residuals())
        S = S - 0.25 * np.einsum("ij,ijpq->pq", W, pc.R)
    A = Phi + 2 * Phi @ S @ Phi
    return 0.5 * (A + A.T)


def kr_test(pc: Pieces, L: np.ndarray, beta: np.ndarray, PhiA: np.ndarray | None = None):
    """Kenward–Roger F test of L beta = 0 (L: l x p over the estimable columns).
    Returns (F scaled, numerator df l, denominator df m, scale lambda)."""
    L = np.atleast_2d(L)
    l = L.shape[0]
    W = _inv(pc.eim)
    Phi = pc.Phi
    PhiA = kr_vcov(pc) if PhiA is None else PhiA
    Theta = L.T @ np.linalg.solve(L @ Phi @ L.T, L)
    M = np.einsum("pq,qr,irs,st->ipt", Theta, Phi, pc.P, Phi)     # Theta Phi P_i Phi
    tr = np.einsum("ipp->i", M)
    A1 = float(tr @ W @ tr)
    A2 = float(np.einsum("ij,ipq,jqp->", W, M, M))
    B = (A1 + 6 * A2) / (2 * l)
    g = ((l + 1) * A1 - (l + 4) * A2) / ((l + 2) * A2)
    c1 = g / (3 * l + 2 * (1 - g))
    c2 = (l - g) / (3 * l + 2 * (1 - g))
    c3 = (l + 2 - g) / (3 * l + 2 * (1 - g))
    Estar = 1 / (1 - A2 / l)
    Vstar = (2 / l) * (1 + c1 * B) / ((1 - c2 * B) ** 2 * (1 - c3 * B))
    rho = Vstar / (2 * Estar ** 2)
    m = 4 + (l + 2) / (l * rho - 1)
    lam = m / (Estar * (m - 2))
    Lb = L @ beta
    F = float(Lb @ np.linalg.solve(L @ PhiA @ L.T, Lb)) / l
    return lam * F, l, m, lam


def satterthwaite_test(pc: Pieces, L: np.ndarray, beta: np.ndarray, info: str = "eim"):
    """Multi-df Satterthwaite F (lmerTest's contestMD construction): the hypothesis split
    into independent 1-df pieces along the eigenvectors of L Phi L'. Returns (F, l, ddf)."""
    L = np.atleast_2d(L)
    l = L.shape[0]
    w, U = np.linalg.eigh(L @ pc.Phi @ L.T)
    Lt = U.T @ L
    t2 = (Lt @ beta) ** 2 / w
    nu = np.array([satterthwaite(pc, row, info) for row in Lt])
    F = float(t2.sum()) / l
    big = nu > 2
    E = float(np.sum(nu[big] / (nu[big] - 2)))
    ddf = 2 * E / (E - l) if E > l else math.nan
    return F, l, ddf


# ------------------------------------------------------------------ the command's view
TITLES = {"residual": "Residual", "repeated": "Repeated", "anova": "ANOVA",
          "satterthwaite": "Satterthwaite", "kroger": "Kenward-Roger"}


@dataclass
class SmallSample:
    """What `dfmethod()` adds to a fit (over ALL fixed columns of e(b); NaN where omitted)."""
    method: str                 # residual | repeated | anova | satterthwaite | kroger
    info: str                   # eim | oim (satterthwaite)
    df: np.ndarray              # per coefficient
    V_beta: np.ndarray          # the VCE used (Kenward–Roger: adjusted; else the model's)
    F: float                    # the model test (all coefficients but the constant)
    df_m: int
    ddf_m: float
    p: float

    @property
    def title(self) -> str:
        return TITLES[self.method]


def infer(fit, method: str, info: str = "eim") -> SmallSample:
    """Small-sample inference for a fitted model. residual: N - rank(X) for every
    coefficient; repeated / anova: from the design (ddf_design.py); satterthwaite / kroger
    need a REML fit (checked by the caller)."""
    from scipy import special
    d = fit._state["design"]
    keep = np.asarray(d.keep)
    kf = len(fit.fixed_names)
    beta = np.asarray(fit.beta, dtype=float)
    V = np.array(fit.V_beta, dtype=float)
    df = np.full(kf, np.nan)
    wald = [j for j in keep if fit.fixed_names[j] != "_cons"]
    pos = {j: i for i, j in enumerate(keep)}
    L = np.zeros((len(wald), len(keep)))
    for r, j in enumerate(wald):
        L[r, pos[j]] = 1.0
    bk = beta[keep]
    if method in ("residual", "repeated", "anova"):
        if method == "residual":
            df[keep] = fit.n - len(keep)
        else:                   # from the design alone (models/ddf_design.py)
            from . import ddf_design
            df = getattr(ddf_design, f"{method}_df")(d, fit.fixed_names)
        # the model test's DDF: the tests' common DF, missing when they differ (Stata's
        # help j_mixed_ddf: no DDF for a joint test of coefficients with different DF)
        common = np.unique(df[wald]) if wald else np.array([])
        ddf = float(common[0]) if len(common) == 1 else np.nan
        F = float(bk[[pos[j] for j in wald]] @ np.linalg.solve(
            V[np.ix_(wald, wald)], bk[[pos[j] for j in wald]])) / len(wald) if wald else np.nan
    else:
        pc = pieces(fit)
        if method == "kroger":
            A = kr_vcov(pc)
            V[np.ix_(keep, keep)] = A
            for i, j in enumerate(keep):
                df[j] = satterthwaite(pc, np.eye(len(keep))[i], "eim")  # = KR's m when l = 1
            F, _, ddf, _ = kr_test(pc, L, bk, A) if wald else (np.nan, 0, np.nan, 1.0)
        else:
            for i, j in enumerate(keep):
                df[j] = satterthwaite(pc, np.eye(len(keep))[i], info)
            F, _, ddf = satterthwaite_test(pc, L, bk, info) if wald else (np.nan, 0, np.nan)
    p = float(special.fdtrc(len(wald), ddf, F)) if wald and np.isfinite(F) and ddf > 0 else np.nan
    return SmallSample(method, info, df, V, float(F), len(wald), float(ddf), p)


def t_rows(fit, small: SmallSample, level: float = 95):
    """The fixed-effects rows with t statistics: FERow(name, coef, se, t, p, lo, hi, ...)
    plus the DF of each row."""
    from scipy import special
    from .inference import FERow
    rows, dfs = [], []
    for j, nm in enumerate(fit.fixed_names):
        base = bool(fit.omitted[j]) and "b." in nm
        if fit.omitted[j]:
            rows.append(FERow(nm, 0.0, np.nan, np.nan, np.nan, np.nan, np.nan, True, base))
            dfs.append(np.nan)
            continue
        b, se, nu = float(fit.beta[j]), float(np.sqrt(small.V_beta[j, j])), float(small.df[j])
        t = b / se if se > 0 else np.nan
        p = float(2 * special.stdtr(nu, -abs(t))) if np.isfinite(t) else np.nan
        crit = float(special.stdtrit(nu, 0.5 + level / 200)) if nu > 0 else np.nan
        rows.append(FERow(nm, b, se, t, p, b - crit * se, b + crit * se, False, False))
        dfs.append(nu)
    return rows, dfs
