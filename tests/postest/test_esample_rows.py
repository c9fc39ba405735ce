"""e(sample) and the row-level predictions follow the observations through sort, drop,
expand and merge, as Stata's hidden e(sample) marker does (estimates/esample.py). The
reference is the same command run before the data were reordered: results must be identical
row for row (exact equality, the same arithmetic on the same rows)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import hsb_after, run_lines


def _col(s, name):
    return np.asarray(s.data.column(name), dtype=float)


def _by_key(s, name):
    """The variable's values ordered by the row key made before any reordering."""
    return _col(s, name)[np.argsort(_col(s, "key"), kind="stable")]


@pytest.mark.parametrize("fit, stats", [
    ("mixed mathach ses || id: ses", ["fitted", "residuals", "rstandard"]),
    ("melogit hi ses || id:", ["mu", "eta"]),
])
def test_predictions_after_sort_match_those_before(fit, stats):
    s = hsb_after("gen key = _n", "gen hi = mathach > 15", f"qui {fit}")
    for k, stat in enumerate(stats):
        assert s.run(f"predict a{k}, {stat}") == 0
    assert s.run("predict r*, reffects") == 0
    assert s.run("gsort -ses mathach") == 0
    for k, stat in enumerate(stats):
        assert s.run(f"predict b{k}, {stat}") == 0
        assert np.array_equal(_col(s, f"a{k}"), _col(s, f"b{k}"), equal_nan=True), stat
    assert s.run("predict q*, reffects") == 0
    assert np.array_equal(_col(s, "r1"), _col(s, "q1"), equal_nan=True)
    assert s.data.sortedby == []                    # gsort -ses leaves no sort order
    assert np.array_equal(_by_key(s, "key"), np.arange(1, s.data.nobs + 1))


def test_e_sample_follows_rows():
    s = hsb_after("gen key = _n", "replace ses = . in 1/5", "qui regress mathach ses",
                  "gen in1 = e(sample)")
    assert s.run("sort mathach") == 0
    assert s.run("assert in1 == e(sample)") == 0
    assert s.run("drop in 1/100") == 0
    assert s.run("assert in1 == e(sample)") == 0
    assert s.run("expand 2 in 1/3") == 0            # copies keep the marker, as Stata's
    assert s.run("assert in1 == e(sample)") == 0
    assert s.run("set obs `=_N + 2'") == 0          # new observations are outside it
    assert s.run("assert e(sample) == 0 in -2/l") == 0


def test_rows_dropped_since_mixed_are_refused_and_nothing_changes():
    s = hsb_after("qui mixed mathach ses || id:", "drop in 1/9", "set obs 7185")
    before = list(s.data.names)
    rc, lines = run_lines(s, "predict f, fitted")
    assert rc == 459 and "data have changed since estimation" in lines
    assert s.data.names == before


def test_merge_keeps_the_masters_e_sample(tmp_path):
    target = tmp_path / "level2.dta"
    s = hsb_after("gen key = _n", "replace ses = . in 1/5", "qui regress mathach ses",
                  "gen in1 = e(sample)", "preserve", "keep id", "duplicates drop",
                  "gen k = _n", f'save "{target}"', "restore", "sort mathach")
    assert s.run(f'merge m:1 id using "{target}", nogenerate') == 0
    assert s.run("assert in1 == e(sample)") == 0


def test_lrtest_sees_the_same_sample_after_a_sort():
    s = hsb_after("replace ses = . in 1/5", "qui mixed mathach ses || id:, ml", "est store a",
                  "sort ses",
                  "qui mixed mathach ses sector || id:, ml")
    rc, lines = run_lines(s, "lrtest a .")
    assert rc == 0, lines


def test_scores_after_a_three_level_me_model_are_refused():
    s = hsb_after("gen hi = mathach > 15", "qui melogit hi ses || sector: || id:, intp(3)")
    rc, lines = run_lines(s, "predict s*, scores")
    assert rc == 198 and any("scores not available" in line for line in lines)


def test_data_made_by_expand_then_fitted_and_sorted():
    """expand's copies get identities of their own (found by sessions/panel_dynamics.do:
    before, every copy shared its original's, and predict after a sort saw r(459))."""
    s = hsb_after("keep if id == \"1224\" | id == \"1288\"", "gen key = _n", "expand 3",
                  "bysort key: gen t = _n", "replace mathach = mathach + t",
                  "qui mixed mathach ses t || id:", "predict a, fitted", "gsort -mathach")
    assert s.run("predict b, fitted") == 0
    assert np.array_equal(_col(s, "a"), _col(s, "b"), equal_nan=True)
    assert s.run("count if e(sample)") == 0 and s.r.scalars["N"] == s.data.nobs
