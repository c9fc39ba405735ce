"""drop, keep, sort, gsort, rename, label variable, order."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import col, data_session, state
from session_helpers import run_nonblank as run


@pytest.fixture
def s():
    return data_session({"id": ("byte", [3, 1, 2, 1, 3]),
                         "x": ("float", [5, np.nan, 1, 2, 4]),
                         "name": ("str1", ["e", "b", "c", "a", "d"])})[0]


def test_drop_and_keep_variables(s):
    assert run(s, "drop x") == []
    assert s.data.names == ["id", "name"]
    assert run(s, "keep name") == []
    assert s.data.names == ["name"]


def test_drop_if_and_in(s):
    assert run(s, "drop if x > 3") == ["(3 observations deleted)"]  # missing x is > 3
    assert col(s, "x") == [1, 2]
    assert run(s, "drop in 1") == ["(1 observation deleted)"]
    assert run(s, "drop if x > 10") == ["(0 observations deleted)"]


def test_keep_if_in(s):
    assert run(s, "keep if id == 1") == ["(3 observations deleted)"]
    assert col(s, "name") == ["b", "a"]
    assert run(s, "keep in 2/l") == ["(1 observation deleted)"]


def test_by_drop_keeps_first_of_each_group(s):
    assert run(s, "bysort id: drop if _n > 1") == ["(2 observations deleted)"]
    assert col(s, "id") == [1, 2, 3] and col(s, "name") == ["b", "c", "e"]


def test_sort_is_stable_with_missing_last(s):
    run(s, "sort id")
    assert col(s, "name") == ["b", "a", "c", "e", "d"]
    assert s.data.sortedby == ["id"]
    run(s, "sort x")
    assert col(s, "x") == [1, 2, 4, 5, None]
    run(s, "sort name")
    assert col(s, "name") == ["a", "b", "c", "d", "e"]


def test_gsort_descending(s):
    run(s, "gsort -id name")
    assert col(s, "id") == [3, 3, 2, 1, 1] and col(s, "name") == ["d", "e", "c", "a", "b"]
    assert s.data.sortedby == []
    run(s, "gsort -x")
    assert col(s, "x") == [5, 4, 2, 1, None]  # missing last, as Stata's gsort without mfirst
    run(s, "gsort +id")
    assert s.data.sortedby == ["id"]


def test_rename_and_label(s):
    assert run(s, "rename x y") == []
    assert s.data.names == ["id", "y", "name"]
    run(s, 'label variable y "the y value"')
    assert s.data.var("y").label == "the y value"
    run(s, 'label var y ""')
    assert s.data.var("y").label == ""
    run(s, "la var y Words")
    assert s.data.var("y").label == "Words"


def test_order(s):
    run(s, "order name")
    assert s.data.names == ["name", "id", "x"]
    run(s, "order id, last")
    assert s.data.names == ["name", "x", "id"]


@pytest.mark.parametrize("command, rc, message", [
    ("drop nosuch", 111, "variable nosuch not found"),
    ("drop", 100, "varlist required"),
    ("drop x if x > 1", 198, "invalid syntax"),
    ("drop if name", 109, "type mismatch"),
    ("drop in 9", 198, "Obs. nos. out of range"),
    ("keep nosuch", 111, "variable nosuch not found"),
    ("sort nosuch", 111, "variable nosuch not found"),
    ("sort", 100, "varlist required"),
    ("gsort -nosuch", 111, "variable nosuch not found"),
    ("rename x id", 110, "variable id already defined"),
    ("rename nosuch y", 111, "variable nosuch not found"),
    ("rename x", 198, "invalid syntax"),
    ("rename x 2y", 198, "2y invalid name"),
    ('label variable nosuch "a"', 111, "variable nosuch not found"),
    ("by id: drop if _n > 1", 5, "not sorted"),
])
def test_errors_leave_data_unchanged(s, command, rc, message):
    before = state(s)
    assert run(s, command, rc=rc) == [message, f"r({rc});"]
    assert state(s) == before
