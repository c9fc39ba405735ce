"""nbreg through the shell against statsmodels' NegativeBinomial (NB2) (fixture
tests/fixtures/glm_statsmodels.py): coefficients, SEs, ln(alpha) and its SE, alpha, the
log likelihoods of the model, the constant-only model and Poisson, to 1e-6 relative;
Stata's layout (the /lnalpha and alpha rows, the chibar2 line); predict; refusals."""
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
    return hsb_after("gen nbc = round(max(mathach, 0)^2/40)", "gen cnt = max(0, round(mathach/4))")


@pytest.mark.parametrize("case", REF["nbreg"], ids=[c["cmd"] for c in REF["nbreg"]])
def test_nbreg_matches_statsmodels(s, case):
    assert s.run(f"quietly {case['cmd']}") == 0
    e = s.estimates.active
    b = e.matrices["b"].values.ravel()
    se = np.sqrt(np.diag(e.matrices["V"].values))
    np.testing.assert_allclose(b[:-1], case["b"], rtol=REL)
    np.testing.assert_allclose(se[:-1], case["se"], rtol=REL)
    assert b[-1] == pytest.approx(case["lnalpha"], rel=REL)
    assert se[-1] == pytest.approx(case["se_lnalpha"], rel=REL)
    assert e.scalars["alpha"] == pytest.approx(case["alpha"], rel=REL)
    assert e.scalars["ll"] == pytest.approx(case["ll"], rel=1e-9)
    assert e.scalars["ll_0"] == pytest.approx(case["ll_0"], rel=1e-9)
    assert e.scalars["ll_c"] == pytest.approx(case["ll_poisson"], rel=1e-9)
    assert e.scalars["chi2_c"] == pytest.approx(2 * (case["ll"] - case["ll_poisson"]), rel=1e-8)
    assert e.scalars["chi2"] == pytest.approx(2 * (case["ll"] - case["ll_0"]), rel=1e-8)
    assert e.matrices["b"].colnames[-1] == "/:lnalpha"


def test_nbreg_layout(s):
    rc, lines = run_lines(s, "nbreg nbc ses female")
    assert rc == 0
    assert lines[1] == "Fitting Poisson model:"
    assert "Fitting constant-only model:" in lines and "Fitting full model:" in lines
    i = lines.index("Negative binomial regression                            Number of obs =  7,185")
    assert lines[i + 1] == " " * 56 + "LR chi2(2)    = 839.57"
    assert lines[i + 2] == "Dispersion: mean                                        Prob > chi2   = 0.0000"
    assert lines[i + 3] == "Log likelihood = -19213.864                             Pseudo R2     = 0.0214"
    assert "    /lnalpha |  -.5040619   .0248181                     -.5527045   -.4554192" in lines
    assert "       alpha |    .604072   .0149919                      .5753916     .634182" in lines
    assert "LR test of alpha=0: chibar2(01) = 8372.64              Prob >= chibar2 = 0.000" in lines


def test_nbreg_irr_predict_and_replay(s):
    assert s.run("quietly nbreg nbc ses") == 0
    rc, lines = run_lines(s, "nbreg, irr")
    assert rc == 0
    assert any(ln.startswith("         nbc |        IRR   Std. err.") for ln in lines)
    e = s.estimates.active
    b = e.matrices["b"].values.ravel()
    assert s.run("quietly predict nhat") == 0
    ses = s.data.column("ses")
    np.testing.assert_allclose(s.data.column("nhat"), np.exp(b[0] * ses + b[1]), rtol=1e-6)
    assert s.run("quietly predict irhat, ir") == 0
    assert s.run("quietly predict junk, pearson") == 198
    rc, lines = run_lines(s, "nbreg, nolrtest")
    assert rc == 0 and not any(ln.startswith("LR test of alpha") for ln in lines)


def test_nbreg_exposure_and_boundary(s):
    assert s.run("quietly gen t = 1 + female") == 0
    assert s.run("quietly nbreg nbc ses, exposure(t)") == 0
    e = s.estimates.active
    assert e.macros["offset"] == "ln(t)"
    # cnt is underdispersed: alpha goes to its Poisson limit, chibar2 = 0 and p = 1
    rc, lines = run_lines(s, "nbreg cnt ses, nolog")
    assert rc == 0
    e = s.estimates.active
    assert e.scalars["chi2_c"] < 1e-6 and e.scalars["alpha"] < 1e-6
    assert e.scalars["ll"] == pytest.approx(e.scalars["ll_c"], abs=1e-3)
    line = next(ln for ln in lines if ln.startswith("LR test of alpha=0"))
    assert line == "LR test of alpha=0: chibar2(01) = 0.00                 Prob >= chibar2 = 1.000"


@pytest.mark.parametrize("line, rc", [
    ("nbreg nbc ses, dispersion(constant)", 198),
    ("nbreg nbc ses, dispersion(bogus)", 198),
    ("gen neg = nbc - 3", 0),
    ("nbreg neg ses", 459),
    ("nbreg nbc ses [fw=nbc]", 101),
    ("nbreg nbc ses, bogus", 198),
    ("nbreg nbc ses, vce(bogus)", 198),
])
def test_nbreg_refusals(s, line, rc):
    before = state(s)
    assert s.run(line) == rc
    if rc:
        assert state(s) == before


@pytest.mark.parametrize("x, text", [(0.0, "0.00"), (0.001, "1.00e-03"), (12.3456, "12.35"),
                                     (12345.6, "1.23e+04")])
def test_chibar_line_formats(x, text):
    """Stata's LR-test note (_lrtest_note_xt): %8.2f in (0.005, 1e4) and at 0, else %8.2e;
    p = chi2tail(1, x)/2, 1 at x = 0."""
    from scipy.stats import chi2 as chi2dist
    from hlmshell.estimates.nbreg import chibar_p
    from hlmshell.render import to_text
    from hlmshell.render.glm_general import AlphaLRTest
    p = chibar_p(x)
    assert p == (1.0 if x == 0 else pytest.approx(0.5 * chi2dist.sf(x, 1)))
    line = to_text(AlphaLRTest(x, p))
    assert line == f"{'LR test of alpha=0: chibar2(01) = ' + text:<55}Prob >= chibar2 = {p:5.3f}"
