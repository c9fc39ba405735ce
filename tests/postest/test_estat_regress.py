"""estat vif / hettest / ovtest after regress. References: statsmodels (written by others)
on the same data — variance_inflation_factor (tolerance 1e-9), het_breuschpagan with
robust=False (the normal-errors statistic, ESS/2; 1e-9) and robust=True (N R^2, the iid
form; 1e-9), linear_reset with powers 2-4 of the fitted values (1e-5: ovtest.ado stores the
powers as float)."""
from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.stats.diagnostic import het_breuschpagan, linear_reset
from statsmodels.stats.outliers_influence import variance_inflation_factor

from session_helpers import hsb_session, run_lines, state


@pytest.fixture(scope="module")
def fitted():
    s = hsb_session()
    assert run_lines(s, "quietly regress mathach ses minority meanses")[0] == 0
    X = sm.add_constant(np.column_stack([s.data.column(v) for v in ("ses", "minority",
                                                                    "meanses")]))
    return s, sm.OLS(s.data.column("mathach"), X).fit(), X


def test_vif(fitted):
    s, _, X = fitted
    rc, lines = run_lines(s, "estat vif")
    assert rc == 0
    want = {n: variance_inflation_factor(X, j) for j, n in
            enumerate(["_cons", "ses", "minority", "meanses"]) if j}
    got = {s.r.macros[f"name_{k}"]: s.r.scalars[f"vif_{k}"] for k in (1, 2, 3)}
    assert got == pytest.approx(want, rel=1e-9)
    assert [s.r.macros[f"name_{k}"] for k in (1, 2, 3)] == sorted(want, key=lambda n: -want[n])
    assert "    Variable |       VIF       1/VIF" in lines   # (run_lines right-strips)


def test_hettest_forms(fitted):
    s, res, X = fitted
    run_lines(s, "estat hettest")
    lm = het_breuschpagan(res.resid, sm.add_constant(res.fittedvalues), robust=False)[0]
    assert s.r.scalars["chi2"] == pytest.approx(lm, rel=1e-9)
    run_lines(s, "estat hettest, rhs iid")
    lm = het_breuschpagan(res.resid, X, robust=True)[0]
    assert s.r.scalars["chi2"] == pytest.approx(lm, rel=1e-9) and s.r.scalars["df"] == 3
    rc, lines = run_lines(s, "estat hettest ses, fstat")
    f = het_breuschpagan(res.resid, sm.add_constant(s.data.column("ses")), robust=True)[2]
    assert s.r.scalars["F"] == pytest.approx(f, rel=1e-9)
    assert "H0: Constant variance" in lines


def test_ovtest(fitted):
    s, res, _ = fitted
    rc, lines = run_lines(s, "estat ovtest")
    assert rc == 0
    want = linear_reset(res, power=4, test_type="fitted", use_f=True)
    assert s.r.scalars["F"] == pytest.approx(float(want.fvalue), rel=1e-5)
    assert (s.r.scalars["df"], s.r.scalars["df_r"]) == (3, 7185 - 4 - 3)
    assert "H0: Model has no omitted variables" in lines


@pytest.mark.parametrize("setup, line, rc", [
    ("quietly mixed mathach ses || id:", "estat vif", 321),
    ("quietly regress mathach ses, noconstant", "estat vif", 301),
    ("quietly regress mathach ses", "estat hettest, mtest", 198),
    ("quietly regress mathach ses", "estat hettest, iid fstat", 198),
    ("quietly regress mathach ses", "estat hettest mathach ses", 499),
    ("quietly regress mathach ses [aw=size]", "estat ovtest", 198),
])
def test_refusals(setup, line, rc):
    s = hsb_session()
    run_lines(s, setup)
    before = state(s)
    assert run_lines(s, line)[0] == rc
    assert state(s) == before
