"""Small-sample inference and robust scores for fits with a residual structure
(`mixed ..., residuals(...) dfmethod()` / `vce(robust|cluster)`).

V_g = sum_i phi_i V_i (the random effects, linear in their variances and covariances, as in
smallsample.py) + R_g(sigma_R), R_g block-diagonal over the lowest-level groups. sigma_R are
the residual parameters as the random-effects table shows them (rho and var(e) for AR(1),
var(e) and cov(e) for exchangeable, the variances of by() and unstructured, ...: the rows of
Structure.rows()). R_g is NOT linear in sigma_R (rho enters as rho^|t-s|), so Kenward-Roger
keeps the second-derivative term of their 1997 paper,
    Phi_A = Phi + 2 Phi [sum_ij W_ij (Q_ij - P_i Phi P_j - R_ij / 4)] Phi,
    R_ij = X'V^-1 (d2 V / d sigma_i d sigma_j) V^-1 X,
and the observed REML information gains 1/2 tr(P V_ij) - 1/2 y'P V_ij P y. R_g and its
derivatives come from the structure's own covariance at psi_R = (phi, ln s) (central
differences there, where the map is smooth) carried to sigma_R with the Jacobian of
Structure.rows(): d2R/dsigma2 = J^-T [d2R/dpsi2 - sum_c dR/dsigma_c H_c] J^-1.
"""
from __future__ import annotations

import numpy as np

from .smallsample import Pieces, _finish, _pad, batches, n_linear


# structures whose displayed parameters (variances, covariances) enter R linearly: no
# second-derivative terms
LINEAR = ("independent", "exchangeable", "unstructured", "banded")
CHUNK = 1 << 22     # floats per (k, G, S, S) array: batches are split to stay below


def chunks(gen, k):
    """smallsample.batches' batches, split so that k arrays of (G, S, S) stay small."""
    for idx, valid, Vi, V in gen:
        G, S = idx.shape
        step = max(1, CHUNK // max(1, k * S * S))
        for a in range(0, G, step):
            sl = slice(a, a + step)
            yield idx[sl], valid[sl], Vi[:, sl], V[sl]


def top_groups(fit):
    """(top-level group of each sample row, number of groups): the residual structure's
    groups when every random-effects equation is empty."""
    d = fit._state["design"]
    if d.levels:
        return d.levels[0].group, int(fit.levels[0].n_groups)
    g = structure_of(fit).g
    return g, int(g.max()) + 1


def batches_any(fit):
    """smallsample.batches, or, without random effects, the same layout over the residual
    groups (Vi holds only the s2 I term, V = s2 I; R replaces both)."""
    if fit._state["design"].levels:
        yield from batches(fit)
        return
    g, G = top_groups(fit)
    order = np.argsort(g, kind="stable")
    sizes = np.bincount(g, minlength=G)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    for S in np.unique(sizes[sizes > 0]):
        members = np.flatnonzero(sizes == S)
        idx = order[starts[members][:, None] + np.arange(S)[None, :]]
        valid = np.ones(idx.shape, dtype=bool)
        eye = np.broadcast_to(np.eye(S), (len(members), S, S))
        yield idx, valid, eye[None].copy(), float(fit.sigma2) * eye


def structure_of(fit):
    st = getattr(fit, "_state", None) or {}
    return getattr(st.get("model"), "structure", None)


def resid_cov(st, phi, s2, idx, valid):
    """R over padded batches of sample rows idx (G, S): s2 C(phi) within each lowest-level
    group, zero across groups and on padding rows."""
    take = np.where(valid, idx, 0)
    g = st.g[take]
    same = (g[:, :, None] == g[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    rs = st.rs
    if rs.by is not None:
        lns = np.r_[0.0, phi][st.code[take]]
        R = np.zeros(same.shape)
        d = np.arange(idx.shape[1])
        R[:, d, d] = s2 * np.exp(2 * lns)
    elif hasattr(st, "_C"):            # residuals_dense.DenseStructure: a T x T matrix
        C = st._C(phi)
        ti = st.ti[take]
        R = s2 * C[ti[:, :, None], ti[:, None, :]]
    elif rs.kind == "ar":
        t = st.t[take]
        R = s2 * np.tanh(phi[0]) ** np.abs(t[:, :, None] - t[:, None, :])
    else:                               # exchangeable
        eye = np.eye(idx.shape[1], dtype=bool)
        R = s2 * np.where(eye[None], 1.0, np.tanh(phi[0]))
    return np.where(same, R, 0.0)


class ResidualMap:
    """psi_R = (phi, ln s) -> sigma_R (the displayed residual parameters), its Jacobian J,
    inverse and the Hessians of each sigma_c (by differences)."""

    def __init__(self, st, psi_r, hessians: bool = True):
        self.rows = [f for _, _, f in st.rows()]
        self.psi = np.asarray(psi_r, dtype=float)
        k = len(self.psi)
        self.h = 1e-4 * np.maximum(np.abs(self.psi), 0.1)
        f0 = self.value(self.psi)
        J = np.zeros((len(f0), k))
        H = np.zeros((len(f0), k, k))
        for a in range(k):
            ea = np.eye(k)[a] * self.h[a]
            fp, fm = self.value(self.psi + ea), self.value(self.psi - ea)
            J[:, a] = (fp - fm) / (2 * self.h[a])
            H[:, a, a] = (fp - 2 * f0 + fm) / self.h[a] ** 2
            for b in range(a if hessians else 0):
                eb = np.eye(k)[b] * self.h[b]
                H[:, a, b] = H[:, b, a] = (self.value(self.psi + ea + eb) - self.value(
                    self.psi + ea - eb) - self.value(self.psi - ea + eb) + self.value(
                    self.psi - ea - eb)) / (4 * self.h[a] * self.h[b])
        try:
            Jinv = np.linalg.inv(J)
        except np.linalg.LinAlgError:     # a parameter on its boundary: no direction there
            Jinv = np.linalg.pinv(J)
        self.J, self.Jinv, self.H = J, Jinv, H

    def value(self, psi):
        phi, s = psi[:-1], psi[-1]
        return np.array([float(f(phi, s)) for f in self.rows])


def resid_derivs(st, rmap, idx, valid, second: bool):
    """R, dR/dpsi_R (k, G, S, S) and, if asked, d2R/dpsi_R2 (k, k, G, S, S)."""
    psi, h = rmap.psi, rmap.h
    k = len(psi)

    def R(p):
        return resid_cov(st, p[:-1], np.exp(2 * p[-1]), idx, valid)
    R0 = R(psi)
    d1 = np.empty((k,) + R0.shape)
    d2 = np.empty((k, k) + R0.shape) if second else None
    ups, dns = [], []
    for a in range(k):
        e = np.eye(k)[a] * h[a]
        up, dn = R(psi + e), R(psi - e)
        ups.append(up)
        dns.append(dn)
        d1[a] = (up - dn) / (2 * h[a])
        if second:
            d2[a, a] = (up - 2 * R0 + dn) / h[a] ** 2
    if second:
        for a in range(k):
            for b in range(a):
                ea, eb = np.eye(k)[a] * h[a], np.eye(k)[b] * h[b]
                d2[a, b] = d2[b, a] = (R(psi + ea + eb) - R(psi + ea - eb) - R(psi - ea + eb)
                                       + R(psi - ea - eb)) / (4 * h[a] * h[b])
    return R0, d1, d2


def _psi_r(fit):
    st = fit._state["vstate"]
    model = fit._state["model"]
    return np.asarray(st.psi, dtype=float)[model.ktheta:]


def pieces_structured(fit) -> Pieces:
    """smallsample.Pieces (with R) in (RE variances/covariances, sigma_R)."""
    st = structure_of(fit)
    d = fit._state["design"]
    X, y = d.X, d.y
    n, p = X.shape
    beta = np.asarray(fit.beta, dtype=float)[d.keep]
    r = y - X @ beta
    second = st.rs.kind not in LINEAR
    rmap = ResidualMap(st, _psi_r(fit), second)
    kre = n_linear(fit) - 1
    kr = len(rmap.psi)
    k = kre + kr
    Ji = rmap.Jinv                                              # d psi_R / d sigma_R
    Phi_inv = np.zeros((p, p))
    Pm = np.zeros((k, p, p))
    Q = np.zeros((k, k, p, p))
    trVV = np.zeros((k, k))
    XVa = np.zeros((k, p))
    aVa = np.zeros((k, k))
    Rm = np.zeros((k, k, p, p))
    trV2 = np.zeros((k, k))     # tr(V^-1 V_ij)
    aV2a = np.zeros((k, k))     # r'V^-1 V_ij V^-1 r
    for idx, valid, Vi, V in chunks(batches_any(fit), k * (k if second else 1)):
        diag = np.arange(idx.shape[1])
        V = V.copy()
        V[:, diag, diag] -= fit.sigma2 * valid           # batches' s2 I: replaced by R
        R0, dpsi, d2psi = resid_derivs(st, rmap, idx, valid, second)
        V += R0
        dsig = np.einsum("a...,ai->i...", dpsi, Ji, optimize=True)        # dR / d sigma_R
        Vs = np.concatenate([Vi[:kre], dsig])              # (k, G, S, S)
        Vinv = np.linalg.inv(V)
        Xb, rb = _pad(X, idx, valid), _pad(r, idx, valid)
        VX = Vinv @ Xb
        Vr = (Vinv @ rb[:, :, None])[:, :, 0]
        Phi_inv += np.einsum("gap,gaq->pq", Xb, VX, optimize=True)
        A = Vinv[None] @ Vs
        T = Vs @ VX[None]
        a = (Vs @ Vr[None, :, :, None])[..., 0]
        VT = Vinv[None] @ T
        Va = (Vinv[None] @ a[..., None])[..., 0]
        Pm -= np.einsum("igap,gaq->ipq", T, VX, optimize=True)
        XVa += np.einsum("iga,gap->ip", a, VX, optimize=True)
        trVV += np.einsum("igab,jgba->ij", A, A, optimize=True)
        Q += np.einsum("igap,jgaq->ijpq", VT, T, optimize=True)
        aVa += np.einsum("iga,jga->ij", Va, a, optimize=True)
        if not second:
            continue
        Hc = np.einsum("c...,cab->ab...", dsig, rmap.H, optimize=True)
        d2sig = np.einsum("ab...,ai,bj->ij...", d2psi - Hc, Ji, Ji, optimize=True)
        o = slice(kre, k)
        Rm[o, o] += np.einsum("gap,ijgab,gbq->ijpq", VX, d2sig, VX, optimize=True)
        trV2[o, o] += np.einsum("gab,ijgba->ij", Vinv, d2sig, optimize=True)
        aV2a[o, o] += np.einsum("ga,ijgab,gb->ij", Vr, d2sig, Vr, optimize=True)
    pc = _finish(Phi_inv, Pm, Q, trVV, XVa, aVa)
    # the second-derivative terms: tr(P V_ij) = tr(V^-1 V_ij) - tr(Phi R_ij), and
    # y'P V_ij P y = r'V^-1 V_ij V^-1 r (P y = V^-1 r at the GLS beta)
    trPV2 = trV2 - np.einsum("pq,ijqp->ij", pc.Phi, Rm, optimize=True)
    pc.oim = pc.oim + 0.5 * trPV2 - 0.5 * aV2a
    pc.oim = 0.5 * (pc.oim + pc.oim.T)
    pc.R = Rm if second else None
    return pc


def scores_structured(fit, J):
    """Per top-level group scores: d ll_g / d beta (G x p) and d ll_g / d psi (G x k_psi),
    psi = (theta, phi, ln s) the fit's variance metric. J = d phi_lin / d psi of the random
    effects' linear parameters (robust._jacobians; its s2 row is not used: the residual
    part is differentiated through R directly)."""
    st = structure_of(fit)
    d = fit._state["design"]
    X, y = d.X, d.y
    r = y - X @ np.asarray(fit.beta, dtype=float)[d.keep]
    model = fit._state["model"]
    kt = model.ktheta
    psi_r = _psi_r(fit)
    kre = n_linear(fit) - 1
    kpsi = J.shape[1]
    top, G = top_groups(fit)
    Sb = np.zeros((G, X.shape[1]))
    Sp = np.zeros((G, kpsi))
    rmap = _Steps(psi_r)
    for idx, valid, Vi, V in chunks(batches_any(fit), kpsi + 1):
        diag = np.arange(idx.shape[1])
        V = V.copy()
        V[:, diag, diag] -= fit.sigma2 * valid
        R0, dpsi, _ = resid_derivs(st, rmap, idx, valid, False)
        V += R0
        # dV/dpsi: random effects through their linear parameters, the residual part
        # (phi and ln s) through R
        dV = np.einsum("igxy,ia->agxy", Vi[:kre], J[:kre], optimize=True)
        dV[kt:] += dpsi
        Vinv = np.linalg.inv(V)
        Vr = np.einsum("gab,gb->ga", Vinv, _pad(r, idx, valid))
        g = top[idx[:, 0]]
        Sb[g] = np.einsum("gap,ga->gp", _pad(X, idx, valid), Vr)
        tr = np.einsum("gxy,agyx->ag", Vinv, dV, optimize=True)
        quad = np.einsum("gx,agxy,gy->ag", Vr, dV, Vr, optimize=True)
        Sp[g] = (-0.5 * (tr - quad)).T
    return Sb, Sp


class _Steps:
    """The difference steps of resid_derivs without the sigma_R map (scores need psi only)."""

    def __init__(self, psi_r):
        self.psi = np.asarray(psi_r, dtype=float)
        self.h = 1e-4 * np.maximum(np.abs(self.psi), 0.1)
