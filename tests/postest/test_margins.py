"""margins over a posted result with fixed b and V on a small data set (no fit).

References are independent derivations written out here in numpy: the margins as explicit
formulas in b (x*b_x + k*b_1g + k*x*b_int + b_cons), their Jacobians by hand or by
central differences of those formulas, V = J V_b J'. Tolerance: 1e-10 relative for linear
predictions (exact arithmetic), 1e-7 for derivatives taken numerically (dydx, logit)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix
from session_helpers import data_session, run_lines

NAMES = ["y:x", "y:0b.g", "y:1.g", "y:0b.g#co.x", "y:1.g#c.x", "y:_cons", "lns1_1_1:_cons"]
B = np.array([2.0, 0.0, 1.5, 0.0, -0.5, 10.0, 0.3])
A = np.array([[.04, 0, .01, 0, -.01, .002, 0], [0] * 7, [.01, 0, .09, 0, -.02, -.03, 0],
              [0] * 7, [-.01, 0, -.02, 0, .05, .001, 0], [.002, 0, -.03, 0, .001, .06, 0],
              [0, 0, 0, 0, 0, 0, .01]])
V = (A + A.T) / 2
X = np.array([-1.2, 0.3, 0.8, 1.9, -0.4, 0.0, 2.2, -2.0])
G = np.array([0, 1, 1, 0, 0, 1, 1, 0], dtype=float)
F = np.array([0, 0, 1, 1, 0, 1, 0, 1], dtype=float)


def session(link="identity", b=B):
    s, _ = data_session({"x": ("double", X), "g": ("byte", G), "f": ("byte", F),
                         "y": ("double", X * 2)})
    s.estimates.post(EstimationResult(
        cmd="mixed", scalars={"N": len(X)}, macros={"depvar": "y"},
        matrices={"b": StataMatrix(b.reshape(1, -1), ["y1"], NAMES),
                  "V": StataMatrix(V, NAMES, NAMES, symmetric=True)},
        sample=np.ones(len(X), bool), link=link))
    return s


def xb_at(b, x, g):
    return b[0] * x + b[2] * g + b[4] * g * x + b[5]


def check(s, est, J, rel=1e-10):
    assert s.r.matrices["b"].values.reshape(-1) == pytest.approx(est, rel=rel)
    Vm = np.array(J) @ V @ np.array(J).T
    assert s.r.matrices["V"].values == pytest.approx(Vm, rel=rel, abs=1e-14)


def test_factor_by_at_grid_and_layout():
    s = session()
    rc, lines = run_lines(s, "margins g, at(x=(-1 0 1))")
    assert rc == 0
    est, J = [], []
    for a in (-1, 0, 1):
        for k in (0, 1):
            est.append(xb_at(B, a, k))
            J.append([a, 0, k, 0, k * a, 1, 0])
    check(s, est, J)
    assert s.r.matrices["b"].colnames[:2] == ["1bn._at#0bn.g", "1bn._at#1.g"]
    text = "\n".join(lines)
    assert "Adjusted predictions" in text and "Number of obs = 8" in text
    assert "Expression: Linear prediction, fixed portion, predict()" in text
    assert "1._at: x = -1\n2._at: x =  0\n3._at: x =  1" in text
    assert "             |            Delta-method" in text
    assert "             |     Margin   std. err.      z    P>|z|     [95% conf. interval]" in text
    assert "       _at#g |" in text and "\n        1#0  |" in text
    assert s.last_margins.b == pytest.approx(est)


def test_predictive_margins_of_a_factor_average_over_the_sample():
    s = session()
    assert s.run("margins g") == 0
    est = [np.mean(xb_at(B, X, k)) for k in (0, 1)]
    J = [[X.mean(), 0, k, 0, k * X.mean(), 1, 0] for k in (0, 1)]
    check(s, est, J)
    assert s.r.macros["title"] == "Predictive margins"


def test_dydx_continuous_at_factor_levels():
    s = session()
    rc, lines = run_lines(s, "margins, dydx(x) at(g=(0 1))")
    assert rc == 0
    check(s, [B[0], B[0] + B[4]], [[1, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 1, 0, 0]], rel=1e-7)
    assert "dy/dx wrt:  x" in lines and "x            |" in lines
    assert s.r.matrices["b"].colnames == ["x:1bn._at", "x:2._at"]


def test_dydx_factor_is_the_discrete_change():
    s = session()
    rc, lines = run_lines(s, "margins, dydx(g)")
    assert rc == 0
    # base column 0, then mean over the sample of xb(g=1) - xb(g=0)
    check(s, [0.0, B[2] + B[4] * X.mean()], [[0] * 7, [0, 0, 1, 0, X.mean(), 0, 0]])
    assert "Note: dy/dx for factor levels is the discrete change from the base level." in lines


def test_over_and_if_restrict_the_averaging_sample():
    s = session()
    assert s.run("margins if f == 1, over(g)") == 0
    est, J = [], []
    for k in (0, 1):
        rows = (F == 1) & (G == k)
        est.append(np.mean(xb_at(B, X[rows], k)))
        J.append([X[rows].mean(), 0, k, 0, k * X[rows].mean(), 1, 0])
    check(s, est, J)
    assert s.r.scalars["N"] == 4


def test_atmeans_puts_factor_indicators_at_their_shares():
    s = session()
    assert s.run("margins, atmeans") == 0
    share = G.mean()
    est = B[0] * X.mean() + B[2] * share + B[4] * share * X.mean() + B[5]
    check(s, [est], [[X.mean(), 0, share, 0, share * X.mean(), 1, 0]])
    assert s.r.macros["title"] == "Adjusted predictions"


def test_logit_link_margins_and_effects():
    s = session(link="logit", b=B * 0.1)
    b = B * 0.1

    def margin(bv, k):
        return np.mean(1 / (1 + np.exp(-xb_at(bv, X, k))))

    def ame(bv):
        p = 1 / (1 + np.exp(-xb_at(bv, X, G)))
        return np.mean(p * (1 - p) * (bv[0] + bv[4] * G))

    def num_grad(f):
        out = np.zeros(7)
        for j in range(7):
            e = np.zeros(7)
            e[j] = 1e-6
            out[j] = (f(b + e) - f(b - e)) / 2e-6
        return out
    assert s.run("margins g") == 0
    check(s, [margin(b, 0), margin(b, 1)],
          [num_grad(lambda v: margin(v, 0)), num_grad(lambda v: margin(v, 1))], rel=1e-7)
    assert s.r.macros["expression"] == "Pr(y), predict()"
    assert s.run("margins, dydx(x)") == 0
    check(s, [ame(b)], [num_grad(ame)], rel=1e-6)
    assert s.run("margins g, predict(xb)") == 0
    assert s.r.matrices["b"].values[0, 1] == pytest.approx(np.mean(xb_at(b, X, 1)))


@pytest.mark.parametrize("line, rc", [
    ("margins x", 322), ("margins f", 322), ("margins, at(f=1)", 322),
    ("margins, at(zz=1)", 111), ("margins, at(x=(a b))", 121), ("margins, dydx(f)", 322),
    ("margins, expression(1)", 198), ("margins, predict(stdp)", 198), ("margins, at(", 198),
    ("margins, at(x)", 198), ("margins, eyex(g)", 198), ("margins, dydx(x) eyex(x)", 198),
    ("margins if x > 100", 2000), ("margins, over(x)", 452), ("margins, over(y)", 452),
    ("margins, at(g=2)", 198)])
def test_bad_input(line, rc):
    s = session()
    assert s.run("margins g") == 0
    before = s.r.matrices["b"].values.copy()
    assert s.run(line) == rc
    assert s.r.matrices["b"].values == pytest.approx(before)  # r() left as it was


def test_no_results_is_301():
    s, _ = data_session({"x": ("double", X)})
    assert s.run("margins") == 301


def test_post_replaces_the_active_results():
    s = session()
    assert s.run("margins g, post") == 0
    assert s.estimates.active.cmd == "margins"
    assert s.run("test 1.g = 0.g") == 0


def test_long_dimension_names_widen_the_label_column_and_vsquish():
    # Stata 17 (`margins AgentType, at(Congruence1=(-1(1)1)) vsquish`): no blank line before
    # the at legend, `_at#AgentType |` widens the first column, levels joined by `#`
    s, _ = data_session({"x": ("double", X), "longfactor": ("byte", G)})
    names = ["y:x", "y:0b.longfactor", "y:1.longfactor", "y:_cons"]
    Vs = V[np.ix_([0, 1, 2, 5], [0, 1, 2, 5])]
    s.estimates.post(EstimationResult(
        cmd="mixed", scalars={"N": 8}, macros={"depvar": "y"},
        matrices={"b": StataMatrix(B[[0, 1, 2, 5]].reshape(1, -1), ["y1"], names),
                  "V": StataMatrix(Vs, names, names, symmetric=True)},
        sample=np.ones(8, bool)))
    rc, lines = run_lines(s, "margins longfactor, at(x=(-1 0)) vsquish")
    assert rc == 0
    at = lines.index("1._at: x = -1")
    assert lines[at - 1].startswith("Expression:")
    assert "_at#longfactor |" in lines
    assert "          1#0  |" in "\n".join(lines)
    assert lines[at + 3] == "-" * 80


def test_margins_replays_after_post():
    s = session()
    rc, first = run_lines(s, "margins g, post")
    assert rc == 0
    rc, again = run_lines(s, "margins")
    assert rc == 0 and [x for x in again if "|" in x] == [x for x in first if "|" in x]
    assert s.run("margins g") == 198


def test_dydx_all_lists_factor_levels_in_wrt():
    # Stata 17 log: `dy/dx wrt:  bill_length_mm flipper_length_mm 2.speciesid 3.speciesid`
    s = session()
    rc, lines = run_lines(s, "margins, dydx(*)")
    assert rc == 0
    assert "dy/dx wrt:  x 1.g" in lines
    # continuous rows inline, then a separator row and the factor block
    k = lines.index("             |")
    assert lines[k - 1].startswith("           x |") and lines[k + 1] == "           g |"


def test_error_messages_as_stata_words_them():
    # marginlist: "factor 'xxx' not found in list of covariates" (a user's Stata report);
    # dydx(): "'t*' not found in list of covariates" (Stata's whatsnew)
    s = session()
    rc, lines = run_lines(s, "margins x")
    assert rc == 322 and "factor 'x' not found in list of covariates" in lines
    rc, lines = run_lines(s, "margins, dydx(f)")
    assert rc == 322 and "'f' not found in list of covariates" in lines
