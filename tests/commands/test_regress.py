"""regress: e() against statsmodels (fixtures/ols_reference.json, tolerance 1e-8 relative),
Stata 17's layouts built from fixed numbers ([R] regress, the auto example: price on mpg
and weight), predict after regress against a numpy derivation, and bad input."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from hlmshell.render import to_text
from hlmshell.render.regress import AnovaHeader, RobustHeader, sig5
from session_helpers import hsb_after, hsb_session, run_lines

REF = json.loads((Path(__file__).parents[1] / "models" / "fixtures" /
                  "ols_reference.json").read_text())


def test_anova_header_layout():
    # [R] regress: regress price mpg weight (auto.dta); MS of the residual from these SS
    h = AnovaHeader(mss=186321280, rss=448744116, df_m=2, df_r=71, N=74, F=14.7398,
                    p=4.4e-06, r2=.2934, r2_a=.2735, rmse=2514.029)
    assert to_text(h).split("\n") == [
        "",
        "      Source |       SS           df       MS      Number of obs   =        74",
        "-------------+----------------------------------   F(2, 71)        =     14.74",
        "       Model |   186321280         2    93160640   Prob > F        =    0.0000",
        "    Residual |   448744116        71  6320339.66   R-squared       =    0.2934",
        "-------------+----------------------------------   Adj R-squared   =    0.2735",
        "       Total |   635065396        73  8699525.97   Root MSE        =      2514",
        "",
    ]


def test_robust_header_layout():
    h = RobustHeader("Linear regression", 74, 2, 12, 14.44, .0006, .2934, 2514.03, 13, "rep78")
    assert to_text(h).split("\n") == [
        "",
        "Linear regression                               Number of obs     =         74",
        "                                                F(2, 12)          =      14.44",
        "                                                Prob > F          =     0.0006",
        "                                                R-squared         =     0.2934",
        "                                                Root MSE          =       2514",
        "",
        "                                 (Std. err. adjusted for 13 clusters in rep78)",
    ]


def test_root_mse_has_five_significant_digits():
    assert [sig5(x) for x in (6.34518, 0.432034, 2373.42, math.nan)] == \
        ["6.3452", ".43203", "2373.4", "."]


@pytest.mark.parametrize("vce,option", [("ols", ""), ("robust", ", vce(robust)"),
                                        ("hc2", ", vce(hc2)"), ("hc3", ", vce(hc3)"),
                                        ("cluster", ", vce(cluster id)")])
def test_e_matches_statsmodels(vce, option):
    s = hsb_after(f"quietly regress mathach ses female sector{option}")
    e = s.estimates.active
    ref = REF[vce]
    np.testing.assert_allclose(e.matrices["b"].values[0], ref["b"], rtol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(e.matrices["V"].values)), ref["se"], rtol=1e-8)
    assert e.scalars["r2"] == pytest.approx(ref["r2"], rel=1e-10)
    assert e.scalars["F"] == pytest.approx(ref["F"], rel=1e-8)
    assert e.matrices["b"].colnames == ["ses", "female", "sector", "_cons"]
    assert e.scalars["df_r"] == (159 if vce == "cluster" else 7181)
    assert e.macros["cmd"] == "regress" and e.macros["vce"] == vce
    assert list(e.scalars)[:3] == ["N", "df_m", "df_r"]


def test_aweights_and_sum_of_weights_line():
    s = hsb_session()
    rc, lines = run_lines(s, "regress mathach ses female sector [aw=size]")
    assert rc == 0 and lines[0] == "(sum of wgt is 7,593,552)"
    e = s.estimates.active
    np.testing.assert_allclose(e.matrices["b"].values[0], REF["aweight"]["b"], rtol=1e-8)
    assert e.macros["wtype"] == "aweight" and e.macros["wexp"] == "= size"


def test_factor_variables_names_and_collinear_note():
    s = hsb_session()
    rc, lines = run_lines(s, "regress mathach c.ses##i.sector female female")
    assert rc == 0
    assert lines[0] == "note: female omitted because of collinearity."
    e = s.estimates.active
    assert e.matrices["b"].colnames == ["ses", "0b.sector", "1.sector", "0b.sector#co.ses",
                                        "1.sector#c.ses", "female", "o.female", "_cons"]
    assert "      female |          0  (omitted)" in lines
    assert e.scalars["rank"] == 5


def test_beta_column():
    s = hsb_session()
    rc, lines = run_lines(s, "regress mathach ses, beta")
    assert rc == 0
    head = next(l for l in lines if "Coefficient" in l)
    assert head.endswith("Beta") and len(head) == 78
    row = next(l for l in lines if l.startswith("         ses |"))
    y = s.data.column("mathach")
    x = s.data.column("ses")
    beta = np.corrcoef(x, y)[0, 1]      # simple regression: beta = correlation
    assert float(row.split()[-1]) == pytest.approx(beta, abs=5e-7)


def test_predict_after_regress_matches_numpy():
    s = hsb_after("quietly regress mathach ses female", "predict yh", "predict r, resid",
                  "predict h, leverage", "predict rs, rstandard", "predict rt, rstudent",
                  "predict c, cooksd", "predict sp, stdp", "predict sf, stdf")
    d = s.data
    X = np.column_stack([d.column("ses"), d.column("female"), np.ones(d.nobs)])
    y = d.column("mathach")
    b, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ b
    n, k = X.shape
    s2 = e @ e / (n - k)
    H = np.einsum("ij,jk,ik->i", X, np.linalg.inv(X.T @ X), X)
    rstd = e / np.sqrt(s2 * (1 - H))
    s_i2 = (e @ e - e ** 2 / (1 - H)) / (n - k - 1)
    cook = e ** 2 * H / (k * s2 * (1 - H) ** 2)
    # float storage of the new variables: 1e-6 relative
    for name, ref in [("yh", X @ b), ("r", e), ("h", H), ("rs", rstd),
                      ("rt", e / np.sqrt(s_i2 * (1 - H))), ("c", cook),
                      ("sp", np.sqrt(H * s2)), ("sf", np.sqrt(H * s2 + s2))]:
        np.testing.assert_allclose(d.column(name), ref, rtol=2e-6, atol=1e-6, err_msg=name)
    assert d.var("yh").label == "Fitted values"


@pytest.mark.parametrize("line,code,message", [
    ("regress mathach id", 109, "type mismatch"),
    ("regress i.sector ses", 198, "depvar may not be a factor variable"),
    ("regress mathach ses, vce(bootstrap)", 198, "vcetype 'bootstrap' not allowed"),
    ("regress mathach ses, nosuch", 198, "option nosuch not allowed"),
    ("regress mathach ses [fw=size/7]", 401, "may not use noninteger frequency weights"),
    ("regress mathach ses [aw=ses]", 402, "negative weights encountered"),
    ("regress mathach ses in 1/2, vce(robust)", 2001, "insufficient observations"),
    ("regress mathach ses, beta vce(cluster id)", 198,
     "beta may not be specified with vce(cluster)"),
    ("summarize mathach [aw=size]", 101, "weights not allowed"),
])
def test_errors_leave_state(line, code, message):
    s = hsb_after("quietly regress mathach ses")
    before = s.estimates.active
    rc, lines = run_lines(s, line)
    assert rc == code and lines[0] == message, lines
    assert s.estimates.active is before


def test_zero_residual_df_and_perfect_fit_show_missing():
    s = hsb_session()
    rc, lines = run_lines(s, "regress mathach ses in 1/2")
    assert rc == 0
    assert any("Root MSE        =         ." in l for l in lines), lines
    rc, lines = run_lines(s, "regress ses ses female in 1/20")
    assert rc == 0 and "note: ses omitted because of collinearity." not in lines[0]


def test_one_observation_clusters():
    s = hsb_session()
    s.run("gen long row = _n")
    rc, lines = run_lines(s, "regress mathach ses, vce(cluster row)")
    assert rc == 0 and s.estimates.active.scalars["N_clust"] == 7185


def test_replay_and_estimates_replay():
    s = hsb_after("quietly regress mathach ses", "estimates store a")
    rc, lines = run_lines(s, "regress")
    assert rc == 0 and any(l.startswith("         ses |") for l in lines)
    rc, lines = run_lines(s, "estimates replay a")
    assert rc == 0 and any(l.startswith("      Source |") for l in lines)


def test_estat_vce_and_invalid_mixed_subcommands():
    s = hsb_after("quietly regress mathach ses i.sector")
    rc, lines = run_lines(s, "estat vce")
    assert rc == 0
    assert lines[1] == "Covariance matrix of coefficients of regress model"
    assert lines[3].split() == ["e(V)", "|", "ses", "1.sector", "_cons"]   # no base column
    V = s.estimates.active.matrices["V"].values
    assert float(lines[5].split()[2]) == pytest.approx(V[0, 0], rel=1e-5)   # %9.0g
    rc, lines = run_lines(s, "estat icc")
    assert rc == 321 and lines[0] == "invalid subcommand icc"
    rc, lines = run_lines(s, "estat ic")
    row = next(l for l in lines if l.strip().startswith(". |"))
    assert rc == 0 and row.split()[-3] == "3"               # df = e(rank)


def test_lrtest_between_nested_regressions():
    s = hsb_after("quietly regress mathach ses", "estimates store a",
                  "quietly regress mathach ses female")
    rc, lines = run_lines(s, "lrtest a")
    assert rc == 0
    big = s.estimates.active.scalars["ll"]
    small = s.estimates.get("a").scalars["ll"]
    assert s.r.scalars["chi2"] == pytest.approx(2 * (big - small), rel=1e-12)
    assert s.r.scalars["df"] == 1
