"""Random-number functions (dataset/random_functions.py) through the session: moments of
200,000 draws, reproducibility under set seed, one draw per observation, missing for
arguments outside Stata's domains, and `if`.

Moment tolerances: 5 standard errors of the statistic. The SE of a mean of N draws is
sd/sqrt(N); the SE of a sample variance is sqrt((mu4 - var^2)/N), mu4 being the
distribution's fourth central moment (given per case below). With the seed fixed the test
is deterministic; 5 SEs means a correct generator would fail for fewer than 1 seed in a
million, while a wrong mean or scale (or a variance where an sd was meant) fails by far.
"""
from __future__ import annotations

import io
import math

import numpy as np
import pytest

from hlmshell.session import Session

N = 200_000


def draws(exp: str, seed: int = 2024, n: int = N) -> np.ndarray:
    s = Session(out=io.StringIO())
    assert s.run(f"set obs {n}") == 0
    assert s.run(f"set seed {seed}") == 0
    assert s.run(f"gen double x = {exp}") == 0, s.out.getvalue()
    return s.data.column("x")


def check_moments(x: np.ndarray, mean: float, var: float, mu4: float) -> None:
    assert not np.isnan(x).any()
    se_mean = math.sqrt(var / len(x))
    se_var = math.sqrt((mu4 - var ** 2) / len(x))
    assert abs(x.mean() - mean) < 5 * se_mean, (x.mean(), mean, se_mean)
    assert abs(x.var(ddof=1) - var) < 5 * se_var, (x.var(ddof=1), var, se_var)


def test_runiform_moments_and_support():
    x = draws("runiform()")
    check_moments(x, 0.5, 1 / 12, 1 / 80)          # mu4 of U(0,1): 1/80
    assert x.min() >= 0 and x.max() < 1


def test_runiform_a_b_moments_and_support():
    x = draws("runiform(-3, 5)")
    width = 8.0
    check_moments(x, 1.0, width ** 2 / 12, width ** 4 / 80)
    assert x.min() >= -3 and x.max() < 5


@pytest.mark.parametrize("exp, m, s", [("rnormal()", 0.0, 1.0), ("rnormal(7)", 7.0, 1.0),
                                       ("rnormal(10, 5)", 10.0, 5.0)])
def test_rnormal_moments(exp, m, s):
    check_moments(draws(exp), m, s ** 2, 3 * s ** 4)  # normal: mu4 = 3 s^4


def test_rnormal_zero_sd_is_the_mean():
    assert np.all(draws("rnormal(4, 0)", n=10) == 4.0)


def test_runiformint_moments_and_values():
    x = draws("runiformint(1, 6)")
    k = 6  # discrete uniform on k values: var (k^2-1)/12, mu4 (k^2-1)(3k^2-7)/240
    check_moments(x, 3.5, (k * k - 1) / 12, (k * k - 1) * (3 * k * k - 7) / 240)
    assert set(np.unique(x)) == {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}


def test_rbinomial_moments():
    n, p = 20, 0.3
    v = n * p * (1 - p)
    check_moments(draws(f"rbinomial({n}, {p})"), n * p, v, v * (1 + 3 * (n - 2) * p * (1 - p)))


def test_rpoisson_moments():
    m = 4.5
    check_moments(draws(f"rpoisson({m})"), m, m, m * (1 + 3 * m))   # Poisson: mu4 = m(1+3m)


def test_rchi2_moments():
    k = 3
    check_moments(draws(f"rchi2({k})"), k, 2 * k, 12 * k * (k + 4))  # chi2: mu4 = 12k(k+4)


# --- reproducibility, one draw per observation -------------------------------------------
def test_same_seed_same_draws_different_seed_different():
    a = draws("rnormal()", seed=12345, n=1000)
    b = draws("rnormal()", seed=12345, n=1000)
    c = draws("rnormal()", seed=54321, n=1000)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_seed_restarts_the_stream_within_a_session():
    s = Session(out=io.StringIO())
    s.run("set obs 50")
    s.run("set seed 7")
    s.run("gen double a = runiform()")
    s.run("gen double b = runiform()")     # the stream goes on: b differs from a
    s.run("set seed 7")
    s.run("gen double c = runiform()")     # back to the start: c is a again
    a, b, c = (s.data.column(v) for v in "abc")
    assert np.array_equal(a, c) and not np.array_equal(a, b)


def test_an_unseeded_session_is_reproducible():
    """Stata starts with the same seed every time; so does every Session."""
    runs = []
    for _ in range(2):
        s = Session(out=io.StringIO())
        s.run("set obs 20")
        s.run("gen double x = runiform()")
        runs.append(s.data.column("x"))
    assert np.array_equal(*runs)


def test_each_observation_gets_its_own_draw():
    x = draws("runiform()", n=1000)
    assert len(np.unique(x)) == 1000


def test_display_and_scalar_take_one_draw():
    s = Session(out=io.StringIO())
    s.run("set seed 99")
    s.run("scalar a = runiform()")
    s.run("scalar b = runiform()")
    s.run("set seed 99")
    s.out = io.StringIO()
    assert s.run("di runiform()") == 0     # the first draw again: a, shown with %9.0g
    assert float(s.out.getvalue()) == pytest.approx(s.scalars["a"], abs=1e-8)
    assert 0 <= s.scalars["a"] < 1 and s.scalars["a"] != s.scalars["b"]


def test_arguments_vary_by_observation():
    x = draws("rnormal(1000 * _n, 0)", n=5)
    assert x.tolist() == [1000.0, 2000.0, 3000.0, 4000.0, 5000.0]


# --- invalid arguments: missing, as in Stata ----------------------------------------------
@pytest.mark.parametrize("exp", [
    "rnormal(0, -1)", "rnormal(., 1)", "rnormal(0, .)", "runiform(2, 1)", "runiform(1, 1)",
    "runiform(., 1)", "runiformint(3, 1)", "runiformint(1.2, 1.8)", "runiformint(0, 1e300)",
    "rbinomial(10, 0)", "rbinomial(10, 1)", "rbinomial(10, 1.5)", "rbinomial(0, .5)",
    "rbinomial(2.5, .5)", "rbinomial(., .5)", "rpoisson(0)", "rpoisson(-1)", "rpoisson(.)",
    "rchi2(0)", "rchi2(-2)", "rchi2(.)",
])
def test_invalid_arguments_give_missing(exp):
    s = Session(out=io.StringIO())
    assert s.run(f"scalar v = {exp}") == 0
    assert math.isnan(s.scalars["v"])


def test_invalid_argument_only_where_it_is_invalid():
    x = draws("rnormal(0, _n - 2)", n=4)   # sd -1, 0, 1, 2
    assert math.isnan(x[0]) and x[1] == 0.0 and not np.isnan(x[2:]).any()


@pytest.mark.parametrize("exp, rc", [("runiform(1)", 198), ("rnormal(1, 2, 3)", 198),
                                     ('rnormal("a")', 109), ("rpoisson()", 198)])
def test_wrong_argument_count_or_type(exp, rc):
    s = Session(out=io.StringIO())
    s.run("set obs 3")
    assert s.run(f"gen x = {exp}") == rc
    assert s.data.names == []


def test_if_leaves_unselected_rows_missing_after_drawing_for_all():
    """generate draws for every observation and keeps the selected ones: the values of
    the selected rows are the ones an unrestricted generate gives."""
    s = Session(out=io.StringIO())
    s.run("set obs 6")
    s.run("set seed 5")
    s.run("gen double a = runiform() if _n <= 3")
    s.run("set seed 5")
    s.run("gen double b = runiform()")
    a, b = s.data.column("a"), s.data.column("b")
    assert np.isnan(a[3:]).all()
    assert np.array_equal(a[:3], b[:3])
