"""testnl ([R] testnl). Reference: the Wald statistic written out in numpy with an analytic
gradient of the same hypotheses (tolerance 1e-6: testnl differentiates numerically); a
linear hypothesis equals test's chi2 = q F (1e-8)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from session_helpers import hsb_session, run_lines, state


@pytest.fixture(scope="module")
def s():
    s = hsb_session()
    assert run_lines(s, "quietly regress mathach ses minority")[0] == 0
    return s


def bv(s):
    r = s.estimates.active
    return r.matrices["b"].values[0], r.matrices["V"].values


def test_ratio_and_square(s):
    rc, lines = run_lines(s, "testnl (_b[ses]/_b[minority] = -1) (_b[ses]^2 = 9)")
    assert rc == 0
    b, V = bv(s)
    R = np.array([b[0] / b[1] + 1, b[0] ** 2 - 9])
    G = np.array([[1 / b[1], -b[0] / b[1] ** 2, 0], [2 * b[0], 0, 0]])
    W = R @ np.linalg.solve(G @ V @ G.T, R)
    assert s.r.scalars["chi2"] == pytest.approx(W, rel=1e-6)
    assert s.r.scalars["p"] == pytest.approx(stats.chi2.sf(W, 2), rel=1e-5)
    assert lines[1] == "  (1)  _b[ses]/_b[minority] = -1"
    assert "               chi2(2) =  " + f"{W:10.2f}" in lines


def test_linear_hypothesis_matches_test(s):
    run_lines(s, "test _b[ses] = 2")
    F = s.r.scalars["F"]
    run_lines(s, "testnl _b[ses] = 2")
    assert s.r.scalars["chi2"] == pytest.approx(F, rel=1e-8)
    run_lines(s, "testnl _b[ses] = 2 = 3, df(100)")     # a = b = c: the second is dependent
    assert s.r.scalars["df"] == 1 and s.r.scalars["F"] == pytest.approx(F, rel=1e-8)


@pytest.mark.parametrize("line", ["testnl _b[ses]", "testnl ses = 1", "testnl (_b[ses] =)",
                                  "testnl _b[nosuch] = 1", "testnl _b[ses] = 1, mtest"])
def test_refusals(s, line):
    before = state(s)
    assert run_lines(s, line)[0] in (111, 198, 303)
    assert state(s) == before
