"""Rank and sign tests ([R] spearman, [R] ranksum, [R] signrank, [R] kwallis): the numbers
only, on arrays already cut to the estimation sample. Formulas follow Stata's Methods and
formulas (and the public ado files): average ranks for ties (egen rank()), Spearman's p
from the t approximation, Kendall's score variance corrected for ties and its p with a
continuity correction, the rank-sum variance as n1*n2*Var(ranks)/n (which holds the tie
adjustment), the signed-rank variance as sum(rank^2)/4 over the non-zero differences.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def average_ranks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks 1..n with ties given their average rank, and the size of every tie group
    (in sorted order). O(n log n): one stable sort."""
    n = len(x)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]]) if n else np.zeros(0, int)
    counts = np.diff(np.r_[starts, n])
    ranks = np.empty(n)
    ranks[order] = np.repeat(starts + (counts + 1) / 2.0, counts)
    return ranks, counts


def _t_p(rho: float, n: int) -> float:
    """2*ttail(n-2, |rho|*sqrt((n-2)/(1-rho^2))), 0 at rho == 1; missing where Stata's
    arithmetic gives missing (rho == -1 divides by zero, rho missing, n < 3)."""
    from scipy.special import stdtr
    if math.isnan(rho) or n < 3:
        return math.nan
    if rho == 1:
        return 0.0
    if rho * rho >= 1:
        return math.nan
    t = abs(rho) * math.sqrt((n - 2) / (1 - rho * rho))
    return float(2 * stdtr(n - 2, -t))


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    da, db = a - a.mean(), b - b.mean()
    den = math.sqrt(float(np.dot(da, da)) * float(np.dot(db, db)))
    return float(np.dot(da, db)) / den if den > 0 else math.nan


@dataclass
class Spearman:
    N: int
    rho: float
    p: float


def spearman(x: np.ndarray, y: np.ndarray) -> Spearman:
    """Pearson's correlation of the average ranks."""
    n = len(x)
    if n < 2:
        return Spearman(n, math.nan, math.nan)
    rho = _pearson(average_ranks(x)[0], average_ranks(y)[0])
    return Spearman(n, rho, _t_p(rho, n))


@dataclass
class Ktau:
    N: int
    tau_a: float
    tau_b: float
    score: float
    se_score: float
    p: float
    ties: bool          # either variable has ties ("corrected for ties")


def _inversions(r: np.ndarray) -> int:
    """Pairs i < j with r[i] > r[j], for integer codes 0 <= r < n: a bottom-up merge sort,
    each level vectorised (the left runs' values looked up with searchsorted), the merge a
    stable sort of runs that are already sorted. O(n log^2 n) at worst."""
    n = len(r)
    a = r.astype(np.int64)
    idx = np.arange(n, dtype=np.int64)
    total, w = 0, 1
    while w < n:
        blk = idx // (2 * w)
        key = blk * n + a                  # orders by block, then value
        right = (idx % (2 * w)) >= w
        lk, rk = key[~right], key[right]   # lk is sorted: its runs are, and blocks ascend
        pos = np.searchsorted(lk, rk, side="right")
        end = np.searchsorted(lk, (blk[right] + 1) * n, side="left")
        total += int((end - pos).sum())
        a = np.sort(key, kind="stable") - blk * n
        w *= 2
    return total


def _score(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's score S = sum over pairs of sign(x_i-x_j)*sign(y_i-y_j), by Knight's
    method: with the pairs n0 = n(n-1)/2, those tied in x (n1), in y (n2) and in both
    (n3), S = n0 - n1 - n2 + n3 - 2*D, D the discordant pairs = the inversions of y once
    the rows are sorted by x then y. Exact (integers), O(n log^2 n)."""
    n = len(x)
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]

    def pairs(counts):
        c = counts.astype(np.int64)
        return int((c * (c - 1) // 2).sum())

    n1 = pairs(average_ranks(x)[1])
    n2 = pairs(average_ranks(y)[1])
    new = np.r_[True, (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])] if n else np.zeros(0, bool)
    n3 = pairs(np.diff(np.r_[np.flatnonzero(new), n]))
    codes = np.unique(ys, return_inverse=True)[1]
    return float(n * (n - 1) // 2 - n1 - n2 + n3 - 2 * _inversions(codes))


def _tie_sums(counts: np.ndarray) -> tuple[float, float, float]:
    t = counts[counts > 1].astype(float)
    return (float((t * (t - 1) * (2 * t + 5)).sum()), float((t * (t - 1)).sum()),
            float((t * (t - 1) * (t - 2)).sum()))


def ktau(x: np.ndarray, y: np.ndarray) -> Ktau:
    """Kendall's tau-a, tau-b, score and its standard error (ties corrected), and the
    two-sided p with a continuity correction: 2*(1 - Phi((|S| - 1)/se)), 1 when S = 0."""
    from scipy.special import ndtr
    n = len(x)
    s = _score(x, y)
    xt, xt2, xt3 = _tie_sums(average_ranks(x)[1])
    yt, yt2, yt3 = _tie_sums(average_ranks(y)[1])
    nn = n * (n - 1.0)
    tau_a = 2 * s / nn
    den = (nn - xt2) * (nn - yt2)
    tau_b = 2 * s / math.sqrt(den) if den > 0 else math.nan
    var = ((nn * (2 * n + 5) - xt - yt) / 18 + xt3 * yt3 / (9 * nn * (n - 2))
           + xt2 * yt2 / (2 * nn))
    se = math.sqrt(var) if var >= 0 else math.nan
    if s == 0:
        p = 1.0
    elif se > 0:
        p = float(2 * ndtr(-(abs(s) - 1) / se))   # = 2*(1 - Phi(.)), without cancellation
    else:
        p = math.nan
    return Ktau(n, tau_a, tau_b, s, se, p, xt2 > 0 or yt2 > 0)


@dataclass
class Ranksum:
    n1: int
    n2: int
    sum_obs: float       # rank sum of the first group
    sum_exp: float       # n1*(n+1)/2
    unv: float           # n1*n2*(n+1)/12
    var: float           # adjusted for ties
    z: float
    p: float
    p_l: float
    p_u: float
    porder: float        # P(x1 > x2) estimated: (W1 - n1(n1+1)/2)/(n1*n2)


def ranksum(x: np.ndarray, first: np.ndarray) -> Ranksum:
    """Wilcoxon rank-sum test of x in the `first` group against the rest."""
    from scipy.special import ndtr
    n = len(x)
    ranks, _ = average_ranks(x)
    n1 = int(first.sum())
    n2 = n - n1
    w1 = float(ranks[first].sum())
    var = n1 * n2 * float(ranks.var(ddof=1)) / n if n > 1 else math.nan
    unv = n1 * n2 * (n + 1) / 12
    exp1 = n1 * (n + 1) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (w1 - exp1) / math.sqrt(var) if var > 0 else math.nan
    p = float(2 * ndtr(-abs(z))) if not math.isnan(z) else math.nan
    porder = (w1 - n1 * (n1 + 1) / 2) / (n1 * n2)
    return Ranksum(n1, n2, w1, exp1, unv, var, z, p, float(ndtr(z)), float(ndtr(-z)), porder)


@dataclass
class Signrank:
    n_pos: int
    n_neg: int
    n_zero: int
    sum_pos: float
    sum_neg: float
    unv: float           # n(n+1)(2n+1)/24
    adj_zero: float      # -n0(n0+1)(2n0+1)/24
    var: float           # sum of squared non-zero ranks / 4
    z: float
    p: float
    p_l: float
    p_u: float


def signrank(d: np.ndarray) -> Signrank:
    """Wilcoxon matched-pairs signed-rank test of the differences d (zeros included in the
    ranking, left out of the sums and of the variance, as Stata does)."""
    from scipy.special import ndtr
    n = len(d)
    ranks, _ = average_ranks(np.abs(d))
    pos, neg = d > 0, d < 0
    tp, tn = float(ranks[pos].sum()), float(ranks[neg].sum())
    nz = ranks[pos | neg]
    var = float(np.dot(nz, nz)) / 4
    z = (tp - tn) / (2 * math.sqrt(var)) if var > 0 else math.nan
    p = float(2 * ndtr(-abs(z))) if not math.isnan(z) else math.nan
    n0 = int(n - pos.sum() - neg.sum())
    return Signrank(int(pos.sum()), int(neg.sum()), n0, tp, tn, n * (n + 1) * (2 * n + 1) / 24,
                    -n0 * (n0 + 1) * (2 * n0 + 1) / 24, var, z, p, float(ndtr(z)),
                    float(ndtr(-z)))


@dataclass
class Signtest:
    n_pos: int
    n_neg: int
    n_zero: int
    p_pos: float         # P(#positive >= n_pos) under Binomial(n_pos + n_neg, 1/2)
    p_neg: float
    p: float             # min(1, 2*min(p_pos, p_neg))


def binomial_tail(n: int, k: int, p: float) -> float:
    """Stata's Binomial(n, k, p): P(X >= k) for X ~ Binomial(n, p)."""
    from scipy.stats import binom
    if k <= 0:
        return 1.0
    return float(binom.sf(k - 1, n, p))


def signtest(d: np.ndarray) -> Signtest:
    npos, nneg = int((d > 0).sum()), int((d < 0).sum())
    ns = npos + nneg
    pp, pn = binomial_tail(ns, npos, 0.5), binomial_tail(ns, nneg, 0.5)
    return Signtest(npos, nneg, len(d) - ns, pp, pn, min(1.0, 2 * min(pp, pn)))


@dataclass
class Kwallis:
    obs: list[int]
    rank_sums: list[float]
    chi2: float
    chi2_adj: float
    df: int
    p: float
    p_adj: float


def kwallis(y: np.ndarray, codes: np.ndarray, k: int) -> Kwallis:
    """Kruskal-Wallis H over groups coded 0..k-1, with and without the ties correction
    1 - sum(t^3 - t)/(N^3 - N). p as Stata computes it: chi2tail(df, H + 1e-20)."""
    from scipy.special import chdtrc
    n = len(y)
    ranks, counts = average_ranks(y)
    obs = np.bincount(codes, minlength=k)
    sums = np.bincount(codes, weights=ranks, minlength=k)
    used = obs > 0
    h = 12 / (n * (n + 1.0)) * float((sums[used] ** 2 / obs[used]).sum()) - 3 * (n + 1.0)
    t = counts.astype(float)
    adj = 1 - float((t ** 3 - t).sum()) / (float(n) ** 3 - n)
    h_adj = h / adj if adj > 0 else math.nan
    df = int(used.sum()) - 1
    return Kwallis(obs.tolist(), sums.tolist(), h, h_adj, df, float(chdtrc(df, h + 1e-20)),
                   float(chdtrc(df, h_adj + 1e-20)) if not math.isnan(h_adj) else math.nan)


# ------------------------------------------------------------------------- exact p-values
MAX_EXACT_CELLS = 30_000_000     # the rank-sum recursion's table (240 MB of doubles)


@dataclass
class ExactP:
    p: float             # two-sided: Pr(|T - E(T)| >= |t - E(T)|)
    p_l: float           # Pr(T <= t)
    p_u: float           # Pr(T >= t)


def _integer_scores(ranks: np.ndarray) -> np.ndarray:
    """Ranks as integers: doubled (and rounded) when any is a midrank, as Stata does."""
    if np.all(ranks == np.floor(ranks)):
        return ranks.astype(np.int64)
    return np.rint(2 * ranks).astype(np.int64)


def _tails(dist: np.ndarray, offset: int, t: int, scale: int, centre: int) -> ExactP:
    """p-values from a distribution over the integers offset + j. The two-sided p compares
    |scale*T - centre| with |scale*t - centre| (scale*E(T) = centre), all in integers."""
    values = offset + np.arange(len(dist), dtype=np.int64)
    far = np.abs(scale * values - centre) >= abs(scale * t - centre)

    def clip(v):
        return float(min(1.0, max(0.0, v)))
    return ExactP(clip(dist[far].sum()), clip(dist[values <= t].sum()),
                  clip(dist[values >= t].sum()))


def exact_ranksum(x: np.ndarray, first: np.ndarray) -> ExactP:
    """The permutation distribution of the first group's rank sum (every n1-subset of the
    n ranks equally likely), by the recursion over observations f_i(k, s) =
    (k/i) f_(i-1)(k-1, s - a_i) + ((i-k)/i) f_(i-1)(k, s), kept as probabilities. The
    smaller group's sum is counted (the other's is the total minus it)."""
    ranks, _ = average_ranks(x)
    a = _integer_scores(ranks)
    n, n1 = len(a), int(first.sum())
    total = int(a.sum())
    t1 = int(a[first].sum())
    m, t = (n1, t1) if n1 <= n - n1 else (n - n1, total - t1)
    top = int(np.sort(a)[::-1][:m].sum())
    if (m + 1) * (top + 1) > MAX_EXACT_CELLS:
        raise MemoryError("exact distribution too large")
    f = np.zeros((m + 1, top + 1))
    f[0, 0] = 1.0
    k = np.arange(m + 1, dtype=float)[:, None]
    reach = 0
    # in ascending order, only the rows that can still reach m and the sums reachable so far
    for i, ai in enumerate(np.sort(a).tolist(), start=1):
        lo, hi = max(0, m - (n - i)), min(i, m)
        reach = min(top, reach + ai)
        c = reach + 1
        r1 = max(lo, 1)
        up = (k[r1:hi + 1] / i) * f[r1 - 1:hi, :c - ai]
        f[lo:hi + 1, :c] *= np.clip((i - k[lo:hi + 1]) / i, 0, None)
        f[r1:hi + 1, ai:c] += up
    res = _tails(f[m], 0, t, n, m * total)
    if m != n1:      # the sums were the second group's: the tails swap
        res = ExactP(res.p, res.p_u, res.p_l)
    return res


def exact_signrank(d: np.ndarray) -> ExactP:
    """The distribution of T = sum of sign(d_i) * rank|d_i| when every non-zero
    difference's sign is + or - with probability 1/2 (zeros add 0); symmetric about 0."""
    ranks, _ = average_ranks(np.abs(d))
    a = _integer_scores(ranks)[d != 0]
    t = int((np.sign(d[d != 0]).astype(np.int64) * a).sum())
    top = int(a.sum())
    dist = np.zeros(2 * top + 1)      # value v at index v + top
    dist[top] = 1.0
    for ai in a.tolist():
        new = np.zeros_like(dist)
        new[ai:] += dist[:len(dist) - ai]       # + a_i
        new[:len(dist) - ai] += dist[ai:]       # - a_i
        dist = 0.5 * new
    return _tails(dist, -top, t, 1, 0)
