"""xtset and xtreg: the setting on the Dataset, Stata's xtset report, xtreg layouts and e()
on Grunfeld's data against Stata's published figures (see tests/models/test_ols_panel.py
for the sources), predict after xtreg against a numpy derivation, and bad input."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from session_helpers import data_session, hsb_after, hsb_session, run_lines

GRUNFELD = Path(__file__).parents[1] / "models" / "fixtures" / "grunfeld.csv"


@pytest.fixture
def grunfeld():
    d = np.genfromtxt(GRUNFELD, delimiter=",", names=True)
    f32 = lambda v: d[v].astype(np.float32).astype(float)   # Stata stores them as float
    s, out = data_session({"company": ("byte", d["company"]), "year": ("int", d["year"]),
                           "invest": ("float", f32("invest")), "mvalue": ("float", f32("value")),
                           "kstock": ("float", f32("capital"))})
    return s


def test_xtset_report_and_setting_travels_with_the_data(grunfeld):
    rc, lines = run_lines(grunfeld, "xtset company year")
    assert rc == 0 and lines[:4] == ["", "Panel variable: company (strongly balanced)",
                                     " Time variable: year, 1935 to 1954",
                                     "         Delta: 1 unit"]
    assert grunfeld.r.macros["balanced"] == "strongly balanced"
    assert grunfeld.data.copy().xtset["timevar"] == "year"
    grunfeld.run("rename company firm")
    assert grunfeld.data.xtset["panelvar"] == "firm"
    rc, lines = run_lines(grunfeld, "xtset")
    assert lines[1] == "Panel variable: firm (strongly balanced)"
    grunfeld.run("drop in 5")
    rc, lines = run_lines(grunfeld, "xtset")
    assert lines[1] == "Panel variable: firm (unbalanced)"
    assert lines[2] == " Time variable: year, 1935 to 1954, but with gaps"


def test_xtreg_fe_output_and_e(grunfeld):
    grunfeld.run("xtset company year")
    rc, lines = run_lines(grunfeld, "xtreg invest mvalue kstock, fe")
    assert rc == 0
    assert lines[1] == ("Fixed-effects (within) regression               "
                        "Number of obs     =        200")
    assert lines[2] == ("Group variable: company                         "
                        "Number of groups  =         10")
    assert "     sigma_u |  85.732501" in lines
    assert "         rho |  .72525012   (fraction of variance due to u_i)" in lines
    assert any(l.startswith("       _cons |  -58.74393   12.45369") for l in lines), lines
    assert any(l.startswith("F test that all u_i=0: F(9, 188) = 49.18 ") and
               l.endswith("Prob > F = 0.0000") and len(l) == 78 for l in lines)
    e = grunfeld.estimates.active
    assert e.scalars["df_r"] == 188 and e.macros["model"] == "fe"


def test_xtreg_re_is_swamy_arora(grunfeld):
    grunfeld.run("xtset company year")
    rc, lines = run_lines(grunfeld, "xtreg invest mvalue kstock")
    assert rc == 0 and lines[1].startswith("Random-effects GLS regression")
    assert any(l.startswith("corr(u_i, X) = 0 (assumed)      ") for l in lines)
    assert any(l.startswith("      mvalue |   .1097811   .0104927") for l in lines), lines
    assert "     sigma_u |   84.20095" in lines and "     sigma_e |  52.767964" in lines
    e = grunfeld.estimates.active
    assert "df_r" not in e.scalars and e.macros["cmd"] == "xtreg"


def test_predict_after_xtreg_fe(grunfeld):
    s = grunfeld
    for line in ("xtset company", "quietly xtreg invest mvalue kstock, fe", "predict u, u",
                 "predict e, e", "predict ue, ue", "predict xb"):
        assert s.run(line) == 0, line
    d = s.data
    y, x1, x2 = (d.column(v) for v in ("invest", "mvalue", "kstock"))
    g = d.column("company").astype(int) - 1
    dm = lambda v: v - (np.bincount(g, v) / np.bincount(g))[g]
    Xw = np.column_stack([dm(x1), dm(x2)])
    b = np.linalg.lstsq(Xw, dm(y), rcond=None)[0]
    cons = y.mean() - b @ [x1.mean(), x2.mean()]
    xb = cons + b[0] * x1 + b[1] * x2
    u = (np.bincount(g, y - xb) / np.bincount(g))[g]
    for name, ref in [("xb", xb), ("ue", y - xb), ("u", u), ("e", y - xb - u)]:
        np.testing.assert_allclose(d.column(name), ref, rtol=1e-5, atol=1e-3, err_msg=name)


@pytest.mark.parametrize("line,code,message", [
    ("xtreg mathach ses", 459, "panel variable not set; use xtset varname ..."),
    ("xtset id", 109, "string variables not allowed in varlist;"),
    ("xtset", 459, "panel variable not set; use xtset varname ..."),
])
def test_errors_before_xtset(line, code, message):
    s = hsb_session()
    rc, lines = run_lines(s, line)
    assert rc == code and lines[0] == message


def test_fe_drops_panel_constant_regressors_with_a_note():
    s = hsb_after("egen school = group(id)", "xtset school")
    rc, lines = run_lines(s, "xtreg mathach ses sector, fe")
    assert rc == 0 and lines[0] == "note: sector omitted because of collinearity."
    assert s.estimates.active.matrices["b"].colnames == ["ses", "o.sector", "_cons"]
    rc, lines = run_lines(s, "xtreg mathach ses, re fe")
    assert rc == 198


def test_xtreg_mle_is_the_random_intercept_model():
    # the same likelihood as `mixed y x || panel:` (whose numbers the handout verifies):
    # coefficients equal, sigma_u = exp(lns1_1_1), sigma_e = exp(lnsig_e), same LR test
    s = hsb_after("egen school = group(id)", "xtset school",
                  "quietly mixed mathach ses || school:")
    mixed = s.estimates.active
    rc, lines = run_lines(s, "xtreg mathach ses, mle")
    assert rc == 0
    e = s.estimates.active
    assert e.matrices["b"].colnames == ["mathach:ses", "mathach:_cons", "/:sigma_u",
                                        "/:sigma_e"]
    mb = mixed.matrices["b"].values[0]
    np.testing.assert_allclose(e.matrices["b"].values[0], [mb[0], mb[1], np.exp(mb[2]),
                                                           np.exp(mb[3])], rtol=1e-9)
    assert e.scalars["chi2_c"] == pytest.approx(mixed.scalars["chi2_c"], rel=1e-8)
    assert any(l.startswith("Random effects u_i ~ Gaussian     ") for l in lines)
    assert any(l.startswith("LR test of sigma_u=0: chibar2(01) = 456.94 ") for l in lines)
    assert any(l.startswith("    /sigma_u |   2.174513   .1491539   ") for l in lines)


def test_xtsum_between_within_match_numpy(grunfeld):
    s = grunfeld
    s.run("xtset company year")
    rc, lines = run_lines(s, "xtsum invest")
    assert rc == 0
    y = s.data.column("invest")
    g = s.data.column("company").astype(int) - 1
    means = np.bincount(g, y) / np.bincount(g)
    within = y - means[g] + y.mean()
    over, betw, with_ = lines[3], lines[4], lines[5]
    assert over.startswith("invest   overall |") and over.endswith("|     N =     200")
    assert float(betw.split()[2]) == pytest.approx(np.std(means, ddof=1), rel=5e-7)
    assert float(with_.split()[2]) == pytest.approx(np.std(within, ddof=1), rel=5e-7)
    assert with_.endswith("|     T =      20")


def test_xtdescribe_patterns(grunfeld):
    s = grunfeld
    s.run("xtset company year")
    s.run("drop in 3")
    rc, lines = run_lines(s, "xtdescribe")
    assert rc == 0
    assert lines[1].startswith("company:  1, 2, ..., 10") and lines[1].endswith("n =         10")
    assert "        9    90.00   90.00 |  11111111111111111111" in lines
    assert "        1    10.00  100.00 |  11.11111111111111111" in lines
    assert s.r.scalars["min"] == 19
    s.run("xtset company")
    rc, lines = run_lines(s, "xtdescribe")
    assert rc == 459
