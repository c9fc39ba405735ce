"""dfmethod(satterthwaite|kroger) after crossed effects: smallsample.Pieces from the
cross-products of the whole Z (every level's columns, group-major), with no group split.

V = s2 I + Z D Z', D = blockdiag_l(I_{G_l} (x) Sigma_l), so by Woodbury
V^-1 = s2^-1 (I - Z K Z'), K = T (I + N T)^-1 = (I + T N)^-1 T, T = D / s2, N = Z'Z, and
a'V^-1 b, a'V^-2 b need only the cross-products of [Z X r] (smallsample.OneLevel's algebra
with ONE group of Q columns). V_i (the derivative of V in the linear parameter i, a level
l and basis matrix B_k of smallsample._basis) is Z E_i Z' with E_i = I_{G_l} (x) B_k on
level l's columns. Dense in Q = sum_l G_l q_l: refused past MAX_Q.
"""
from __future__ import annotations

import numpy as np

from .results import ModelError

MAX_Q = 3000


def _columns(design):
    """Every level's Z as one sparse (n, Q) matrix over the sample rows, and each level's
    column offset, q and number of groups."""
    from scipy import sparse
    n = len(design.rows)
    blocks, layout, off = [], [], 0
    for lv in design.levels:
        codes = lv.fcodes if lv.factor else lv.group
        Z = np.ones((n, 1)) if lv.factor else lv.Z_all[design.rows]
        q = Z.shape[1]
        G = int(codes.max()) + 1 if n else 0
        r = np.repeat(np.arange(n), q)
        c = (codes[:, None] * q + np.arange(q)[None]).ravel()
        blocks.append(sparse.csr_matrix((Z.ravel(), (r, c)), shape=(n, G * q)))
        layout.append((off, q, G))
        off += G * q
    return sparse.hstack(blocks).tocsr(), layout


def crossed_pieces(fit):
    from . import smallsample as sm
    d = fit._state["design"]
    if d.weights is not None:
        raise ModelError(101, "weights not allowed with dfmethod() and crossed effects")
    Z, layout = _columns(d)
    Qt = Z.shape[1]
    if Qt > MAX_Q:
        raise ModelError(909, "op. sys. refuses to provide memory")
    X = d.X
    beta = np.asarray(fit.beta, dtype=float)[d.keep]
    r = d.y - X @ beta
    n, p = X.shape
    s2 = float(fit.sigma2)
    N = (Z.T @ Z).toarray()
    ZX, Zr = np.asarray(Z.T @ X), np.asarray(Z.T @ r)
    XX, Xr, rr = X.T @ X, X.T @ r, float(r @ r)
    tdiag = np.zeros((Qt, Qt))
    for (off, q, G), lv in zip(layout, fit.levels):
        S = np.asarray(lv.Sigma, dtype=float) / s2
        for g in range(G):
            tdiag[off + g * q:off + (g + 1) * q, off + g * q:off + (g + 1) * q] = S
    K = np.linalg.solve(np.eye(Qt) + tdiag @ N, tdiag)
    K = 0.5 * (K + K.T)
    KN = K @ N

    def ip1(ab, aZ, Zb):            # a'V^-1 b
        return (ab - aZ @ K @ Zb) / s2

    def ip2(ab, aZ, Zb):            # a'V^-2 b
        KZb = K @ Zb
        return (ab - 2 * aZ @ KZb + aZ @ KN @ KZb) / s2 ** 2

    U = ip1(ZX, N, ZX)                              # Z'V^-1 X   (Q, p)
    Mz = ip1(N, N, N)                               # Z'V^-1 Z
    zr = ip1(Zr, N, Zr)                             # Z'V^-1 r
    Z2X, Z2Z, Z2r = ip2(ZX, N, ZX), ip2(N, N, N), ip2(Zr, N, Zr)
    X2X, X2r = ip2(XX, ZX.T, ZX), ip2(Xr, ZX.T, Zr)
    r2r = float(ip2(rr, Zr, Zr))
    Phi_inv = ip1(XX, ZX.T, ZX)

    # E_i applied to the rows of a (Q, m) matrix: I_G (x) B_k on level l's rows, zero elsewhere
    Es = []
    for (off, q, G), lv in zip(layout, fit.levels):
        for B in sm._basis(lv.covariance, q):
            Es.append((off, q, G, B))

    def E(i, M):
        off, q, G, B = Es[i]
        out = np.zeros_like(M)
        blk = M[off:off + G * q].reshape((G, q) + M.shape[1:])
        out[off:off + G * q] = np.einsum("ab,gb...->ga...", B, blk).reshape(
            (G * q,) + M.shape[1:])
        return out

    kS = len(Es)
    k = kS + 1
    EU = [E(i, U) for i in range(kS)]
    Ezr = [E(i, zr) for i in range(kS)]
    MzE = [E(i, Mz).T for i in range(kS)]           # Mz E_i (Mz, E_i symmetric)
    Pm = np.zeros((k, p, p))
    Q = np.zeros((k, k, p, p))
    trVV = np.zeros((k, k))
    XVa = np.zeros((k, p))
    aVa = np.zeros((k, k))
    for i in range(kS):
        Pm[i] = -U.T @ EU[i]
        XVa[i] = U.T @ Ezr[i]
        MzEU = Mz @ EU[i]
        Mzzr = Mz @ Ezr[i]
        for j in range(kS):
            Q[j, i] = EU[j].T @ MzEU
            trVV[i, j] = np.sum(MzE[i] * MzE[j].T)
            aVa[j, i] = Ezr[j] @ Mzzr
        Q[i, kS] = EU[i].T @ Z2X
        Q[kS, i] = Q[i, kS].T
        trVV[i, kS] = trVV[kS, i] = np.sum(E(i, Z2Z).diagonal())
        aVa[i, kS] = aVa[kS, i] = Ezr[i] @ Z2r
    e = kS
    Pm[e] = -X2X
    XVa[e] = X2r
    Q[e, e] = (X2X - U.T @ K @ U) / s2               # X'V^-3 X
    trVV[e, e] = (n - 2 * np.trace(KN) + np.sum(KN * KN.T)) / s2 ** 2
    aVa[e, e] = (r2r - zr @ K @ zr) / s2
    return sm._finish(Phi_inv, Pm, Q, trVV, XVa, aVa)
