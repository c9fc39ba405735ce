"""ci means | proportions | variances ([R] ci). References: scipy.stats (t interval, chi2
interval) and statsmodels' proportion_confint (methods 'beta' = exact Clopper–Pearson,
'wilson', 'agresti_coull', 'jeffreys', 'normal' = Wald), all written by others; tolerance
1e-10 (1e-8 for the exact and Jeffreys beta quantiles)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from session_helpers import hsb_session, run_lines, state


@pytest.fixture(scope="module")
def s():
    return hsb_session()


def test_means(s):
    rc, lines = run_lines(s, "ci means mathach, level(90)")
    assert rc == 0
    x = s.data.column("mathach")
    lo, hi = stats.t.interval(0.90, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (s.r.scalars["lb"], s.r.scalars["ub"]) == pytest.approx((lo, hi), rel=1e-10)
    assert "    Variable |        Obs        Mean    Std. err.       [90% conf. interval]" in lines


@pytest.mark.parametrize("opt, method, rel", [("", "beta", 1e-8), ("wilson", "wilson", 1e-10),
                                              ("agresti", "agresti_coull", 1e-10),
                                              ("jeffreys", "jeffreys", 1e-8),
                                              ("wald", "normal", 1e-10)])
def test_proportions(s, opt, method, rel):
    assert run_lines(s, f"ci proportions sector, {opt}")[0] == 0
    x = s.data.column("sector")
    want = proportion_confint(int(x.sum()), len(x), alpha=0.05, method=method)
    assert (s.r.scalars["lb"], s.r.scalars["ub"]) == pytest.approx(want, rel=rel)
    assert s.r.macros["citype"] == (opt or "exact")


def test_variances(s):
    run_lines(s, "ci variances ses")
    x = s.data.column("ses")
    v, n = x.var(ddof=1), len(x)
    want = ((n - 1) * v / stats.chi2.ppf(0.975, n - 1), (n - 1) * v / stats.chi2.ppf(0.025, n - 1))
    assert (s.r.scalars["lb"], s.r.scalars["ub"]) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("line", ["ci", "ci mathach", "ci means mathach, wilson",
                                  "ci means mathach, poisson", "ci proportions sector, wald exact",
                                  "ci means mathach, level(100)"])
def test_refusals(s, line):
    before = state(s)
    assert run_lines(s, line)[0] == 198
    assert state(s) == before
