"""The numbers behind graphs (numpy only): histogram bins, kernel density, fits, lowess,
normal quantiles. Formulas from Stata's manuals ([R] histogram, kdensity, lowess; [G-2]
twoway lfit, qfit, lfitci)."""
from __future__ import annotations

import math

import numpy as np


def default_bins(n: int) -> int:
    """[R] histogram: k = min(sqrt(N), 10 ln(N)/ln(10)), truncated."""
    if n <= 1:
        return 1
    return max(int(min(math.sqrt(n), 10 * math.log10(n))), 1)


def histogram(x: np.ndarray, bins: int | None = None, width: float | None = None,
              start: float | None = None, discrete: bool = False):
    """(edges, counts, start, width, bins). The last bin includes the maximum."""
    lo, hi = float(x.min()), float(x.max())
    start = lo if start is None else start
    if discrete:
        values = np.unique(x)
        width = width or (float(np.min(np.diff(values))) if len(values) > 1 else 1.0)
        start = lo - width / 2
    if width is None:
        bins = bins or default_bins(len(x))
        width = (hi - start) / bins if hi > start else 1.0
    else:
        bins = max(int(math.ceil((hi - start) / width - 1e-12)), 1)
        if start + bins * width <= hi and not discrete:
            bins += 1 if start + bins * width < hi else 0
    edges = start + width * np.arange(bins + 1)
    k = np.floor((x - start) / width).astype(np.int64)
    k = np.clip(k, 0, bins - 1)
    counts = np.bincount(k, minlength=bins).astype(float)
    return edges, counts, start, width, bins


KERNELS = {
    "epanechnikov": lambda u: np.where(np.abs(u) < math.sqrt(5),
                                       0.75 * (1 - u * u / 5) / math.sqrt(5), 0.0),
    "gaussian": lambda u: np.exp(-0.5 * u * u) / math.sqrt(2 * math.pi),
    "rectangle": lambda u: np.where(np.abs(u) < 1, 0.5, 0.0),
    "triangle": lambda u: np.where(np.abs(u) < 1, 1 - np.abs(u), 0.0),
    "biweight": lambda u: np.where(np.abs(u) < 1, 15 / 16 * (1 - u * u) ** 2, 0.0),
    "epan2": lambda u: np.where(np.abs(u) < 1, 0.75 * (1 - u * u), 0.0),
    "cosine": lambda u: np.where(np.abs(u) < 0.5, 1 + np.cos(2 * math.pi * u), 0.0),
}


def silverman_bw(x: np.ndarray) -> float:
    """[R] kdensity's default: 0.9 m n^(-1/5), m = min(sd, IQR/1.349)."""
    n = len(x)
    sd = float(np.std(x, ddof=1)) if n > 1 else 0.0
    q75, q25 = np.percentile(x, [75, 25])
    m = min(sd, (q75 - q25) / 1.349) if q75 > q25 else sd
    return 0.9 * m / n ** 0.2 if m > 0 else 1.0


def kdensity(x: np.ndarray, n_points: int = 50, bw: float | None = None,
             kernel: str = "epanechnikov", at: np.ndarray | None = None):
    """(grid, density, bandwidth); the grid spans the data, as kdensity's n() points."""
    h = bw or silverman_bw(x)
    grid = np.linspace(x.min(), x.max(), n_points) if at is None else at
    k = KERNELS[kernel]
    dens = np.empty(len(grid))
    for i in range(0, len(grid), 64):  # blocks keep memory at 64 x N
        u = (grid[i:i + 64, None] - x[None, :]) / h
        dens[i:i + 64] = k(u).sum(axis=1) / (len(x) * h)
    return grid, dens, h


def poly_fit(x: np.ndarray, y: np.ndarray, degree: int):
    """OLS coefficients of y on 1, x, ..., x^degree; the design and the residual variance."""
    X = np.vander(x, degree + 1, increasing=True)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    df = len(y) - degree - 1
    s2 = float(resid @ resid / df) if df > 0 else math.nan
    return beta, X, s2


def fit_line(x, y, degree: int, n_points: int = 100, lo=None, hi=None):
    beta, _, _ = poly_fit(x, y, degree)
    grid = np.linspace(x.min() if lo is None else lo, x.max() if hi is None else hi, n_points)
    return grid, np.vander(grid, degree + 1, increasing=True) @ beta


def fit_ci(x, y, level: float = 95, n_points: int = 100):
    """lfitci: the line and the confidence interval of the mean prediction (stdp)."""
    from scipy.special import stdtrit  # scipy.special loads far faster than scipy.stats
    beta, X, s2 = poly_fit(x, y, 1)
    XtX_inv = np.linalg.inv(X.T @ X)
    grid = np.linspace(x.min(), x.max(), n_points)
    G = np.vander(grid, 2, increasing=True)
    fit = G @ beta
    se = np.sqrt(s2 * np.einsum("ij,jk,ik->i", G, XtX_inv, G))
    q = stdtrit(len(y) - 2, 0.5 + level / 200)
    return grid, fit, fit - q * se, fit + q * se


LOWESS_POINTS = 400  # above this many observations the curve is computed at 400 of them


def lowess(x: np.ndarray, y: np.ndarray, bwidth: float = 0.8):
    """[R] lowess (no robustness iterations): at x_i a tricube-weighted line over the
    k = floor((N bwidth - 0.5)/2) points on each side. Returns the curve sorted by x.
    Stata smooths at every observation; for a graph of many points, 400 evenly spaced
    (in rank) observations draw the same curve at a fraction of the O(N^2 bwidth) cost."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    n = len(xs)
    k = max(int(math.floor((n * bwidth - 0.5) / 2)), 1)
    at = np.arange(n) if n <= LOWESS_POINTS else \
        np.unique(np.linspace(0, n - 1, LOWESS_POINTS).round().astype(np.int64))
    out = np.empty(len(at))
    for j, i in enumerate(at):
        lo, hi = max(i - k, 0), min(i + k + 1, n)
        xi, yi = xs[lo:hi], ys[lo:hi]
        delta = 1.0001 * max(xs[i] - xs[lo], xs[hi - 1] - xs[i])
        w = (1 - (np.abs(xi - xs[i]) / delta) ** 3) ** 3 if delta > 0 else np.ones(len(xi))
        sw = w.sum()
        mx, my = (w * xi).sum() / sw, (w * yi).sum() / sw
        sxx = (w * (xi - mx) ** 2).sum()
        slope = (w * (xi - mx) * (yi - my)).sum() / sxx if sxx > 0 else 0.0
        out[j] = my + slope * (xs[i] - mx)
    return xs[at], out


def normal_pdf(x, mean, sd):
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def norm_ppf(p):
    from scipy.special import ndtri
    return ndtri(p)


def norm_cdf(z):
    from scipy.special import ndtr
    return ndtr(z)


def box_stats(x: np.ndarray) -> dict:
    """[G-2] graph box: median, quartiles, adjacent values within 1.5 IQR, outside values.
    Quartiles as summarize, detail computes them."""
    from hlmshell.commands.summarize import percentile
    s = np.sort(x)
    q1, med, q3 = percentile(s, 25), percentile(s, 50), percentile(s, 75)
    iqr = q3 - q1
    inside = s[(s >= q1 - 1.5 * iqr) & (s <= q3 + 1.5 * iqr)]
    lo, hi = float(inside.min()), float(inside.max())
    outliers = s[(s < lo) | (s > hi)]
    return {"q1": q1, "med": med, "q3": q3, "whislo": lo, "whishi": hi, "fliers": outliers}
