"""EM iterations of one-level models with q <= 2 at numpy's call floor.

em.py's step needs, at each theta, P_g = Lambda A_g^-1 Lambda' (A_g = Lambda'Z_g'Z_g Lambda + I),
beta, s2 and the criterion. Here one iteration is ~20 whole-array operations over the groups
(about a microsecond each at the handout's 160 groups) plus scalar Python for everything of
size q or p:
  - the 2 x 2 symmetric per-group matrices are held as three component rows (00, 01, 11), so
    A_g (with its + I) and P_g are each ONE product of a small coefficient matrix (built from
    Lambda) with the component rows, and their inverse/determinant are elementwise closed
    forms;
  - R = [[X'V*^-1X, X'V*^-1y], [., y'V*^-1y]] = sum_g W_g'W_g - sum_g H_g'P_g H_g is one
    product with the precomputed H_g (x) H_g (lmm.py's one-level layout, _O);
  - beta, r2 and log|X'V*^-1X| come from a scalar Cholesky of the small R;
  - the E-step's residuals Z_g'(y_g - X_g beta) / s are one product with [1, -beta] / s,
    and the M-step's theta is taken in scalars (em.py's _project/_theta as the fallback).
The arithmetic is lmm.py's _forward1/_top in another order: iterates agree to rounding
(tests/models/test_em_onelevel.py).
"""
from __future__ import annotations

import math

import numpy as np

from .lmm import LOG2PI

# larger X: numpy's solve beats scalar Python
_SCALAR_P = 5


def supported(model) -> bool:
    return len(model.levels) == 1 and model.q[0] <= 2 and getattr(model, "_O", None) is not None


def _top(R, p, reml):
    """beta (list), r2, log|XX| and (REML) XX^-1 from R by a scalar Cholesky (plain loops:
    cheaper than numpy's solve up to p ~ 5); None when XX is not numerically positive
    definite (the caller then stops the EM phase)."""
    if p > _SCALAR_P:
        XX = R[:p, :p]
        try:
            C = np.linalg.cholesky(XX)
        except np.linalg.LinAlgError:
            return None
        beta = np.linalg.solve(XX, R[:p, p])
        r2 = float(R[p, p] - R[:p, p] @ beta)
        ld = 2.0 * float(np.log(np.diag(C)).sum())
        return beta.tolist(), r2, ld, (np.linalg.inv(XX) if reml else None)
    Rl = R.tolist()
    L = [None] * p          # rows of the Cholesky factor
    z = [0.0] * p           # L^-1 X'y
    ld = 0.0
    for j in range(p):
        Rj = Rl[j]
        Lj = Rj[:j]
        for k in range(j):
            Lk = L[k]
            s = Rj[k]
            for m in range(k):
                s -= Lj[m] * Lk[m]
            Lj[k] = s / Lk[k]
        s = Rj[j]
        for v in Lj:
            s -= v * v
        if not s > 0:
            return None
        d = math.sqrt(s)
        Lj.append(d)
        L[j] = Lj
        ld += math.log(d)
        s = Rj[p]
        for k in range(j):
            s -= Lj[k] * z[k]
        z[j] = s / d
    beta = [0.0] * p
    for i in range(p - 1, -1, -1):
        s = z[i]
        for k in range(i + 1, p):
            s -= L[k][i] * beta[k]
        beta[i] = s / L[i][i]
    r2 = Rl[p][p]
    for i in range(p):
        r2 -= Rl[i][p] * beta[i]
    XXinv = np.linalg.inv(R[:p, :p]) if reml and p else None
    return beta, r2, 2.0 * ld, XXinv


def _coef(L):
    """Rows (00, 01, 11) of L S L' for symmetric S given as components (S00, S01, S11)."""
    (a, b), (c, d) = L
    return [[a * a, 2 * a * b, b * b],
            [a * c, a * d + b * c, b * d],
            [c * c, 2 * c * d, d * d]]


class Kernel:
    """Per-model constants of the one-level EM (built once per em() call)."""

    def __init__(self, model):
        self.model = model
        self.q, self.p, self.reml = model.q[0], model.p, model.reml
        self.cov = model.levels[0].covariance
        self.nu = model.n - model.p if model.reml else model.n
        # Lambda (row-major) = sum_k theta_k E_k: its nonzero (k, entry, coefficient)
        self.nz = [(k, i, e) for k, row in enumerate(model.Eflat[0].tolist())
                   for i, e in enumerate(row) if e != 0.0]
        M = model.M0
        q, p, G = self.q, self.p, M.shape[0]
        self.G = G
        self.dW = model._WWsum.shape[0]
        self.WW = model._WWsum
        # [Z_g'y_g, Z_g'X_g] in (component, group) rows: r = Z_g'(y_g - X_g beta) is ONE
        # product with [1, -beta]
        self.Zw = np.ascontiguousarray(np.concatenate([M[:, :q, -1:], M[:, :q, q:q + p]], 2)
                                       .transpose(1, 0, 2)).reshape(q * G, p + 1)
        if self.reml and p:
            self.ZX = np.ascontiguousarray(M[:, :q, q:q + p].transpose(1, 0, 2))  # (q, G, p)
        if q == 1:
            self.G0 = model._Gc[0]
            self.O = model._O                                   # (G, dW^2)
        else:
            Gc, O = model._Gc, model._O.reshape(4, G, -1)
            # Z'Z components 00, 01, 11 and a row of ones: A = L'GL + I is one product
            self.G4 = np.concatenate([Gc[[0, 1, 3]], np.ones((1, G))])
            self.O3 = np.concatenate([O[0], O[1] + O[2], O[3]])  # (3G, dW^2), 01 for both

    def lam(self, th):
        t = th.tolist()
        out = [0.0] * (self.q * self.q)
        for k, i, e in self.nz:
            out[i] += t[k] * e
        return out

    def evaluate(self, th):
        """(-dev/2, beta, s2, XX^-1 or None, P) at th; ll NaN when degenerate."""
        self.model.nfev += 1
        lv = self.lam(th)
        if self.q == 1:
            l2 = lv[0] * lv[0]
            A = l2 * self.G0
            A += 1.0
            ld = float(np.log(A).sum())
            P = l2 * (1.0 / A)        # lmm.py's C: the same rounding
            S = P @ self.O
        else:
            l00, l01, l10, l11 = lv
            KA = _coef([[l00, l10], [l01, l11]])            # rows of L' S L
            KA[0].append(1.0)
            KA[1].append(0.0)
            KA[2].append(1.0)
            A3 = np.array(KA) @ self.G4                      # (3, G): a, b, d of A_g
            det = A3[0] * A3[2]
            det -= A3[1] * A3[1]
            ld = float(np.log(det).sum())
            K = _coef([[l00, l01], [l10, l11]])
            for row in K:       # A^-1 = [[d, -b], [-b, a]] / det, components read reversed
                row[1] = -row[1]
            P = np.array(K) @ (A3[::-1] / det)               # (3, G): L A^-1 L'
            S = P.reshape(-1) @ self.O3
        R = self.WW - S.reshape(self.dW, self.dW)
        top = _top(R, self.p, self.reml)
        if top is None or not top[1] > 0 or not math.isfinite(ld):
            return math.nan, None, math.nan, None, None
        beta, r2, ldXX, XXinv = top
        nu = self.nu
        dev = ld + nu * (1.0 + LOG2PI + math.log(r2 / nu))
        if self.reml:
            dev += ldXX
        return -dev / 2, beta, r2 / nu, XXinv, P

    def next_theta(self, beta, s2, XXinv, P):
        """E-step (sum_g E[u_g u_g' | y] / s2, relative), M-step (em.py's projection on the
        structure), theta of the result: scalars where the structure allows."""
        q, G = self.q, self.G
        c = 1.0 / math.sqrt(s2)         # b b' / s2 = (b c)(b c)'
        r = self.Zw @ np.array([c] + [-c * v for v in beta])
        if q == 1:
            b = P * r
            t = (float(b @ b) + float(P.sum())) / G
            if self.reml and self.p:
                PZX = P[:, None] * self.ZX[0]
                t += float(((PZX @ XXinv) * PZX).sum()) / G
            if t > 0 and self.cov != "exchangeable":
                return np.array([math.sqrt(t)])
            return self._fallback(np.array([[t]]))
        r = r.reshape(2, G)
        Bm = P[:2] * r[0]
        Bm += P[1:] * r[1]                     # rows b0 = P00 r0 + P01 r1, b1 = P01 r0 + P11 r1
        (t00, t01), (_, t11) = (Bm @ Bm.T).tolist()
        s00, s01, s11 = P.sum(1).tolist()
        t00, t01, t11 = (t00 + s00) / G, (t01 + s01) / G, (t11 + s11) / G
        if self.reml and self.p:
            ZX0, ZX1 = self.ZX
            PZX = P[:2, :, None] * ZX0 + P[1:, :, None] * ZX1          # (2, G, p)
            (u00, u01), (_, u11) = np.einsum("igp,jgp->ij", PZX @ XXinv, PZX).tolist()
            t00, t01, t11 = t00 + u00 / G, t01 + u01 / G, t11 + u11 / G
        cov = self.cov
        if cov == "unstructured" and t00 > 0:
            l0 = math.sqrt(t00)
            l1 = t01 / l0
            e = t11 - l1 * l1
            if e > 0:       # Cholesky exists; its diagonal must not be nearly singular
                l2 = math.sqrt(e)
                if min(l0, l2) > 1e-4 * math.sqrt(max(t00, t11)):
                    return np.array([l0, l1, l2])
        elif cov == "independent" and t00 > 0 and t11 > 0:
            return np.array([math.sqrt(t00), math.sqrt(t11)])
        elif cov == "identity" and t00 + t11 > 0:
            return np.array([math.sqrt((t00 + t11) / 2)])
        return self._fallback(np.array([[t00, t01], [t01, t11]]))

    def _fallback(self, T):
        from .em import _project, _theta
        return _theta(self.cov, self.q, _project(self.cov, T))
