"""glm (and logistic) through the shell against statsmodels (tests/fixtures/glm_statsmodels.py
→ glm_statsmodels.json): coefficients, OIM (ml) and EIM (irls) standard errors, deviance,
Pearson X2, scale, log likelihood, all to 1e-6 relative; glm = logit / poisson to 1e-8;
Stata's header layout; refusals."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from session_helpers import hsb_after, run_lines, state

REF = json.loads((Path(__file__).parents[1] / "fixtures" / "glm_statsmodels.json").read_text())
REL = 1e-6


@pytest.fixture(scope="module")
def s():
    return hsb_after("gen hi = mathach > 15", "gen cnt = max(0, round(mathach/4))",
                     "gen nbc = round(max(mathach, 0)^2/40)", "gen pos = mathach + 5")


def _coef(e):
    b = e.matrices["b"].values.ravel()
    V = e.matrices["V"].values
    names = e.matrices["b"].colnames
    keep = [j for j, nm in enumerate(names) if "b." not in nm]
    return b[keep], np.sqrt(np.diag(V)[keep])


def test_generated_counts_match_the_fixture(s):
    assert float(np.nansum(s.data.column("cnt"))) == REF["cnt_sum"]
    assert float(np.nansum(s.data.column("nbc"))) == REF["nbc_sum"]


@pytest.mark.parametrize("case", REF["glm"], ids=[c["cmd"] for c in REF["glm"]])
def test_glm_ml_matches_statsmodels(s, case):
    assert s.run(f"quietly {case['cmd']}") == 0
    e = s.estimates.active
    b, se = _coef(e)
    np.testing.assert_allclose(b, case["b"], rtol=REL, atol=1e-10)
    np.testing.assert_allclose(se, case["se_oim"], rtol=REL)
    sc = e.scalars
    assert sc["deviance"] == pytest.approx(case["deviance"], rel=REL)
    assert sc["deviance_p"] == pytest.approx(case["pearson"], rel=REL)
    assert sc["phi"] == pytest.approx(case["scale"], rel=REL)
    assert sc["ll"] == pytest.approx(case["ll"], rel=REL)
    assert sc["N"] == case["N"] and sc["df"] == case["N"] - len(case["b"])
    assert sc["aic"] == pytest.approx((-2 * case["ll"] + 2 * len(case["b"])) / case["N"], rel=REL)
    assert sc["bic"] == pytest.approx(case["deviance"] - sc["df"] * math.log(case["N"]), rel=REL)


@pytest.mark.parametrize("case", REF["glm"][:4] + REF["glm"][7:9],
                         ids=[c["cmd"] for c in REF["glm"][:4] + REF["glm"][7:9]])
def test_glm_irls_matches_statsmodels_eim(s, case):
    assert s.run(f"quietly {case['cmd']} irls") == 0 if "," in case["cmd"] else \
        s.run(f"quietly {case['cmd']}, irls") == 0
    e = s.estimates.active
    b, se = _coef(e)
    np.testing.assert_allclose(b, case["b"], rtol=REL, atol=1e-10)
    np.testing.assert_allclose(se, case["se_eim"], rtol=REL)
    assert e.macros["vcetype"] == "EIM" and e.macros["opt"] == "irls"


@pytest.mark.parametrize("glm_cmd, peer", [
    ("glm hi ses i.sector female, family(binomial)", "logit hi ses i.sector female"),
    ("glm hi ses, family(binomial) link(probit)", "probit hi ses"),
    ("glm cnt ses female, family(poisson)", "poisson cnt ses female"),
    ("glm cnt ses, family(poisson) vce(cluster id)", "poisson cnt ses, vce(cluster id)"),
])
def test_glm_equals_logit_probit_poisson(s, glm_cmd, peer):
    assert s.run(f"quietly {peer}") == 0
    e1 = s.estimates.active
    assert s.run(f"quietly {glm_cmd}") == 0
    e2 = s.estimates.active
    np.testing.assert_allclose(e2.matrices["b"].values, e1.matrices["b"].values, rtol=1e-8)
    np.testing.assert_allclose(e2.matrices["V"].values, e1.matrices["V"].values, rtol=1e-8,
                               atol=1e-14)
    assert e2.scalars["ll"] == pytest.approx(e1.scalars["ll"], rel=1e-10)


def test_glm_header_layout(s):
    rc, lines = run_lines(s, "glm hi ses i.sector, family(binomial)")
    assert rc == 0
    assert lines[1].startswith("Iteration 0:   log likelihood = ")
    i = lines.index("Generalized linear models                         Number of obs   =      7,185")
    assert lines[i + 1] == "Optimization     : ML                             Residual df     =      7,182"
    assert lines[i + 2] == " " * 50 + "Scale parameter =          1"
    assert lines[i + 3] == "Deviance         =  8993.811297                   (1/df) Deviance =   1.252271"
    assert lines[i + 4] == "Pearson          =  7131.671752                   (1/df) Pearson  =   .9929924"
    assert lines[i + 6] == "Variance function: V(u) = u*(1-u)                 [Bernoulli]"
    assert lines[i + 7] == "Link function    : g(u) = ln(u/(1-u))             [Logit]"
    assert lines[i + 9] == " " * 50 + "AIC             =   1.252583"
    assert lines[i + 10] == "Log likelihood   = -4496.905648                   BIC             =  -54780.56"
    assert lines[i + 13] == "             |                 OIM"
    assert lines[i + 14] == "          hi | Coefficient  std. err.      z    P>|z|     [95% conf. interval]"


def test_glm_e_results_and_eform(s):
    rc, lines = run_lines(s, "glm cnt ses, family(poisson) eform nolog")
    assert rc == 0
    assert any(ln.startswith("         cnt |        IRR   std. err.") for ln in lines)
    e = s.estimates.active
    assert e.cmd == "glm" and e.macros["varfunct"] == "Poisson" and e.macros["linkt"] == "Log"
    assert e.scalars["dispers_p"] == pytest.approx(e.scalars["deviance_p"] / e.scalars["df"])
    rc, lines = run_lines(s, "glm hi ses, family(binomial) eform nolog")
    assert any("Odds ratio" in ln for ln in lines)
    rc, lines = run_lines(s, "glm hi ses, family(binomial) link(probit) scale(x2) nolog")
    assert "(Standard errors scaled using square root of Pearson X2-based dispersion.)" in lines
    e = s.estimates.active
    assert e.scalars["phi"] == pytest.approx(e.scalars["deviance_p"] / e.scalars["df"])


def test_glm_scale_dev_scales_the_variance(s):
    assert s.run("quietly glm cnt ses, family(poisson) irls") == 0
    V1 = s.estimates.active.matrices["V"].values
    assert s.run("quietly glm cnt ses, family(poisson) scale(dev) irls") == 0
    e = s.estimates.active
    np.testing.assert_allclose(e.matrices["V"].values, V1 * e.scalars["deviance"] / e.scalars["df"],
                               rtol=1e-12)


@pytest.mark.parametrize("line, rc", [
    ("glm cnt ses, family(bogus)", 199),
    ("glm cnt ses, family(poisson) link(bogus)", 199),
    ("glm cnt ses, family(poisson) scale(dev)", 198),      # scale(dev) needs irls
    ("glm cnt ses, family(poisson) scale(x2) vce(robust)", 198),
    ("glm cnt, family(poisson) noconstant", 100),
    ("glm cnt ses, family(poisson 2)", 198),
    ("glm cnt ses, family(nbinomial x)", 7),
    ("glm cnt ses, family(binomial 0)", 198),
    ("glm cnt ses, link(power)", 198),
    ("glm cnt ses, link(log 2)", 198),
    ("glm cnt ses in 1, family(poisson)", 2001),
    ("glm cnt ses, family(binomial)", 499),      # cnt > 1 in some cases
    ("gen neg = cnt - 3", 0),
    ("glm neg ses, family(poisson)", 499),       # dependent variable has negative values
    ("glm neg ses, family(gamma)", 459),
    ("glm cnt ses, family(poisson) link(power)", 198),
    ("glm cnt ses, family(poisson) irls ml", 198),
    ("glm cnt ses [fw=cnt], family(poisson)", 101),
    ("logit hi ses [fw=cnt]", 101),          # weights were ignored silently before
    ("logistic hi ses [pw=cnt]", 101),
    ("poisson cnt ses [fw=cnt]", 101),
    ("glm cnt ses, family(poisson) scale(-1)", 198),
    ("glm cnt ses, family(poisson) bogus", 198),
    ("glm cnt ses, family(nbinomial ml)", 198),
    ("glm cnt ses, family(binomial 0.5)", 198),
    ("glm hi ses, family(binomial) iterate(1)", 430),
])
def test_glm_refusals(s, line, rc):
    before = state(s)
    assert s.run(line) == rc
    if rc and rc != 430:
        assert state(s) == before
    s.run("capture drop neg") if line.startswith("glm neg ses, family(gamma)") else None


def test_glm_binomial_trials_variable(s):
    assert s.run("quietly gen four = 4") == 0
    assert s.run("quietly gen k = min(cnt, 4)") == 0
    assert s.run("quietly glm k ses, family(binomial four) nolog") == 0
    e = s.estimates.active
    assert e.macros["varfuncf"] == "u*(1-u/four)" and e.macros["linkf"] == "ln(u/(four-u))"
    # n Bernoulli trials each: the same estimates as family(binomial 4)
    b1 = e.matrices["b"].values.copy()
    assert s.run("quietly glm k ses, family(binomial 4)") == 0
    np.testing.assert_allclose(s.estimates.active.matrices["b"].values, b1, rtol=1e-10)


def test_glm_predict(s):
    assert s.run("quietly glm cnt ses female, family(poisson)") == 0
    b = s.estimates.active.matrices["b"].values.ravel()
    assert s.run("quietly predict m") == 0
    assert s.run("quietly predict r, pearson") == 0
    assert s.run("quietly predict d, deviance") == 0
    assert s.run("quietly predict q, response") == 0
    ses, fem, y = (s.data.column(v) for v in ("ses", "female", "cnt"))
    mu = np.exp(b[0] * ses + b[1] * fem + b[2])
    np.testing.assert_allclose(s.data.column("m"), mu, rtol=1e-6)
    np.testing.assert_allclose(s.data.column("r"), (y - mu) / np.sqrt(mu), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s.data.column("q"), y - mu, rtol=1e-5, atol=1e-5)
    # the squared deviance residuals add up to the deviance
    assert float(np.sum(s.data.column("d").astype(float) ** 2)) == pytest.approx(
        s.estimates.active.scalars["deviance"], rel=1e-5)
    assert s.run("quietly predict bad, score") == 198
    assert s.run("quietly glm hi ses, family(binomial)") == 0
    assert s.run("quietly predict an, anscombe") == 198


def test_glm_irls_header_and_vce_choices(s):
    rc, lines = run_lines(s, "glm pos ses, family(gamma) link(log) irls")
    assert rc == 0
    assert lines[1].startswith("Iteration 1:   deviance = ")
    i = next(j for j, ln in enumerate(lines) if ln.startswith("Generalized linear models"))
    assert lines[i + 1].startswith("Optimization     : MQL Fisher scoring             Residual df")
    assert lines[i + 2].startswith("                   (IRLS EIM)                     Scale parameter =")
    assert lines[i + 9].startswith(" " * 50 + "BIC             =")
    assert not any(ln.startswith("Log likelihood") for ln in lines)
    e = s.estimates.active
    assert "ll" not in e.scalars and "aic" not in e.scalars and e.macros["crittype"] == "deviance"
    # irls with vce(oim) inverts the observed information: ml's standard errors
    assert s.run("quietly glm pos ses, family(gamma) link(log) irls vce(oim)") == 0
    V_oim = s.estimates.active.matrices["V"].values
    assert s.estimates.active.macros["opt2"] == "(IRLS OIM)"
    assert s.run("quietly glm pos ses, family(gamma) link(log)") == 0
    np.testing.assert_allclose(V_oim, s.estimates.active.matrices["V"].values, rtol=1e-6, atol=1e-12)
    # ml with vce(eim): the expected information (irls's)
    assert s.run("quietly glm pos ses, family(gamma) link(log) vce(eim)") == 0
    V_eim = s.estimates.active.matrices["V"].values
    assert s.run("quietly glm pos ses, family(gamma) link(log) irls") == 0
    np.testing.assert_allclose(V_eim, s.estimates.active.matrices["V"].values, rtol=1e-6, atol=1e-12)
    assert s.run("quietly glm pos ses, family(gamma) link(log) irls vce(robust)") == 0
    assert s.estimates.active.macros["vcetype"] == "Semirobust"
    assert s.run("quietly glm cnt ses, family(poisson) irls vce(robust)") == 0
    assert s.estimates.active.macros["vcetype"] == "Robust"


def test_glm_risk_differences_note(s):
    rc, lines = run_lines(s, "glm hi sector, family(binomial) link(identity) nolog")
    assert rc == 0
    assert "Coefficients are the risk differences." in lines
    e = s.estimates.active
    assert e.macros["varfunc"] == "glim_v2" and e.macros["link"] == "glim_l01"


def test_logistic_odds_ratios_and_estat_classification(s):
    rc, lines = run_lines(s, "logistic hi ses sector")
    assert rc == 0
    assert not any(ln.startswith("Iteration") for ln in lines)     # logistic runs quietly
    assert lines[-2] == "Note: _cons estimates baseline odds." or \
        "Note: _cons estimates baseline odds." in lines
    ref = REF["glm"][0]          # glm hi ses sector, family(binomial): statsmodels
    row = next(ln for ln in lines if ln.startswith("         ses |"))
    assert row.split()[2] == f"{math.exp(ref['b'][0]):.6f}"[:len(row.split()[2])]
    assert s.estimates.active.cmd == "logistic"
    rc, lines = run_lines(s, "estat classification")
    assert rc == 0
    # the reference counts: statsmodels' probabilities classified at .5
    ses, sector, y = (np.asarray(s.data.column(v), float) for v in ("ses", "sector", "hi"))
    p = 1 / (1 + np.exp(-(ref["b"][0] * ses + ref["b"][1] * sector + ref["b"][2])))
    a, b = int(np.sum((p >= .5) & (y == 1))), int(np.sum((p >= .5) & (y == 0)))
    c, d = int(np.sum((p < .5) & (y == 1))), int(np.sum((p < .5) & (y == 0)))
    i = lines.index("Classified |         D            ~D  |      Total")
    assert lines[i - 1] == " " * 14 + "-------- True --------"
    assert lines[i + 2] == f"     +     | {a:9d}     {b:9d}  |  {a + b:9d}"
    assert lines[i + 3] == f"     -     | {c:9d}     {d:9d}  |  {c + d:9d}"
    assert "Classified + if predicted Pr(D) >= .5" in lines
    r = s.r.scalars
    assert r["P_corr"] == pytest.approx(100 * (a + d) / (a + b + c + d))
    assert r["P_p1"] == pytest.approx(100 * a / (a + c))
    assert f"Correctly classified{'':21}{r['P_corr']:8.2f}%" in lines
    assert s.run("quietly poisson cnt ses") == 0
    assert s.run("estat classification") == 321
    assert s.run("quietly regress cnt ses") == 0
    assert s.run("estat classification") == 321


def test_glm_outcome_messages_and_notes(s):
    rc, lines = run_lines(s, "glm cnt ses, family(binomial)")
    assert rc == 499 and "cnt > 1 in some cases" in lines
    assert s.run("quietly gen frac = mathach/30 if mathach > 0 & mathach < 30") == 0
    rc, lines = run_lines(s, "glm frac ses, family(binomial) nolog")
    assert rc == 0
    assert "Variance function: V(u) = u*(1-u/1)               [Binomial]" in lines
    rc, lines = run_lines(s, "glm frac ses, family(poisson) nolog")
    assert rc == 0 and lines[0] == "note: frac has noninteger values"
    rc, lines = run_lines(s, "glm cnt ses if cnt <= 8, family(binomial 8.5) nolog")
    assert rc == 0 and "note: 8.5 is a noninteger" in lines


@pytest.mark.parametrize("line, varf, linkf", [
    ("glm pos ses, link(power -0.5)", "V(u) = 1                       [Gaussian]",
     "g(u) = u^(-0.5)                [Power]"),
    ("glm pos ses, family(igaussian)", "V(u) = u^3                     [Inverse Gaussian]",
     "g(u) = 1/(u^2)                 [Power(-2)]"),
    ("glm nbc ses, family(nbinomial 0.5) link(nbinomial)",
     "V(u) = u+(.5)u^2               [Neg. Binomial]",
     "g(u) = ln(u/(u+(1/0.5)))       [Neg. Binomial]"),
    ("glm hi ses, family(binomial) link(loglog)", "V(u) = u*(1-u)                 [Bernoulli]",
     "g(u) = -ln(-ln(u))             [Log-log]"),
    ("glm cnt ses if cnt <= 8, family(binomial 8) link(probit)",
     "V(u) = u*(1-u/8)               [Binomial]", "g(u) = invnorm(u/8)            [Probit]"),
])
def test_glm_function_lines(s, line, varf, linkf):
    """glim_v#/glim_l# header texts (glm.ado's own programs)."""
    rc, lines = run_lines(s, line + " nolog" if "," in line else line + ", nolog")
    assert rc == 0
    assert f"Variance function: {varf}" in lines
    assert f"Link function    : {linkf}" in lines


def test_glm_bernoulli_perfect_prediction_as_logit(s):
    assert s.run('quietly gen dd = (id == "1224")') == 0
    assert s.run("quietly gen h2 = hi * (1 - dd)") == 0
    rc, lines = run_lines(s, "glm h2 ses dd, family(binomial) nolog")
    assert rc == 0
    assert lines[0] == "note: dd != 0 predicts failure perfectly;"
    e = s.estimates.active
    assert s.run("quietly logit h2 ses dd") == 0
    np.testing.assert_allclose(e.matrices["b"].values, s.estimates.active.matrices["b"].values,
                               rtol=1e-8)
    assert e.scalars["N"] == s.estimates.active.scalars["N"]
    assert s.run("glm h2 ses, family(binomial 2) asis") == 198
