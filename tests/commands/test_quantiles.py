"""xtile, pctile and _pctile ([D] pctile). References: numpy's percentile methods written by
others for the same definitions — 'averaged_inverted_cdf' is summarize, detail's rule and
'weibull' is altdef's x[(n+1)p/100] — and categories counted by hand. Tolerance 1e-12."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import data_session, state
from session_helpers import run_trimmed as run

RNG = np.random.default_rng(7)
X = np.round(RNG.normal(size=101), 3)
X[[5, 17]] = np.nan
G = (np.arange(101) % 2).astype(float)


@pytest.fixture
def s():
    return data_session({"x": ("double", X), "g": ("byte", G)})


def test_pctile_matches_numpy(s):
    s, out = s
    x = X[~np.isnan(X)]
    run(s, out, "_pctile x, nq(10)")
    want = np.percentile(x, np.arange(10, 100, 10), method="averaged_inverted_cdf")
    got = [s.r.scalars[f"r{k}"] for k in range(1, 10)]
    assert got == pytest.approx(want, rel=1e-12)
    run(s, out, "_pctile x if g == 1, percentiles(5 33.3 95) altdef")
    want = np.percentile(X[(G == 1) & ~np.isnan(X)], [5, 33.3, 95], method="weibull")
    assert [s.r.scalars[f"r{k}"] for k in (1, 2, 3)] == pytest.approx(want, rel=1e-12)
    run(s, out, "pctile p = x, nq(4) genp(pp)")
    want = np.percentile(x, [25, 50, 75], method="averaged_inverted_cdf")
    col = s.data.column("p")
    assert col[:3] == pytest.approx(want.astype(np.float32), rel=1e-7)   # stored as float
    assert np.isnan(col[3:]).all()
    assert s.data.column("pp")[:3].tolist() == [25, 50, 75]


def test_xtile_categories(s):
    s, out = s
    run(s, out, "xtile q = x if g == 0, nq(3)")
    x = X.copy()
    use = (G == 0) & ~np.isnan(x)
    cuts = np.percentile(x[use], [100 / 3, 200 / 3], method="averaged_inverted_cdf")
    want = np.where(use, 1 + (x > cuts[0]) + (x > cuts[1]), np.nan)
    np.testing.assert_array_equal(s.data.column("q"), want)
    run(s, out, "xtile q2 = x, cutpoints(q)")     # cuts 1, 2, 3 (the values of q)
    want2 = np.where(np.isnan(x), np.nan, 1 + (x > 1) + (x > 2) + (x > 3))
    np.testing.assert_array_equal(s.data.column("q2"), want2)


@pytest.mark.parametrize("line, rc", [
    ("xtile x = g", 110), ("xtile q = x, nq(1)", 198), ("xtile q = x [fw=g]", 101),
    ("xtile q = x, nq(3) cutpoints(g)", 198), ("_pctile x, nq(4) p(50)", 198),
    ("_pctile x, p(150)", 198), ("xtile q = x if g > 5", 2000), ("pctile str5 q = x", 109),
])
def test_bad_input_changes_nothing(s, line, rc):
    s, out = s
    before = state(s)
    run(s, out, line, rc=rc)
    assert state(s) == before
