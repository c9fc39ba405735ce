"""Least squares as Stata's `regress` computes it: weights, the ANOVA sums, and the
conventional, robust (HC1), HC2, HC3 and cluster-robust VCEs.

Plain numpy; no printing, no shell imports. The design (names, collinearity, the estimation
sample) comes from models/design.py, so regress, xtreg and mixed share one term expansion.

Weights (Stata's [U] 20.23): fweights replicate rows (N = sum w); aweights and pweights are
rescaled to sum to the number of rows (N = rows), pweights imply the robust VCE; iweights
are used as given (N = sum w, rounded down as Stata's display does).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .results import ModelError

VCES = ("ols", "robust", "cluster", "hc2", "hc3")


@dataclass
class OLSFit:
    b: np.ndarray            # over the estimable columns
    V: np.ndarray
    N: float                 # e(N): rows, or sum of fweights / iweights
    rows: int                # rows used
    df_m: int
    df_r: float              # residual df (of the t tests and F): N - k, or clusters - 1
    mss: float
    rss: float
    r2: float
    r2_a: float
    F: float
    rmse: float
    ll: float
    ll_0: float
    rank: int
    vce: str
    n_clust: int | None = None
    resid: np.ndarray = field(default=None, repr=False)  # y - xb over the sample rows
    leverage: np.ndarray = field(default=None, repr=False)  # h_i over the sample rows
    XtWX_inv: np.ndarray = field(default=None, repr=False)


def _sym_inverse(A: np.ndarray) -> np.ndarray:
    """Inverse of a positive definite matrix via Cholesky on its unit-diagonal scaling."""
    d = np.sqrt(np.diag(A))
    d[d == 0] = 1.0
    L = np.linalg.cholesky(A / d[:, None] / d[None, :])
    Li = np.linalg.solve(L, np.eye(len(A)))
    return (Li.T @ Li) / d[:, None] / d[None, :]


def normalized_weights(w: np.ndarray | None, kind: str | None) -> np.ndarray | None:
    """The weights the sums use: aweights/pweights rescaled to sum to the row count."""
    if w is None:
        return None
    if kind in ("aweight", "pweight"):
        return w * (len(w) / w.sum())
    return w


def fit_ols(y: np.ndarray, X: np.ndarray, *, constant: bool, weights: np.ndarray | None = None,
            wtype: str | None = None, vce: str = "ols", clusters: np.ndarray | None = None,
            need_leverage: bool = False) -> OLSFit:
    """y (n,), X (n, k) full rank (collinear columns already removed); `constant` says
    the last column of X is the intercept. `clusters` are integer codes 0..G-1 per row."""
    n, k = X.shape
    w = normalized_weights(weights, wtype)
    N = float(n if w is None or wtype in ("aweight", "pweight") else w.sum())
    if wtype == "iweight":
        N = float(np.floor(N))
    if N <= 0 or n == 0:
        raise ModelError(2000, "no observations")
    sw = N if w is None else float(w.sum())
    # Normal equations from one Gram matrix of [X y] (a single BLAS pass over the data);
    # with a constant they are centred algebraically, exact enough while no mean is huge
    # against its spread; otherwise the columns are centred explicitly first.
    Xw = X if w is None else X * w[:, None]
    if constant and k >= 1:
        Xs = X[:, :-1]
        mx = (w @ Xs) / sw if w is not None else Xs.mean(axis=0)
        my = float(w @ y) / sw if w is not None else float(y.mean())
        G = Xw[:, :-1].T @ Xs
        gy = Xw[:, :-1].T @ y
        yy = float(y @ y) if w is None else float(w @ (y * y))
        S = G - sw * np.outer(mx, mx)
        Sy = gy - sw * mx * my
        tss = yy - sw * my * my
        sd = np.sqrt(np.maximum(np.diag(S), 0) / sw)
        if k > 1 and (np.abs(mx) > 1e3 * np.where(sd > 0, sd, np.inf)).any() or \
                abs(my) > 1e3 * math.sqrt(max(tss, 0) / sw):
            Xc = Xs - mx
            yc = y - my
            Xcw = Xc if w is None else Xc * w[:, None]
            S, Sy = Xcw.T @ Xc, Xcw.T @ yc
            tss = float(yc @ yc) if w is None else float(w @ (yc * yc))
        if k > 1:
            Sinv = _sym_inverse(S)
            bs = Sinv @ Sy
        else:
            Sinv = np.zeros((0, 0))
            bs = np.zeros(0)
        b = np.append(bs, my - mx @ bs)
        A_inv = np.empty((k, k))
        A_inv[:-1, :-1] = Sinv
        A_inv[:-1, -1] = A_inv[-1, :-1] = -Sinv @ mx
        A_inv[-1, -1] = 1.0 / sw + mx @ Sinv @ mx
        xb = X @ b
    else:
        A = Xw.T @ X
        A_inv = _sym_inverse(A) if k else np.zeros((0, 0))
        b = A_inv @ (Xw.T @ y) if k else np.zeros(0)
        xb = X @ b if k else np.zeros(n)
        tss = float(y @ y) if w is None else float(w @ (y * y))
    e = y - xb
    rss = float(e @ e) if w is None else float(w @ (e * e))
    # a perfect fit leaves only rounding noise: treat it as zero (F, ll are then missing)
    rss = 0.0 if rss <= 1e-13 * max(tss, float(y @ y) if w is None else 0.0) else rss
    mss = max(tss - rss, 0.0)
    df_m = k - 1 if constant else k
    df_res = N - k
    s2 = rss / df_res if df_res > 0 else np.nan
    rmse = float(np.sqrt(s2)) if df_res > 0 else np.nan
    r2 = mss / tss if tss > 0 else np.nan
    if df_res > 0 and tss > 0:
        r2_a = 1 - (1 - r2) * ((N - 1) if constant else N) / df_res
    else:
        r2_a = np.nan
    ll = -0.5 * N * (np.log(2 * np.pi) + np.log(rss / N) + 1) if rss > 0 else np.nan
    ll_0 = -0.5 * N * (np.log(2 * np.pi) + np.log(tss / N) + 1) if constant and tss > 0 \
        else np.nan

    h = None
    if need_leverage or vce in ("hc2", "hc3"):
        # h_i = w_i x_i' (X'WX)^-1 x_i, without forming the n x n hat matrix
        h = np.einsum("ij,jk,ik->i", X, A_inv, X)
        if w is not None:
            h = h * w
    n_clust = None
    df_r = df_res
    if vce == "ols":
        V = s2 * A_inv if df_res > 0 else np.full((k, k), np.nan)
    else:
        score_w = e if w is None else e * w   # w_i e_i: the score weight of row i
        if vce == "cluster":
            G = int(clusters.max()) + 1 if len(clusters) else 0
            U = np.zeros((G, k))
            _cluster_sums(U, clusters, X * score_w[:, None])
            meat = U.T @ U
            n_clust = G
            q = (G / (G - 1)) * ((N - 1) / (N - k)) if G > 1 and N > k else np.nan
            df_r = G - 1
        else:
            if vce == "robust":
                # fweights are frequencies (w e^2); other weights enter squared (w^2 e^2)
                u2 = (e * e * w) if wtype in ("fweight", "iweight") and w is not None \
                    else score_w * score_w
                q = N / (N - k) if N > k else np.nan
            else:
                e2 = e * e if w is None else w * e * e
                u2 = e2 / (1 - h) if vce == "hc2" else e2 / (1 - h) ** 2
                q = 1.0
            meat = (X * u2[:, None]).T @ X
        V = q * (A_inv @ meat @ A_inv)
        V = (V + V.T) / 2
    F = _f_stat(b, V, constant, df_m, mss, rss, df_res, vce)
    return OLSFit(b=b, V=V, N=N, rows=n, df_m=df_m, df_r=df_r, mss=mss, rss=rss, r2=r2,
                  r2_a=r2_a, F=F, rmse=rmse, ll=ll, ll_0=ll_0, rank=k, vce=vce,
                  n_clust=n_clust, resid=e, leverage=h, XtWX_inv=A_inv)


def _cluster_sums(U: np.ndarray, codes: np.ndarray, S: np.ndarray) -> None:
    for j in range(S.shape[1]):
        U[:, j] = np.bincount(codes, weights=S[:, j], minlength=U.shape[0])


def _f_stat(b, V, constant, df_m, mss, rss, df_res, vce) -> float:
    """The model F: ANOVA ratio for the conventional VCE, else the Wald F of all slopes."""
    if df_m <= 0:
        return np.nan
    if vce == "ols":
        if df_res <= 0:
            return np.nan
        return (mss / df_m) / (rss / df_res) if rss > 0 else np.nan
    idx = np.arange(len(b) - 1) if constant else np.arange(len(b))
    Vs = V[np.ix_(idx, idx)]
    bs = b[idx]
    try:
        # a singular VCE (fewer clusters than slopes) has no F, as in Stata
        if np.linalg.matrix_rank(Vs) < len(idx):
            return np.nan
        return float(bs @ np.linalg.solve(Vs, bs)) / df_m
    except np.linalg.LinAlgError:
        return np.nan
