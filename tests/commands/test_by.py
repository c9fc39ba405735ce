"""The by/bysort prefix for every byable command: groups, _n/_N/subscripts within groups,
`if` evaluated within groups, r(5) on unsorted data, the `-> g = v` output blocks.
Expected values are worked by hand from the small dataset below ([U] 13.7 and [D] by:
_n and _N count within the by-group; x[exp] outside the group is missing)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import col, data_session, run_lines, state
from session_helpers import run_nonblank as run

NAN = float("nan")


@pytest.fixture
def s():
    return data_session({"g": ("byte", [2, 1, 2, 1, 1]),
                         "x": ("float", [10, 1, 20, 3, 2])})[0]


def test_bysort_n_N_and_subscripts(s):
    run(s, "bysort g (x): gen n = _n")
    run(s, "by g: gen N = _N")
    run(s, "by g: gen lag = x[_n-1]")
    run(s, "by g: gen last = x[_N]")
    assert col(s, "g") == [1, 1, 1, 2, 2]
    assert col(s, "x") == [1, 2, 3, 10, 20]
    assert col(s, "n") == [1, 2, 3, 1, 2]
    assert col(s, "N") == [3, 3, 3, 2, 2]
    assert col(s, "lag") == [None, 1, 2, None, 10]
    assert col(s, "last") == [3, 3, 3, 20, 20]


def test_if_is_evaluated_within_groups(s):
    run(s, "sort g")
    run(s, "by g: gen first = 1 if _n == 1")
    assert col(s, "first") == [1, None, None, 1, None]
    run(s, "by g: replace x = 0 if _n == _N")
    assert col(s, "x") == [1, 3, 0, 10, 0]
    run(s, "by g: drop if _n == 1")
    assert s.data.nobs == 3


def test_by_on_unsorted_data_is_r5_and_leaves_data(s):
    before = state(s)
    rc, lines = run_lines(s, "by g: gen n = _n")
    assert rc == 5 and lines[0] == "not sorted"
    assert state(s) == before


def test_by_count_prints_group_blocks(s):
    run(s, "sort g")
    rc, lines = run_lines(s, "by g: count if x > 2")
    assert rc == 0
    rule = "-" * 79
    assert [l for l in lines if l] == [rule, "-> g = 1", "  1", rule, "-> g = 2", "  2"]
    assert s.r.scalars["N"] == 2     # r() of the last group


def test_by_list_numbers_within_groups(s):
    run(s, "sort g")
    rc, lines = run_lines(s, "by g: list x")
    body = [l for l in lines if l.strip().startswith(("1.", "2.", "3."))]
    assert [l.split()[0] for l in body] == ["1.", "2.", "3.", "1.", "2."]


def test_commands_that_refuse_by(s):
    rc, lines = run_lines(s, "bysort g: sort x")
    assert rc == 190 and lines[0] == "sort may not be combined with by"


def test_vectorised_subscripts_match_per_group_loop():
    rng = np.random.default_rng(1)
    g = np.sort(rng.integers(0, 50, 2000)).astype(float)
    x = rng.normal(size=2000)
    s = data_session({"g": ("int", g), "x": ("double", x)})[0]
    run(s, "by g: gen double d = x - x[_n-2] + _N")
    want = np.empty(2000)
    for v in np.unique(g):   # independent per-group computation
        xs = x[g == v]
        lag = np.r_[np.nan, np.nan, xs[:-2]][:len(xs)]
        want[g == v] = xs - lag + len(xs)
    assert np.allclose(s.data.column("d"), want, equal_nan=True, rtol=0, atol=1e-12)
