"""reshape long/wide, the argument-free round trip, the report table, r(9) refusals and
reshape error. The data and the long listing are [D] reshape's reshape1 example (id sex
inc80-82 ue80-82 -> id year sex inc ue); the table layout is Stata 17's (from memory of its
logs: not checked character by character against Stata)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import col, data_session, run_lines, state
from session_helpers import run_nonblank as run

WIDE = {"id": ("float", [1, 2, 3]), "sex": ("float", [0, 1, 0]),
        "inc80": ("float", [5000, 2000, 3000]), "inc81": ("float", [5500, 2200, 2000]),
        "inc82": ("float", [6000, 3300, 1000]), "ue80": ("float", [0, 1, 0]),
        "ue81": ("float", [1, 0, 0]), "ue82": ("float", [0, 0, 1])}


@pytest.fixture
def s():
    return data_session(WIDE)[0]


def test_long_matches_the_manual_listing(s):
    lines = run(s, "reshape long inc ue, i(id) j(year)")
    assert s.data.names == ["id", "year", "sex", "inc", "ue"]
    assert col(s, "year") == [80, 81, 82] * 3
    assert col(s, "inc") == [5000, 5500, 6000, 2000, 2200, 3300, 3000, 2000, 1000]
    assert col(s, "ue") == [0, 1, 0, 1, 0, 0, 0, 0, 1]
    assert col(s, "sex") == [0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert s.data.var("year").stype == "byte"
    assert lines == [
        "(j = 80 81 82)",
        "Data                               Wide   ->   Long",
        "-" * 77,
        "Number of observations                3   ->   9",
        "Number of variables                   8   ->   5",
        "j variable (3 values)                     ->   year",
        "xij variables:",
        "                      inc80 inc81 inc82   ->   inc",
        "                         ue80 ue81 ue82   ->   ue",
        "-" * 77]


def test_round_trip_restores_the_data(s):
    run(s, "reshape long inc ue, i(id) j(year)")
    lines = run(s, "reshape wide")
    assert "j variable (3 values)              year   ->   (dropped)" in lines
    # reshape.ado widens one j value at a time: the stubs within each value
    assert s.data.names == ["id", "inc80", "ue80", "inc81", "ue81", "inc82", "ue82", "sex"]
    for name in WIDE:
        assert col(s, name) == WIDE[name][1], name
    assert s.data.var("inc80").label == "80 inc"
    run(s, "reshape long")
    assert s.data.nobs == 9


def test_string_j_and_at_sign():
    s = data_session({"id": ("float", [1, 2]), "xa_t": ("float", [1, 2]),
                      "xb_t": ("float", [3, 4])})[0]
    run(s, "reshape long x@_t, i(id) j(k) string")
    assert s.data.names == ["id", "k", "x_t"]
    assert col(s, "k") == ["a", "b", "a", "b"] and col(s, "x_t") == [1, 3, 2, 4]


def test_long_keeps_rows_with_all_stubs_missing_and_sorts_by_i_j():
    s = data_session({"id": ("float", [2, 1]), "y1": ("float", [np.nan, 1]),
                      "y2": ("float", [np.nan, 2])})[0]
    run(s, "reshape long y, i(id) j(t)")
    assert col(s, "id") == [1, 1, 2, 2] and col(s, "y") == [1, 2, None, None]


def test_i_not_unique_is_r9_and_reshape_error_lists_them(s):
    run(s, "replace id = 1 in 2")
    before = state(s)
    rc, lines = run_lines(s, "reshape long inc ue, i(id) j(year)")
    assert rc == 9 and lines[0] == "variable id does not uniquely identify the observations"
    assert "    Type reshape error for a list of the problem observations." in lines
    assert state(s) == before
    rc, lines = run_lines(s, "reshape error")
    assert rc == 0 and "2 of 3 observations have duplicate i values:" in lines
    assert "(data now sorted by id)" in lines


@pytest.mark.parametrize("line, code", [
    ("reshape wide inc, i(id) j(year)", 111),        # year not there
    ("reshape long zz, i(id) j(year)", 111),         # no xij variables
    ("reshape long inc", 198),                       # i() required
    ("reshape sideways inc, i(id)", 198),
    ("reshape long inc, i(id) j(sex)", 110),         # j exists
])
def test_refusals_leave_the_data(s, line, code):
    before = state(s)
    rc, _ = run_lines(s, line)
    assert rc == code
    assert state(s) == before


def test_wide_refusals():
    s = data_session({"id": ("float", [1, 1, 2]), "t": ("float", [1, 1.5, 1]),
                      "y": ("float", [1, 2, 3])})[0]
    rc, lines = run_lines(s, "reshape wide y, i(id) j(t)")
    assert rc == 198 and lines[0] == "y1.5 invalid variable name"
    run(s, "replace t = 1")
    before = state(s)
    rc, lines = run_lines(s, "reshape wide y, i(id) j(t)")
    assert rc == 9 and lines[0] == "values of variable t not unique within id"
    assert state(s) == before


def test_numeric_j_with_leading_zeros():
    s = data_session({"id": ("float", [1]), "x01": ("float", [1]), "x02": ("float", [2]),
                      "x10": ("float", [3]), "xmean": ("float", [9])})[0]
    run(s, "reshape long x, i(id) j(t)")
    assert col(s, "t") == [1, 2, 10] and col(s, "x") == [1, 2, 3]
    assert col(s, "xmean") == [9, 9, 9]         # not a j value: a constant within id


def test_constants_come_before_the_xij_and_long_lists_are_shortened():
    s = data_session({"id": ("float", [1, 2]), "y1": ("float", [1, 2]), "y2": ("float", [3, 4]),
                      "y3": ("float", [5, 6]), "y4": ("float", [7, 8]), "k": ("float", [0, 1])})[0]
    lines = run(s, "reshape long y, i(id) j(t)")
    assert s.data.names == ["id", "t", "k", "y"]
    assert f"{'y1 y2 ... y4':>39}   ->   y" in lines
    lines = run(s, "reshape long")
    assert lines == ["(already long)"]
    rc, lines = run_lines(s, "reshape long y, i(id) j(t)")
    assert rc == 110 and lines[:2] == ["variable t already exists", "    Data are already long."]
