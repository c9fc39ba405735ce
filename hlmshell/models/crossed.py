"""Crossed random intercepts: Stata's `|| _all: R.a || _all: R.b` (and `|| _all: R.a || b:`).

Each crossed level l adds the indicators of a factor's n_l levels with one common variance
s2 theta_l^2 (identity covariance), so Z is not block diagonal by groups and the nested
elimination of lmm.py does not apply. Instead (the same profiled deviance as lmm.py):

- the factor with the most levels is eliminated first: its block of Z'Z is DIAGONAL (the
  counts), so A_1 = theta_1^2 c + 1 is a vector and S_1 = W'W - theta_1^2 W'Z_1 A_1^-1 Z_1'W
  costs O(n_1 dW^2), W = [Z_rest, X, y];
- the other factors' indicator columns (Q_r of them) are eliminated densely: one Cholesky of
  the Q_r x Q_r matrix A_2 = Lambda S_1,rr Lambda + I.
Cross-products come from scipy.sparse once; an evaluation never touches the rows.
Gradient: the adjoints of lmm.py's docstring for the two eliminations (one level of n_1
groups with q = 1, one group with Lambda = diag(theta per indicator)).

Every level is presented to inference as ONE effect (`R.a`, identity): lambdas(theta) gives
the 1 x 1 relative sd theta_l, so var(R.a) = s2 theta_l^2, and e(b) is lns#_1_1 as Stata.
"""
from __future__ import annotations

import numpy as np

from . import covariance as cv
from .design import Design
from .lmm import LMM
from .results import ModelError


def crossed_model(design: Design) -> bool:
    return any(getattr(lv, "factor", None) for lv in design.levels)



def cross_products(Z1w, Zr, Zrw, XY, wt):
    """(W'W, Z_1'W) for W = [Z_rest, X, y] with weights wt: Z1w is the big level's design
    times the weights, Zr/Zrw the other levels' without/with them (None: no other level)."""
    XWX = XY.T @ (XY * wt[:, None])
    if Zr is None:
        return XWX, np.asarray(Z1w.T @ XY)
    Qr = Zr.shape[1]
    dW = Qr + XY.shape[1]
    MWW = np.empty((dW, dW))
    MWW[:Qr, :Qr] = (Zrw.T @ Zr).toarray()
    ZtXY = np.asarray(Zrw.T @ XY)
    MWW[:Qr, Qr:] = ZtXY
    MWW[Qr:, :Qr] = ZtXY.T
    MWW[Qr:, Qr:] = XWX
    return MWW, np.hstack([(Z1w.T @ Zr).toarray(), np.asarray(Z1w.T @ XY)])

class CrossedLMM(LMM):
    crossed = True
    DENSE_LIMIT = 1 << 25       # float64 elements (256 MB) in one dense block
    lw = None       # sampling weights are refused with crossed effects (design.py)

    def __init__(self, design: Design, reml: bool = False):
        from scipy import sparse
        self.reml = reml
        self.levels = design.levels
        self._check(design.levels)
        rows = design.rows
        self.n, self.p = len(rows), len(design.keep)
        L = len(self.levels)
        self.q = [1] * L
        self.E = [cv.basis("identity", 1) for _ in range(L)]
        self.k = [1] * L
        self.Eflat = [E.reshape(1, -1) for E in self.E]
        self.offsets = np.arange(L + 1)
        self.zscale = [np.ones(1) for _ in range(L)]
        self.nfev = 0
        codes = [lv.fcodes if lv.factor else lv.group for lv in self.levels]
        nlev = [int(c.max()) + 1 for c in codes]
        self.big = int(np.argmax(nlev))       # eliminated first (diagonal block)
        self.rest = [l for l in range(L) if l != self.big]
        self.nrest = [nlev[l] for l in self.rest]
        Qr = sum(self.nrest)
        self.Qr = Qr
        dW = Qr + len(design.keep) + 1
        if Qr * Qr > self.DENSE_LIMIT or nlev[self.big] * dW > self.DENSE_LIMIT:
            # the smaller factors' indicators are held densely (Qr x Qr and n_1 x Qr)
            raise ModelError(909, "op. sys. refuses to provide memory")
        XY = np.column_stack([design.X_all[rows][:, design.keep], design.y_all[rows]])
        w = design.weights[rows] if design.weights is not None else None
        if w is not None:
            self.n = int(round(float(w.sum())))
        n = len(rows)
        wt = np.ones(n) if w is None else w

        def indic(c, m):
            return sparse.csr_matrix((wt, (np.arange(n), c)), shape=(n, m))

        Z1 = indic(codes[self.big], nlev[self.big])      # weighted: Z1' W = sum w z w
        c1 = np.bincount(codes[self.big], weights=wt, minlength=nlev[self.big])
        off = np.r_[0, np.cumsum(self.nrest)].astype(int)
        Zr = Zrw = None
        if Qr:
            zr_cols = np.concatenate([codes[l] + off[i] for i, l in enumerate(self.rest)])
            zr_rows = np.tile(np.arange(n), len(self.rest))
            Zr = sparse.csr_matrix((np.ones(len(zr_rows)), (zr_rows, zr_cols)), shape=(n, Qr))
            Zrw = sparse.csr_matrix((np.tile(wt, len(self.rest)), (zr_rows, zr_cols)), shape=(n, Qr))
        self.MWW, self.M1W = cross_products(Z1, Zr, Zrw, XY, wt)
        self.c1 = c1
        # which theta each dense indicator column scales
        self.col_level = np.repeat(np.arange(len(self.rest)), self.nrest).astype(int)

    @staticmethod
    def _check(levels):
        seen_plain = False
        for lv in levels:
            if not lv.factor:
                if seen_plain or lv.effects != ["_cons"]:
                    raise ModelError(198, "crossed effects (R.) combined with nested levels or "
                                          "random slopes are not supported")
                seen_plain = True
            elif seen_plain:
                raise ModelError(198, "crossed effects (R.) combined with nested levels or "
                                      "random slopes are not supported")

    def exact_fit(self) -> bool:
        R = self.MWW[self.Qr:, self.Qr:]
        p = self.p
        yy = R[p, p]
        if not p:
            return yy <= 0
        b = np.linalg.lstsq(R[:p, :p], R[:p, p], rcond=None)[0]
        return bool(yy - R[:p, p] @ b <= 1e-11 * yy)

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
        for i in range(P):
            th = theta[i]
            l1 = th[self.big]
            A1 = l1 * l1 * self.c1 + 1.0
            ldi = np.log(A1).sum()
            B1 = l1 * self.M1W
            K1 = B1 / A1[:, None]
            S1 = self.MWW - B1.T @ K1
            if Qr:
                lam = th[self.rest][self.col_level]
                Gm, H, WW = S1[:Qr, :Qr], S1[:Qr, Qr:], S1[Qr:, Qr:]
                A2 = lam[:, None] * Gm * lam[None, :]
                A2[np.diag_indices(Qr)] += 1.0
                try:
                    C = np.linalg.cholesky(A2)
                except np.linalg.LinAlgError:
                    Rs[i], ld[i] = np.nan, np.nan
                    caches.append(None)
                    continue
                ldi += 2.0 * np.log(np.diag(C)).sum()
                Ci = np.linalg.inv(C)
                A2inv = Ci.T @ Ci
                B2 = lam[:, None] * H
                K2 = A2inv @ B2
                Rs[i] = WW - B2.T @ K2
                caches.append((l1, A1, K1, lam, Gm, H, A2inv, K2))
            else:
                Rs[i] = S1
                caches.append((l1, A1, K1, None, None, None, None, None))
            ld[i] = ldi
        return Rs, ld, caches, self.lambdas(theta)

    def _backward(self, cache, Rbar):
        P = Rbar.shape[0]
        L = len(self.levels)
        grad = np.full((P, L), np.nan)
        Qr = self.Qr
        for i in range(P):
            if cache[i] is None:
                continue
            l1, A1, K1, lam, Gm, H, A2inv, K2 = cache[i]
            if Qr:
                KS = K2 @ Rbar[i]
                Abar = KS @ K2.T + A2inv
                Bbar = -2.0 * KS
                # diag of Lambda_bar = 2 G Lambda A_bar + H B_bar' (Lambda diagonal)
                dl = 2.0 * np.einsum("ij,j,ji->i", Gm, lam, Abar) + np.einsum("ik,ik->i", H, Bbar)
                grad[i, self.rest] = np.bincount(self.col_level, weights=dl, minlength=len(self.rest))
                dW = self.MWW.shape[0]
                Sbar = np.empty((dW, dW))
                Sbar[:Qr, :Qr] = lam[:, None] * Abar * lam[None, :]
                Hb = 0.5 * lam[:, None] * Bbar
                Sbar[:Qr, Qr:] = Hb
                Sbar[Qr:, :Qr] = Hb.T
                Sbar[Qr:, Qr:] = Rbar[i]
            else:
                Sbar = Rbar[i]
            KS1 = K1 @ Sbar
            Abar1 = (KS1 * K1).sum(1) + 1.0 / A1
            grad[i, self.big] = float((2.0 * self.c1 * l1 * Abar1).sum()
                                      - 2.0 * (self.M1W * KS1).sum())
        return grad

    def solution(self, theta):
        raise ModelError(198, "not available after a model with crossed effects (R.)")

    def _blocks(self, th):
        """The spherical system's blocks at th: a11 (n1,), A12 (n1 x Qr), the Schur
        complement's inverse Sinv (Qr x Qr), lam (Qr,) and l1."""
        Qr = self.Qr
        l1 = th[self.big]
        a11 = l1 * l1 * self.c1 + 1.0
        if not Qr:
            return l1, a11, None, None, None
        lam = th[self.rest][self.col_level]
        A12 = l1 * self.M1W[:, :Qr] * lam[None, :]
        S = lam[:, None] * self.MWW[:Qr, :Qr] * lam[None, :] - A12.T @ (A12 / a11[:, None])
        S[np.diag_indices(Qr)] += 1.0
        return l1, a11, A12, np.linalg.inv(S), lam

    def _solve(self, blocks, r1, r2):
        """A^-1 [r1; r2] for right-hand sides r1 (n1 x m), r2 (Qr x m)."""
        l1, a11, A12, Sinv, lam = blocks
        if A12 is None:
            return r1 / a11[:, None], r2
        x2 = Sinv @ (r2 - A12.T @ (r1 / a11[:, None]))
        return (r1 - A12 @ x2) / a11[:, None], x2

    def blup_variances(self, theta, s2, XXinv, comparative: bool) -> list[np.ndarray]:
        """Per level, per factor level: Var(u | y) with beta known (posterior, s2 Lambda
        A^-1 Lambda) or Var(u_hat - u) (comparative: plus Lambda A^-1 F (X'V*^-1X)^-1 F'
        A^-1 Lambda with F = Lambda Z'X, Henderson's mixed-model equations)."""
        th = np.asarray(theta, dtype=float)
        blocks = self._blocks(th)
        l1, a11, A12, Sinv, lam = blocks
        Qr = self.Qr
        d1 = 1.0 / a11
        d2 = np.zeros(0)
        if A12 is not None:
            T = A12 / a11[:, None]
            d1 = d1 + np.einsum("ij,jk,ik->i", T, Sinv, T)
            d2 = np.diag(Sinv).copy()
        if comparative and self.p:
            p = self.p
            F1 = l1 * self.M1W[:, Qr:Qr + p]
            F2 = lam[:, None] * self.MWW[:Qr, Qr:Qr + p] if Qr else np.zeros((0, p))
            G1, G2 = self._solve(blocks, F1, F2)
            d1 = d1 + np.einsum("ij,jk,ik->i", G1, XXinv, G1)
            if Qr:
                d2 = d2 + np.einsum("ij,jk,ik->i", G2, XXinv, G2)
        out = [None] * len(self.levels)
        out[self.big] = s2 * l1 * l1 * d1
        if Qr:
            v2 = s2 * lam * lam * d2
            off = np.r_[0, np.cumsum(self.nrest)].astype(int)
            for i, l in enumerate(self.rest):
                out[l] = v2[off[i]:off[i + 1]]
        return out

    def blups(self, theta, beta) -> list[np.ndarray]:
        """Posterior means of every level's effects (one value per factor level), from the
        spherical system (Lambda Z'Z Lambda + I) b = Lambda Z'(y - X beta), u = Lambda b,
        solved by the same two blocks as the deviance."""
        th = np.asarray(theta, dtype=float)
        v = np.r_[beta, -1.0]
        Qr = self.Qr
        l1 = th[self.big]
        a11 = l1 * l1 * self.c1 + 1.0
        rhs1 = -l1 * (self.M1W[:, Qr:] @ v)
        out = [None] * len(self.levels)
        if Qr:
            lam = th[self.rest][self.col_level]
            rhs2 = -lam * (self.MWW[:Qr, Qr:] @ v)
            A12 = l1 * self.M1W[:, :Qr] * lam[None, :]
            S = lam[:, None] * self.MWW[:Qr, :Qr] * lam[None, :] - A12.T @ (A12 / a11[:, None])
            S[np.diag_indices(Qr)] += 1.0
            b2 = np.linalg.solve(S, rhs2 - A12.T @ (rhs1 / a11))
            b1 = (rhs1 - A12 @ b2) / a11
            u2 = lam * b2
            off = np.r_[0, np.cumsum(self.nrest)].astype(int)
            for i, l in enumerate(self.rest):
                out[l] = u2[off[i]:off[i + 1]]
        else:
            b1 = rhs1 / a11
        out[self.big] = l1 * b1
        return out


def reffects(fit, level_index: int) -> np.ndarray:
    """BLUPs of one crossed-model level on every input row ((n_rows, 1); NaN where the
    row's level was not estimated)."""
    st = fit._state
    if "crossed_blups" not in st:
        st["crossed_blups"] = st["model"].blups(st["theta"], st["beta_k"])
    return _rows(st, level_index, st["crossed_blups"][level_index])


def reses(fit, level_index: int, kind: str = "stata") -> np.ndarray:
    """Standard errors of the BLUPs on every input row: `posterior` (beta known; Stata's
    after ML) or `comparative` (Stata's after REML); `stata` picks as Stata does."""
    if kind == "stata":
        kind = "comparative" if fit.method == "REML" else "posterior"
    if kind not in ("posterior", "comparative"):
        raise ValueError(f"kind {kind} is not available after crossed effects")
    st = fit._state
    key = ("crossed_reses", kind)
    if key not in st:
        st[key] = st["model"].blup_variances(st["theta"], fit.sigma2, st["XXinv"],
                                             kind == "comparative")
    return _rows(st, level_index, np.sqrt(np.maximum(st[key][level_index], 0.0)))


def _rows(st, level_index, per_level):
    lv = st["design"].levels[level_index]
    codes = lv.fcodes_all if lv.factor else lv.group_all
    per_level = np.asarray(per_level)
    per_level = per_level.reshape(len(per_level), -1)   # crossed_general: (groups, q)
    out = np.full((len(codes), per_level.shape[1]), np.nan)
    ok = codes >= 0
    out[ok] = per_level[codes[ok]]
    return out


def stata_level_numbers(groupvars) -> list[tuple[int, int]]:
    """(level, equation) per RE equation, numbered from 1 as Stata does: consecutive
    `_all` equations (`|| _all: R.a || _all: R.b`) are equations of ONE level, so their
    e(b) names are lns1_1_1, lns1_2_1 and the group table shows `_all` once."""
    out, prev = [], None
    for g in groupvars:
        if g == "_all" and prev == "_all":
            L, eq = out[-1]
            out.append((L, eq + 1))
        else:
            out.append((out[-1][0] + 1 if out else 1, 1))
        prev = g
    return out


def distinct_levels(levels) -> list:
    """The levels once each (the first equation of a repeated `_all` level)."""
    nums = stata_level_numbers([lv.groupvar for lv in levels])
    return [lv for lv, (_, eq) in zip(levels, nums) if eq == 1]
