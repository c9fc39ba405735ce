"""Crossed effects in any combination with random slopes and nested levels.

`|| _all: R.a || b: x`, `|| _all: R.a || _all: R.b || c: x, cov(un)`, `|| _all: R.a || b: || c: x`:
every level l contributes G_l groups (a factor's levels, or the groups of a nested level)
of q_l effects with one relative factor Lambda_l (covariance.py), so u = Lambda b with
Lambda block diagonal and the profiled deviance is lme4's penalised least squares with
A = Lambda' Z'Z Lambda + I. crossed.py does the same for random intercepts only; here each
level keeps its q x q blocks:

- the level with the most columns (G_1 q_1) is eliminated first: its own block of Z'Z is
  block diagonal by its groups (q_1 x q_1 each), so A_1 is a batch of small matrices and
  S_1 = W'W - B_1'A_1^-1 B_1 with W = [Z_rest, X, y] costs O(G_1 q_1 dW^2);
- the other levels' Q_r columns are eliminated densely with Lambda_r sparse (scipy.sparse,
  its entries linear in theta through the fixed matrix T: vals = T theta): one Cholesky of
  A_2 = Lambda_r' S_1,rr Lambda_r + I (Q_r x Q_r).
Cross-products come from scipy.sparse once; an evaluation never touches the rows.
Gradient: the adjoints of lmm.py's docstring for both eliminations; on Lambda_r only the
entries of its pattern are needed, Lambda_bar[i, j] = 2 (G Lambda A_bar)[i, j] + (H B_bar')[i, j].
"""
from __future__ import annotations

import numpy as np

from . import covariance as cv
from .crossed import cross_products
from .design import Design
from .lmm import LMM, _inv_logdet
from .results import ModelError


def simple_crossed(levels) -> bool:
    """crossed.py's case: R. factors, then at most one random-intercept level."""
    seen_plain = False
    for lv in levels:
        if not lv.factor:
            if seen_plain or lv.effects != ["_cons"]:
                return False
            seen_plain = True
        elif seen_plain:
            return False
    return True


class GeneralCrossedLMM(LMM):
    crossed = True
    # float64 elements: the dense Q_r x Q_r block (about eight live copies of it per
    # evaluation: 64 MB each) and the big level's G_1 q_1 x dW blocks (four copies)
    DENSE_LIMIT = 1 << 23
    ROWS_LIMIT = 1 << 24
    lw = None

    def __init__(self, design: Design, reml: bool = False):
        from scipy import sparse
        self.reml = reml
        self.levels = design.levels
        rows = design.rows
        self.n, self.p = len(rows), len(design.keep)
        L = len(self.levels)
        self.q = [1 if lv.factor else lv.Z_all.shape[1] for lv in self.levels]
        self.E = [cv.basis(lv.covariance, q) for lv, q in zip(self.levels, self.q)]
        self.k = [len(E) for E in self.E]
        self.Eflat = [E.reshape(len(E), -1) for E in self.E]
        self.offsets = np.concatenate([[0], np.cumsum(self.k)]).astype(int)
        self.nfev = 0
        codes = [lv.fcodes if lv.factor else lv.group for lv in self.levels]
        ng = [int(c.max()) + 1 if len(c) else 0 for c in codes]
        ncol = [g * q for g, q in zip(ng, self.q)]
        self.ng = ng
        self.big = int(np.argmax(ncol))
        self.rest = [l for l in range(L) if l != self.big]
        Qr = int(sum(ncol[l] for l in self.rest))
        self.Qr = Qr
        q1, G1 = self.q[self.big], ng[self.big]
        dW = Qr + self.p + 1
        if Qr * Qr > self.DENSE_LIMIT or G1 * q1 * dW > self.ROWS_LIMIT:
            # the other levels' columns are held densely (Q_r x Q_r and G_1 q_1 x Q_r):
            # refused before anything of that size is allocated
            raise ModelError(909, "op. sys. refuses to provide memory")
        n = len(rows)
        w = design.weights[rows] if design.weights is not None else None
        if w is not None:
            self.n = int(round(float(w.sum())))
        wt = np.ones(n) if w is None else w
        XY = np.column_stack([design.X_all[rows][:, design.keep], design.y_all[rows]])
        Zs = [np.ones((n, 1)) if lv.factor else lv.Z_all[rows] for lv in self.levels]
        self.zscale = [np.sqrt(np.average(Z * Z, axis=0, weights=wt)) for Z in Zs]

        def zmat(l, weighted):
            q, c = self.q[l], codes[l]
            vals = Zs[l] * (wt[:, None] if weighted else 1.0)
            r = np.repeat(np.arange(n), q)
            cols = (c[:, None] * q + np.arange(q)[None]).ravel()
            return sparse.csr_matrix((vals.ravel(), (r, cols)), shape=(n, ng[l] * q))

        Z1w = zmat(self.big, True)
        Z1 = zmat(self.big, False)
        off = np.r_[0, np.cumsum([ncol[l] for l in self.rest])].astype(int)
        self.roff = off
        Zr = Zrw = None
        if Qr:
            Zr = sparse.hstack([zmat(l, False) for l in self.rest]).tocsr()
            Zrw = sparse.hstack([zmat(l, True) for l in self.rest]).tocsr()
        MWW, M1W = cross_products(Z1w, Zr, Zrw, XY, wt)
        # the big level's own blocks: Z_1'Z_1 restricted to each group's q_1 columns
        Z11 = (Z1w.T @ Z1).tocsr()
        self.G1 = _diag_blocks(Z11, G1, q1)
        self.H1 = M1W.reshape(G1, q1, dW)
        self.MWW, self.M1W = MWW, M1W
        # Lambda_r's pattern: per rest level, per group, its q x q block
        ri, ci, tmaps = [], [], []
        k_tot = int(self.offsets[-1])
        for i, l in enumerate(self.rest):
            q, G = self.q[l], ng[l]
            a, b = np.meshgrid(np.arange(q), np.arange(q), indexing="ij")
            used = np.flatnonzero(np.abs(self.Eflat[l]).sum(0) > 0)   # entries that can be != 0
            base = off[i] + np.arange(G)[:, None] * q
            ri.append((base + a.ravel()[used][None]).ravel())
            ci.append((base + b.ravel()[used][None]).ravel())
            Tl = np.zeros((len(used), k_tot))
            Tl[:, self.offsets[l]:self.offsets[l + 1]] = self.Eflat[l][:, used].T
            tmaps.append(np.tile(Tl, (G, 1)))
        if Qr:
            self.pr, self.pc = np.concatenate(ri), np.concatenate(ci)
            self.T = sparse.csr_matrix(np.vstack(tmaps))     # (pattern entries, k): small

    def exact_fit(self) -> bool:
        R = self.MWW[self.Qr:, self.Qr:]
        p = self.p
        yy = R[p, p]
        if not p:
            return yy <= 0
        b = np.linalg.lstsq(R[:p, :p], R[:p, p], rcond=None)[0]
        return bool(yy - R[:p, p] @ b <= 1e-11 * yy)

    def _lam_r(self, th):
        from scipy import sparse
        vals = self.T @ th
        return sparse.csr_matrix((vals, (self.pr, self.pc)), shape=(self.Qr, self.Qr))

    def _lam1(self, th):
        l, q = self.big, self.q[self.big]
        return (th[self.offsets[l]:self.offsets[l + 1]] @ self.Eflat[l]).reshape(q, q)

    def _level1(self, th):
        Lam = self._lam1(th)
        A = np.swapaxes(Lam, 0, 1)[None] @ self.G1 @ Lam[None]
        A += np.eye(Lam.shape[0])
        Ainv, ld = _inv_logdet(A)
        B = Lam.T[None] @ self.H1
        K = Ainv @ B
        return Lam, Ainv, ld, B, K

    # ---- forward / backward (one parameter vector at a time; the batch is a loop) ----------
    def _forward(self, theta, general: bool = False):
        self.nfev += 1
        theta = np.asarray(theta, dtype=float)
        P = theta.shape[0]
        dP = self.p + 1
        Rs = np.empty((P, dP, dP))
        ld = np.empty(P)
        caches = []
        Qr = self.Qr
        dW = self.MWW.shape[0]
        for i in range(P):
            th = theta[i]
            Lam, A1inv, ldi, B1, K1 = self._level1(th)
            S1 = self.MWW - B1.reshape(-1, dW).T @ K1.reshape(-1, dW)
            if not Qr:
                Rs[i], ld[i] = S1, ldi
                caches.append((Lam, A1inv, K1, None))
                continue
            Lr = self._lam_r(th)
            Gm, H, WW = S1[:Qr, :Qr], S1[:Qr, Qr:], S1[Qr:, Qr:]
            GL = np.asarray((Lr.T @ Gm).T)                  # G Lambda_r (G symmetric)
            A2 = np.asarray(Lr.T @ GL)
            A2[np.diag_indices(Qr)] += 1.0
            A2inv, ld2 = _spd_inverse(A2)
            if A2inv is None:
                Rs[i], ld[i] = np.nan, np.nan
                caches.append(None)
                continue
            ldi += ld2
            B2 = np.asarray(Lr.T @ H)
            K2 = A2inv @ B2
            Rs[i] = WW - B2.T @ K2
            ld[i] = ldi
            caches.append((Lam, A1inv, K1, (Lr, GL, H, A2inv, K2)))
        return Rs, ld, caches, self.lambdas(theta)

    def _backward(self, cache, Rbar):
        P = Rbar.shape[0]
        grad = np.full((P, int(self.offsets[-1])), np.nan)
        Qr = self.Qr
        dW = self.MWW.shape[0]
        l1 = self.big
        for i in range(P):
            if cache[i] is None:
                continue
            Lam, A1inv, K1, rest = cache[i]
            g = np.zeros(grad.shape[1])
            if rest is not None:
                Lr, GL, H, A2inv, K2 = rest
                KS = K2 @ Rbar[i]
                Abar = KS @ K2.T + A2inv
                Bbar = -2.0 * KS
                pr, pc = self.pr, self.pc
                ent = 2.0 * np.einsum("ek,ek->e", GL[pr], Abar[pc]) + \
                    np.einsum("em,em->e", H[pr], Bbar[pc])
                g += self.T.T @ ent
                Sbar = np.empty((dW, dW))
                LA = np.asarray(Lr @ Abar)
                Sbar[:Qr, :Qr] = np.asarray(Lr @ LA.T)     # Lambda A_bar Lambda' (A_bar symmetric)
                Hb = 0.5 * np.asarray(Lr @ Bbar)
                Sbar[:Qr, Qr:] = Hb
                Sbar[Qr:, :Qr] = Hb.T
                Sbar[Qr:, Qr:] = Rbar[i]
            else:
                Sbar = Rbar[i]
            G1, q1 = self.G1.shape[0], self.q[l1]
            KS1 = (K1.reshape(-1, dW) @ Sbar).reshape(G1, q1, dW)
            Abar1 = KS1 @ np.swapaxes(K1, 1, 2) + A1inv
            Bbar1 = -2.0 * KS1
            Lbar = 2.0 * (self.G1 @ Lam[None] @ Abar1).sum(0) + \
                (self.H1 @ np.swapaxes(Bbar1, 1, 2)).sum(0)
            g[self.offsets[l1]:self.offsets[l1 + 1]] += self.Eflat[l1] @ Lbar.ravel()
            grad[i] = g
        return grad

    def solution(self, theta):
        raise ModelError(198, "not available after a model with crossed effects (R.)")

    # ---- BLUPs -------------------------------------------------------------------------
    def _system(self, th):
        """Blocks of the spherical system A = Lambda'Z'Z Lambda + I at th."""
        Lam, A1inv, _, _, _ = self._level1(th)
        G1, q1 = self.G1.shape[0], self.q[self.big]
        if not self.Qr:
            return Lam, A1inv, None, None, None
        Lr = self._lam_r(th)
        Qr = self.Qr
        # A12 = Lambda_1' Z_1'Z_r Lambda_r per group (G1, q1, Qr)
        A12 = Lam.T[None] @ np.asarray((Lr.T @ self.M1W[:, :Qr].T).T).reshape(G1, q1, Qr)
        T1 = A1inv @ A12
        S = np.asarray(Lr.T @ np.asarray((Lr.T @ self.MWW[:Qr, :Qr]).T))
        S -= np.swapaxes(A12.reshape(-1, Qr), 0, 1) @ T1.reshape(-1, Qr)
        S[np.diag_indices(Qr)] += 1.0
        Sinv, _ = _spd_inverse(S)
        if Sinv is None:
            Sinv = np.linalg.pinv(S, hermitian=True)
        return Lam, A1inv, A12, Sinv, Lr

    def _solve(self, sysb, r1, r2):
        """A^-1 [r1; r2] for right-hand sides r1 (G1, q1, m), r2 (Qr, m)."""
        Lam, A1inv, A12, Sinv, Lr = sysb
        y1 = A1inv @ r1
        if A12 is None:
            return y1, r2
        Qr = self.Qr
        x2 = Sinv @ (r2 - np.swapaxes(A12.reshape(-1, Qr), 0, 1) @ y1.reshape(-1, r1.shape[-1]))
        return A1inv @ (r1 - A12 @ x2[None]), x2

    def _split(self, u1, u2):
        """Per level (n_groups, q) arrays from the big level's (G1, q1) and the rest's (Qr,)."""
        out = [None] * len(self.levels)
        out[self.big] = u1
        for i, l in enumerate(self.rest):
            out[l] = u2[self.roff[i]:self.roff[i + 1]].reshape(self.ng[l], self.q[l])
        return out

    def blups(self, theta, beta) -> list[np.ndarray]:
        """Posterior means u = Lambda b, (Lambda'Z'Z Lambda + I) b = Lambda'Z'(y - X beta)."""
        th = np.asarray(theta, dtype=float)
        v = np.r_[beta, -1.0]
        Qr = self.Qr
        sysb = self._system(th)
        Lam, Lr = sysb[0], sysb[4]
        r1 = -(Lam.T[None] @ (self.H1[:, :, Qr:] @ v)[..., None])
        r2 = -np.asarray(Lr.T @ (self.MWW[:Qr, Qr:] @ v))[:, None] if Qr else np.zeros((0, 1))
        b1, b2 = self._solve(sysb, r1, r2)
        u1 = (Lam[None] @ b1)[..., 0]
        u2 = np.asarray(Lr @ b2[:, 0]) if Qr else np.zeros(0)
        return self._split(u1, u2)

    def blup_variances(self, theta, s2, XXinv, comparative: bool) -> list[np.ndarray]:
        """Per level, per group: the diagonal of Var(u | y) (beta known: s2 Lambda A^-1
        Lambda') or of Var(u_hat - u) (comparative: plus Lambda A^-1 F (X'V*^-1X)^-1 F'
        A^-1 Lambda' with F = Lambda'Z'X), as (n_groups, q) arrays."""
        th = np.asarray(theta, dtype=float)
        sysb = self._system(th)
        Lam, A1inv, A12, Sinv, Lr = sysb
        Qr, p = self.Qr, self.p
        D1 = A1inv.copy()                          # diagonal blocks of A^-1, level 1
        if A12 is not None:
            T1 = A1inv @ A12
            D1 += T1 @ Sinv[None] @ np.swapaxes(T1, 1, 2)
            D2 = Sinv
        if comparative and p:
            F1 = Lam.T[None] @ self.H1[:, :, Qr:Qr + p]
            F2 = np.asarray(Lr.T @ self.MWW[:Qr, Qr:Qr + p]) if Qr else np.zeros((0, p))
            G1, G2 = self._solve(sysb, F1, F2)
            D1 = D1 + G1 @ XXinv[None] @ np.swapaxes(G1, 1, 2)
            if Qr:
                D2 = D2 + G2 @ XXinv @ G2.T
        v1 = s2 * np.einsum("ij,gjk,ik->gi", Lam, D1, Lam)
        v2 = np.zeros(0)
        if Qr:
            LD = np.asarray(Lr @ D2)
            v2 = s2 * np.asarray(Lr.multiply(LD).sum(1)).ravel()     # diag(Lr D2 Lr')
        return self._split(v1, v2)


def _spd_inverse(A):
    """(A^-1, log|A|) of a symmetric positive definite A; (None, nan) when A is not
    numerically positive definite. numpy's LAPACK only: scipy's bundled OpenBLAS keeps a
    second thread pool, and the two fight for the cores on a loaded machine (a crossed +
    slope fit on 100,000 rows took 79 s with scipy's potrf/potri there, 24 s without)."""
    if not np.isfinite(A).all():
        return None, np.nan
    try:
        C = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        return None, np.nan
    Ci = np.linalg.inv(C)
    return Ci.T @ Ci, 2.0 * np.log(np.diag(C)).sum()


def _diag_blocks(M, G, q):
    """The q x q diagonal blocks (G, q, q) of a sparse (G q x G q) matrix."""
    out = np.zeros((G, q, q))
    C = M.tocoo()
    keep = C.row // q == C.col // q
    np.add.at(out, (C.row[keep] // q, C.row[keep] % q, C.col[keep] % q), C.data[keep])
    return out
