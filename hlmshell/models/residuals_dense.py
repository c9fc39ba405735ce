"""Residual structures whose correlations depend on the pair of time values (exponential,
toeplitz #, banded #, unstructured, ar # beyond 1, ma #): R_g = s2 C_g(phi) over the time
values present in group g.

They use residuals.StructuredLMM's block form with one block per pair (a, b) of the T
distinct time values: B[(a,b), g] = x_{g,a} x_{g,b}' and coef[(a,b), g] = (C_g^-1)[a,b],
so M_g = X_g' C_g^-1 X_g. C_g^-1 is computed once per distinct pattern of present times.
Memory: T^2 G d^2 floats (refused above ~2^26).

Parameters (names as StataCorp's _xtme_estatsd.ado reads them, except ar # and ma 1):
  exponential    r_logitr1 = logit(rho), corr = rho^|t_i - t_j|, 0 < rho < 1
  toeplitz #     r_atr1_1 .. r_atr1_# = atanh(rho_lag), corr = rho_|t_i - t_j| (0 beyond #)
  unstructured   r_lns1_#ose = ln(sd_# / sd_1) for the 2nd.. time value,
                 r_atr1_#_# = atanh(corr)
  banded #       as unstructured, correlations only between times at most # apart
  ar #           r_atr1 .. r_atr# = atanh of the partial autocorrelations (Stata: r_phi1_#,
                 the AR coefficients themselves)
  ma #           r_theta1_1 .. r_theta1_# (ma 1: r_theta1; Stata's r_att1 is atanh(theta))
"""
from __future__ import annotations

import numpy as np

from .residuals import Structure, _level_text
from .results import ModelError

DENSE = ("exponential", "toeplitz", "unstructured", "banded")
LIMIT = 1 << 26


class DenseStructure(Structure):
    def __init__(self, rs, design, data):
        from dataclasses import replace
        super().__init__(replace(rs, kind="independent", by=None), design, data)
        self.rs = rs
        t = np.asarray(data[rs.t], dtype=float)[design.rows]
        self.tv, self.ti = np.unique(t, return_inverse=True)
        T = len(self.tv)
        self.T = T
        if rs.kind in ("toeplitz", "ar", "ma"):
            if np.any(self.tv != np.round(self.tv)):
                raise ModelError(198, f"t() variable {rs.t} must take integer values")
            maxlag = int(self.tv.max() - self.tv.min())
            if rs.order > maxlag:
                raise ModelError(198, f"residuals({rs.kind} {rs.order}): the largest lag in "
                                      f"the data is {maxlag}")
            self.maxlag = maxlag
            # Stata's names (_xtme_estatsd.ado, group j = 1): toeplitz r_atr1_#, ma # > 1
            # r_theta1_#; ar # and ma 1 keep ours (Stata's r_phi1_# and r_att1 are other
            # metrics: phi itself, atanh(theta))
            if rs.kind == "toeplitz" or (rs.kind == "ma" and rs.order > 1):
                stem = "r_theta1_" if rs.kind == "ma" else "r_atr1_"
                self.names = [f"{stem}{j}" for j in range(1, rs.order + 1)]
            else:
                self.names = [f"r_theta{j}" if rs.kind == "ma" else f"r_atr{j}"
                              for j in range(1, rs.order + 1)]
        elif rs.kind == "exponential":
            self.names = ["r_logitr1"]
        else:   # unstructured; banded #: only the pairs within # of each other in t
            if T < 2:
                raise ModelError(198, f"residuals({rs.kind}) requires at least 2 time values")
            band = rs.order if rs.kind == "banded" else np.inf
            self.pairs = [(a, b) for a in range(T) for b in range(a + 1, T)
                          if abs(self.tv[b] - self.tv[a]) <= band]
            # Stata's names (_xtme_estatsd.ado, group j = 1): r_lns1_#ose, r_atr1_#_#
            self.names = [f"r_lns1_{a}ose" for a in range(2, T + 1)] + \
                [f"r_atr1_{a + 1}_{b + 1}" for a, b in self.pairs]
        self.k = len(self.names)
        self.start = np.zeros(self.k)
        G = int(self.g.max()) + 1
        present = np.zeros((G, T), dtype=bool)
        present[self.g, self.ti] = True
        self.patterns, self.pid = np.unique(present, axis=0, return_inverse=True)
        self.pid = self.pid.ravel()
        self.pcount = np.bincount(self.pid)
        self.lagm = np.abs(self.tv[:, None] - self.tv[None, :])
        pr = getattr(self, "pairs", [])
        iu = (np.array([a for a, _ in pr], dtype=int), np.array([b for _, b in pr], dtype=int))
        self.iu = (iu, (iu[1], iu[0]))
        sizes = self.patterns.sum(1)
        self.by_size = []
        for m in np.unique(sizes):
            which = np.flatnonzero(sizes == m)
            self.by_size.append((np.array([np.flatnonzero(self.patterns[w]) for w in which]),
                                 which))

    def blocks(self, cols):
        n, d = cols.shape
        G, T = len(self.pid), self.T
        if T * T * G * d * d > LIMIT:
            raise ModelError(909, "op. sys. refuses to provide memory")
        X3 = np.zeros((G, T, d))
        X3[self.g, self.ti] = cols
        B = X3[:, :, None, :, None] * X3[:, None, :, None, :]      # (G, T, T, d, d)
        return np.ascontiguousarray(B.reshape(G, T * T, d, d).transpose(1, 0, 2, 3))

    def corr_full(self, phi):
        """(T x T correlation, relative sds) over all the time values."""
        kind, lag = self.rs.kind, self.lagm
        sd = np.ones(self.T)
        if kind == "exponential":
            rho = 1.0 / (1.0 + np.exp(-phi[0]))
            R = rho ** lag
        elif kind == "toeplitz":
            r = np.r_[1.0, np.tanh(phi), 0.0]
            L = np.minimum(lag.astype(int), len(r) - 1)
            R = r[L]
        elif kind in ("ar", "ma"):
            R = lag_corr(kind, phi, self.maxlag)[lag.astype(int)]
        else:
            T = self.T
            sd = np.exp(np.r_[0.0, phi[:T - 1]])
            R = np.eye(T)
            iu, il = self.iu
            R[iu] = R[il] = np.tanh(phi[T - 1:])
        return R, sd

    def _C(self, phi):
        R, sd = self.corr_full(np.asarray(phi, dtype=float))
        return R * sd[:, None] * sd[None, :]

    def _cinv(self, C):
        """(patterns, T, T) inverses embedded with zeros, and sum of count * log|C_p|; None
        if some C_p is not positive definite. Patterns of one size in one batched call."""
        T = self.T
        full = np.zeros((len(self.patterns), T, T))
        ld = 0.0
        for idx_arr, which in self.by_size:
            Cp = C[idx_arr[:, :, None], idx_arr[:, None, :]]
            try:
                L = np.linalg.cholesky(Cp)
            except np.linalg.LinAlgError:
                return None
            Li = np.linalg.inv(L)
            full[which[:, None, None], idx_arr[:, :, None], idx_arr[:, None, :]] = \
                np.swapaxes(Li, 1, 2) @ Li
            ld += float((self.pcount[which] * 2.0 *
                         np.log(np.diagonal(L, axis1=1, axis2=2)).sum(1)).sum())
        return full, ld

    def coefs(self, phi):
        out = self._cinv(self._C(phi))
        if out is None:
            return None
        full, ld = out
        return full[self.pid].reshape(len(self.pid), self.T ** 2).T, ld

    def coef_grads(self, phi):
        """d coefs / d phi (k, T^2, G) and d log|C| / d phi (k,): dC by differences of the
        T x T matrix, then d C^-1 = -C^-1 dC C^-1 and d log|C| = tr(C^-1 dC) per pattern."""
        phi = np.asarray(phi, dtype=float)
        full, _ = self._cinv(self._C(phi))
        k, T = len(phi), self.T
        dC = np.empty((k, T, T))
        for j in range(k):
            h = 1e-6 * max(1.0, abs(phi[j]))
            up, dn = phi.copy(), phi.copy()
            up[j] += h
            dn[j] -= h
            dC[j] = (self._C(up) - self._C(dn)) / (2 * h)
        dinv = -(full[None] @ dC[:, None] @ full[None])
        dld = np.einsum("pab,jba,p->j", full, dC, self.pcount)
        return dinv[:, self.pid].reshape(k, len(self.pid), T * T).transpose(0, 2, 1), dld

    def corr(self, phi, times):
        """The covariance relative to s2 (correlation times relative sds) at the times."""
        R, sd = self.corr_full(np.asarray(phi, dtype=float))
        idx = np.searchsorted(self.tv, np.asarray(times, dtype=float))
        return (R * sd[:, None] * sd[None, :])[np.ix_(idx, idx)]

    @property
    def label(self) -> str:
        rs = self.rs
        return {"exponential": "Exponential", "toeplitz": f"Toeplitz({rs.order})",
                "ar": f"AR({rs.order})", "ma": f"MA({rs.order})",
                "unstructured": "Unstructured", "banded": f"Banded({rs.order})"}[rs.kind]

    @property
    def rstructure(self) -> str:
        return self.rs.kind

    def rows(self, by_labels=None):
        kind = self.rs.kind
        if kind == "exponential":
            return [("rho", "corr", lambda phi, s: 1.0 / (1.0 + np.exp(-phi[0]))),
                    ("var(e)", "var", lambda phi, s: np.exp(2 * s))]
        if kind in ("ar", "ma"):
            name = "phi" if kind == "ar" else "theta"
            return [(f"{name}{j + 1}", "coef",
                     lambda phi, s, j=j: ar_coefs(phi)[j] if kind == "ar" else phi[j])
                    for j in range(self.rs.order)] + \
                [("var(e)", "var", lambda phi, s: np.exp(2 * s))]
        if kind == "toeplitz":
            return [(f"rho{j + 1}", "corr", lambda phi, s, j=j: np.tanh(phi[j]))
                    for j in range(self.rs.order)] + \
                [("var(e)", "var", lambda phi, s: np.exp(2 * s))]
        T = self.T
        labs = [_level_text(v) for v in self.tv]
        out = [(f"var(e{labs[a]})", "var",
                lambda phi, s, a=a: np.exp(2 * s + 2 * (phi[a - 1] if a else 0.0)))
               for a in range(T)]
        for j, (a, b) in enumerate(self.pairs):
            def cov(phi, s, a=a, b=b, j=j):
                la = phi[a - 1] if a else 0.0
                lb = phi[b - 1] if b else 0.0
                return np.tanh(phi[T - 1 + j]) * np.exp(2 * s + la + lb)
            out.append((f"cov(e{labs[a]},e{labs[b]})", "cov", cov))
        return out


def ar_coefs(a):
    """AR coefficients from the partial autocorrelations tanh(a) (Durbin-Levinson): every
    real a gives a stationary process."""
    phi = np.zeros(0)
    for pk in np.tanh(np.asarray(a, dtype=float)):
        phi = np.r_[phi - pk * phi[::-1], pk]
    return phi


def lag_corr(kind, a, maxlag):
    """Autocorrelations at lags 0..maxlag of AR(p) (a = atanh of the partial
    autocorrelations) or MA(q) (a = theta_1..theta_q)."""
    r = np.zeros(maxlag + 1)
    r[0] = 1.0
    a = np.asarray(a, dtype=float)
    if kind == "ma":
        psi = np.r_[1.0, a]
        g0 = psi @ psi
        for k in range(1, min(len(a), maxlag) + 1):
            r[k] = psi[:-k] @ psi[k:] / g0
        return r
    pacf = np.tanh(a)
    phi = np.zeros(0)
    for k in range(1, maxlag + 1):
        if k <= len(pacf):
            pk = pacf[k - 1]
            prev = phi
            r[k] = pk * (1 - prev @ r[1:k]) + prev @ r[k - 1:0:-1] if k > 1 else pk
            phi = np.r_[prev - pk * prev[::-1], pk]
        else:
            r[k] = phi @ r[k - 1:k - 1 - len(phi):-1] if k - 1 - len(phi) >= 0 else \
                phi @ r[k - 1::-1][:len(phi)]
    return r

