"""hausman ([R] hausman) on xtreg fe vs re. Reference: the statistic written out in numpy from
the two stored e(b), e(V) (a plain inverse: V_b - V_B is full rank here), tolerance 1e-10;
sigmamore rescales V_b by (rmse_re / sigma_e_fe)^2 (hausman.ado)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from session_helpers import hsb_session, run_lines, state


@pytest.fixture(scope="module")
def s():
    s = hsb_session()
    for line in ("encode id, gen(nid)", "xtset nid", "quietly xtreg mathach ses minority, fe",
                 "estimates store fe", "quietly xtreg mathach ses minority, re",
                 "estimates store re"):
        assert run_lines(s, line)[0] == 0
    return s


def bv(s, name):
    r = s.estimates.get(name)
    return r.matrices["b"].values[0][:2], r.matrices["V"].values[:2, :2], r


def test_statistic_and_layout(s):
    rc, lines = run_lines(s, "hausman fe re")
    assert rc == 0
    b, V, _ = bv(s, "fe")
    B, VB, _ = bv(s, "re")
    chi2 = (b - B) @ np.linalg.solve(V - VB, b - B)
    assert s.r.scalars["chi2"] == pytest.approx(chi2, rel=1e-10)
    assert s.r.scalars["df"] == 2 and s.r.scalars["rank"] == 2
    assert s.r.scalars["p"] == pytest.approx(stats.chi2.sf(chi2, 2), rel=1e-10)
    assert lines[1] == " " * 17 + "---- Coefficients ----"
    assert lines[5].startswith("         ses |    ")
    assert "    chi2(2) = (b-B)'[(V_b-V_B)^(-1)](b-B)" in lines


def test_sigmamore_uses_the_efficient_scale(s):
    run_lines(s, "hausman fe re, sigmamore")
    b, V, rfe = bv(s, "fe")
    B, VB, rre = bv(s, "re")
    V = (rre.scalars["rmse"] / rfe.scalars["sigma_e"]) ** 2 * V
    chi2 = (b - B) @ np.linalg.solve(V - VB, b - B)
    assert s.r.scalars["chi2"] == pytest.approx(chi2, rel=1e-10)


def test_rmse_of_re_is_the_transformed_regression():
    # xtreg_re.ado: e(rmse) of the regression on theta-demeaned data
    s = hsb_session()
    for line in ("encode id, gen(nid)", "xtset nid", "quietly xtreg mathach ses, re"):
        run_lines(s, line)
    r = s.estimates.active
    g = np.unique(s.data.column("nid"), return_inverse=True)[1]
    y, x = s.data.column("mathach"), s.data.column("ses")
    T = np.bincount(g)[g]
    su, se = r.scalars["sigma_u"], r.scalars["sigma_e"]
    th = 1 - np.sqrt(se ** 2 / (T * su ** 2 + se ** 2))
    mean = lambda v: (np.bincount(g, weights=v) / np.bincount(g))[g]  # noqa: E731
    ys, xs, cs = y - th * mean(y), x - th * mean(x), 1 - th
    X = np.column_stack([xs, cs])
    e = ys - X @ np.linalg.lstsq(X, ys, rcond=None)[0]
    assert r.scalars["rmse"] == pytest.approx(np.sqrt(e @ e / (len(y) - 2)), rel=1e-8)


@pytest.mark.parametrize("line, rc", [
    ("hausman fe fe", 198), ("hausman nosuch re", 111), ("hausman", 198),
    ("hausman fe re, equations(1:1)", 198), ("hausman fe re, sigmamore sigmaless", 198),
])
def test_refusals(s, line, rc):
    before = state(s)
    assert run_lines(s, line)[0] == rc
    assert state(s) == before


def test_xttest0_breusch_pagan():
    # reference: pooled OLS residuals from statsmodels, the LM statistic written out (Breusch
    # and Pagan 1980, unbalanced form as xttest0.ado), tolerance 1e-9
    import statsmodels.api as sm
    s = hsb_session()
    for line in ("encode id, gen(nid)", "xtset nid", "quietly xtreg mathach ses sector, re"):
        run_lines(s, line)
    rc, lines = run_lines(s, "xttest0")
    assert rc == 0
    y = s.data.column("mathach")
    X = sm.add_constant(np.column_stack([s.data.column("ses"), s.data.column("sector")]))
    e = sm.OLS(y, X).fit().resid
    g = np.unique(s.data.column("nid"), return_inverse=True)[1]
    N, T = len(y), np.bincount(g)
    lm = N ** 2 / (2 * ((T ** 2).sum() - N)) * (1 - (np.bincount(g, weights=e) ** 2).sum()
                                                / (e @ e)) ** 2
    assert s.r.scalars["lm"] == pytest.approx(lm, rel=1e-9)
    assert s.r.scalars["p"] == pytest.approx(stats.chi2.sf(lm, 1) / 2, rel=1e-9, abs=1e-300)
    assert "                             chibar2(01) = " + f"{lm:8.2f}" in lines
    run_lines(s, "quietly xtreg mathach ses, fe")
    assert run_lines(s, "xttest0")[0] == 301
