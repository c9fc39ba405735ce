"""models/anova1.py against independent computations: scipy.stats (f_oneway, bartlett, the
t tests) and statsmodels' OLS ANOVA at 1e-10 (relative); the loneway ICC, its SE and CI
against a separate plain-Python derivation of [R] loneway's formulas, and against the
numbers a public Stata 17 log printed (to its printed digits)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hlmshell.models import anova1

REL = 1e-10


@pytest.fixture(scope="module")
def unbalanced():
    rng = np.random.default_rng(7)
    sizes = [3, 8, 1, 15, 6, 9, 2]
    g = np.repeat(np.arange(len(sizes)) * 10.0, sizes)
    y = rng.normal(50, 4, len(g)) + np.repeat(rng.normal(0, 3, len(sizes)), sizes)
    return y, g


def test_oneway_matches_scipy_and_statsmodels(unbalanced):
    import pandas as pd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    y, g = unbalanced
    a = anova1.oneway(y, g)
    groups = [y[g == v] for v in np.unique(g)]
    f, p = stats.f_oneway(*groups)
    assert a.F == pytest.approx(f, rel=REL) and a.p == pytest.approx(p, rel=REL)
    fit = smf.ols("y ~ C(g)", data=pd.DataFrame({"y": y, "g": g})).fit()
    table = sm.stats.anova_lm(fit)
    assert a.mss == pytest.approx(table["sum_sq"].iloc[0], rel=REL)
    assert a.rss == pytest.approx(table["sum_sq"].iloc[1], rel=REL)
    assert (a.df_m, a.df_r) == (6, len(y) - 7)
    assert a.r2 == pytest.approx(fit.rsquared, rel=REL)
    # Bartlett over the cells with positive variance: the one-observation cell is left out
    used = [x for x in groups if len(x) > 1]
    chi2, pb = stats.bartlett(*used)
    assert a.chi2bart == pytest.approx(chi2, rel=REL) and a.p_bart == pytest.approx(pb, rel=REL)
    assert a.df_bart == 5 and a.single_cells == 1 and a.flat_cells == 0


def test_bartlett_counts_cells_without_variance():
    y = np.array([1.0, 1, 1, 2, 3, 4, 5, 7, 9, 4])
    g = np.array([1.0, 1, 1, 2, 2, 2, 3, 3, 3, 4])
    a = anova1.oneway(y, g)
    assert (a.flat_cells, a.single_cells, a.df_bart) == (1, 1, 1)
    chi2, _ = stats.bartlett(np.array([2.0, 3, 4]), np.array([5.0, 7, 9]))
    assert a.chi2bart == pytest.approx(chi2, rel=REL)


def _hand_loneway(y, g, z):
    """[R] loneway's formulas, written out again with plain Python sums."""
    levels = sorted(set(g.tolist()))
    groups = [[yy for yy, gg in zip(y.tolist(), g.tolist()) if gg == v] for v in levels]
    T = [len(x) for x in groups]
    N, k = sum(T), len(T)
    grand = sum(y.tolist()) / N
    means = [sum(x) / len(x) for x in groups]
    ssb = sum(t * (m - grand) ** 2 for t, m in zip(T, means))
    ssw = sum((v - m) ** 2 for x, m in zip(groups, means) for v in x)
    msb, msw = ssb / (k - 1), ssw / (N - k)
    F = msb / msw
    n0 = (N - sum(t * t for t in T) / N) / (k - 1)
    rho = (F - 1) / (F - 1 + n0)
    S2, S3 = sum(t ** 2 for t in T), sum(t ** 3 for t in T)
    var = (2 * (1 - rho) ** 2 / n0 ** 2) * (
        (1 + rho * (n0 - 1)) ** 2 / (N - k)
        + ((k - 1) * (1 - rho) * (1 + rho * (2 * n0 - 1))
           + rho ** 2 * (S2 - 2 * S3 / N + S2 ** 2 / N ** 2)) / (k - 1) ** 2)
    se = math.sqrt(var)
    sd_b = math.sqrt((msb - msw) / n0)          # the between-variance estimate
    return dict(rho=rho, se=se, lb=max(rho - z * se, 0), ub=rho + z * se, sd_w=math.sqrt(msw),
                sd_b=sd_b, n0=n0, rel=n0 * rho / (1 + (n0 - 1) * rho))


def test_loneway_against_hand_formulas(unbalanced):
    y, g = unbalanced
    r = anova1.loneway(y, g)
    h = _hand_loneway(y, g, stats.norm.ppf(0.975))
    for ours, theirs in ((r.rho, h["rho"]), (r.se, h["se"]), (r.lb, h["lb"]), (r.ub, h["ub"]),
                         (r.sd_w, h["sd_w"]), (r.sd_b, h["sd_b"]), (r.n0, h["n0"]),
                         (r.reliability, h["rel"])):
        assert ours == pytest.approx(theirs, rel=1e-9)


def test_balanced_se_is_the_textbook_formula():
    # equal groups of n: var(rho) = 2 (1-rho)^2 (1+(n-1)rho)^2 / n^2 (1/(N-k) + 1/(k-1))
    T = np.full(12, 5.0)
    rho, n, N, k = 0.3, 5, 60, 12
    want = math.sqrt(2 * (1 - rho) ** 2 * (1 + (n - 1) * rho) ** 2 / n ** 2
                     * (1 / (N - k) + 1 / (k - 1)))
    assert anova1.icc_se(rho, T) == pytest.approx(want, rel=1e-12)


def test_loneway_parts_reproduce_a_public_stata_log():
    # `loneway paid_dummy a7` (public Stata 17 log): MS .14439321 and .03820785 and
    # "evaluated at n=8.71" printed, then rho 0.24195 (S.E. 0.02871, CI 0.18568 0.29822),
    # SD of effect .1104313, within .1954683, reliability 0.73539. The n0 that gives the
    # printed rho must round to 8.71, and at it the other printed numbers must follow.
    F = .14439321 / .03820785
    n0 = (F - 1) * (1 - 0.24195) / 0.24195
    assert round(n0, 2) == 8.71
    rho, rel, truncated = anova1.icc_parts(F, n0)
    sd_b, sd_w = math.sqrt((.14439321 - .03820785) / n0), math.sqrt(.03820785)
    assert not truncated
    assert abs(sd_b - .1104313) < 1e-6 and abs(sd_w - .1954683) < 1e-7
    assert abs(rel - 0.73539) < 1e-5
    z = stats.norm.ppf(0.975)
    assert round(rho - z * 0.02871, 5) == 0.18568 and round(rho + z * 0.02871, 5) == 0.29822


def test_loneway_exact_interval_balanced():
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(10.0), 4)
    y = rng.normal(size=40) + np.repeat(rng.normal(size=10), 4)
    r = anova1.loneway(y, g, exact=True, level=90)
    F = r.anova.F
    fu, fl = stats.f.ppf(0.95, 9, 30), stats.f.ppf(0.05, 9, 30)
    assert r.lb == pytest.approx(max(0, F - fu) / (F + 3 * fu), rel=1e-12)
    assert r.ub == pytest.approx((F - fl) / (F + 3 * fl), rel=1e-12)


def test_loneway_truncation_and_reference_points():
    # F below the reference point: rho and the reliability are 0 ("(*) Truncated at zero."),
    # the SD of the effect is missing (square root of a negative variance estimate)
    y = np.array([1.0, 5, 2, 6, 3, 4])
    g = np.array([1.0, 1, 2, 2, 3, 3])
    r = anova1.loneway(y, g)
    assert r.anova.F < 1 and r.truncated and r.rho == 0 and r.reliability == 0
    assert math.isnan(r.sd_b) and r.lb == 0
    # mean/median: Fm = df_r/(df_r-2) or F's median; no asymptotic SE then
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(8.0), 6)
    y = rng.normal(size=48) + np.repeat(rng.normal(size=8), 6)
    for fm, want in (("mean", 40 / 38), ("median", stats.f.ppf(0.5, 7, 40))):
        r = anova1.loneway(y, g, fm=fm)
        F = r.anova.F
        assert r.Fm == pytest.approx(want, rel=1e-12)
        assert r.rho == pytest.approx((F - want) / (F - want + want * 6), rel=1e-12)
        assert r.reliability == pytest.approx((F - want) / F, rel=1e-12)
        assert math.isnan(r.se) and math.isnan(r.lb)


def test_t_tests_match_scipy(unbalanced):
    y, g = unbalanced
    a, b = y[g == 30], y[g == 50]
    eq = anova1.two_sample(("a", *anova1.moments(a)), ("b", *anova1.moments(b)),
                           anova1.moments(np.r_[a, b]), 95)
    ref = stats.ttest_ind(a, b)
    assert eq.t == pytest.approx(ref.statistic, rel=REL) and eq.p == pytest.approx(ref.pvalue, rel=REL)
    assert eq.df == len(a) + len(b) - 2
    ci = ref.confidence_interval(0.95)
    assert (eq.diff.lb, eq.diff.ub) == (pytest.approx(ci.low, rel=REL), pytest.approx(ci.high, rel=REL))
    sat = anova1.two_sample(("a", *anova1.moments(a)), ("b", *anova1.moments(b)), None, 95,
                            "satterthwaite")
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert sat.t == pytest.approx(ref.statistic, rel=REL) and sat.p == pytest.approx(ref.pvalue, rel=REL)
    assert sat.p_l == pytest.approx(stats.ttest_ind(a, b, equal_var=False, alternative="less").pvalue, rel=REL)
    # ttesti's combined row from the two groups' moments equals the pooled sample's
    assert sat.combined.sd == pytest.approx(np.std(np.r_[a, b], ddof=1), rel=REL)
    # Welch's (1947) df: ([v1+v2]^2 / [v1^2/(n1+1) + v2^2/(n2+1)]) - 2
    w = anova1.two_sample(("a", *anova1.moments(a)), ("b", *anova1.moments(b)), None, 95,
                          "welch")
    v1, v2 = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    assert w.df == pytest.approx((v1 + v2) ** 2 / (v1 ** 2 / (len(a) + 1) + v2 ** 2 / (len(b) + 1)) - 2, rel=REL)
    assert w.p == pytest.approx(2 * stats.t.sf(abs(w.t), w.df), rel=REL)


def test_one_sample_and_paired_match_scipy(unbalanced):
    y, g = unbalanced
    x = y[g == 30]
    one = anova1.one_sample("x", *anova1.moments(x), 48.0, 90)
    ref = stats.ttest_1samp(x, 48.0)
    assert one.t == pytest.approx(ref.statistic, rel=REL) and one.p == pytest.approx(ref.pvalue, rel=REL)
    ci = ref.confidence_interval(0.90)
    assert (one.rows[0].lb, one.rows[0].ub) == (pytest.approx(ci.low, rel=REL), pytest.approx(ci.high, rel=REL))
    a, b = y[:15], y[15:30]
    pr = anova1.paired("a", a, "b", b, 95)
    ref = stats.ttest_rel(a, b)
    assert pr.t == pytest.approx(ref.statistic, rel=REL) and pr.p == pytest.approx(ref.pvalue, rel=REL)
    assert pr.p_u == pytest.approx(stats.ttest_rel(a, b, alternative="greater").pvalue, rel=REL)


def test_pairwise_against_pooled_t_tests(unbalanced):
    from statsmodels.stats.multitest import multipletests
    y, g = unbalanced
    a = anova1.oneway(y, g)
    msw, k = a.rss / a.df_r, len(a.groups.levels)
    raw, want_d, scheffe = [], [], []
    for i in range(1, k):
        for j in range(i):
            ni, nj = a.groups.n[i], a.groups.n[j]
            d = a.groups.mean[i] - a.groups.mean[j]
            t = d / math.sqrt(msw * (1 / ni + 1 / nj))
            raw.append(2 * stats.t.sf(abs(t), a.df_r))
            want_d.append(d)
            scheffe.append(stats.f.sf(t * t / (k - 1), k - 1, a.df_r))
    for method, sm_name in (("bonferroni", "bonferroni"), ("sidak", "sidak")):
        d, p = anova1.pairwise(a.groups, msw, a.df_r, method)
        got = p[np.tril_indices(k, -1)]
        assert got == pytest.approx(multipletests(raw, method=sm_name)[1], rel=1e-9)
        assert d[np.tril_indices(k, -1)] == pytest.approx(want_d, rel=REL)
    _, p = anova1.pairwise(a.groups, msw, a.df_r, "scheffe")
    assert p[np.tril_indices(k, -1)] == pytest.approx(scheffe, rel=REL)
