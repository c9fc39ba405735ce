"""Profiled deviance of a nested linear mixed model from per-group sufficient statistics.

Model: y = X b + sum_l Z_l u_l + e, e ~ N(0, s2 I), u_l,g ~ N(0, s2 Lambda_l Lambda_l').

One vectorised pass builds, per innermost group, the cross-product matrix M_g = A_g'A_g of
A = [Z_L, ..., Z_1, X, y] (innermost level first). Everything else works on these small
matrices, so an evaluation costs O(groups), not O(observations):

Eliminating a level (block Cholesky of the sparse mixed-model equations, innermost first):
    M = [[G, H], [H', WW]]   (G = Z'Z of this level, W = the columns of the outer levels, X, y)
    A = Lambda' G Lambda + I,  B = Lambda' H,  K = A^-1 B
    S = WW - B' K            (W'V*^-1 W within the group; V* = I + Z Lambda Lambda' Z')
    logdet V* += log|A|
The S of the groups inside one outer group are summed: that is the outer group's M. At the
top S = [[X'V*^-1X, X'V*^-1y], [., y'V*^-1y]] = R gives beta and the residual r2.

Gradient by reverse accumulation through the same steps (no derivative of a Cholesky
factor needed): with S_bar the adjoint of S,
    A_bar = K S_bar K' + A^-1,  B_bar = -2 K S_bar
    Lambda_bar += 2 G Lambda A_bar + H B_bar',  G_bar = Lambda A_bar Lambda',  H_bar = Lambda B_bar
and M_bar = [[G_bar, H_bar/2], [H_bar'/2, S_bar]] is the S_bar of the inner groups.
"""
from __future__ import annotations

import numpy as np

from . import covariance as cv
from .design import Design

LOG2PI = np.log(2 * np.pi)


def _inv_logdet(A):
    """Batched inverse and summed log-determinant of small SPD matrices; closed forms for
    q <= 2 because LAPACK call overhead dominates at these sizes."""
    q = A.shape[-1]
    if q == 1:
        return 1.0 / A, np.log(A[..., 0, 0]).sum(-1)
    if q == 2:
        a, b, d = A[..., 0, 0], A[..., 0, 1], A[..., 1, 1]
        det = a * d - b * b
        inv = np.empty_like(A)
        inv[..., 0, 0] = d / det
        inv[..., 1, 1] = a / det
        inv[..., 0, 1] = inv[..., 1, 0] = -b / det
        return inv, np.log(det).sum(-1)
    C = np.linalg.cholesky(A)
    return np.linalg.inv(A), 2.0 * np.log(np.diagonal(C, axis1=-2, axis2=-1)).sum((-2, -1))


# per-group 2 x 2 products in components (row-major 00, 01, 10, 11):
# (X Y)[ik] = X[i0] Y[0k] + X[i1] Y[1k]
_I0, _J0 = np.array([0, 0, 2, 2]), np.array([0, 1, 0, 1])
_I1, _J1 = np.array([1, 1, 3, 3]), np.array([2, 3, 2, 3])
_EYE2 = np.eye(2)


def _group_crossprod(cols, g, G):
    """Per-group cross-products of the columns, computed once per pair of DISTINCT columns
    (a slope is usually also a regressor, _cons appears in Z and X). Rows sorted by group
    (the usual layout): np.add.reduceat over the group blocks, else bincount. One pair at a
    time through one reused buffer: O(n) memory, and no large short-lived temporaries
    (fresh pages from the OS cost more than the arithmetic at this size)."""
    uniq, where = [], []
    for c in cols:
        for u, v in enumerate(uniq):
            if c is v or (c[0] == v[0] and c[-1] == v[-1] and np.array_equal(c, v)):
                where.append(u)
                break
        else:
            where.append(len(uniq))
            uniq.append(c)
    du, n = len(uniq), len(g)
    ones = [bool(c[0] == 1.0 and np.all(c == 1.0)) for c in uniq]
    starts = None
    if n and G and g[0] == 0 and g[-1] == G - 1 and not (g[1:] < g[:-1]).any():
        starts = np.flatnonzero(g[1:] != g[:-1]) + 1
        if len(starts) != G - 1:    # an empty group (not produced by design.py): no blocks
            starts = None
        else:
            starts = np.r_[0, starts]
    S = np.empty((du, du, G))
    tmp = np.empty(n)
    for a in range(du):
        for b in range(a, du):
            if ones[a] and ones[b]:
                col = None
            elif ones[a] or ones[b]:
                col = uniq[b] if ones[a] else uniq[a]
            else:
                col = np.multiply(uniq[a], uniq[b], out=tmp)
            if starts is None:
                S[a, b] = np.bincount(g, weights=col, minlength=G)
            elif col is None:
                S[a, b] = np.diff(np.r_[starts, n])
            else:
                np.add.reduceat(col, starts, out=S[a, b])
            S[b, a] = S[a, b]
    w = np.asarray(where)
    return np.ascontiguousarray(np.moveaxis(S[w[:, None], w[None, :]], -1, 0))


def adjoint_M(Lam, Abar, Bbar, Sbar, q):
    """The adjoint of a level's per-group cross-products M_g = [[G, H], [H', S]] (P, G, d, d)
    from those of A_g, B_g and the level below's S: the step `LMM._backward` takes from one
    level to its parent, and `residuals._adjoint_M` once more at the innermost level."""
    Gbar = Lam @ Abar @ np.swapaxes(Lam, -1, -2)
    Hbar = Lam @ Bbar
    d = q + Sbar.shape[-1]
    Mbar = np.empty((Lam.shape[0], Gbar.shape[1], d, d))
    Mbar[..., :q, :q] = Gbar
    Mbar[..., :q, q:] = 0.5 * Hbar
    Mbar[..., q:, :q] = 0.5 * np.swapaxes(Hbar, -1, -2)
    Mbar[..., q:, q:] = Sbar
    return Mbar


def _small_mm_t(Ainv, B):
    """K = A^-1 B per group with B, K in (P, q, G, m) layout; Ainv is (P, G, q, q)."""
    q = Ainv.shape[-1]
    if q <= 3:
        K = np.empty_like(B)
        for i in range(q):
            acc = Ainv[:, :, i, 0, None] * B[:, 0]
            for j in range(1, q):
                acc += Ainv[:, :, i, j, None] * B[:, j]
            K[:, i] = acc
        return K
    return np.swapaxes(Ainv @ B.transpose(0, 2, 1, 3), 1, 2)


class LMM:
    """Sufficient statistics and the (profiled) deviance of one design."""

    # one level: largest G q^2 dW^2 (float64 elements) for the per-group outer products
    OUTER_LIMIT = 1 << 22

    def __init__(self, design: Design, reml: bool = False, M0=None):
        """M0: the per-group cross-products, when the caller has them (residuals.py builds
        them for each residual-structure parameter); the design then gives only the layout."""
        self.reml = reml
        rows = design.rows
        allrows = len(rows) == len(design.y_all)
        self.n, self.p = len(rows), len(design.keep)
        self.levels = design.levels
        self.q = [lv.Z_all.shape[1] for lv in self.levels]
        self.E = [cv.basis(lv.covariance, q) for lv, q in zip(self.levels, self.q)]
        self.k = [len(E) for E in self.E]
        self.Eflat = [E.reshape(len(E), -1) for E in self.E]
        self.offsets = np.concatenate([[0], np.cumsum(self.k)]).astype(int)
        # the columns of [Z_L .. Z_1 X y] (views: no n x d copy for the full sample)
        mats = [lv.Z_all for lv in reversed(self.levels)] + [design.X_all, design.y_all[:, None]]
        picks = [range(lv.Z_all.shape[1]) for lv in reversed(self.levels)] + [design.keep, [0]]
        cols = []
        for b, js in zip(mats, picks if M0 is None else ()):
            if not allrows:
                b = b[rows]
            cols += [b[:, j] for j in js]
        # sampling weights of the groups (pseudo-likelihood): per level, per group, or None
        self.lw = None
        if design.level_weights is not None and any(w is not None for w in design.level_weights):
            self.lw = [np.ones(lv.n_groups) if w is None else np.asarray(w, dtype=float)
                       for lv, w in zip(self.levels, design.level_weights)]
            # a group's log-determinant counts with the product of its own and its ancestors'
            self.cw = [self.lw[0]]
            for l in range(1, len(self.levels)):
                self.cw.append(self.lw[l] * self.cw[l - 1][self.levels[l].parent])
        if design.weights is not None:
            # frequency weights: the cross-products of the expanded data, sum_i w_i a_i a_i';
            # level-one sampling weights enter the same way (pseudo-likelihood)
            sw = np.sqrt(design.weights[rows])
            cols = [c * sw for c in cols]
            if design.pweighted:
                wi = design.weights[rows]
                if len(self.levels) == 1:       # per-group sums, for pweights.py's scores
                    self.n_j = np.bincount(self.levels[0].group, weights=wi,
                                           minlength=self.levels[0].n_groups)
                if self.lw is not None:
                    wi = wi * self.cw[-1][self.levels[-1].group]
                self.row_w = wi                 # each row's weight in the pseudo-likelihood
                self.n = float(wi.sum())
            else:
                self.n = int(round(float(design.weights[rows].sum())))
        if self.levels:
            g = self.levels[-1].group
            G = self.levels[-1].n_groups
            M = _group_crossprod(cols, g, G) if M0 is None else M0
            self.M0 = M
            # rms of each Z column (start values) from the diagonal of sum_g M_g
            dsum = np.einsum("gii->i", M)
            self.zscale, off = [], 0
            for q in reversed(self.q):
                self.zscale.insert(0, np.sqrt(dsum[off:off + q] / self.n))
                off += q
            # reduceat starts of children blocks for every level below the top
            self.starts = [None] + [np.flatnonzero(np.r_[True, lv.parent[1:] != lv.parent[:-1]])
                                    for lv in self.levels[1:]]
        else:
            if M0 is None:
                A = np.column_stack(cols)
                M0 = (A.T @ A)[None]
            self.M0 = M0
            self.zscale = []
        self.nfev = 0
        if len(self.levels) == 1:   # precomputed layouts for the one-level fast path
            q, G = self.q[0], self.M0.shape[0]
            dW = self.M0.shape[1] - q
            self._Gm = np.ascontiguousarray(self.M0[:, :q, :q])
            self._Gf = self._Gm.reshape(G, q * q)
            self._WWsum = self.M0[:, q:, q:].sum(0)
            H = self.M0[:, :q, q:]
            if G * q * q * dW * dW <= self.OUTER_LIMIT:
                # H_g (x) H_g per group: S = WW - sum_g H_g' C_g H_g is then ONE product;
                # rows in (component, group) order for q <= 2, (group, component) above
                O = H[:, :, None, :, None] * H[:, None, :, None, :]
                O = O.reshape(G, q * q, dW * dW)
                self._O = np.ascontiguousarray(O.transpose(1, 0, 2) if q <= 2 else O).reshape(-1, dW * dW)
                self._Gc = np.ascontiguousarray(self._Gf.T)           # (q^2, G)
                if q == 2:
                    self._Gc0, self._Gc1 = self._Gc[_I0], self._Gc[_I1]
            else:           # wide W: the same algebra through K = A^-1 Lambda' H (O(G q dW))
                self._O = None
                self._Hr = np.ascontiguousarray(H.transpose(1, 0, 2)).reshape(q, -1)

    def exact_fit(self) -> bool:
        """X explains y exactly (OLS residual ~ rounding): every likelihood is +inf."""
        qz = sum(self.q)
        R = self.M0.sum(0)[qz:, qz:]
        p = self.p
        yy = R[p, p]
        if not p:
            return yy <= 0
        try:        # X has full rank after the collinearity drop: solve; else lstsq
            b = np.linalg.solve(R[:p, :p], R[:p, p]) if np.all(np.diag(R)[:p] > 0) else None
        except np.linalg.LinAlgError:
            b = None
        if b is None or not np.all(np.isfinite(b)):
            b = np.linalg.lstsq(R[:p, :p], R[:p, p], rcond=None)[0]
        r2 = yy - R[:p, p] @ b
        return bool(r2 <= 1e-11 * yy)

    # ---- parameters -------------------------------------------------------------------
    def lambdas(self, theta):
        """Relative factors per level; theta (k,) -> list of (q,q), theta (P,k) -> (P,q,q)."""
        th = np.asarray(theta, dtype=float)
        out = []
        for l, (Ef, q) in enumerate(zip(self.Eflat, self.q)):
            t = th[..., self.offsets[l]:self.offsets[l + 1]]
            out.append((t @ Ef).reshape(t.shape[:-1] + (q, q)))
        return out

    # ---- forward: eliminate levels innermost first -----------------------------------------
    # Every array carries a leading batch axis P of parameter vectors, so that the k+1
    # gradients a finite-difference Hessian needs cost one pass (numpy call overhead, not
    # arithmetic, dominates at these sizes).
    def _forward(self, theta, general: bool = False):
        if len(self.levels) == 1 and not general and self.lw is None:
            return self._forward1(theta)
        self.nfev += 1
        lams = self.lambdas(theta)          # each (P, q, q)
        P = theta.shape[0]
        M = self.M0                         # (G, d, d), later (P, G, d, d)
        ld = np.zeros(P)
        cache = [None] * len(self.levels)
        for l in range(len(self.levels) - 1, -1, -1):
            q = self.q[l]
            Lam = lams[l][:, None]          # (P, 1, q, q)
            LamT = np.swapaxes(Lam, -1, -2)
            Gm, H, WW = M[..., :q, :q], M[..., :q, q:], M[..., q:, q:]
            A = LamT @ Gm @ Lam + np.eye(q)
            if self.lw is None:
                Ainv, lda = _inv_logdet(A)
            else:   # sampling weights: sum_g c_g log|A_g|
                Ainv = np.linalg.inv(A)
                lda = np.linalg.slogdet(A)[1] @ self.cw[l]
            ld += lda
            B = LamT @ H
            K = Ainv @ B
            S = WW - np.swapaxes(B, -1, -2) @ K
            if self.lw is not None:     # the parent sums w_g S_g
                S = S * self.lw[l][:, None, None]
            cache[l] = (Lam, Gm, H, Ainv, K)
            M = np.add.reduceat(S, self.starts[l], axis=1) if l > 0 else S.sum(axis=1, keepdims=True)
        R = M[:, 0] if self.levels else np.broadcast_to(self.M0, (P,) + self.M0.shape[1:])
        return R, ld, cache, lams

    def _top(self, R, full: bool = True):
        """beta, r2, log|X'V*^-1X|, Q = [beta; -1][beta; -1]' and (X'V*^-1X)^-1 from R.
        full=False (ML deviance/gradient): only beta, r2 and Q (ldXX, XXinv are None)."""
        p = self.p
        P = R.shape[0]
        XX, Xy, yy = R[:, :p, :p], R[:, :p, p], R[:, p, p]
        if not p:
            beta, ldXX, XXinv = np.zeros((P, 0)), np.zeros(P), np.zeros((P, 0, 0))
        elif full:
            try:
                C = np.linalg.cholesky(XX)
            except np.linalg.LinAlgError:
                # X'V*^-1X not numerically positive definite (a degenerate theta, e.g. an
                # exact fit): finite beta, NaN log-determinant, instead of an exception
                XXinv = np.linalg.pinv(XX, hermitian=True)
                beta = (XXinv @ Xy[..., None])[..., 0]
                sign, ldXX = np.linalg.slogdet(XX)
                ldXX = np.where(sign > 0, ldXX, np.nan)
            else:
                Ci = np.linalg.inv(C)
                XXinv = np.swapaxes(Ci, 1, 2) @ Ci
                beta = (XXinv @ Xy[..., None])[..., 0]
                ldXX = 2.0 * np.log(np.diagonal(C, axis1=1, axis2=2)).sum(-1)
        elif p == 1:
            beta, ldXX, XXinv = Xy / XX[:, 0], None, None
        else:
            try:
                beta = np.linalg.solve(XX, Xy[..., None])[..., 0]
            except np.linalg.LinAlgError:   # exactly singular at a degenerate theta
                beta = (np.linalg.pinv(XX, hermitian=True) @ Xy[..., None])[..., 0]
            ldXX, XXinv = None, None
        r2 = yy - (Xy * beta).sum(-1)
        v = np.empty((P, p + 1))
        v[:, :p] = beta
        v[:, p] = -1.0
        Q = v[:, :, None] * v[:, None, :]
        return beta, r2, ldXX, Q, XXinv

    # ---- one level: the same algebra with the group sums done as BLAS products -------------
    # With C_g = Lambda A_g^-1 Lambda' (q x q), S = WW - sum_g H_g' C_g H_g: ONE product of
    # the C_g with the precomputed H_g (x) H_g. Adjoint: with D_g = H_g S_bar H_g' and
    # F_g = Lambda A_g^-1, d(log|A| + <S_bar, S>)/dLambda = 2 sum_g (G_g - D_g + G_g C_g D_g) F_g.
    # For q <= 2 the per-group q x q matrices are held as q^2 components of (P, G) planes,
    # (P, q^2, G): products of a fixed q^2 x q^2 matrix with them are batched BLAS calls,
    # per-group products are a few elementwise operations, the inverse is in closed form and
    # the final sum over groups is the Gram matrix of the component planes.
    def _forward1(self, theta):
        if self._O is None:
            return self._forward1_wide(theta)
        self.nfev += 1
        P, q = theta.shape[0], self.q[0]
        Lam = (theta @ self.Eflat[0]).reshape(P, q, q)
        dW = self._WWsum.shape[0]
        if q == 1:
            l2 = Lam[:, 0] ** 2                                 # (P, 1)
            A = l2 * self._Gc[0] + 1.0                          # (P, G)
            Ainv = 1.0 / A
            ld = np.log(A).sum(-1)
            C = l2 * Ainv
        elif q == 2:
            kr = (Lam[:, :, None, :, None] * Lam[:, None, :, None, :]).reshape(P, 4, 4)
            A = np.swapaxes(kr, 1, 2) @ self._Gc                 # (P, 4, G): Lambda' G_g Lambda
            a, b, d = A[:, 0] + 1.0, A[:, 1], A[:, 3] + 1.0
            det = a * d - b * b
            ld = np.log(det).sum(-1)
            Ainv = np.empty_like(A)
            np.divide(d, det, out=Ainv[:, 0])
            np.divide(a, det, out=Ainv[:, 3])
            np.divide(b, det, out=Ainv[:, 1])
            np.negative(Ainv[:, 1], out=Ainv[:, 1])
            Ainv[:, 2] = Ainv[:, 1]
            C = kr @ Ainv                                        # Lambda A^-1 Lambda'
        else:
            G = self._Gf.shape[0]
            kr = (Lam[:, :, None, :, None] * Lam[:, None, :, None, :]).reshape(P, q * q, q * q)
            A = (self._Gf @ kr).reshape(P, G, q, q) + np.eye(q)   # Lambda' G_g Lambda + I
            Ainv, ld = _inv_logdet(A)
            C = Ainv.reshape(P, G, q * q) @ np.swapaxes(kr, 1, 2)  # Lambda A^-1 Lambda'
        R = self._WWsum - (C.reshape(P, -1) @ self._O).reshape(P, dW, dW)
        return R, ld, ("outer", Lam, Ainv, C), [Lam]

    def _backward1_outer(self, cache, Rbar):
        _, Lam, Ainv, C = cache
        P, q = Lam.shape[0], self.q[0]
        D = Rbar.reshape(P, -1) @ self._O.T                 # H_g S_bar H_g'
        if q == 1:
            g = self._Gc[0]
            N = g - D + g * C * D
            Lbar = 2.0 * (N * Ainv).sum(-1) * Lam[:, 0, 0]
            return Lbar[:, None] @ self.Eflat[0].T
        if q == 2:
            D = D.reshape(P, 4, -1)
            i0, j0, i1, j1 = _I0, _J0, _I1, _J1
            GC = self._Gc0 * C[:, j0] + self._Gc1 * C[:, j1]    # G_g C_g
            N = (GC[:, i0] * D[:, j0] + GC[:, i1] * D[:, j1]) - D + self._Gc
            LI = (Lam[:, :, None, :, None] * _EYE2[None, None, :, None, :]).reshape(P, 4, 4)
            F = LI @ Ainv                                       # Lambda A_g^-1
            M = (N @ np.swapaxes(F, 1, 2)).reshape(P, 2, 2, 2, 2)   # sum_g N_ia F_bj
            Lbar = 2.0 * (M[:, :, 0, 0, :] + M[:, :, 1, 1, :])
            return Lbar.reshape(P, -1) @ self.Eflat[0].T
        G = self._Gf.shape[0]
        D = D.reshape(P, G, q, q)
        N = self._Gm - D + self._Gm @ (C.reshape(P, G, q, q) @ D)
        Lbar = 2.0 * (N @ (Lam[:, None] @ Ainv)).sum(1)
        return Lbar.reshape(P, -1) @ self.Eflat[0].T

    def _forward1_wide(self, theta):
        self.nfev += 1
        lams = self.lambdas(theta)
        Lam = lams[0]                                       # (P, q, q)
        P, q = Lam.shape[0], self.q[0]
        G = self.M0.shape[0]
        dW = self._WWsum.shape[0]
        kr = (Lam[:, :, None, :, None] * Lam[:, None, :, None, :]).reshape(P, q * q, q * q)
        A = (self._Gf @ kr).reshape(P, G, q, q) + np.eye(q)   # Lambda' G_g Lambda + I
        Ainv, ld = _inv_logdet(A)
        # B and K kept in a (P, q, G, dW) layout: contiguous for the elementwise small
        # products and directly reshapeable for the BLAS group sums
        B = (np.swapaxes(Lam, 1, 2) @ self._Hr).reshape(P, q, G, dW)
        K = _small_mm_t(Ainv, B)
        R = self._WWsum - np.swapaxes(B.reshape(P, q * G, dW), 1, 2) @ K.reshape(P, q * G, dW)
        cache = [(Lam[:, None], None, None, Ainv, K.transpose(0, 2, 1, 3))]
        return R, ld, cache, lams

    def _backward1(self, cache, Rbar):
        if cache[0] == "outer":
            return self._backward1_outer(cache, Rbar)
        Lam, _, _, Ainv, Kg = cache[0]
        Lam = Lam[:, 0]
        K = Kg.transpose(0, 2, 1, 3)                        # back to (P, q, G, dW), a view
        P, q, G, dW = K.shape
        KS = (K.reshape(P, q * G, dW) @ Rbar).reshape(P, q, G, dW)
        Abar = np.empty((P, G, q, q))
        for i in range(q):
            for j in range(i, q):
                Abar[:, :, i, j] = Abar[:, :, j, i] = (KS[:, i] * K[:, j]).sum(-1)  # symmetric
        Abar += Ainv
        C = (self._Gf.T @ Abar.reshape(P, G, q * q)).reshape(P, q, q, q, q)  # sum_g G_g (x) Abar_g
        L1 = np.einsum("pijkl,pjk->pil", C, Lam)
        L2 = self._Hr @ np.swapaxes(-2.0 * KS.reshape(P, q, G * dW), 1, 2)
        Lbar = 2.0 * L1 + L2
        return Lbar.reshape(P, -1) @ self.Eflat[0].T

    def _backward(self, cache, Rbar):
        """theta gradients (P, k) given the adjoints of R (ld_bar = 1 at every level)."""
        if len(self.levels) == 1 and (cache[0] == "outer" or cache[0][1] is None):
            return self._backward1(cache, Rbar)
        P = Rbar.shape[0]
        grad = np.zeros((P, self.offsets[-1]))
        Sbar = Rbar[:, None]
        if self.lw is not None:
            Sbar = Sbar * self.lw[0][:, None, None]
        for l in range(len(self.levels)):
            Lam, Gm, H, Ainv, K = cache[l]
            KS = K @ Sbar
            Abar = KS @ np.swapaxes(K, -1, -2) + \
                (Ainv if self.lw is None else Ainv * self.cw[l][:, None, None])
            Bbar = -2.0 * KS
            Lbar = 2.0 * (Gm @ Lam @ Abar).sum(1) + (H @ np.swapaxes(Bbar, -1, -2)).sum(1)
            grad[:, self.offsets[l]:self.offsets[l + 1]] = Lbar.reshape(P, -1) @ self.Eflat[l].T
            if l + 1 < len(self.levels):
                Mbar = adjoint_M(Lam, Abar, Bbar, Sbar, self.q[l])
                Sbar = Mbar[:, self.levels[l + 1].parent]
                if self.lw is not None:
                    Sbar = Sbar * self.lw[l + 1][:, None, None]
        return grad

    # ---- criteria ------------------------------------------------------------------------
    def deviance(self, theta, grad: bool = False):
        """-2 log (restricted) likelihood with beta and s2 profiled out; optional gradient.
        theta (k,) -> float [, (k,)]; theta (P, k) -> (P,) [, (P, k)]."""
        th = np.asarray(theta, dtype=float)
        single = th.ndim == 1
        th = th.reshape(1, -1) if single else th
        R, ld, cache, _ = self._forward(th)
        beta, r2, ldXX, Q, XXinv = self._top(R, self.reml)
        n, p = self.n, self.p
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.reml:
                nu = n - p
                dev = ld + ldXX + nu * (1.0 + LOG2PI + np.log(r2 / nu))
            else:
                nu = n
                dev = ld + n * (1.0 + LOG2PI + np.log(r2 / n))
        if not grad:
            return float(dev[0]) if single else dev
        Rbar = (nu / r2)[:, None, None] * Q
        if self.reml and p:
            Rbar[:, :p, :p] += XXinv
        g = self._backward(cache, Rbar)
        return (float(dev[0]), g[0]) if single else (dev, g)

    def m2ll(self, psi, grad: bool = False):
        """-2 ll in psi = (theta, log sigma_e): beta profiled, s2 NOT profiled (for the
        observed information of the variance parameters). psi (k+1,) or (P, k+1)."""
        ps = np.asarray(psi, dtype=float)
        single = ps.ndim == 1
        ps = ps.reshape(1, -1) if single else ps
        theta, s = ps[:, :-1], ps[:, -1]
        s2 = np.exp(2 * s)
        R, ld, cache, _ = self._forward(theta)
        beta, r2, ldXX, Q, XXinv = self._top(R, self.reml)
        nu = self.n - self.p if self.reml else self.n
        val = ld + (ldXX if self.reml else 0.0) + nu * (LOG2PI + 2 * s) + r2 / s2
        if not grad:
            return float(val[0]) if single else val
        Rbar = Q / s2[:, None, None]
        if self.reml and self.p:
            Rbar[:, :self.p, :self.p] += XXinv
        g = np.column_stack([self._backward(cache, Rbar), 2 * nu - 2 * r2 / s2])
        return (float(val[0]), g[0]) if single else (val, g)

    def fixed(self, theta):
        """beta, s2 and (X'V*^-1X)^-1 (relative) at one theta (fast path; no level caches)."""
        th = np.asarray(theta, dtype=float).reshape(1, -1)
        R = self._forward(th)[0]
        beta, r2, ldXX, Q, XXinv = self._top(R, True)
        s2 = float(r2[0]) / (self.n - self.p if self.reml else self.n)
        return beta[0], s2, XXinv[0]

    def solution(self, theta):
        """beta, s2, (X'V*^-1X)^-1 (relative), the level caches (K = A^-1 B per group, as
        blup.py needs them) and factors at one theta."""
        th = np.asarray(theta, dtype=float).reshape(1, -1)
        R, ld, cache, lams = self._forward(th, general=True)
        beta, r2, ldXX, Q, XXinv = self._top(R)
        s2 = float(r2[0]) / (self.n - self.p if self.reml else self.n)
        return beta[0], s2, XXinv[0], cache, [L[0] for L in lams]
