"""dataset/groupstats.py against independent computations: pandas groupby (mean, sd and
variance with ddof=1, count, sum, min, max), scipy.stats (population skewness and
kurtosis, as summarize), and the project's summarize.percentile (Stata's _pctile rule, the
one summarize, detail and tabstat use) applied group by group. Frequency weights against
the data expanded with np.repeat. Tolerance: 1e-12 relative (1e-10 for the moments)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from hlmshell.commands.summarize import percentile
from hlmshell.dataset.groupstats import group_stats


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(7)
    n, G = 2000, 13
    codes = rng.integers(0, G, n)
    codes[codes == 5] = 6                       # group 5 empty
    x = np.round(rng.normal(10, 3, n), 1)       # ties, for the percentile rule
    x[rng.random(n) < 0.1] = np.nan
    x[codes == 7] = np.nan                      # a group with no nonmissing value
    x[np.flatnonzero(codes == 8)[1:]] = np.nan  # a group with one value
    return x, codes, G


def close(a, b, rtol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, equal_nan=True)


def test_moments_against_pandas(sample):
    x, codes, G = sample
    g = pd.Series(x).groupby(codes)
    ref = lambda f: g.agg(f).reindex(range(G)).to_numpy()
    close(group_stats("mean", x, codes, G), ref("mean"))
    close(group_stats("sd", x, codes, G), ref(lambda s: s.std(ddof=1)), 1e-10)
    close(group_stats("variance", x, codes, G), ref(lambda s: s.var(ddof=1)), 1e-10)
    close(group_stats("count", x, codes, G), np.nan_to_num(ref("count")))
    close(group_stats("sum", x, codes, G), np.nan_to_num(ref("sum")))
    close(group_stats("min", x, codes, G), ref("min"))
    close(group_stats("max", x, codes, G), ref("max"))
    close(group_stats("semean", x, codes, G), ref(lambda s: s.std(ddof=1) / np.sqrt(s.count())),
          1e-10)
    close(group_stats("cv", x, codes, G), ref(lambda s: s.std(ddof=1) / s.mean()), 1e-10)


def test_skewness_kurtosis_against_scipy(sample):
    x, codes, G = sample
    ok = ~np.isnan(x)
    for j in range(G):
        v = x[ok & (codes == j)]
        sk = group_stats("skewness", x, codes, G)[j]
        ku = group_stats("kurtosis", x, codes, G)[j]
        if len(v) < 2:
            assert np.isnan(sk) and np.isnan(ku)
            continue
        assert sk == pytest.approx(sps.skew(v, bias=True), rel=1e-10)
        assert ku == pytest.approx(sps.kurtosis(v, fisher=False, bias=True), rel=1e-10)


@pytest.mark.parametrize("stat,p", [("median", 50), ("p1", 1), ("p10", 10), ("p25", 25),
                                    ("q1", 25), ("q3", 75), ("p99", 99), ("p33", 33)])
def test_percentiles_follow_summarize(sample, stat, p):
    x, codes, G = sample
    got = group_stats(stat, x, codes, G)
    for j in range(G):
        v = np.sort(x[~np.isnan(x) & (codes == j)])
        want = percentile(v, p) if len(v) else np.nan
        close(got[j], want)
    iqr = group_stats("iqr", x, codes, G)
    close(iqr, group_stats("p75", x, codes, G) - group_stats("p25", x, codes, G))


def test_percentile_rule_by_hand():
    # n = 4: P = 2 for the median (an integer: mean of the 2nd and 3rd); p25: P = 1 → mean of
    # 1st and 2nd; n = 5 median: P = 2.5 → the 3rd
    x = np.array([4.0, 1.0, 3.0, 2.0, 10.0, 20.0, 30.0, 40.0, 50.0])
    c = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])
    assert list(group_stats("median", x, c, 2)) == [2.5, 30.0]
    assert list(group_stats("p25", x, c, 2)) == [1.5, 20.0]


def test_frequency_weights_equal_expanded_data(sample):
    x, codes, G = sample
    w = np.random.default_rng(3).integers(0, 4, len(x)).astype(float)
    ex, ec = np.repeat(x, w.astype(int)), np.repeat(codes, w.astype(int))
    for stat in ("count", "sum", "mean", "sd", "skewness", "min", "max", "median", "p90"):
        close(group_stats(stat, x, codes, G, w), group_stats(stat, ex, ec, G), 1e-10)
