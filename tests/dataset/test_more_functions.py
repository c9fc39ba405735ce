"""More [FN] functions. References: scipy.stats distributions (binom, poisson, beta, gamma),
Python's re and math; tolerance 1e-10 (inverses 1e-8)."""
from __future__ import annotations

import math

import pytest
from scipy import stats

from session_helpers import hsb_session, run_lines


@pytest.fixture(scope="module")
def s():
    return hsb_session(data=False)


def value(s, expr):
    run_lines(s, f"scalar __v = {expr}")
    v = s.scalars["__v"]
    return v if isinstance(v, (float, str)) else v.value


@pytest.mark.parametrize("expr, want", [
    ("binomial(10, 3, .4)", stats.binom.cdf(3, 10, .4)),
    ("binomialtail(10, 3, .4)", stats.binom.sf(2, 10, .4)),
    ("poisson(2.5, 4)", stats.poisson.cdf(4, 2.5)),
    ("poissontail(2.5, 4)", stats.poisson.sf(3, 2.5)),
    ("ibeta(2, 3, .4)", stats.beta.cdf(.4, 2, 3)), ("betaden(2, 3, .4)", stats.beta.pdf(.4, 2, 3)),
    ("gammap(2, 1.5)", stats.gamma.cdf(1.5, 2)), ("gammaptail(2, 1.5)", stats.gamma.sf(1.5, 2)),
    ("gammaden(2, 3, 1, 4)", stats.gamma.pdf(4, 2, loc=1, scale=3)),
    ("cloglog(.3)", math.log(-math.log(.7))), ("invcloglog(.2)", 1 - math.exp(-math.exp(.2))),
    ("atan2(1, 2)", math.atan2(1, 2)), ("asinh(2)", math.asinh(2)),
    ("irecode(5, 1, 3, 6, 10)", 2), ("recode(5, 1, 3, 6, 10)", 6), ("recode(20, 1, 3)", 3),
    ("autocode(5, 4, 0, 10)", 5), ("mi(.)", 1), ("mi(1, .a)", 1),
])
def test_numeric(s, expr, want):
    assert value(s, expr) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("expr, inner", [
    ("invbinomial(10, 3, .2)", lambda x: stats.binom.cdf(3, 10, x) - .2),
    ("invpoisson(4, .3)", lambda m: stats.poisson.cdf(4, m) - .3),
    ("invibeta(2, 3, .6)", lambda x: stats.beta.cdf(x, 2, 3) - .6),
    ("invgammap(2, .6)", lambda x: stats.gamma.cdf(x, 2) - .6),
])
def test_inverses(s, expr, inner):
    assert inner(value(s, expr)) == pytest.approx(0, abs=1e-8)


def test_strings_and_regex():
    s = hsb_session(data=False)
    run_lines(s, "clear")
    run_lines(s, 'input str8 t\n"abc123"\n"xyz"\n"q9w8"\nend')
    run_lines(s, 'gen g = regexs(2) if regexm(t, "([a-z]+)([0-9]+)")')
    assert list(s.data.column("g")) == ["123", "", "9"]
    run_lines(s, 'gen r = ustrregexra(t, "[0-9]", "#")')
    assert list(s.data.column("r")) == ["abc###", "xyz", "q#w#"]
    assert value(s, 'proper("hello wORLD o' + "'" + 'neil")') == "Hello World O'Neil"
    assert value(s, 'subinword("a b ab a", "a", "X", .)') == "X b ab X"
    assert value(s, 'strtoname("1 bad name")') == "_1_bad_name"
    assert value(s, 'regexr("a1b2", "[0-9]", "-")') == "a-b2"
    assert run_lines(s, 'display regexm("a", "(")')[0] == 198
