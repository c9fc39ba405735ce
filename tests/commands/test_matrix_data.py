"""svmat and mkmat ([P] matrix mkmat): matrix columns to variables and back (exact)."""
from __future__ import annotations

import numpy as np

from session_helpers import hsb_session, run_lines, state


def test_round_trip_and_names():
    s = hsb_session(data=False)
    for line in ("clear", "matrix A = (1,2\\3,4\\5,6)", "svmat double A, names(x*)",
                 "mkmat x1 x2, matrix(M)", "svmat A", "mat colnames A = a b",
                 "svmat A, names(col)"):
        assert run_lines(s, line)[0] == 0, line
    assert s.data.names == ["x1", "x2", "A1", "A2", "a", "b"]
    np.testing.assert_array_equal(s.matrices["M"].values, [[1, 2], [3, 4], [5, 6]])
    assert s.data.var("x1").stype == "double" and s.data.var("A1").stype == "float"


def test_svmat_adds_observations_and_refusals_change_nothing():
    s = hsb_session(data=False)
    run_lines(s, "clear")
    run_lines(s, "set obs 1")
    run_lines(s, "gen y = 7")
    run_lines(s, "matrix A = (1\\2\\3)")
    run_lines(s, "svmat A")
    assert s.data.nobs == 3 and np.isnan(s.data.column("y")[2])
    before = state(s)
    assert run_lines(s, "svmat A")[0] == 110             # A1 exists
    assert run_lines(s, "svmat nosuch")[0] == 111
    assert run_lines(s, "mkmat y if y > 100 & y < ., matrix(Z)")[0] == 2000
    assert state(s) == before


def test_mkmat_without_matrix_makes_one_vector_per_variable():
    s = hsb_session(data=False)
    for line in ("clear", "set obs 2", "gen x = 1", "gen y = 2", "mkmat x y"):
        assert run_lines(s, line)[0] == 0
    assert s.matrices["y"].values.tolist() == [[2], [2]]
    assert s.matrices["x"].colnames == ["x"]
