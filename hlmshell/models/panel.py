"""Linear panel estimators as Stata's `xtreg` computes them ([XT] xtreg, Methods and
formulas): fixed effects (within), between effects, and random effects by Swamy–Arora GLS.
(`xtreg, mle` is the linear mixed model with a random intercept: models/lmm.py.)

Inputs are the estimation rows only: y (n,), X (n, k) of full rank with the constant as
its last column, and group codes 0..G-1. Plain numpy; no printing, no shell imports.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ols import _sym_inverse
from .results import ModelError


@dataclass
class PanelFit:
    model: str                 # "fe", "be", "re"
    b: np.ndarray
    V: np.ndarray
    N: int
    n_groups: int
    g_min: int
    g_avg: float
    g_max: int
    df_m: int
    df_r: float | None         # t tests (fe, be); None for re (z)
    r2_w: float
    r2_b: float
    r2_o: float
    sigma_u: float
    sigma_e: float
    rho: float
    chi2: float = np.nan       # re: Wald chi2 of the slopes
    F: float = np.nan          # fe, be: model F
    F_f: float = np.nan        # fe: F test that all u_i = 0
    df_a: int = 0              # fe: G - 1
    corr: float = np.nan       # fe: corr(u_i, Xb)
    rss: float = np.nan
    tss: float = np.nan
    ll: float = np.nan
    theta: np.ndarray | None = None  # re: per group
    n_clust: int | None = None
    u: np.ndarray = field(default=None, repr=False)   # per group (fe, re)
    extra: dict = field(default_factory=dict)


def group_means(A: np.ndarray, g: np.ndarray, G: int, sizes: np.ndarray) -> np.ndarray:
    """Group means of the columns of A (or of a vector)."""
    if A.ndim == 1:
        return np.bincount(g, weights=A, minlength=G) / sizes
    out = np.empty((G, A.shape[1]))
    for j in range(A.shape[1]):
        out[:, j] = np.bincount(g, weights=A[:, j], minlength=G)
    return out / sizes[:, None]


def _corr2(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return np.nan
    return float(np.corrcoef(a, b)[0, 1] ** 2)


def _r2s(y, X, b, g, G, sizes, ybar, Xbar):
    """R-squared within, between and overall of the coefficient vector b (Stata's)."""
    xb = X @ b
    xbbar = Xbar @ b
    r2_w = _corr2(y - ybar[g], xb - xbbar[g])
    r2_b = _corr2(ybar, xbbar)
    r2_o = _corr2(y, xb)
    return r2_w, r2_b, r2_o


def _wald(b, V, idx) -> float:
    if not len(idx):
        return np.nan
    Vs = V[np.ix_(idx, idx)]
    try:
        if np.linalg.matrix_rank(Vs) < len(idx):
            return np.nan
        return float(b[idx] @ np.linalg.solve(Vs, b[idx]))
    except np.linalg.LinAlgError:
        return np.nan


def _cluster_vce(Xt, e, A_inv, clusters, N, k, within_groups: bool):
    G = int(clusters.max()) + 1
    S = Xt * e[:, None]
    U = np.empty((G, Xt.shape[1]))
    for j in range(Xt.shape[1]):
        U[:, j] = np.bincount(clusters, weights=S[:, j], minlength=G)
    q = (G / (G - 1)) * ((N - 1) / (N - k)) if G > 1 and N > k else np.nan
    V = q * (A_inv @ (U.T @ U) @ A_inv)
    return (V + V.T) / 2, G


def fit_panel(y: np.ndarray, X: np.ndarray, g: np.ndarray, model: str = "re", *,
              vce: str = "ols", clusters: np.ndarray | None = None,
              explicit: bool = False) -> PanelFit:
    """fe, be or re. The conventional VCE is computed from cross-product moments (one BLAS
    pass over [X y] and the group sums: no n x k temporaries); cluster VCEs, which need
    each row's residual, and badly scaled data go through the explicit transformations."""
    if vce == "ols" and not explicit and model in ("fe", "re") and X.shape[1] > 1:
        fast = _fit_moments(y, X, g, model)
        if fast is not None:
            return fast
    return _fit_explicit(y, X, g, model, vce=vce, clusters=clusters)


def _fit_explicit(y, X, g, model, *, vce, clusters) -> PanelFit:
    n, k = X.shape
    if n == 0:
        raise ModelError(2000, "no observations")
    G = int(g.max()) + 1
    sizes = np.bincount(g, minlength=G).astype(float)
    K = k - 1                                  # slopes; the constant is X's last column
    ybar = group_means(y, g, G, sizes)
    Xs = X[:, :K]
    Xbar_s = group_means(Xs, g, G, sizes) if K else np.zeros((G, 0))
    Xbar = np.column_stack([Xbar_s, np.ones(G)])
    common = dict(N=n, n_groups=G, g_min=int(sizes.min()), g_avg=float(sizes.mean()),
                  g_max=int(sizes.max()))
    # ---- the within regression (fe; its sigma_e also for re)
    yw = y - ybar[g]
    Xw = Xs - Xbar_s[g] if K else np.zeros((n, 0))
    df_w = n - G - K
    if K:
        Sw = Xw.T @ Xw
        try:
            Sw_inv = _sym_inverse(Sw)
        except np.linalg.LinAlgError:
            Sw_inv = None
    else:
        Sw_inv = np.zeros((0, 0))
    if model == "fe":
        if K == 0 or Sw_inv is None:
            raise ModelError(2001, "insufficient observations")
        bs = Sw_inv @ (Xw.T @ yw)
        my, mx = float(y.mean()), Xs.mean(axis=0)
        b = np.append(bs, my - mx @ bs)
        e = yw - Xw @ bs
        rss = float(e @ e)
        s2 = rss / df_w if df_w > 0 else np.nan
        A_inv = np.empty((k, k))
        A_inv[:-1, :-1] = Sw_inv
        A_inv[:-1, -1] = A_inv[-1, :-1] = -Sw_inv @ mx
        A_inv[-1, -1] = 1.0 / n + mx @ Sw_inv @ mx
        n_clust = None
        df_r: float = df_w
        if vce == "ols":
            V = s2 * A_inv
        else:
            Xa = np.column_stack([Xw + mx, np.ones(n)])
            V, n_clust = _cluster_vce(Xa, e, A_inv, clusters, n, k, True)
            df_r = n_clust - 1
        u = ybar - Xbar_s @ bs - b[-1]
        sigma_u = float(np.std(u, ddof=1)) if G > 1 else np.nan
        sigma_e = float(np.sqrt(s2))
        rho = sigma_u ** 2 / (sigma_u ** 2 + sigma_e ** 2)
        xb = Xs @ bs
        corr = float(np.corrcoef(u[g], xb)[0, 1]) if np.std(u) > 0 and np.std(xb) > 0 \
            else np.nan
        # F test that all u_i = 0: pooled OLS residuals vs the within ones
        Xp = X
        bp = np.linalg.lstsq(Xp, y, rcond=None)[0]
        ep = y - Xp @ bp
        rss_p = float(ep @ ep)
        F_f = ((rss_p - rss) / (G - 1)) / s2 if G > 1 and df_w > 0 else np.nan
        F = _wald(b, V, np.arange(K)) / K
        r2_w, r2_b, r2_o = _r2s(y, X, b, g, G, sizes, ybar, Xbar)
        return PanelFit("fe", b, V, df_m=K, df_r=df_r, r2_w=r2_w, r2_b=r2_b, r2_o=r2_o,
                        sigma_u=sigma_u, sigma_e=sigma_e, rho=rho, F=F, F_f=F_f, df_a=G - 1,
                        corr=corr, rss=rss, n_clust=n_clust, u=u, **common)
    # ---- the between regression (be; its residuals also give re's sigma_u)
    if G <= k:
        raise ModelError(2001, "insufficient observations")
    Ab = Xbar.T @ Xbar
    try:
        Ab_inv = _sym_inverse(Ab)
    except np.linalg.LinAlgError:
        raise ModelError(2001, "insufficient observations") from None
    bb = Ab_inv @ (Xbar.T @ ybar)
    eb = ybar - Xbar @ bb
    rss_b = float(eb @ eb)
    if model == "be":
        s2b = rss_b / (G - k)
        V = s2b * Ab_inv
        F = _wald(bb, V, np.arange(K)) / K if K else np.nan
        r2_w, r2_b, r2_o = _r2s(y, X, bb, g, G, sizes, ybar, Xbar)
        tss_b = float(((ybar - ybar.mean()) ** 2).sum())
        return PanelFit("be", bb, V, df_m=K, df_r=G - k, r2_w=r2_w, r2_b=r2_b, r2_o=r2_o,
                        sigma_u=np.nan, sigma_e=np.nan, rho=np.nan, F=F, rss=rss_b,
                        tss=tss_b, extra={"sd_ue": float(np.sqrt(s2b))}, **common)
    if model != "re":
        raise ModelError(198, f"{model}: unknown panel model")
    # ---- random effects, Swamy–Arora: sigma_e from the within, sigma_u from the between
    if K and Sw_inv is not None and df_w > 0:
        bw = Sw_inv @ (Xw.T @ yw)
        ew = yw - Xw @ bw
    else:
        ew = yw
    if df_w <= 0:
        raise ModelError(2001, "insufficient observations")
    s2e = float(ew @ ew) / df_w
    T_bar = G / float((1.0 / sizes).sum())            # harmonic mean of the group sizes
    s2u = max(rss_b / (G - k) - s2e / T_bar, 0.0)
    theta = 1 - np.sqrt(s2e / (sizes * s2u + s2e))
    th = theta[g]
    ys = y - th * ybar[g]
    Xt = X - th[:, None] * Xbar[g]
    A_inv = _sym_inverse(Xt.T @ Xt)
    b = A_inv @ (Xt.T @ ys)
    e = ys - Xt @ b
    n_clust = None
    if vce == "ols":
        V = (float(e @ e) / (n - k)) * A_inv
    else:
        V, n_clust = _cluster_vce(Xt, e, A_inv, clusters, n, k, False)
    r2_w, r2_b, r2_o = _r2s(y, X, b, g, G, sizes, ybar, Xbar)
    sigma_u, sigma_e = float(np.sqrt(s2u)), float(np.sqrt(s2e))
    rho = s2u / (s2u + s2e) if s2u + s2e > 0 else np.nan
    resid_bar = ybar - Xbar @ b
    u = (s2u / (s2u + s2e / sizes)) * resid_bar      # BLUP of u_i
    chi2 = _wald(b, V, np.arange(K))
    # rmse of the transformed (GLS) regression, Stata's e(rmse) (hausman's sigmamore uses it)
    return PanelFit("re", b, V, df_m=K, df_r=None, r2_w=r2_w, r2_b=r2_b, r2_o=r2_o,
                    sigma_u=sigma_u, sigma_e=sigma_e, rho=rho, chi2=chi2, theta=theta,
                    n_clust=n_clust, u=u, extra={"rmse": float(np.sqrt(e @ e / (n - k)))},
                    **common)


def within_collinear(Xs: np.ndarray, g: np.ndarray) -> list[int]:
    """Slope columns (of Xs, without the constant) that the panel effects absorb: constant
    within every panel or collinear with earlier ones after demeaning (fe drops them).
    Greedy, in column order, on the within moments: a column goes when its within
    variation not explained by the kept ones is below 1e-12 of its total variation."""
    k = Xs.shape[1]
    if k == 0:
        return []
    n = Xs.shape[0]
    G = int(g.max()) + 1
    T = np.bincount(g, minlength=G).astype(float)
    sums = np.empty((G, k))
    for j in range(k):
        sums[:, j] = np.bincount(g, weights=Xs[:, j], minlength=G)
    mean = sums.sum(axis=0) / n
    bar = sums / T[:, None] - mean
    tot = Xs.T @ Xs - n * np.outer(mean, mean)
    W = tot - bar.T @ (bar * T[:, None])
    kept: list[int] = []
    dropped = []
    for j in range(k):
        r = W[j, j]
        if kept:
            Wk = W[np.ix_(kept, kept)]
            r -= W[j, kept] @ np.linalg.solve(Wk, W[kept, j])
        if r <= 1e-12 * max(tot[j, j], 0) or tot[j, j] <= 0:
            dropped.append(j)
        else:
            kept.append(j)
    return dropped


def omit_name(name: str) -> str:
    from .design import _omit_name
    return _omit_name(name)


def _fit_moments(y, X, g, model) -> PanelFit | None:
    """fe / re from moments. Within and transformed cross-products follow from
    X'X - sum_i c_i T_i xbar_i xbar_i' (c = 1 within, 2 theta - theta^2 for GLS).
    Returns None when cancellation would cost precision (within variation below 1e-7 of
    the total, or means far from the spread): the caller takes the explicit path."""
    n, k = X.shape
    K = k - 1
    G = int(g.max()) + 1
    T = np.bincount(g, minlength=G).astype(float)
    M = np.empty((k + 1, k + 1))                  # [X y]'[X y], without copying X
    M[:k, :k] = X.T @ X
    M[:k, k] = M[k, :k] = X.T @ y
    M[k, k] = y @ y
    sums = np.empty((G, k + 1))
    for j in range(k):
        sums[:, j] = np.bincount(g, weights=X[:, j], minlength=G)
    sums[:, k] = np.bincount(g, weights=y, minlength=G)
    bar = sums / T[:, None]                       # group means of [X y] (constant: 1)
    mean = sums.sum(axis=0) / n
    tot = M - n * np.outer(mean, mean)            # total centred moments
    between = (bar - mean).T @ ((bar - mean) * T[:, None])
    W = tot - between                             # within moments
    idx = np.arange(K)
    dW, dT = np.diag(W)[:k + 1], np.diag(tot)[:k + 1]
    if np.any(np.abs(mean[idx]) > 1e3 * np.sqrt(np.maximum(dT[idx], 1e-300) / n)) or \
            np.any((dW[idx] < 1e-7 * dT[idx]) & (dT[idx] > 0)):
        return None
    Wxx, Wxy, Wyy = W[np.ix_(idx, idx)], W[idx, k], W[k, k]
    df_w = n - G - K
    try:
        Winv = _sym_inverse(Wxx)
    except np.linalg.LinAlgError:
        return None
    bw = Winv @ Wxy
    rss_w = float(Wyy - bw @ Wxy)
    common = dict(N=n, n_groups=G, g_min=int(T.min()), g_avg=float(T.mean()),
                  g_max=int(T.max()))
    Txx, Txy, Tyy = tot[np.ix_(idx, idx)], tot[idx, k], tot[k, k]
    ybar, Xbar_s = bar[:, k], bar[:, idx]
    mx, my = mean[idx], mean[k]

    def r2s(bs):
        r2_w = (bs @ Wxy) ** 2 / ((bs @ Wxx @ bs) * Wyy)
        r2_o = (bs @ Txy) ** 2 / ((bs @ Txx @ bs) * Tyy)
        xb_bar = Xbar_s @ bs
        r2_b = _corr2(ybar, xb_bar)
        return float(r2_w), r2_b, float(r2_o)

    if model == "fe":
        if df_w <= 0:
            raise ModelError(2001, "insufficient observations")
        s2 = rss_w / df_w
        b = np.append(bw, my - mx @ bw)
        A_inv = np.empty((k, k))
        A_inv[:-1, :-1] = Winv
        A_inv[:-1, -1] = A_inv[-1, :-1] = -Winv @ mx
        A_inv[-1, -1] = 1.0 / n + mx @ Winv @ mx
        V = s2 * A_inv
        u = ybar - Xbar_s @ bw - b[-1]
        sigma_u = float(np.std(u, ddof=1)) if G > 1 else np.nan
        sigma_e = float(np.sqrt(s2))
        # corr(u_i, xb) over the rows: group-level sums weighted by the panel sizes
        xbm = Xbar_s @ bw
        ubar = (T @ u) / n
        cov = (T @ (u * xbm)) / n - ubar * (mx @ bw)
        var_u = (T @ (u - ubar) ** 2) / n
        var_xb = (bw @ Txx @ bw) / n
        corr = float(cov / np.sqrt(var_u * var_xb)) if var_u > 0 and var_xb > 0 else np.nan
        rss_p = float(Tyy - Txy @ np.linalg.solve(Txx, Txy))
        F_f = ((rss_p - rss_w) / (G - 1)) / s2 if G > 1 else np.nan
        F = _wald(b, V, idx) / K
        r2_w, r2_b, r2_o = r2s(bw)
        return PanelFit("fe", b, V, df_m=K, df_r=df_w, r2_w=r2_w, r2_b=r2_b, r2_o=r2_o,
                        sigma_u=sigma_u, sigma_e=sigma_e,
                        rho=sigma_u ** 2 / (sigma_u ** 2 + sigma_e ** 2), F=F, F_f=F_f,
                        df_a=G - 1, corr=corr, rss=rss_w, u=u, **common)
    # re: Swamy-Arora variance components, then GLS from the transformed moments
    if df_w <= 0 or G <= k:
        raise ModelError(2001, "insufficient observations")
    s2e = rss_w / df_w
    Xbar = np.column_stack([Xbar_s, np.ones(G)])
    Ab_inv = _sym_inverse(Xbar.T @ Xbar)
    eb = ybar - Xbar @ (Ab_inv @ (Xbar.T @ ybar))
    T_bar = G / float((1.0 / T).sum())
    s2u = max(float(eb @ eb) / (G - k) - s2e / T_bar, 0.0)
    theta = 1 - np.sqrt(s2e / (T * s2u + s2e))
    c = (2 * theta - theta ** 2) * T
    Mt = M - bar.T @ (bar * c[:, None])          # [X* y*]'[X* y*]
    A_inv = _sym_inverse(Mt[:k, :k])
    b = A_inv @ Mt[:k, k]
    ee = float(Mt[k, k] - b @ Mt[:k, k])
    V = (ee / (n - k)) * A_inv
    r2_w, r2_b, r2_o = r2s(b[:K])
    sigma_u, sigma_e = float(np.sqrt(s2u)), float(np.sqrt(s2e))
    u = (s2u / (s2u + s2e / T)) * (ybar - Xbar @ b)
    return PanelFit("re", b, V, df_m=K, df_r=None, r2_w=r2_w, r2_b=r2_b, r2_o=r2_o,
                    sigma_u=sigma_u, sigma_e=sigma_e,
                    rho=s2u / (s2u + s2e) if s2u + s2e > 0 else np.nan,
                    chi2=_wald(b, V, idx), theta=theta, u=u,
                    extra={"rmse": float(np.sqrt(max(ee, 0.0) / (n - k)))}, **common)
