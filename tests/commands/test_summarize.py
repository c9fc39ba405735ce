"""summarize: Stata 17 layout, detail block, r() results, errors (with the data unchanged)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from session_helpers import data_session as make_session
from session_helpers import run_trimmed as run
from session_helpers import state


@pytest.fixture
def small():
    return make_session({
        "x": ("float", np.arange(1, 11, dtype=float)),
        "name": ("str3", ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]),
        "y": ("double", [1.5, np.nan, 2.5, 3.5, np.nan, 4.5, 5.5, 6.5, 7.5, 8.5]),
        "a_very_long_variable": ("byte", [0, 1] * 5),
        "b": ("int", [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]),
        "c": ("float", [np.nan] * 10),
    })


def test_table_layout(small):
    s, out = small
    assert run(s, out, "summarize") == [
        "    Variable |        Obs        Mean    Std. dev.       Min        Max",
        "-------------+---------------------------------------------------------",
        "           x |         10         5.5     3.02765          1         10",
        "        name |          0",
        "           y |          8           5     2.44949        1.5        8.5",
        "a_very_lon~e |         10          .5    .5270463          0          1",
        "           b |         10        5500     3027.65       1000      10000",
        "-------------+---------------------------------------------------------",
        "           c |          0",
    ]


def test_if_in_and_abbreviation(small):
    s, out = small
    assert run(s, out, "su x if x > 5 in 1/8")[2:] == [
        "           x |          3           7           1          6          8"]
    assert s.r.scalars["N"] == 3 and s.r.scalars["sum"] == 21


def test_returns_for_last_variable(small):
    s, out = small
    run(s, out, "sum y x")
    r = s.r.scalars
    assert list(r) == ["N", "sum_w", "mean", "Var", "sd", "sum", "min", "max"]
    assert r["N"] == 10 and r["mean"] == 5.5 and r["min"] == 1 and r["max"] == 10
    assert math.isclose(r["Var"], 110 / 12, rel_tol=1e-15)
    assert math.isclose(r["sd"], math.sqrt(110 / 12), rel_tol=1e-15)


def test_no_observations_is_not_an_error(small):
    s, out = small
    assert run(s, out, "sum x if x > 100")[2:] == ["           x |          0"]
    assert s.r.scalars["N"] == 0


def test_single_observation_has_missing_sd(small):
    s, out = small
    assert run(s, out, "sum x in 3")[2:] == [
        "           x |          1           3           .          3          3"]


def test_float_values_in_double_precision():
    # .1 stored as float is .100000001490116..., and the mean is computed from that value
    s, out = make_session({"v": ("float", [0.1, 0.2, 0.3])})
    run(s, out, "sum v")
    stored = [float(np.float32(v)) for v in (0.1, 0.2, 0.3)]
    assert s.r.scalars["mean"] == sum(stored) / 3
    assert s.r.scalars["mean"] != pytest.approx(0.2, rel=1e-9)
    assert s.r.scalars["min"] == float(np.float32(0.1))


def test_detail_layout(small):
    s, out = small
    assert run(s, out, "sum x, d") == [
        "                              x",
        "-------------------------------------------------------------",
        "      Percentiles      Smallest",
        " 1%            1              1",
        " 5%            1              2",
        "10%          1.5              3       Obs                  10",
        "25%            3              4       Sum of wgt.          10",
        "",
        "50%          5.5                      Mean                5.5",
        "                        Largest       Std. dev.       3.02765",
        "75%            8              7",
        "90%          9.5              8       Variance       9.166667",
        "95%           10              9       Skewness              0",
        "99%           10             10       Kurtosis       1.775758",
    ]
    r = s.r.scalars
    assert r["p50"] == 5.5 and r["p10"] == 1.5 and r["p99"] == 10 and r["skewness"] == 0


def test_detail_title_is_the_label(small):
    s, out = small
    s.data.var("x").label = "Ten numbers"
    assert run(s, out, "summarize x, detail")[0] == " " * 25 + "Ten numbers"


@pytest.mark.parametrize("command, rc, message", [
    ("sum nosuch", 111, "variable nosuch not found"),
    ("sum x, foo", 198, "option foo not allowed"),
    ("sum x if", 198, None),
    ("sum x in 20", 198, "Obs. nos. out of range"),
    ("sum x if name", 109, "type mismatch"),
])
def test_errors_leave_data_unchanged(small, command, rc, message):
    s, out = small
    before = state(s)
    text = run(s, out, command, rc=rc)
    if message:
        assert text[0] == message
    assert text[-1] == f"r({rc});"
    assert state(s) == before


def test_by_prefix_repeats_per_group():
    s, out = make_session({"g": ("byte", [2, 1, 2]), "v": ("float", [1, 5, 3])})
    assert run(s, out, "bysort g: sum v") == [
        "-" * 79,
        "-> g = 1",
        "",
        "    Variable |        Obs        Mean    Std. dev.       Min        Max",
        "-------------+---------------------------------------------------------",
        "           v |          1           5           .          5          5",
        "",
        "-" * 79,
        "-> g = 2",
        "",
        "    Variable |        Obs        Mean    Std. dev.       Min        Max",
        "-------------+---------------------------------------------------------",
        "           v |          2           2    1.414214          1          3",
    ]
    assert s.r.scalars["N"] == 2
    assert run(s, out, "by g: sum v in 1", rc=190) == ["in may not be combined with by", "r(190);"]


def test_detail_moments_match_scipy():
    """skewness and kurtosis are the moment ratios m3/m2^1.5 and m4/m2^2 ([R] summarize,
    Methods and formulas), which scipy.stats computes independently (bias=True)."""
    from scipy.stats import kurtosis, skew
    from session_helpers import hsb_session
    s = hsb_session()
    assert s.run("quietly summarize ses, detail") == 0
    x = s.data.column("ses")
    assert s.r.scalars["skewness"] == pytest.approx(skew(x, bias=True), rel=1e-10)
    assert s.r.scalars["kurtosis"] == pytest.approx(kurtosis(x, fisher=False, bias=True), rel=1e-10)
    assert list(s.r.scalars) == ["N", "sum_w", "mean", "Var", "sd", "skewness", "kurtosis", "sum",
                                 "min", "max", "p1", "p5", "p10", "p25", "p50", "p75", "p90",
                                 "p95", "p99"]


def test_meanonly_shows_nothing_and_keeps_no_variance(small):
    # [R] summarize: meanonly suppresses the display and the variance: r(N) r(sum_w) r(mean)
    # r(sum) r(min) r(max) only
    s, out = small
    assert run(s, out, "summarize y, meanonly") == []
    assert sorted(s.r.scalars) == sorted(["N", "sum_w", "mean", "sum", "min", "max"])
    assert s.r.scalars["mean"] == pytest.approx(np.mean([1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5]))
    assert s.r.scalars["N"] == 8
    before = state(s)
    run(s, out, "summarize y, meanonly detail", rc=198)
    assert state(s) == before


def test_by_meanonly_prints_only_the_group_headings(small):
    s, out = small
    lines = run(s, out, "bysort a_very_long_variable: summarize x, meanonly")
    assert [l for l in lines if not l.startswith("---")] == [
        "-> a_very_long_variable = 0", "", "-> a_very_long_variable = 1"]
    assert s.r.scalars["mean"] == 6.0      # the last group's: 2 4 6 8 10
