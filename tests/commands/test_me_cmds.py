"""melogit & co. through the shell: layout, e(), options, predict, estat, bad input.

The numbers of the core are checked against lme4 in tests/models/test_glmm_lme4.py; here
the command level, on the first 40 schools of the handout data (fast)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from session_helpers import hsb_after, run_lines, state

SETUP = ("egen g = group(id)", "keep if g <= 40", "gen hi = mathach > 15",
         "gen cnt = max(0, round(mathach/4))")


@pytest.fixture(scope="module")
def s():
    return hsb_after(*SETUP)


def test_melogit_layout_and_e(s):
    rc, lines = run_lines(s, "melogit hi ses i.sector || id:")
    assert rc == 0
    text = "\n".join(lines)
    for head in ("Fitting fixed-effects model:", "Refining starting values:",
                 "Fitting full model:"):
        assert head in lines
    assert any(ln.startswith("Mixed-effects logistic regression") and ln.endswith("1,785")
               for ln in lines)
    assert "Integration method: mvaghermite                 Integration pts.  =          7" \
        in lines
    assert "id           |" in lines and any(ln.startswith("   var(_cons)|") for ln in lines)
    assert "LR test vs. logistic model: chibar2(01) =" in text
    e = s.estimates.active
    assert e.cmd == "meglm" and e.macros["cmd2"] == "melogit"
    assert e.macros["intmethod"] == "mvaghermite" and e.scalars["n_quad"] == 7
    assert e.matrices["b"].colnames == ["hi:ses", "hi:0b.sector", "hi:1.sector", "hi:_cons",
                                        "/:var(_cons[id])"]
    assert e.matrices["N_g"].values[0, 0] == 40
    assert e.link == "logit" and e.xb_columns()[2][-1] == "_cons"
    assert e.scalars["chi2_c"] == pytest.approx(2 * (e.scalars["ll"] - e.scalars["ll_c"]))


def test_or_laplace_and_replay(s):
    rc, lines = run_lines(s, "melogit hi ses || id:, or intmethod(laplace) nolog")
    assert rc == 0 and not any(ln.startswith("Iteration") for ln in lines)
    assert "Integration method: laplace" in lines
    assert "Note: Estimates are transformed only in the first equation to odds ratios." in lines
    assert "Note: _cons estimates baseline odds (conditional on zero random effects)." in lines
    rc, again = run_lines(s, "melogit")
    assert rc == 0 and "Odds ratio" not in "\n".join(again)


def test_random_slope_unstructured(s):
    rc, lines = run_lines(s, "melogit hi ses || id: ses, cov(unstructured) nolog")
    assert rc == 0
    labels = [ln.split("|")[0].strip() for ln in lines if "|" in ln]
    # the 13-character label column: the inside abbreviated as one name (me_estimate._re_label)
    assert {"var(ses)", "var(_cons)", "cov(ses,_c~s)"} <= set(labels)
    names = s.estimates.active.matrices["b"].colnames
    assert names[-3:] == ["/:var(ses[id])", "/:var(_cons[id])", "/:cov(ses[id],_cons[id])"]
    assert "LR test vs. logistic model: chi2(3) =" in "\n".join(lines)
    assert "Note: LR test is conservative and provided only for reference." in lines


def test_estat_icc_and_ic(s):
    assert s.run("quietly melogit hi ses || id:") == 0
    b = s.estimates.active.matrices["b"].values.ravel()
    rc, lines = run_lines(s, "estat icc")
    assert rc == 0 and "Residual intraclass correlation" in lines
    assert s.r.scalars["icc2"] == pytest.approx(b[-1] / (b[-1] + math.pi ** 2 / 3), rel=1e-12)
    assert s.run("quietly meprobit hi ses || id:") == 0
    b = s.estimates.active.matrices["b"].values.ravel()
    assert s.run("estat icc") == 0
    assert s.r.scalars["icc2"] == pytest.approx(b[-1] / (b[-1] + 1), rel=1e-12)
    assert s.run("estat ic") == 0 and s.r.matrices["S"].values[0, 3] == 3


def test_predict_after_melogit(s):
    assert s.run("quietly melogit hi ses || id:") == 0
    rc, lines = run_lines(s, "predict mu")
    assert rc == 0 and "(option mu assumed)" in lines
    assert s.run("predict u, reffects") == 0 and s.run("predict us, reses") == 0
    assert s.run("predict um, reffects ebmodes") == 0
    assert s.run("predict pf, fixedonly") == 0 and s.run("predict eta, eta") == 0
    b = s.estimates.active.matrices["b"].values.ravel()
    xb = b[0] * s.data.column("ses") + b[1]
    u = s.data.column("u")
    assert np.allclose(s.data.column("eta"), xb + u, atol=1e-5)
    assert np.allclose(s.data.column("mu"), 1 / (1 + np.exp(-(xb + u))), atol=1e-6)
    assert np.allclose(s.data.column("pf"), 1 / (1 + np.exp(-xb)), atol=1e-6)
    assert 0 < np.max(np.abs(s.data.column("u") - s.data.column("um"))) < 0.05
    assert np.all(s.data.column("us") > 0)
    assert "empirical Bayes' means for _cons[id]" == s.data.var("u").label
    rc, _ = run_lines(s, "predict z, marginal eta")
    assert rc == 198
    for v in ("mu", "u", "us", "um", "pf", "eta"):
        s.run(f"drop {v}")


def test_counts_and_lrtest(s):
    rc, lines = run_lines(s, "mepoisson cnt ses || id:, exposure(size) irr nolog")
    assert rc == 0 and "Mixed-effects Poisson regression" in lines[1]
    assert "LR test vs. Poisson model: chibar2(01) =" in "\n".join(lines)
    assert s.estimates.active.macros["offset"] == "ln(size)"
    assert s.run("quietly melogit hi ses || id:") == 0 and s.run("estimates store a") == 0
    assert s.run("quietly melogit hi ses i.sector || id:") == 0
    assert s.run("lrtest a .") == 0 and s.r.scalars["df"] == 1


def test_outcome_recode_follows_stata():
    """Nonzero nonmissing is 1: an outcome coded 0/2 gives the 0/1 fit."""
    s = hsb_after(*SETUP, "gen y2 = 2 * hi")
    assert s.run("quietly melogit hi ses || id:, intm(lap)") == 0
    b1 = s.estimates.active.matrices["b"].values
    assert s.run("quietly melogit y2 ses || id:, intm(lap)") == 0
    assert np.allclose(s.estimates.active.matrices["b"].values, b1)


@pytest.mark.parametrize("cmd,code,message", [
    ("mepoisson neg ses || id:", 459, "neg must be greater than or equal to zero"),
    ("melogit hi ses || sector: ses female || id: ses minority, intp(20)", 909,
     "insufficient memory for the integration grid"),
    ("melogit hi ses || _all: R.sector || id:, intmethod(mvaghermite)", 198,
     "intmethod(mvaghermite) not allowed with crossed random effects"),
    ("melogit hi ses || id: ses female minority, intp(30)", 909,
     "insufficient memory for the integration grid"),
    ("melogit hi ses || id:, intmethod(foo)", 198, "intmethod(foo) invalid"),
    ("melogit hi ses || id:, intpoints(0)", 198, "intpoints() must be an integer"),
    ("melogit hi ses || id:, reml", 198, "option reml not allowed"),
    ("melogit hi ses", 198, "random-effects equation required"),
    ("melogit zero ses || id:", 2000, "outcome does not vary"),
    ("meglm hi ses || id:, family(gaussian)", 198, "family(gaussian) is not supported"),
    ("melogit hi ses || id:, binomial(cnt)", 459, "number of trials"),
    ("melogit hi mathach || id:", 2000, "outcome = mathach > 14.965 predicts data perfectly"),
])
def test_bad_input(cmd, code, message):
    s = hsb_after(*SETUP, "gen neg = -1", "gen zero = 0", "gen allz = 0",
                  'replace allz = 1 if g == 1 & _n < 5', "quietly logit hi ses")
    before, b = state(s), s.estimates.active
    rc, lines = run_lines(s, cmd)
    assert rc == code and message in "\n".join(lines)
    assert state(s) == before and s.estimates.active is b


def test_groups_of_all_zeros_or_ones_are_fine(s):
    """Many groups with a constant outcome: the model still has a maximum."""
    assert s.run("gen ac = cond(g <= 10, 0, cond(g <= 14, 1, hi))") == 0
    rc, lines = run_lines(s, "melogit ac ses || id:, nolog")
    assert rc == 0 and s.estimates.active.scalars["converged"] == 1
    assert s.run("drop ac") == 0


def test_runaway_estimates_stop_with_r430():
    """Ones in 4 rows of one school, zeros elsewhere: no maximum; stopped with a note, the
    values kept as Stata keeps unconverged estimates."""
    s = hsb_after("gen allz = 0", 'replace allz = 1 if id == "1224" & _n < 5')
    rc, lines = run_lines(s, "melogit allz ses || id:, nolog")
    assert rc == 430 and "convergence not achieved" in lines
    assert "Note: The estimates run off to infinity" in "\n".join(lines)
    assert s.estimates.active.scalars["converged"] == 0


def test_coefficients_by_stata_names(s):
    assert s.run("quietly melogit hi ses || id: ses, cov(un)") == 0
    b = s.estimates.active.matrices["b"].values.ravel()
    for expr, want in (("_b[/var(_cons[id])]", b[3]), ("_b[/cov(ses[id],_cons[id])]", b[4]),
                       ("_b[hi:ses]", b[0]), ("[hi]_b[_cons]", b[1])):
        assert s.run(f"scalar t = {expr}") == 0
        assert s.scalars["t"] == pytest.approx(want, rel=1e-15)
    rc, lines = run_lines(s, "display _b[/var(x[id])]")
    assert rc == 111 and "[/var(x[id])] not found" in lines


def test_predict_after_mepoisson_with_exposure(s):
    assert s.run("quietly mepoisson cnt ses || id:, exposure(size)") == 0
    assert s.run("predict n1") == 0 and s.run("predict e1, eta") == 0
    assert s.run("predict n0, nooffset") == 0
    assert np.allclose(s.data.column("n1"), np.exp(s.data.column("e1")), rtol=1e-6)
    assert np.allclose(s.data.column("n1") / s.data.column("n0"), s.data.column("size"),
                       rtol=1e-5)
    for v in ("n1", "e1", "n0"):
        s.run(f"drop {v}")


def test_flat_direction_gets_a_missing_variance():
    """A parameter whose information is zero (ln(alpha) or a variance at its boundary,
    e.g. menbreg on counts less dispersed than Poisson) gets a missing variance; the
    others are the inverse of their own block."""
    from hlmshell.models.glmm_fit import _vce
    info = np.array([[4.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 1e-16]])
    V = _vce(info)
    assert np.isnan(V[2]).all() and np.isnan(V[:, 2]).all()
    assert np.allclose(V[:2, :2], np.linalg.inv(info[:2, :2]))


def test_weights_are_refused_not_ignored():
    # no me* likelihood weighs by [fw=] or pweight() yet: refused (r(101)), data kept
    from session_helpers import hsb_after, run_lines, state
    s = hsb_after("gen hi = mathach > 15", "gen w = 2")
    before = state(s)
    for line in ("melogit hi ses [fw=w] || id:", "melogit hi ses || id:, pweight(w)",
                 "mepoisson hi ses [fw=w] || id: || minority:"):
        assert run_lines(s, line)[0] == 101, line
    assert state(s) == before
