"""Time-series operators L. F. D. S. in expressions after tsset/xtset ([U] 11.4.4).
Reference: pandas on the complete panel-by-time grid (reindexed, so a gap is a missing
neighbour, as Stata's operators treat it), exact."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from session_helpers import hsb_session, run_lines, state


@pytest.fixture
def s():
    s = hsb_session(data=False)
    for line in ("clear", "set obs 9", "gen id = ceil(_n/3)", "bysort id: gen t = _n",
                 "replace t = 5 in 3", "gen y = _n^2 + 3*id", "xtset id t"):
        assert run_lines(s, line)[0] == 0
    return s


def grid(s):
    df = pd.DataFrame({"id": s.data.column("id"), "t": s.data.column("t"),
                       "y": s.data.column("y")}).set_index(["id", "t"])
    full = pd.MultiIndex.from_product([[1, 2, 3], range(1, 6)], names=["id", "t"])
    return df.reindex(full), df.index


@pytest.mark.parametrize("expr, fn", [
    ("L.y", lambda g: g.shift(1)), ("F.y", lambda g: g.shift(-1)),
    ("L2.y", lambda g: g.shift(2)), ("D.y", lambda g: g - g.shift(1)),
    ("D2.y", lambda g: g - 2 * g.shift(1) + g.shift(2)), ("S2.y", lambda g: g - g.shift(2)),
    ("LD.y", lambda g: (g - g.shift(1)).shift(1)),
])
def test_operators(s, expr, fn):
    assert run_lines(s, f"gen v = {expr}")[0] == 0
    full, idx = grid(s)
    want = full.groupby(level="id")["y"].transform(fn).reindex(idx).to_numpy()
    np.testing.assert_array_equal(s.data.column("v"), want.astype(np.float32).astype(float))


def test_tsset_single_series_and_errors(s):
    run_lines(s, "xtset, clear")
    before = state(s)
    assert run_lines(s, "gen v = L.y")[0] == 111          # no time variable
    assert state(s) == before
    run_lines(s, "keep in 1/3")
    assert run_lines(s, "tsset t")[0] == 0
    run_lines(s, "gen v = D.y")
    assert list(np.isnan(s.data.column("v"))) == [True, False, True]     # t = 1, 2, 5
    assert run_lines(s, "xtset")[0] == 459                 # a series has no panels
    assert run_lines(s, "gen w = L.nosuch")[0] == 111
