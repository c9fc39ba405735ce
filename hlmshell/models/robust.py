"""Robust (sandwich) VCE of a mixed fit: `vce(robust)` and `vce(cluster clustvar)`.

Stata (stata-reference, "mixed, vce(robust)"): V = G/(G-1) · e(V) S'S e(V), with e(V) the
block-diagonal model VCE in the estimation metric (beta; lns, atr, lnsig_e) and S the
per-cluster scores of the log likelihood. The sandwich transforms like a covariance under
a change of parameters, so we build it in psi = (theta, ln s_e) — the metric of the model's
variance-parameter covariance (inference.VarianceState) — and carry it to Stata's metric
with the Jacobian at the estimates.

Scores of top-level group g (V_g its covariance, r_g = y_g - X_g beta):
    d ll_g / d beta  = X_g' V_g^-1 r_g
    d ll_g / d phi_i = -1/2 [ tr(V_g^-1 V_i) - r_g' V_g^-1 V_i V_g^-1 r_g ]
in the linear covariance parameters phi (smallsample.py), then d phi / d psi numerically.
Clusters: sums of the scores of the top-level groups inside each cluster.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .results import ModelError
from .smallsample import OneLevel, _basis, _pad, batches, n_linear


@dataclass
class Robust:
    V: np.ndarray            # full e(V) (k_f + k_r), Stata's metric
    V_beta: np.ndarray       # its fixed block (k_f x k_f)
    V_theta: np.ndarray      # its variance block
    vstate: object           # a VarianceState whose cov is the robust one (for the RE table)
    n_clust: int


def _phi(fit, st, psi):
    """Linear parameters (each Sigma's coordinates in its basis, then s2) at psi."""
    Sig, s2 = st.sigmas(psi)
    out = []
    for lv, S in zip(fit.levels, Sig):
        for B in _basis(lv.covariance, len(lv.effects)):
            i, j = np.argwhere(B)[0]
            out.append(S[i, j])
    out.append(s2)
    return np.array(out)


def scores(fit):
    """(S_beta (G x p), S_phi (G x k)) per top-level group."""
    if len(fit.levels) == 1:
        return scores_one_level(fit)
    return scores_dense(fit)


def scores_one_level(fit):
    """The same from the per-group cross-products (smallsample.OneLevel)."""
    o = OneLevel(fit)
    lv = fit.levels[0]
    B = _basis(lv.covariance, len(lv.effects))
    Mz = o.ip1("Z", "Z")
    zr = o.ip1("Z", "r")[:, :, 0]
    Sb = o.ip1("X", "r")[:, :, 0]
    Sp = np.zeros((len(Mz), len(B) + 1))
    for i, Bi in enumerate(B):
        Sp[:, i] = -0.5 * (np.einsum("ab,gba->g", Bi, Mz) - np.einsum("ga,ab,gb->g", zr, Bi, zr))
    trVinv = (o.n_g - np.einsum("gii->g", o.K @ o.N)) / o.s2
    Sp[:, -1] = -0.5 * (trVinv - o.ip2("r", "r")[:, 0, 0])
    return Sb, Sp


def scores_dense(fit):
    """Every top-level group's V as a dense matrix (nested levels)."""
    d = fit._state["design"]
    X, y = d.X, d.y
    r = y - X @ np.asarray(fit.beta, dtype=float)[d.keep]
    G = fit.levels[0].n_groups
    k = n_linear(fit)
    Sb = np.zeros((G, X.shape[1]))
    Sp = np.zeros((G, k))
    top = d.levels[0].group
    for idx, valid, Vi, V in batches(fit):
        Vinv = np.linalg.inv(V)
        Vr = np.einsum("gab,gb->ga", Vinv, _pad(r, idx, valid))
        g = top[idx[:, 0]]
        Sb[g] = np.einsum("gap,ga->gp", _pad(X, idx, valid), Vr)
        for i, M in enumerate(Vi):
            tr = np.einsum("gab,gba->g", Vinv, M)
            quad = np.einsum("ga,gab,gb->g", Vr, M, Vr)
            Sp[g, i] = -0.5 * (tr - quad)
    return Sb, Sp


def top_name(fit) -> str:
    """The top level's variable (the residual groups' without random effects)."""
    if fit.levels:
        return fit.levels[0].groupvar
    st = fit._state["model"].structure
    return st.rs.group or ""


def scores_psi(fit, J):
    """(S_beta, S_psi): the scores with the variance part in the fit's metric psi."""
    from .smallsample_resid import scores_structured, structure_of
    if structure_of(fit) is not None:   # residuals(): V not linear in its parameters
        return scores_structured(fit, J)
    Sb, Sp = scores(fit)
    return Sb, Sp @ J


def _jacobians(fit, st):
    """d phi / d psi (linear covariance parameters) and d stata / d psi (lns, atr, lnsig_e),
    by central differences (both maps are smooth in psi)."""
    from .inference import _stata_fun
    psi = st.psi
    kpsi = len(psi)
    fun = _stata_fun(st, [lv.covariance for lv in fit.levels])
    J = np.zeros((n_linear(fit), kpsi))
    K = np.zeros((len(fit.theta), kpsi))
    for j in range(kpsi):
        h = 1e-6 * max(abs(psi[j]), 0.05)
        e = np.zeros(kpsi)
        e[j] = h
        J[:, j] = (_phi(fit, st, psi + e) - _phi(fit, st, psi - e)) / (2 * h)
        with np.errstate(invalid="ignore"):
            K[:, j] = (fun(psi + e) - fun(psi - e)) / (2 * h)
    return J, K


def stata_scores(fit):
    """`predict, scores`: per top-level group, d ll_g / d e(b) in e(b)'s order (beta, then
    lns/atr/lnsig_e), as (G x (k_f + k_r)); NaN for parameters whose metric is singular
    here (a boundary). d/d stata = K^-T d/d psi with K = d stata / d psi."""
    st = fit._state["vstate"]
    d = fit._state["design"]
    J, K = _jacobians(fit, st)
    Sb, Spsi = scores_psi(fit, J)
    kf = len(fit.fixed_names)
    out = np.zeros((len(Sb), kf + len(fit.theta)))
    out[:, np.asarray(d.keep)] = Sb
    try:
        if not np.all(np.isfinite(K)):
            raise np.linalg.LinAlgError
        out[:, kf:] = np.linalg.solve(K.T, Spsi.T).T
    except np.linalg.LinAlgError:
        out[:, kf:] = np.nan
    return out


def sandwich(fit, cluster_codes: np.ndarray | None = None, clustvar: str = "") -> Robust:
    """cluster_codes: integer cluster of each SAMPLE row (None: the top level)."""
    d = fit._state["design"]
    st = fit._state["vstate"]
    from .smallsample_resid import top_groups
    top, G_top = top_groups(fit)
    if cluster_codes is None:
        owner = np.arange(G_top)
    else:
        codes = np.asarray(cluster_codes)
        first = np.full(G_top, -1)
        first[top[::-1]] = codes[::-1]
        if np.any(codes != first[top]):
            raise ModelError(459, f"highest-level groups are not nested within {clustvar}")
        owner = first
    _, owner = np.unique(owner, return_inverse=True)
    nc = int(owner.max()) + 1
    if nc < 2:
        raise ModelError(459, f"only one cluster in {clustvar or top_name(fit)}")
    psi, free = st.psi, st.free
    J, K = _jacobians(fit, st)
    if d.pweighted:     # pseudo-likelihood scores (pweights.py), already in (beta, psi)
        from .pweights import scores as pw_scores
        Sx = pw_scores(fit._state["model"], fit._state["beta_k"], psi)
        S = np.hstack([Sx[:, :len(d.keep)], Sx[:, len(d.keep):][:, free]])
    else:
        Sb, Spsi = scores_psi(fit, J)
        S = np.hstack([Sb, Spsi[:, free]])
    Sc = np.zeros((nc, S.shape[1]))
    np.add.at(Sc, owner, S)
    keep = np.asarray(d.keep)
    p = len(keep)
    Vbb = np.asarray(fit.V_beta)[np.ix_(keep, keep)]
    C = st.cov[np.ix_(free, free)]
    if not np.all(np.isfinite(C)):
        C = np.nan_to_num(C)        # singular information: those SEs stay missing below
    nf = int(free.sum())
    B = np.zeros((p + nf, p + nf))
    B[:p, :p] = Vbb
    B[p:, p:] = C
    Vr = nc / (nc - 1) * B @ (Sc.T @ Sc) @ B
    # psi -> Stata's (lns, atr, lnsig_e)
    K = np.nan_to_num(K[:, free])
    T = np.zeros((p + len(fit.theta), p + nf))
    T[:p, :p] = np.eye(p)
    T[p:, p:] = K
    Vs = T @ Vr @ T.T
    kf = len(fit.fixed_names)
    V = np.zeros((kf + len(fit.theta),) * 2)
    pos = np.r_[keep, kf + np.arange(len(fit.theta))]
    V[np.ix_(pos, pos)] = Vs
    # what had no SE under the model VCE (boundary, singular information) has none here
    bad = ~np.isfinite(np.diag(np.asarray(fit.V_theta)))
    V[kf + np.flatnonzero(bad), :] = np.nan
    V[:, kf + np.flatnonzero(bad)] = np.nan
    rst = copy.copy(st)
    cov = np.full_like(st.cov, np.nan)
    cov[np.ix_(free, free)] = Vr[p:, p:]
    rst.cov = cov
    return Robust(V, V[:kf, :kf].copy(), V[kf:, kf:].copy(), rst, nc)
