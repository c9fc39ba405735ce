"""margins, expression(): margins of a function of the predictions, on the fixed b and V of
tests/postest/test_margins.py (no fit).

References: the margins written out in numpy as formulas in b (odds exp(xb), their Jacobian
by hand: d/db mean exp(x_i'b) = mean exp(x_i'b) x_i), V = J V_b J'. Tolerance 1e-7 relative:
expression() is differentiated numerically (as Stata does)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import run_lines
from test_margins import B, G, V, X, session, xb_at

b = B * 0.1


def design(x, g):
    return np.column_stack([x, 0 * x, g, 0 * x, g * x, 1 + 0 * x, 0 * x])


def test_odds_of_a_logit_by_factor_level():
    s = session(link="logit", b=b)
    rc, lines = run_lines(s, "margins g, expression(predict(pr)/(1-predict(pr)))")
    assert rc == 0
    est, J = [], []
    for k in (0, 1):
        D = design(X, np.full(len(X), float(k)))
        odds = np.exp(D @ b)
        est.append(odds.mean())
        J.append((odds[:, None] * D).mean(axis=0))
    assert s.r.matrices["b"].values.reshape(-1) == pytest.approx(est, rel=1e-7)
    assert s.r.matrices["V"].values == pytest.approx(np.array(J) @ V @ np.array(J).T, rel=1e-7)
    assert "Expression: predict(pr)/(1-predict(pr))" in "\n".join(lines)
    assert s.r.macros["expression"] == "predict(pr)/(1-predict(pr))"


def test_expression_of_the_default_prediction_equals_the_default_margins():
    s = session(link="logit", b=b)
    run_lines(s, "margins g, dydx(x)")
    want_b, want_V = s.r.matrices["b"].values.copy(), s.r.matrices["V"].values.copy()
    rc, _ = run_lines(s, "margins g, dydx(x) expression(predict(pr))")
    assert rc == 0
    assert s.r.matrices["b"].values == pytest.approx(want_b, rel=1e-7)
    assert s.r.matrices["V"].values == pytest.approx(want_V, rel=1e-6)


def test_xb_function_is_the_linear_index():
    s = session(link="logit", b=b)
    rc, _ = run_lines(s, "margins, expression(2*xb() + 1)")
    assert rc == 0
    assert s.r.matrices["b"].values[0, 0] == pytest.approx(
        2 * np.mean(xb_at(b, X, G)) + 1, rel=1e-7)


@pytest.mark.parametrize("line", [
    "margins, expression(3)",                       # no prediction in it
    "margins, expression(x*predict(pr))",           # data variables are not built
    "margins, expression(_b[x]*xb())",              # nor coefficients
    "margins, expression(predict(stdp))",           # a prediction that is not a link of xb
    "margins, expression(predict(pr)) predict(xb)",
    "margins, expression(xb(",
])
def test_refusals_leave_r_as_it_was(line):
    s = session(link="logit", b=b)
    run_lines(s, "margins")
    before = s.r.matrices["b"].values.copy()
    rc, _ = run_lines(s, line)
    assert rc in (198, 132)
    assert s.r.matrices["b"].values == pytest.approx(before)


def test_after_melogit_only_the_fixed_only_mean():
    # after me* predict()'s mean is marginal over u (a variance outside eta): refused inside
    # expression(); predict(fixedonly) and xb() are exp(xb)-type functions of eta
    from session_helpers import hsb_after
    s = hsb_after("egen gid = group(id)", "keep if gid <= 30", "gen hi = mathach > 15")
    assert run_lines(s, "quietly melogit hi ses || id:")[0] == 0
    assert run_lines(s, "margins, expression(predict(pr)/(1-predict(pr)))")[0] == 198
    assert run_lines(s, "margins, expression(exp(xb()))")[0] == 0
    want = s.r.matrices["b"].values[0, 0]
    assert run_lines(s, "margins, expression(predict(fixedonly)/(1-predict(fixedonly)))")[0] == 0
    assert s.r.matrices["b"].values[0, 0] == pytest.approx(want, rel=1e-7)
