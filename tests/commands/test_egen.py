"""egen: tag, group, mean, sd, count, total, min, max, rank; by(), bysort, if/in, errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

from session_helpers import col, data_session, state
from session_helpers import run_nonblank as run

from hlmshell.dataset.egen import EGEN_FUNCTIONS

NAN = float("nan")


@pytest.fixture
def s():
    return data_session({"id": ("str1", ["b", "a", "b", "a", "c", "b"]),
                         "k": ("byte", [2, 1, 2, 1, 3, np.nan]),
                         "x": ("float", [1, 2, 3, 4, np.nan, 5])})[0]


def test_table_holds_the_functions():
    assert {"tag", "group", "mean", "sd", "count", "total", "min", "max", "rank"} <= set(EGEN_FUNCTIONS)


def test_tag_marks_first_in_current_order(s):
    assert run(s, "egen t = tag(id)") == []
    var = s.data.var("t")
    assert var.stype == "byte" and var.label == "tag(id)"
    assert col(s, "t") == [1, 1, 0, 0, 1, 0]


def test_tag_skips_missing_and_excluded(s):
    run(s, "egen t = tag(k)")
    assert col(s, "t") == [1, 1, 0, 0, 1, 0]
    run(s, "egen t2 = tag(id) if x > 1")
    assert col(s, "t2") == [0, 1, 1, 0, 1, 0]  # missing x counts as > 1, as in Stata


def test_group_numbers_sorted_values(s):
    run(s, "egen g = group(id)")
    assert col(s, "g") == [2, 1, 2, 1, 3, 2]
    assert s.data.var("g").stype == "float" and s.data.var("g").label == "group(id)"
    assert run(s, "egen g2 = group(id k)") == ["(1 missing value generated)"]
    assert col(s, "g2") == [2, 1, 2, 1, 3, None]


def test_mean_and_sd_by_prefix(s):
    run(s, "bysort id: egen m = mean(x)")
    assert col(s, "id") == ["a", "a", "b", "b", "b", "c"]
    assert col(s, "m") == [3, 3, 3, 3, 3, None]
    assert s.data.var("m").label == "mean(x)"
    run(s, "by id: egen sd = sd(x)")
    assert col(s, "sd")[:2] == [pytest.approx(math.sqrt(2))] * 2
    assert col(s, "sd")[2] == pytest.approx(2.0)


def test_by_option_and_expressions(s):
    run(s, "egen n = count(x), by(id)")
    assert col(s, "n") == [3, 2, 3, 2, 0, 3]
    run(s, "egen tot = total(x * 2), by(id)")
    assert col(s, "tot") == [18, 12, 18, 12, 0, 18]
    run(s, "egen lo = min(x), by(id)")
    run(s, "egen hi = max(x), by(id)")
    assert col(s, "lo") == [1, 2, 1, 2, None, 1] and col(s, "hi") == [5, 4, 5, 4, None, 5]


def test_if_gives_missing_outside(s):
    assert run(s, "egen m = mean(x) if k == 2") == ["(4 missing values generated)"]
    assert col(s, "m") == [2, None, 2, None, None, None]


def test_rank_with_ties():
    session, _ = data_session({"v": ("float", [10, 20, 20, 5, np.nan])})
    assert session.run("egen r = rank(v)") == 0
    assert session.data.column("r").tolist()[:4] == [2, 3.5, 3.5, 1]
    assert math.isnan(session.data.column("r")[4])


def test_types_can_be_given(s):
    run(s, "egen double m = mean(x)")
    assert s.data.var("m").stype == "double"
    assert col(s, "m")[0] == 3.0


@pytest.mark.parametrize("command, rc, message", [
    ("egen t = tag(nosuch)", 111, "variable nosuch not found"),
    ("egen x = tag(id)", 110, "variable x already defined"),
    ("egen t = nosuch(id)", 133, "unknown egen function nosuch()"),
    ("egen m = mean(id)", 109, "type mismatch"),
    ("egen m = mean()", 198, "invalid syntax"),
    ("egen m mean(x)", 198, "invalid syntax"),
    ("by id: egen m = mean(x)", 5, "not sorted"),
])
def test_errors_leave_data_unchanged(s, command, rc, message):
    before = state(s)
    assert run(s, command, rc=rc) == [message, f"r({rc});"]
    assert state(s) == before


def test_rank_and_stats_across_many_groups():
    from scipy.stats import rankdata
    from hlmshell.dataset.egen import _rank, group_sd
    rng = np.random.default_rng(0)
    v = rng.integers(0, 5, 300).astype(float)
    v[::17] = np.nan
    g = rng.integers(-1, 6, 300)  # -1: outside the sample
    r, sd = _rank(v, g), group_sd(v, g)
    for k in range(6):
        m = (g == k) & ~np.isnan(v)
        assert np.allclose(r[m], rankdata(v[m]))
        assert np.allclose(sd[g == k], np.nanstd(v[g == k], ddof=1))
    assert np.all(np.isnan(r[(g < 0) | np.isnan(v)])) and np.all(np.isnan(sd[g < 0]))


def test_varlist_function_of_no_variables():
    # `set obs` gives observations without variables: `group(*)` matches nothing
    s = data_session({})[0]
    assert s.run("set obs 2") == 0
    assert run(s, "egen g = group(*)", rc=100) == ["varlist required", "r(100);"]
    assert s.data.names == []
