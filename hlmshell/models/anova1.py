"""One-way ANOVA, the ANOVA intraclass correlation and t tests: the numbers behind
`oneway`, `loneway` and `ttest`/`ttesti` ([R] oneway, [R] loneway, [R] ttest).

Plain numpy/scipy on arrays of observations already selected (no missing values); nothing
here prints or knows the shell. scipy is imported inside the functions that need it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

NAN = math.nan


# ------------------------------------------------------------------------ one-way ANOVA
@dataclass
class GroupStats:
    levels: np.ndarray          # the distinct group values, ascending
    n: np.ndarray               # observations per group
    mean: np.ndarray
    sd: np.ndarray              # NaN for a one-observation group


@dataclass
class OneWay:
    groups: GroupStats
    N: int
    mean: float                 # of all observations
    sd: float
    mss: float                  # between-group sum of squares
    rss: float                  # within-group sum of squares
    df_m: int
    df_r: int
    F: float                    # NaN when it is not defined (no within variation, df 0)
    p: float
    chi2bart: float = NAN       # Bartlett's test over the cells with positive variance
    df_bart: float = NAN
    p_bart: float = NAN
    single_cells: int = 0       # cells left out of Bartlett's test: one observation
    flat_cells: int = 0         # ... several observations, no variance

    @property
    def tss(self) -> float:
        return self.mss + self.rss

    @property
    def r2(self) -> float:
        return self.mss / self.tss if self.tss > 0 else NAN


def group_stats(y: np.ndarray, g: np.ndarray) -> tuple[GroupStats, np.ndarray]:
    """Per-group counts, means and standard deviations, and each observation's group index.
    Sums are taken group by group on centred values (two passes), so a large common offset
    does not cost precision."""
    levels, idx = np.unique(g, return_inverse=True)
    k = len(levels)
    n = np.bincount(idx, minlength=k).astype(float)
    mean = np.bincount(idx, weights=y, minlength=k) / n
    dev = y - mean[idx]
    mean = mean + np.bincount(idx, weights=dev, minlength=k) / n   # second-pass correction
    dev = y - mean[idx]
    ss = np.bincount(idx, weights=dev * dev, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.where(n > 1, np.sqrt(ss / (n - 1)), NAN)
    return GroupStats(levels, n.astype(int), mean, sd), ss


def oneway(y: np.ndarray, g: np.ndarray) -> OneWay:
    """The one-way ANOVA of y on the groups g, with Bartlett's test of equal variances."""
    from scipy import stats
    y = np.asarray(y, dtype=float)
    gs, ss = group_stats(y, g)
    N, k = len(y), len(gs.levels)
    grand = float(y.mean())
    grand += float((y - grand).mean())
    tss = float(((y - grand) ** 2).sum())
    rss = float(ss.sum())
    mss = float((gs.n * (gs.mean - grand) ** 2).sum()) if k > 1 else 0.0
    df_m, df_r = k - 1, N - k
    F = p = NAN
    if df_m > 0 and df_r > 0 and rss > 0:
        F = (mss / df_m) / (rss / df_r)
        p = float(stats.f.sf(F, df_m, df_r))
    out = OneWay(gs, N, grand, math.sqrt(tss / (N - 1)) if N > 1 else NAN,
                 mss, rss, df_m, df_r, F, p)
    _bartlett(out, ss)
    return out


def _bartlett(out: OneWay, ss: np.ndarray) -> None:
    """Bartlett's statistic over the cells with positive variance (Stata leaves out the
    one-observation cells and those without variation, and says how many)."""
    from scipy import stats
    n = out.groups.n
    used = (n > 1) & (ss > 0)
    out.single_cells = int((n == 1).sum())
    out.flat_cells = int(((n > 1) & (ss <= 0)).sum())
    k = int(used.sum())
    if k < 2:
        return
    ni, vi = n[used].astype(float), ss[used] / (n[used] - 1)
    N = ni.sum()
    sp2 = ((ni - 1) * vi).sum() / (N - k)
    num = (N - k) * math.log(sp2) - ((ni - 1) * np.log(vi)).sum()
    den = 1 + (np.sum(1 / (ni - 1)) - 1 / (N - k)) / (3 * (k - 1))
    out.chi2bart = max(float(num / den), 0.0)   # >= 0 in exact arithmetic (AM-GM)
    out.df_bart = float(k - 1)
    out.p_bart = float(stats.chi2.sf(out.chi2bart, k - 1))


# --------------------------------------------------------------------------- loneway
@dataclass
class Loneway:
    anova: OneWay
    n0: float                   # the average group size the ICC is evaluated at
    Fm: float                   # the F the ICC is measured from (1, or F's mean or median)
    rho: float
    se: float                   # asymptotic standard error (NaN with mean/median)
    lb: float
    ub: float
    sd_b: float                 # estimated SD of the group effect (NaN when MS_b < MS_w)
    sd_w: float                 # estimated SD within group
    reliability: float          # of a group mean, at n0 (Stata's rho_t)
    truncated: bool = False     # F below Fm: rho and reliability set to 0
    exact: bool = False
    level: float = 95.0


def weighted_oneway(y: np.ndarray, g: np.ndarray, w: np.ndarray) -> OneWay:
    """The one-way ANOVA with analytic weights as loneway.ado computes it: weights scaled to
    mean 1, weighted group means, SS_within = sum w (y - mean_g)^2, SS_total = sum w (y -
    weighted mean)^2, SS_between their difference, df as without weights (N - 1 - (k - 1)).
    GroupStats hold the counts and weighted means."""
    from scipy import stats
    y, w = np.asarray(y, dtype=float), np.asarray(w, dtype=float)
    wn = w / w.mean()
    levels, idx = np.unique(g, return_inverse=True)
    k, N = len(levels), len(y)
    n = np.bincount(idx, minlength=k)
    sw = np.bincount(idx, weights=wn, minlength=k)
    mean = np.bincount(idx, weights=wn * y, minlength=k) / sw
    rss = float((wn * (y - mean[idx]) ** 2).sum())
    grand = float((wn * y).sum() / N)
    tss = float((wn * (y - grand) ** 2).sum())
    mss = tss - rss
    df_m, df_r = k - 1, N - 1 - (k - 1)
    F = p = NAN
    if df_m > 0 and df_r > 0 and rss > 0:
        F = mss / df_m * df_r / rss
        p = float(stats.f.sf(F, df_m, df_r))
    gs = GroupStats(levels, n, mean, np.full(k, NAN))
    return OneWay(gs, N, grand, math.sqrt(tss / (N - 1)) if N > 1 else NAN, mss, rss,
                  df_m, df_r, F, p)


def loneway(y: np.ndarray, g: np.ndarray, *, level: float = 95.0, fm: str = "one",
            exact: bool = False, weights: np.ndarray | None = None) -> Loneway:
    """The random-effects reading of the one-way ANOVA ([R] loneway, Methods and formulas;
    the rules below are those of Stata's loneway.ado):

        n0    = (N - sum T_i^2 / N) / (k - 1)                  T_i the group sizes
        Fm    = 1, or E(F) = df_r / (df_r - 2) (mean), or F's median (median)
        rho   = max(F - Fm, 0) / (max(F - Fm, 0) + Fm n0)      truncated at 0 below Fm
        rho_t = max(F - Fm, 0) / (max(F - Fm, 0) + Fm)         reliability of a group mean
        sd_b  = sqrt((MS_b - MS_w) / n0),  sd_w = sqrt(MS_w)
        var(rho) = 2 (1-rho)^2 / n0^2 * { [1 + rho (n0-1)]^2 / (N-k)
                   + [(k-1)(1-rho)(1 + rho(2 n0 - 1)) + rho^2 (S2 - 2 S3/N + S2^2/N^2)] / (k-1)^2 }
        (S2 = sum T_i^2, S3 = sum T_i^3; Smith's large-sample variance as Donner gives it;
        only with Fm = 1), interval [max(rho - z se, 0), rho + z se]; with `exact` (equal
        groups) from F's quantiles q: (F - Fm q) / (F + (n0 - 1) Fm q), the lower limit's
        numerator held at 0 or above.
    With analytic weights: the ANOVA of `weighted_oneway`, T_i the groups' sums of the
    weights as given, and no asymptotic SE (nor interval)."""
    from scipy import stats
    if weights is None:
        a = oneway(y, g)
        T = a.groups.n.astype(float)
    else:
        a = weighted_oneway(y, g, weights)
        _, idx = np.unique(g, return_inverse=True)
        T = np.bincount(idx, weights=np.asarray(weights, dtype=float))
    W, k = float(T.sum()), len(T)          # W = N without weights
    n0 = (W - (T ** 2).sum() / W) / (k - 1)
    df_m, df_r = a.df_m, a.df_r
    if fm == "mean":
        Fm = df_r / (df_r - 2) if df_r > 2 else NAN
    elif fm == "median":
        Fm = float(stats.f.ppf(0.5, df_m, df_r))
    else:
        Fm = 1.0
    F = a.F
    ms_b = a.mss / df_m
    ms_w = a.rss / df_r if df_r > 0 else NAN
    rho, rel, truncated = icc_parts(F, n0, Fm)
    sd_w = math.sqrt(ms_w) if ms_w >= 0 else NAN
    sd_b = math.sqrt((ms_b - ms_w) / n0) if ms_b >= ms_w else NAN
    se = icc_se(rho, T) if fm == "one" and weights is None else NAN
    lb = ub = NAN
    if exact:
        q_lo = float(stats.f.ppf((1 - level / 100) / 2, df_m, df_r))
        q_hi = float(stats.f.ppf(1 - (1 - level / 100) / 2, df_m, df_r))
        ub = (F - Fm * q_lo) / (F + (n0 - 1) * Fm * q_lo)
        lb = max(F - Fm * q_hi, 0.0) / (F + (n0 - 1) * Fm * q_hi)
    elif not math.isnan(se):
        half = se * float(stats.norm.ppf(1 - (1 - level / 100) / 2))
        lb, ub = max(rho - half, 0.0), rho + half
    return Loneway(a, n0, Fm, rho, se, lb, ub, sd_b, sd_w, rel, truncated, exact, level)


def icc_parts(F: float, n0: float, Fm: float = 1.0) -> tuple[float, float, bool]:
    """rho, the reliability of a group mean (rho_t) and whether F < Fm truncated them to 0;
    NaN when F is (no within-group variation)."""
    if math.isnan(F) or math.isnan(Fm):
        return NAN, NAN, False
    excess = max(F - Fm, 0.0)
    return excess / (excess + Fm * n0), excess / (excess + Fm), F < Fm


def icc_se(rho: float, T: np.ndarray) -> float:
    """Asymptotic SE of the ANOVA ICC for group sizes T (see loneway's docstring)."""
    T = np.asarray(T, dtype=float)
    N, k = T.sum(), len(T)
    n0 = (N - (T ** 2).sum() / N) / (k - 1)
    S2, S3 = (T ** 2).sum(), (T ** 3).sum()
    var = 2 * (1 - rho) ** 2 / n0 ** 2 * (
        (1 + rho * (n0 - 1)) ** 2 / (N - k)
        + ((k - 1) * (1 - rho) * (1 + rho * (2 * n0 - 1))
           + rho ** 2 * (S2 - 2 * S3 / N + S2 ** 2 / N ** 2)) / (k - 1) ** 2)
    return math.sqrt(var) if var >= 0 else NAN


# ----------------------------------------------------------------------------- t tests
@dataclass
class Sample:
    """One row of a t-test table: count, mean, SE, SD and the t interval of the mean."""
    label: str
    n: int
    mean: float
    sd: float
    se: float = NAN
    lb: float = NAN
    ub: float = NAN


def describe(label: str, n: float, mean: float, sd: float, level: float) -> Sample:
    from scipy import stats
    n = int(n)
    if n == 1:               # one observation: no SD (ttesti accepts 0 and drops it)
        sd = NAN
    se = sd / math.sqrt(n) if n > 0 else NAN
    lb = ub = NAN
    if n > 1 and not math.isnan(se):
        q = float(stats.t.ppf(1 - (1 - level / 100) / 2, n - 1))
        lb, ub = mean - q * se, mean + q * se
    return Sample(label, n, mean, sd, se, lb, ub)


def moments(x: np.ndarray) -> tuple[int, float, float]:
    """n, mean and SD (n - 1 divisor; NaN below two observations), two-pass."""
    n = len(x)
    if n == 0:
        return 0, NAN, NAN
    m = float(x.mean())
    m += float((x - m).mean())
    sd = math.sqrt(float(((x - m) ** 2).sum()) / (n - 1)) if n > 1 else NAN
    return n, m, sd


@dataclass
class TTest:
    kind: str                   # one | two | paired
    rows: list[Sample]
    combined: Sample | None     # the Combined row of a two-sample test
    diff: Sample | None         # the diff row (paired: with its n and SD)
    t: float
    df: float
    p_l: float
    p: float
    p_u: float
    se: float                   # of the difference (one-sample: of the mean)
    unequal: str = ""           # "", "satterthwaite" or "welch"
    mu0: float = 0.0            # the hypothesised mean (one-sample)
    level: float = 95.0
    extra: dict = field(default_factory=dict)


def t_pvalues(t: float, df: float) -> tuple[float, float, float]:
    """P(T < t), P(|T| > |t|), P(T > t) under Student's t with df degrees of freedom."""
    from scipy import stats
    if math.isnan(t) or not df > 0:
        return NAN, NAN, NAN
    return (float(stats.t.cdf(t, df)), float(2 * stats.t.sf(abs(t), df)),
            float(stats.t.sf(t, df)))


def _div(a: float, b: float) -> float:
    """a / b, missing (NaN) where b is 0 or either is missing (no variation, one obs)."""
    return a / b if b and not (math.isnan(a) or math.isnan(b)) else NAN


def one_sample(label: str, n: float, mean: float, sd: float, mu0: float,
               level: float) -> TTest:
    row = describe(label, n, mean, sd, level)
    t = (mean - mu0) / row.se if row.se > 0 else NAN
    df = row.n - 1
    p_l, p, p_u = t_pvalues(t, df)
    return TTest("one", [row], None, None, t, df, p_l, p, p_u, row.se, mu0=mu0, level=level)


def two_sample(a: tuple, b: tuple, combined: tuple | None, level: float,
               unequal: str = "") -> TTest:
    """a, b = (label, n, mean, sd); combined = (n, mean, sd) of the pooled observations, or
    None: from the two groups' moments, as ttest and ttesti do. unequal: Satterthwaite's or
    Welch's df."""
    from scipy import stats
    r1, r2 = describe(*a, level), describe(*b, level)
    n1, n2 = r1.n, r2.n
    if combined is None:     # pooled moments from the two groups' own
        n = n1 + n2
        m = (n1 * r1.mean + n2 * r2.mean) / n
        ss = ((n1 - 1) * r1.sd ** 2 + (n2 - 1) * r2.sd ** 2
              + n1 * (r1.mean - m) ** 2 + n2 * (r2.mean - m) ** 2)
        combined = (n, m, math.sqrt(ss / (n - 1)) if n > 1 else NAN)
    comb = describe("Combined", *combined, level)
    d = r1.mean - r2.mean
    if unequal:
        v1, v2 = r1.sd ** 2 / n1, r2.sd ** 2 / n2
        se = math.sqrt(v1 + v2)
        if unequal == "welch":
            df = -2 + _div((v1 + v2) ** 2, v1 ** 2 / (n1 + 1) + v2 ** 2 / (n2 + 1))
        else:
            df = _div((v1 + v2) ** 2, _div(v1 ** 2, n1 - 1) + _div(v2 ** 2, n2 - 1))
    else:
        df = n1 + n2 - 2
        # a one-observation group's SD is missing, and so is the pooled variance (as Stata)
        sp2 = ((n1 - 1) * r1.sd ** 2 + (n2 - 1) * r2.sd ** 2) / df if df > 0 else NAN
        se = math.sqrt(sp2 * (1 / n1 + 1 / n2)) if sp2 >= 0 else NAN
    t = d / se if se > 0 else NAN
    lb = ub = NAN
    if df > 0 and not math.isnan(se):
        q = float(stats.t.ppf(1 - (1 - level / 100) / 2, df))
        lb, ub = d - q * se, d + q * se
    diff = Sample("diff", 0, d, NAN, se, lb, ub)
    p_l, p, p_u = t_pvalues(t, df)
    return TTest("two", [r1, r2], comb, diff, t, df, p_l, p, p_u, se, unequal=unequal,
                 level=level)


def paired(la: str, x: np.ndarray, lb_: str, y: np.ndarray, level: float) -> TTest:
    rows = [describe(la, *moments(x), level), describe(lb_, *moments(y), level)]
    diff = describe("diff", *moments(x - y), level)
    t = diff.mean / diff.se if diff.se > 0 else NAN
    df = diff.n - 1
    p_l, p, p_u = t_pvalues(t, df)
    return TTest("paired", rows, None, diff, t, df, p_l, p, p_u, diff.se, level=level)


# ------------------------------------------------------------- multiple comparisons
def pairwise(gs: GroupStats, ms_w: float, df_r: int, method: str
             ) -> tuple[np.ndarray, np.ndarray]:
    """oneway's multiple comparisons: for rows i > j, mean_i - mean_j and its adjusted p
    from the pooled within-group variance (df_r): bonferroni min(1, K p), sidak
    min(1, 1 - (1 - p)^K) with p the two-sided t p-value and K = k(k-1)/2 comparisons;
    scheffe the F(k-1, df_r) tail of t^2/(k-1). Entries on or above the diagonal are NaN."""
    from scipy import stats
    k = len(gs.levels)
    K = k * (k - 1) / 2
    below = np.tril(np.ones((k, k), dtype=bool), -1)
    n, m = gs.n.astype(float), gs.mean
    diff = np.where(below, m[:, None] - m[None, :], NAN)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(ms_w * (1 / n[:, None] + 1 / n[None, :])) if ms_w > 0 else np.full((k, k), NAN)
        t = diff / se
        if method == "scheffe":
            p = stats.f.sf(t * t / (k - 1), k - 1, df_r)
        else:
            pt = 2 * stats.t.sf(np.abs(t), df_r)
            p = pt * K if method == "bonferroni" else -np.expm1(K * np.log1p(-pt))
            p = np.minimum(p, 1.0)
    p = np.where(below & ~np.isnan(t), p, NAN)
    return diff, p
