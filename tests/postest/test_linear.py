"""test, testparm, lincom, nlcom over a posted result with fixed b and V (no fit).

References are independent numpy/scipy computations written out here: the Wald statistic
(Rb-q)'(RVR')^-1(Rb-q), lincom's g'b and sqrt(g'Vg), nlcom's analytic gradient of
b1/b3. Tolerances: 1e-10 relative for linear results, 1e-6 for nlcom (numerical
derivatives)."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
from scipy import stats

from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix
from hlmshell.session import Session
from session_helpers import data_session, run_lines

NAMES = ["y:x", "y:0b.g", "y:1.g", "y:0b.g#co.x", "y:1.g#c.x", "y:_cons", "lns1_1_1:_cons"]
B = np.array([2.0, 0.0, 1.5, 0.0, -0.5, 10.0, 0.3])
A = np.array([[.04, 0, .01, 0, -.01, .002, 0], [0] * 7, [.01, 0, .09, 0, -.02, -.03, 0],
              [0] * 7, [-.01, 0, -.02, 0, .05, .001, 0], [.002, 0, -.03, 0, .001, .06, 0],
              [0, 0, 0, 0, 0, 0, .01]])
V = (A + A.T) / 2


def session(df_r=None) -> Session:
    s, _ = data_session({"x": ("float", [1.0, 2.0, 3.0]), "g": ("byte", [0.0, 1.0, 1.0]),
                         "y": ("float", [1.0, 2.0, 4.0])})
    scalars = {"N": 3}
    if df_r is not None:
        scalars["df_r"] = df_r
    s.estimates.post(EstimationResult(
        cmd="fake", scalars=scalars, macros={"depvar": "y"},
        matrices={"b": StataMatrix(B.reshape(1, -1), ["y1"], NAMES),
                  "V": StataMatrix(V, NAMES, NAMES, symmetric=True)},
        sample=np.ones(3, bool)))
    return s


def chi2_ref(R, q):
    d = R @ B - q
    return float(d @ np.linalg.solve(R @ V @ R.T, d))


def test_joint_test_chi2_and_layout():
    s = session()
    rc, lines = run_lines(s, "test x 1.g")
    assert rc == 0
    R = np.zeros((2, 7))
    R[0, 0] = R[1, 2] = 1
    ref = chi2_ref(R, np.zeros(2))
    assert s.r.scalars["chi2"] == pytest.approx(ref, rel=1e-10)
    assert s.r.scalars["p"] == pytest.approx(stats.chi2.sf(ref, 2), rel=1e-10)
    assert s.r.scalars["df"] == 2 and s.r.scalars["drop"] == 0
    assert lines[0:7] == ["", " ( 1)  [y]x = 0", " ( 2)  [y]1.g = 0", "",
                          f"           chi2(  2) ={ref:8.2f}",
                          "         Prob > chi2 =    0.0000", ""]


def test_equality_and_parenthesised_specs_with_F():
    s = session(df_r=20)
    rc, lines = run_lines(s, "test (x = 1.g) (1.g#c.x = -1)")
    assert rc == 0
    R = np.zeros((2, 7))
    R[0, 0], R[0, 2], R[1, 4] = 1, -1, 1
    ref = chi2_ref(R, np.array([0, -1.0])) / 2
    assert s.r.scalars["F"] == pytest.approx(ref, rel=1e-10)
    assert s.r.scalars["df_r"] == 20
    assert s.r.scalars["p"] == pytest.approx(stats.f.sf(ref, 2, 20), rel=1e-10)
    assert " ( 1)  [y]x - [y]1.g = 0" in lines
    assert " ( 2)  [y]1.g#c.x = -1" in lines
    assert f"       F(  2,    20) ={ref:8.2f}" in lines


def test_base_level_constraint_is_dropped():
    s = session()
    rc, lines = run_lines(s, "test 0b.g x")
    assert rc == 0 and s.r.scalars["drop"] == 1 and s.r.scalars["dropped_1"] == 1
    assert "       Constraint 1 dropped" in lines
    assert s.r.scalars["df"] == 1


def test_accumulate_and_notest():
    s = session()
    assert s.run("test x, notest") == 0
    assert s.run("test 1.g, accumulate") == 0
    R = np.zeros((2, 7))
    R[0, 0] = R[1, 2] = 1
    assert s.r.scalars["chi2"] == pytest.approx(chi2_ref(R, np.zeros(2)), rel=1e-10)


def test_testparm_factor_terms():
    s = session()
    assert s.run("testparm i.g c.x#i.g") == 0
    R = np.zeros((2, 7))
    R[0, 2] = R[1, 4] = 1
    assert s.r.scalars["chi2"] == pytest.approx(chi2_ref(R, np.zeros(2)), rel=1e-10)
    assert s.run("testparm y") == 111  # a variable not in the model: "no such variables"


def test_lincom_numbers_t_and_z():
    g = np.zeros(7)
    g[0], g[4] = 1, 1
    est, se = g @ B, math.sqrt(g @ V @ g)
    s = session()
    rc, lines = run_lines(s, "lincom x + 1.g#c.x")
    assert rc == 0
    assert s.r.scalars["estimate"] == pytest.approx(est, rel=1e-12)
    assert s.r.scalars["se"] == pytest.approx(se, rel=1e-12)
    assert s.r.scalars["z"] == pytest.approx(est / se, rel=1e-12)
    assert s.r.scalars["lb"] == pytest.approx(est - stats.norm.ppf(.975) * se, rel=1e-10)
    assert "           y | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]" \
        in lines
    s = session(df_r=12)
    assert s.run("lincom 2*x - 3, level(90)") == 0
    assert s.r.scalars["estimate"] == pytest.approx(2 * B[0] - 3)
    assert s.r.scalars["ub"] == pytest.approx(
        2 * B[0] - 3 + stats.t.ppf(.95, 12) * 2 * math.sqrt(V[0, 0]), rel=1e-10)
    assert s.r.scalars["t"] == pytest.approx((2 * B[0] - 3) / (2 * math.sqrt(V[0, 0])))


def test_nlcom_delta_method():
    s = session()
    assert s.run("nlcom ratio: _b[x]/_b[_cons]") == 0
    grad = np.zeros(7)
    grad[0], grad[5] = 1 / B[5], -B[0] / B[5] ** 2
    se = math.sqrt(grad @ V @ grad)
    assert s.r.matrices["b"].values[0, 0] == pytest.approx(B[0] / B[5], rel=1e-12)
    assert math.sqrt(s.r.matrices["V"].values[0, 0]) == pytest.approx(se, rel=1e-6)


@pytest.mark.parametrize("line, rc", [
    ("test xyz", 111), ("test [foo]x", 303), ("lincom x*1.g", 131), ("lincom x +", 198),
    ("lincom", 198), ("test", 198), ("test x = ", 198), ("nlcom a: _b[nope]", 111),
    ("nlcom x/2", 198), ("nlcom _b[x] = 1", 198), ("nlcom _b[x]/0", 498),
    ("testparm", 198), ("lincom x, or eform", 198)])
def test_bad_input_is_a_stata_error(line, rc):
    s = session()
    assert s.run(line) == rc


def test_without_results_is_301():
    s = Session(out=io.StringIO())
    for line in ("test x", "lincom x", "nlcom _b[x]", "testparm x"):
        assert s.run(line) in (301, 111)
    assert s.run("test x") == 301


def test_eform_title_as_stata_17_prints_it():
    # a Stata 17 log (mestreg, `lincom Congruence1, eform`) prints
    # "          _t |     exp(b)   Std. err.      z    P>|z|     [95% conf. interval]"
    s = session()
    rc, lines = run_lines(s, "lincom x, eform")
    assert rc == 0
    assert "           y |     exp(b)   Std. err.      z    P>|z|     [95% conf. interval]" in lines
    assert s.run("lincom x, or") == 0


def test_testparm_keeps_interaction_cells_with_one_base_level():
    from hlmshell.commands.postest_linear import _base_or_omitted
    assert not _base_or_omitted("0b.tax#1.singles")    # estimated: Stata's testparm tests it
    assert _base_or_omitted("0b.tax#0b.singles")
    assert _base_or_omitted("0b.g#co.x") and _base_or_omitted("o.x") and _base_or_omitted("1o.g")
    assert not _base_or_omitted("1.g#c.x") and not _base_or_omitted("x")


def test_nlcom_follows_the_df_rule_and_prints_its_names():
    s = session(df_r=12)
    rc, lines = run_lines(s, "nlcom (r: _b[x]/_b[_cons]) (e: exp(_b[1.g]))")
    assert rc == 0
    assert "           r:  _b[x]/_b[_cons]" in lines       # nlcom.ado: %12s name ":  " exp
    assert any("P>|t|" in x for x in lines) and s.r.scalars["df_r"] == 12
    assert s.r.scalars["N"] == 3


def test_lincom_eform_stores_what_it_shows_and_refuses_a_constant():
    s = session()
    assert s.run("lincom x, eform") == 0
    est, se = math.exp(B[0]), math.exp(B[0]) * math.sqrt(V[0, 0])
    assert s.r.scalars["estimate"] == pytest.approx(est, rel=1e-12)
    assert s.r.scalars["se"] == pytest.approx(se, rel=1e-12)
    assert "df" not in s.r.scalars                     # z: no r(df), as lincom.ado
    assert s.run("lincom x + 1, or") == 198           # additive constant with or
    assert s.run("lincom x = 1") == 198


def test_nlcom_post_then_replay_and_test():
    s = session()
    rc, first = run_lines(s, "nlcom (a: _b[x]) (c: 2*_b[_cons]), post")
    assert rc == 0 and s.estimates.active.cmd == "nlcom"
    rc, again = run_lines(s, "nlcom")
    assert rc == 0 and [x for x in again if "|" in x] == [x for x in first if "|" in x]
    assert s.run("test a = 0") == 0
    assert s.r.scalars["chi2"] == pytest.approx(B[0] ** 2 / V[0, 0], rel=1e-6)
