"""mkspline ([R] mkspline). References: the spline pieces written out in numpy from the
manual's definitions; the restricted cubic basis checked for its defining property (linear
beyond the outer knots) and against Harrell's truncated-power formula; the default knots
against numpy's 'weibull' percentiles (centile's x[(n+1)p/100]). Tolerance: float storage
(rel 1e-6)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import data_session, state
from session_helpers import run_trimmed as run

RNG = np.random.default_rng(11)
X = np.round(RNG.normal(size=200) * 2, 2)


@pytest.fixture
def s():
    return data_session({"x": ("double", X)})


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(float)


def test_linear_pieces_and_marginal(s):
    s, out = s
    run(s, out, "mkspline a1 -1 a2 1 a3 = x")
    np.testing.assert_allclose(s.data.column("a1"), f32(np.minimum(X, -1)))
    np.testing.assert_allclose(s.data.column("a2"), f32(np.clip(X, -1, 1) + 1))
    np.testing.assert_allclose(s.data.column("a3"), f32(np.maximum(X, 1) - 1))
    assert s.data.var("a2").label == "x: (-1,1)"
    assert s.r.matrices["knots"].values.tolist() == [[-1, 1]]
    run(s, out, "mkspline m1 -1 m2 1 m3 = x, marginal")
    np.testing.assert_allclose(s.data.column("m3"), f32(np.maximum(0, X - 1)))
    # the pieces add back to x; marginal pieces are the change in slope
    total = sum(s.data.column(f"a{i}") for i in (1, 2, 3))
    np.testing.assert_allclose(total, X, atol=1e-5)


def test_equal_width_and_percentile_knots(s):
    s, out = s
    run(s, out, "mkspline e 4 = x")
    lo, hi = X.min(), X.max()
    np.testing.assert_allclose(s.r.matrices["knots"].values[0],
                               lo + (hi - lo) * np.arange(1, 4) / 4, rtol=1e-12)
    run(s, out, "mkspline p 4 = x, pctile")
    np.testing.assert_allclose(s.r.matrices["knots"].values[0],
                               np.percentile(X, [25, 50, 75], method="weibull"), rtol=1e-12)


def test_restricted_cubic_basis(s):
    s, out = s
    run(s, out, "mkspline c = x, cubic nknots(4)")
    t = np.percentile(X, [5, 35, 65, 95], method="weibull")
    np.testing.assert_allclose(s.r.matrices["knots"].values[0], t, rtol=1e-12)
    p3 = lambda u: np.maximum(u, 0) ** 3  # noqa: E731
    for j in range(2):
        want = (p3(X - t[j]) - p3(X - t[2]) * (t[3] - t[j]) / (t[3] - t[2])
                + p3(X - t[3]) * (t[2] - t[j]) / (t[3] - t[2])) / (t[3] - t[0]) ** 2
        np.testing.assert_allclose(s.data.column(f"c{j + 2}"), f32(want), rtol=1e-6, atol=1e-7)
        # linear beyond the last knot: equal slopes on three points past t[3]
        xs = np.array([t[3] + 1, t[3] + 2, t[3] + 3])
        v = (p3(xs - t[j]) - p3(xs - t[2]) * (t[3] - t[j]) / (t[3] - t[2])
             + p3(xs - t[3]) * (t[2] - t[j]) / (t[3] - t[2]))
        assert v[2] - v[1] == pytest.approx(v[1] - v[0], rel=1e-9)
    np.testing.assert_allclose(s.data.column("c1"), f32(X))


@pytest.mark.parametrize("line, rc", [
    ("mkspline a 1 b 0 c = x", 198), ("mkspline x 0 b = x", 110),
    ("mkspline c = x, cubic nknots(9)", 498), ("mkspline c = x, cubic knots(1 0 2)", 498),
    ("mkspline a 0 b = x, cubic", 198), ("mkspline a 1 = x", 198),
    ("mkspline a 0 b = x, displayknots", 198), ("mkspline a 0 b = nosuch", 111),
])
def test_bad_input_changes_nothing(s, line, rc):
    s, out = s
    before = state(s)
    run(s, out, line, rc=rc)
    assert state(s) == before
