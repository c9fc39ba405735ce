"""xtgee (and the pa models) through the shell against tests/fixtures/xtgee_reference.json
(made by xtgee_reference.py): hsb cases against statsmodels GEE (exchangeable, independent;
Stata's default divisors = ddof_scale 0, nmp = ddof_scale p; robust = G/(G-1) x statsmodels'
cov_robust); ar 1 and unstructured on a simulated unbalanced panel against the fixture's
plain numpy implementation of xtgee.ado's formulas. Coefficients, conventional and robust
VCE, alpha / e(R), e(phi): 1e-6 relative (fits run with tolerance(1e-12)).
Layout from fixed numbers; refusals and their r() codes; a failed fit changes nothing."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from session_helpers import data_session, hsb_after, run_lines

REF = json.loads((Path(__file__).parents[1] / "fixtures" / "xtgee_reference.json").read_text())
REL = 1e-6
FAM = {"gaussian": "", "logit": " family(binomial)", "probit": " family(binomial) link(probit)",
       "poisson": " family(poisson)"}
CORR = {"exchangeable": "exc", "independent": "ind", "ar": "ar 1", "unstructured": "unstr"}


@pytest.fixture(scope="module")
def hsb():
    return hsb_after("encode id, gen(sid)", "xtset sid", "gen hi = mathach > 13",
                     "gen cnt = floor(max(mathach, 0)/4)")


@pytest.fixture(scope="module")
def sim():
    d = REF["data"]
    s, _ = data_session({k: ("double", np.array(v)) for k, v in d.items()})
    assert s.run("xtset id t") == 0
    return s


def _close(a, b, rel=REL):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.abs(b), 1e-8 * np.max(np.abs(b)))
    assert np.all(np.abs(a - b) <= rel * scale), np.max(np.abs(a - b) / scale)


def _fit(s, line):
    assert s.run(line) == 0, line
    e = s.estimates.active
    return e.matrices["b"].values.ravel(), e.matrices["V"].values, e


def _line(case, vce=""):
    xs = " ".join(case.get("indep", ["x1", "x2"]))
    nmp = " nmp" if case["nmp"] else ""
    return (f"xtgee {case['depvar']} {xs},{FAM[case['family']]} corr({CORR[case['corr']]})"
            f"{nmp} tolerance(1e-12) nolog{vce}")


def test_generated_outcomes_match_the_fixture(hsb):
    assert float(np.nansum(hsb.data.column("cnt"))) == REF["cnt_sum"]
    assert float(np.nansum(hsb.data.column("hi"))) == REF["hi_sum"]


@pytest.mark.parametrize("case", REF["hsb"], ids=[_line(c) for c in REF["hsb"]])
def test_hsb_matches_statsmodels(hsb, case):
    b, V, e = _fit(hsb, _line(case))
    _close(b, case["b"])
    _close(V, case["V"])
    _close(e.scalars["phi"], case["scale"])
    R = e.matrices["R"].values
    if case["corr"] == "exchangeable":
        _close(R[0, 1], case["alpha"])
    else:
        assert np.array_equal(R, np.eye(len(R)))
    b, V, e = _fit(hsb, _line(case, " vce(robust)"))
    _close(b, case["b"])
    _close(V, case["V_robust"])
    _close(e.matrices["V_modelbased"].values, case["V"])


@pytest.mark.parametrize("case", REF["sim"], ids=[_line(c) for c in REF["sim"]])
def test_ar1_unstructured_match_statas_formulas(sim, case):
    b, V, e = _fit(sim, _line(case))
    _close(b, case["b"])
    _close(V, case["V"])
    R = e.matrices["R"].values
    if case["corr"] == "ar":
        _close(R[0, 1], case["alpha"])
        _close(R[0, 2], case["alpha"] ** 2)
    else:
        _close(R, case["R"])
    b, V, e = _fit(sim, _line(case, " vce(robust)"))
    _close(V, case["V_robust"])


def test_stored_results_and_default_convergence(hsb):
    case = REF["hsb"][0]
    b, _, e = _fit(hsb, "xtgee mathach ses female")
    _close(b, case["b"], 1e-5)        # the default tolerance 1e-6 on mreldif
    s, m = e.scalars, e.macros
    assert (s["N"], s["N_g"], s["g_min"], s["g_max"], s["df_m"]) == (7185, 160, 14, 67, 2)
    assert s["tol"] == 1e-6 and 0 < s["dif"] <= 1e-6 and s["rc"] == 0
    assert s["g_avg"] == pytest.approx(7185 / 160)
    assert s["df_pear"] == 7185 and s["phi"] == pytest.approx(s["chi2_dis"])
    assert (m["cmd"], m["family"], m["link"], m["corr"], m["model"], m["ivar"], m["vce"]) == \
        ("xtgee", "Gaussian", "identity", "exchangeable", "pa", "sid", "conventional")
    assert e.matrices["R"].values.shape == (67, 67)
    # nmp divides by N - p
    _, _, e2 = _fit(hsb, "xtgee mathach ses female, nmp")
    assert e2.scalars["df_pear"] == 7182


def test_header_layout_from_fixed_numbers():
    from hlmshell.render import to_text
    from hlmshell.render.xtgee import GEEHeader, GEEOutput
    h = GEEHeader(28091, "idcode", "", 4697, "Gaussian", "identity", "exchangeable", 1, 6.0,
                  15, 10, 9598.89, 0.0, 0.1436709)
    text = to_text(GEEOutput(log=[.0310561, 2.88e-07], header=h))
    lines = text.split("\n")
    assert "Iteration 1: tolerance = .0310561" in lines
    assert "Iteration 2: tolerance = 2.880e-07" in lines
    assert ("GEE population-averaged model                   Number of obs     =     28,091"
            in lines)
    assert "Group variable: idcode                          Number of groups  =      4,697" \
        in lines
    assert "Family: Gaussian                                Obs per group:" in lines
    assert "Link:   Identity                                              min =          1" \
        in lines
    assert "Correlation: exchangeable                                     avg =        6.0" \
        in lines
    assert "                                                Wald chi2(10)     =    9598.89" \
        in lines
    assert "Scale parameter = .1436709                      Prob > chi2       =     0.0000" \
        in lines


def test_table_and_robust_title(hsb):
    rc, lines = run_lines(hsb, "xtgee mathach ses, vce(robust) nolog")
    assert rc == 0
    assert any("Robust" in ln for ln in lines)
    assert any(ln.startswith("         ses |") for ln in lines)


def test_predict_and_wcorrelation(sim):
    _fit(sim, "xtgee yc x1 x2, family(poisson) corr(ar 1) nolog")
    e = sim.estimates.active
    assert sim.run("predict double m") == 0 and sim.run("predict double eta, xb") == 0
    m, eta = np.asarray(sim.data.column("m")), np.asarray(sim.data.column("eta"))
    np.testing.assert_allclose(m, np.exp(eta), rtol=1e-12)
    b = e.matrices["b"].values.ravel()
    x1, x2 = np.asarray(sim.data.column("x1")), np.asarray(sim.data.column("x2"))
    np.testing.assert_allclose(eta, b[0] * x1 + b[1] * x2 + b[2], rtol=1e-12)
    rc, lines = run_lines(sim, "estat wcorrelation")
    assert rc == 0 and "Estimated within-id correlation matrix R:" in lines
    assert run_lines(sim, "estat wcorrelation, covariance")[0] == 198
    assert sim.run("drop m eta") == 0


@pytest.mark.parametrize("line, rc", [
    ("xtgee y x1, corr(stationary 2)", 198), ("xtgee y x1, corr(ar 2)", 198),
    ("xtgee y x1, corr(nonst)", 198), ("xtgee y x1, family(gamma)", 198),
    ("xtgee y x1, family(nbinomial)", 198), ("xtgee y x1, link(logit)", 198),
    ("xtgee y x1, corr(foo)", 198), ("xtgee y x1, force", 198), ("xtgee y x1, scale(x2)", 198),
    ("xtgee y x1, vce(bootstrap)", 198), ("xtgee y x1, rgf", 198),
    ("xtgee yb x1, family(binomial) rgf vce(robust)", 198),
    ("xtgee y x1 [fw=t]", 101), ("xtgee y x1, family(poisson) link(probit)", 198),
])
def test_refusals(sim, line, rc):
    before = sim.estimates.active
    assert run_lines(sim, line)[0] == rc
    assert sim.estimates.active is before


def test_panel_and_time_rules():
    s, _ = data_session({"y": ("double", np.array([1., 2, 3, 4, 2, 5, 1, 3])),
                         "x": ("double", np.array([0., 1, 0, 1, 1, 0, 1, 0])),
                         "g": ("double", np.array([1., 1, 1, 2, 2, 2, 3, 3])),
                         "t": ("double", np.array([1., 2, 3, 1, 2, 4, 1, 2]))})
    rc, lines = run_lines(s, "xtgee y x")
    assert rc == 459 and "panel variable not set; use xtset varname ..." in lines
    assert s.run("xtset g") == 0
    assert run_lines(s, "xtgee y x, corr(ar 1)")[0] == 459      # no time variable
    assert run_lines(s, "xtgee y x, nolog")[0] == 0
    assert s.run("xtset g t") == 0
    assert run_lines(s, "xtgee y x, corr(ar 1)")[0] == 459      # g = 2 skips t = 3
    assert run_lines(s, "xtgee y x if !(g == 2 & t == 4), corr(ar 1) nolog")[0] == 0
    assert s.estimates.active.macros["tvar"] == "t"


def test_nonconvergence_posts_and_returns_430(hsb):
    rc, lines = run_lines(hsb, "xtgee mathach ses, iterate(1)")
    assert rc == 430 and "convergence not achieved" in lines
    assert hsb.estimates.active.scalars["rc"] == 430


@pytest.mark.parametrize("cmd, case", [
    ("xtreg mathach ses female, pa", 0), ("xtlogit hi ses female, pa", 3),
    ("xtprobit hi ses female, pa corr(exc)", 4), ("xtpoisson cnt ses female, pa", 6)])
def test_pa_models_are_xtgee(hsb, cmd, case):
    b, V, e = _fit(hsb, cmd + " tolerance(1e-12) nolog")
    _close(b, REF["hsb"][case]["b"])
    _close(V, REF["hsb"][case]["V"])
    name = cmd.split()[0]
    assert (e.cmd, e.macros["cmd"], e.macros["cmd2"]) == ("xtgee", "xtgee", name)
    rc, lines = run_lines(hsb, name)            # replay
    assert rc == 0 and lines[1].startswith("GEE population-averaged model")


@pytest.mark.parametrize("line", ["xtnbreg cnt ses, pa", "xtlogit hi ses, corr(exc)",
                                  "xtlogit hi ses, pa intmethod(ghermite)",
                                  "xtreg mathach ses, fe corr(ind)", "xtreg mathach ses, pa re",
                                  "xtreg mathach ses, nmp", "xtprobit hi ses, vce(robust)",
                                  "xtlogit hi ses, pa or family(poisson)"])
def test_pa_refusals(hsb, line):
    assert run_lines(hsb, line)[0] == 198


def test_exchangeable_alpha_below_its_bound_is_reset_then_430():
    # panels of two with opposite outcomes: alpha near -1, below -1/(max n_i - 1) = -1/3
    a = np.array([1., 2, 3, 1.5, 2.5, .5])
    y = np.r_[np.ravel(np.column_stack([a, -a])), [.1, -.1, .1, -.1]]
    g = np.r_[np.repeat(np.arange(1., 7), 2), [7, 7, 7, 7]]
    s, _ = data_session({"y": ("double", y), "g": ("double", g)})
    assert s.run("xtset g") == 0
    rc, lines = run_lines(s, "xtgee y")
    assert rc == 430
    assert "(resetting alpha to -0.3300)" in lines
    assert "exchangeable working correlation matrix not positive definite" in lines
    e = s.estimates.active
    assert e.scalars["rc"] == 430
    assert e.matrices["R"].values[0, 1] == pytest.approx(-0.33)


def test_ar1_tridiagonal_inverse_equals_the_explicit_one():
    from hlmshell.models.gee import Panels, _patterns, _solve_ar1, _solve_general, working_R
    rng = np.random.default_rng(0)
    sizes = [2, 5, 3, 7, 2]
    group = np.repeat(np.arange(len(sizes)), sizes)
    P = Panels(group)
    Xt, e = rng.normal(size=(len(group), 3)), rng.normal(size=len(group))
    fast = _solve_ar1(P, 0.37, Xt, e)
    slow = _solve_general(P, _patterns(P), working_R("ar", 0.37, 7), Xt, e)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_working_correlation_past_2000_is_matsize():
    n = 2001
    s, _ = data_session({"y": ("double", np.arange(n) % 7.0), "g": ("double", np.ones(n))})
    assert s.run("xtset g") == 0
    assert run_lines(s, "xtgee y")[0] == 908
