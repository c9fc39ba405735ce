"""generate / replace: storage types, messages, by-groups, errors with the data unchanged."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import data_session, state
from session_helpers import run_nonblank as run


@pytest.fixture
def s():
    return data_session({"g": ("byte", [2, 1, 2, 1, 2]),
                         "x": ("float", [1.5, np.nan, 3, 4, 5]),
                         "name": ("str2", ["a", "bb", "c", "d", "e"])})[0]


def values(s, name):
    return s.data.column(name).tolist()


def test_default_float_with_float32_rounding(s):
    assert run(s, "gen y = x / 10") == ["(1 missing value generated)"]
    var = s.data.var("y")
    assert var.stype == "float" and var.fmt == "%9.0g"
    assert values(s, "y")[0] == float(np.float32(0.15))


def test_double_keeps_precision(s):
    assert run(s, "generate double y = 1/3") == []
    assert values(s, "y")[0] == 1 / 3 and s.data.var("y").stype == "double"


def test_integer_types_truncate_and_range(s):
    run(s, "gen byte b = x * 30")
    assert values(s, "b")[:3] == [45.0, pytest.approx(np.nan, nan_ok=True), 90.0]
    assert np.isnan(values(s, "b")[3])  # 120 > 100, the byte maximum: missing
    run(s, "gen int i = -x")
    assert values(s, "i")[0] == -1.0


def test_overflow_is_missing(s):
    assert run(s, "gen y = 1e40") == ["(5 missing values generated)"]
    assert run(s, "replace x = 1e39 in 1") == ["(1 real change made, 1 to missing)"]
    assert run(s, "gen double z = 1e300 * 1e300") == ["(5 missing values generated)"]


def test_if_in_give_missing_and_message_counts(s):
    assert run(s, "gen y = 1 if g == 2") == ["(2 missing values generated)"]
    assert run(s, "gen z = 1 in 2/3") == ["(3 missing values generated)"]


def test_string_generate(s):
    assert run(s, 'g s2 = name + "x"') == []
    assert s.data.var("s2").stype == "str3"
    assert values(s, "s2") == ["ax", "bbx", "cx", "dx", "ex"]
    run(s, 'gen str1 t = name')
    assert values(s, "t")[1] == "b"
    run(s, 'gen u = "k" if g == 1')
    assert values(s, "u") == ["", "k", "", "k", ""]


def test_replace_messages(s):
    assert run(s, "replace x = 2 if x == 1.5") == ["(1 real change made)"]
    assert run(s, "replace x = . in 1/3") == ["(2 real changes made, 2 to missing)"]
    assert run(s, "replace x = x") == ["(0 real changes made)"]


def test_replace_promotes(s):
    assert run(s, "replace g = 1.5 in 1") == ["variable g was byte now float",
                                              "(1 real change made)"]
    assert s.data.var("g").stype == "float"
    run(s, "gen byte k = 1")
    assert run(s, "replace k = 1000 in 1") == ["variable k was byte now int",
                                              "(1 real change made)"]
    assert run(s, 'replace name = "long" in 2') == ["variable name was str2 now str4",
                                                   "(1 real change made)"]


def test_by_n_and_N(s):
    run(s, "bysort g: gen n = _n")
    assert values(s, "g") == [1, 1, 2, 2, 2]
    assert values(s, "n") == [1, 2, 1, 2, 3]
    assert s.data.sortedby == ["g"]
    run(s, "by g: gen N = _N")
    assert values(s, "N") == [2, 2, 3, 3, 3]
    run(s, "by g: gen prev = x[_n-1]")
    assert np.isnan(values(s, "prev")[0]) and np.isnan(values(s, "prev")[2])
    assert values(s, "prev")[3] == values(s, "x")[2] == 1.5
    run(s, "by g: replace n = _N - _n")
    assert values(s, "n") == [1, 0, 2, 1, 0]


def test_bysort_with_inner_sort_order(s):
    run(s, "bysort g (x): gen first = _n == 1")
    assert values(s, "x")[2:] == [1.5, 3.0, 5.0]
    assert values(s, "first") == [1, 0, 1, 0, 0]
    assert s.data.sortedby == ["g", "x"]


def test_by_requires_sorted(s):
    before = state(s)
    assert run(s, "by g: gen n = _n", rc=5) == ["not sorted", "r(5);"]
    assert state(s) == before


@pytest.mark.parametrize("command, rc, message", [
    ("gen y = nosuch", 111, "variable nosuch not found"),
    ("gen x = 1", 110, "variable x already defined"),
    ("gen y = name + 1", 109, "type mismatch"),
    ("gen str5 y = 1", 109, "type mismatch"),
    ('gen byte y = "a"', 109, "type mismatch"),
    ("replace name = 1", 109, "type mismatch"),
    ('replace x = "a"', 109, "type mismatch"),
    ("replace nosuch = 1", 111, "variable nosuch not found"),
    ("gen", 198, "invalid syntax"),
    ("gen a b c = 1", 198, "invalid syntax"),
    ("gen 1y = 1", 198, "1y invalid name"),
    ("gen y = (1", 132, None),
])
def test_errors_leave_data_unchanged(s, command, rc, message):
    before = state(s)
    text = run(s, command, rc=rc)
    if message:
        assert text[0] == message
    assert text[-1] == f"r({rc});"
    assert state(s) == before


def test_by_with_in_is_refused(s):
    before = state(s)
    assert run(s, "bysort g: gen n = _n in 1/2", rc=190) == ["in may not be combined with by",
                                                             "r(190);"]
    assert state(s) == before


def test_failed_bysort_leaves_order(s):
    before = state(s)
    run(s, "bysort g: gen y = nosuch", rc=111)
    assert state(s) == before
