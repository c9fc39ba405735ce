"""logit, probit, poisson through the shell: output layout, e(), options, bad input.

Numbers are checked in tests/models/test_glm.py (against statsmodels); here: that the
command posts what it fitted (e(b) = the core's estimates), Stata's layout and codes."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import hsb_after, run_lines, state


@pytest.fixture(scope="module")
def s():
    return hsb_after("gen hi = mathach > 15", "gen cnt = max(0, round(mathach/4))")


def test_logit_output_layout(s):
    rc, lines = run_lines(s, "logit hi ses i.sector")
    assert rc == 0
    assert lines[1].startswith("Iteration 0:   log likelihood = -4863.6468")
    i = lines.index("Logistic regression                                     Number of obs =  7,185")
    assert lines[i + 1] == " " * 56 + "LR chi2(2)    = 733.48"
    assert lines[i + 2] == " " * 56 + "Prob > chi2   = 0.0000"
    assert lines[i + 3] == "Log likelihood = -4496.9056                             Pseudo R2     = 0.0754"
    assert "          hi | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]" in lines
    assert any(ln.startswith("    1.sector |    .471359") for ln in lines)


def test_logit_e_results(s):
    assert s.run("quietly logit hi ses i.sector") == 0
    e = s.estimates.active
    assert e.cmd == "logit" and e.macros["predict"] == "logit_p"
    assert e.matrices["b"].colnames == ["hi:ses", "hi:0b.sector", "hi:1.sector", "hi:_cons"]
    assert e.scalars["N"] == 7185 and e.scalars["df_m"] == 2 and e.scalars["rank"] == 3
    assert e.scalars["r2_p"] == pytest.approx(1 - e.scalars["ll"] / e.scalars["ll_0"])
    assert e.scalars["chi2"] == pytest.approx(2 * (e.scalars["ll"] - e.scalars["ll_0"]))
    assert e.link == "logit"
    eq, idx, names = e.xb_columns()
    assert eq == "hi" and names == ["ses", "0b.sector", "1.sector", "_cons"]


def test_odds_ratios_and_replay(s):
    assert s.run("quietly logit hi ses") == 0
    rc, lines = run_lines(s, "logit, or")
    assert rc == 0 and not any(ln.startswith("Iteration") for ln in lines)
    assert "          hi | Odds ratio   Std. err.      z    P>|z|     [95% conf. interval]" in lines
    assert "Note: _cons estimates baseline odds." in lines
    b = s.estimates.active.matrices["b"].values.ravel()
    row = next(ln for ln in lines if ln.startswith("         ses |"))
    assert float(row.split()[2]) == pytest.approx(np.exp(b[0]), rel=1e-6)


def test_probit_and_poisson_irr_exposure(s):
    assert s.run("quietly probit hi ses") == 0
    assert s.estimates.active.macros["title"] == "Probit regression"
    rc, lines = run_lines(s, "poisson cnt ses, exposure(size) irr nolog")
    assert rc == 0 and "Poisson regression" in lines[1]
    assert "        cnt |        IRR   Std. err.      z    P>|z|     [95% conf. interval]".strip() \
        in [ln.strip() for ln in lines]
    assert s.estimates.active.macros["offset"] == "ln(size)"


def test_cluster_vce_header(s):
    rc, lines = run_lines(s, "logit hi ses, vce(cluster id) nolog")
    assert rc == 0
    assert "(Std. err. adjusted for 160 clusters in id)".rjust(78) in lines
    assert any("Wald chi2(1)" in ln for ln in lines)
    assert any(ln.startswith("Log pseudolikelihood =") for ln in lines)
    e = s.estimates.active
    assert e.macros["vcetype"] == "Robust" and e.scalars["N_clust"] == 160


@pytest.mark.parametrize("cmd,code,message", [
    ("logit female if female == 1", 2000, "outcome does not vary; remember:"),
    ("logit hi mathach", 2000, "outcome = mathach > 14.997 predicts data perfectly"),
    ("poisson neg ses", 459, "neg must be greater than or equal to zero"),
    ("logit hi ses, irr", 198, "option irr not allowed"),
    ("logit hi ses, reml", 198, "option reml not allowed"),
    ("probit hi ses, or", 198, "option or not allowed"),
    ("logit hi ses, vce(bootstrap)", 198, "vcetype bootstrap not allowed"),
    ("logit hi ses || id:", 198, "invalid syntax"),
    ("logit hi nosuchvar", 111, "variable nosuchvar not found"),
    ("poisson cnt ses, exposure(neg)", 459, "exposure() must be greater than zero"),
])
def test_bad_input_leaves_state(cmd, code, message):
    s = hsb_after("gen hi = mathach > 15", "gen cnt = max(0, round(mathach/4))", "gen neg = -1",
                  "quietly logit hi ses")
    before, b = state(s), s.estimates.active
    rc, lines = run_lines(s, cmd)
    assert rc == code and message in "\n".join(lines)
    assert state(s) == before and s.estimates.active is b


def test_nonconvergence_keeps_results(s):
    rc, lines = run_lines(s, "logit hi ses i.sector, iterate(1)")
    assert rc == 430 and "convergence not achieved" in lines
    assert s.estimates.active.scalars["converged"] == 0


def test_predict_after_logit_and_poisson(s):
    assert s.run("quietly logit hi ses i.sector") == 0
    rc, lines = run_lines(s, "predict p")
    assert rc == 0 and "(option pr assumed; Pr(hi))" in lines
    b = s.estimates.active.matrices["b"].values.ravel()
    xb = b[0] * s.data.column("ses") + b[2] * (s.data.column("sector") == 1) + b[3]
    assert np.allclose(s.data.column("p"), 1 / (1 + np.exp(-xb)), atol=1e-6)  # float storage
    assert s.data.var("p").label == "Pr(hi)"
    assert s.run("quietly poisson cnt ses, exposure(size)") == 0
    assert s.run("predict n1") == 0 and s.run("predict ir1, ir") == 0
    ratio = s.data.column("n1") / s.data.column("ir1")
    assert np.allclose(ratio, s.data.column("size"), rtol=1e-6)
    rc, _ = run_lines(s, "predict r1, reffects")
    assert rc == 198
    for v in ("p", "n1", "ir1"):
        s.run(f"drop {v}")


def test_collinear_column_is_omitted_with_a_note(s):
    assert s.run("gen ses2 = 2 * ses") == 0
    for cmd in ("logit hi ses ses2, nolog", "melogit hi ses ses2 if id < \"1300\" || id:, nolog"):
        rc, lines = run_lines(s, cmd)
        assert rc == 0 and "note: ses2 omitted because of collinearity." in lines
        assert "        ses2 |          0  (omitted)" in lines
        assert s.estimates.active.matrices["b"].colnames[1].endswith("o.ses2")
    assert s.run("drop ses2") == 0


# --------------------------------------------------------- perfect prediction ([R] logit)
@pytest.mark.parametrize("cmd", ["logit", "probit"])
def test_indicator_predicting_failure_is_omitted_with_its_rows(cmd):
    """School 1224's pupils all fail hi1: Stata omits sch1 and leaves its 47 pupils out.
    Reference: statsmodels' Logit/Probit of hi on ses over the other pupils (tol 1e-6)."""
    import statsmodels.api as sm
    t = hsb_after('gen sch1 = id == "1224"', "gen hi1 = (mathach > 15) * (1 - sch1)",
                  "gen big = size > 2000", "replace hi1 = 1 if big & !sch1")
    rc, lines = run_lines(t, f"{cmd} hi1 ses sch1 big, nolog")
    assert rc == 0
    assert lines[:4] == ["note: sch1 != 0 predicts failure perfectly;",
                         "      sch1 omitted and 47 obs not used.",
                         "note: big != 0 predicts success perfectly;",
                         f"      big omitted and {int(t.data.column('big').sum()):,} obs not used."]
    e = t.estimates.active
    keep = (t.data.column("sch1") == 0) & (t.data.column("big") == 0)
    assert e.scalars["N"] == keep.sum() and e.scalars["df_m"] == 1
    np.testing.assert_array_equal(e.sample, keep)
    X = sm.add_constant(t.data.column("ses")[keep])
    model = (sm.Logit if cmd == "logit" else sm.Probit)(t.data.column("hi1")[keep], X)
    ref = model.fit(disp=0, tol=1e-12)
    b = e.matrices["b"].values.ravel()
    np.testing.assert_allclose(b[[0, 3]], ref.params[[1, 0]], rtol=1e-6)
    assert b[1] == b[2] == 0 and e.scalars["ll"] == pytest.approx(ref.llf, rel=1e-9)


def test_asis_keeps_the_perfect_predictor():
    t = hsb_after('gen sch1 = id == "1224"', "gen hi1 = (mathach > 15) * (1 - sch1)")
    rc, lines = run_lines(t, "logit hi1 ses sch1, asis nolog iterate(50)")
    assert not any("predicts failure" in ln for ln in lines)
    assert t.estimates.active.scalars["N"] == 7185


def test_complete_separation_is_still_r2000_and_a_drop_can_leave_no_variation():
    t = hsb_after("gen y = sector", "gen s = sector", "gen f = sector * female")
    t.run("gen g = sector * (1 - female)")
    before = state(t)
    rc, lines = run_lines(t, "logit y s ses")
    assert rc == 2000 and lines[0] == "outcome = s > 0 predicts data perfectly"
    rc, lines = run_lines(t, "logit y f ses if female")   # f = y on this sample
    assert rc == 2000 and lines[0] == "outcome = f > 0 predicts data perfectly"
    # female != 0: all failure; without the girls sector != 0: all success; then y is 0
    rc, lines = run_lines(t, "logit g sector female")
    assert rc == 2000 and lines[0] == "outcome does not vary; remember:"
    assert state(t) == before
