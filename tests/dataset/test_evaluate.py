"""Evaluator and function-table tests (hlmshell.dataset.evaluate / functions).

Reference values are computed by hand or from an independent closed form stated next to
each test (math.erfc for the normal and 1-df chi-square tails, elementary forms for the
2-df chi-square, the 2,2-df F and the 1- and 2-df t); handout values come from
/work/shared/handout/two-level-hlm-handout.txt.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.dataset.evaluate import evaluate
from hlmshell.dataset.functions import FUNCTIONS
from hlmshell.syntax.expr import parse_expression

NAN = float("nan")


# ------------------------------------------------------------------ a tiny fake Session
class FakeData:
    def __init__(self, cols: dict):
        self.cols = {k: (np.array(v, dtype=object) if isinstance(v[0], str) else np.array(v, dtype=float))
                     for k, v in cols.items()}
        self.nobs = len(next(iter(self.cols.values()))) if cols else 0

    @property
    def names(self):
        return list(self.cols)

    def column(self, name):
        return self.cols[name]

    def is_string(self, name):
        return self.cols[name].dtype == object


class FakeResults:
    def __init__(self, scalars=None, macros=None, matrices=None, sample=None):
        self.scalars = scalars or {}
        self.macros = macros or {}
        self.matrices = matrices or {}
        self.sample = sample


class FakeEstimates:
    def __init__(self, active=None):
        self.active = active


class Ctx:
    def __init__(self, cols=None, scalars=None, matrices=None, r=None, e=None, rc=0):
        self.data = FakeData(cols or {})
        self.scalars = scalars or {}
        self.matrices = matrices or {}
        self.r = r or FakeResults()
        self.estimates = FakeEstimates(e)
        self.rc = rc
        self.settings = {"level": 95, "linesize": 79}


def ev(text, ctx=None, scalar=False):
    return evaluate(parse_expression(text), ctx or Ctx(), scalar=scalar)


def di(text, ctx=None):
    return ev(text, ctx, scalar=True)


@pytest.fixture
def ctx():
    return Ctx(cols={
        "x": [1.0, NAN, 3.0, 0.0],
        "y": [2.0, 2.0, NAN, 5.0],
        "mathach": [10.0, 11.0, 12.0, 13.0],
        "math2": [1.0, 2.0, 3.0, 4.0],
        "name": ["ann", "bob", "", "Cy"],
    }, scalars={"s": 7.0, "x": 100.0, "word": "hi"}, rc=4)


# ------------------------------------------------------------------ arithmetic & missing
def test_constants_and_precedence_values():
    assert di("2^3^2") == 64.0                # Stata: ^ is left-associative
    assert di("-2^2") == -4.0
    assert di("2^-1") == 0.5
    assert di("1+2*3") == 7.0
    assert di("(0.42-0.07)/0.42") == pytest.approx(0.8333333333333333, abs=1e-15)   # handout .83333333
    assert di("!0") == 1.0 and di("!5") == 0.0 and di("!.") == 0.0


def test_missing_arithmetic(ctx):
    np.testing.assert_array_equal(ev("x + 1", ctx), [2.0, NAN, 4.0, 1.0])
    np.testing.assert_array_equal(ev("x * y", ctx), [2.0, NAN, NAN, 0.0])
    assert math.isnan(di("1/0")) and math.isnan(di("0/0")) and math.isnan(di("-1/0"))
    assert math.isnan(di(". + 1")) and math.isnan(di(".a * 2"))
    assert math.isnan(di(".^0"))               # arithmetic with missing is missing
    assert di("0^0") == 1.0
    assert math.isnan(di("(-8)^(1/3)"))
    assert math.isnan(di("10^400"))            # overflow -> missing


def test_missing_is_largest(ctx):
    np.testing.assert_array_equal(ev("x > 2", ctx), [0, 1, 1, 0])
    np.testing.assert_array_equal(ev("x < 2", ctx), [1, 0, 0, 1])
    np.testing.assert_array_equal(ev("x == .", ctx), [0, 1, 0, 0])
    np.testing.assert_array_equal(ev("x != .", ctx), [1, 0, 1, 1])
    np.testing.assert_array_equal(ev("x < .", ctx), [1, 0, 1, 1])
    np.testing.assert_array_equal(ev("x >= .", ctx), [0, 1, 0, 0])
    assert di(". > 1e300") == 1.0 and di(". == .") == 1.0 and di(".a >= .") == 1.0


def test_logical_ops_missing_is_true(ctx):
    np.testing.assert_array_equal(ev("x & 1", ctx), [1, 1, 1, 0])
    np.testing.assert_array_equal(ev("x | 0", ctx), [1, 1, 1, 0])
    np.testing.assert_array_equal(ev("!x", ctx), [0, 0, 0, 1])
    np.testing.assert_array_equal(ev("x > 0 & y < 5", ctx), [1, 1, 0, 0])


# ------------------------------------------------------------------ strings
def test_string_ops(ctx):
    assert di('"ab" + "cd"') == "abcd"
    assert di('"ab" * 3') == "ababab" and di('2 * "x"') == "xx"
    assert di('"a" < "b"') == 1.0 and di('"B" < "a"') == 1.0 and di('"abc" == "abc"') == 1.0
    assert di('"abc" != "abd"') == 1.0
    np.testing.assert_array_equal(ev('name + "!"', ctx), np.array(["ann!", "bob!", "!", "Cy!"], dtype=object))
    np.testing.assert_array_equal(ev('name == ""', ctx), [0, 0, 1, 0])
    np.testing.assert_array_equal(ev('name > "b"', ctx), [0, 1, 0, 0])
    out = ev('"k"', ctx)
    assert out.dtype == object and list(out) == ["k"] * 4


@pytest.mark.parametrize("text", [
    '"a" + 1', '1 + "a"', '"a" - "b"', '"a" / 2', '"a" == 1', '1 < "a"', '-"a"', '!"a"',
    '"a" & 1', '"a" * "b"', '"a" ^ 2', 'name > 1', 'abs("a")', 'strlen(3)', 'cond(1, "a", 2)',
    'inlist(1, "a")',
])
def test_type_mismatch(ctx, text):
    with pytest.raises(StataError) as info:
        ev(text, ctx)
    assert info.value.code == 109 and info.value.message == "type mismatch"


# ------------------------------------------------------------------ names
def test_system_refs(ctx):
    np.testing.assert_array_equal(ev("_n", ctx), [1, 2, 3, 4])
    np.testing.assert_array_equal(ev("_N", ctx), [4, 4, 4, 4])
    np.testing.assert_array_equal(ev("_n == _N", ctx), [0, 0, 0, 1])
    assert di("_pi", ctx) == math.pi and di("_rc", ctx) == 4.0
    assert di("_n", ctx) == 1.0 and di("_N", ctx) == 4.0


def test_variable_abbreviation(ctx):
    np.testing.assert_array_equal(ev("na == \"bob\"", ctx), [0, 1, 0, 0])   # unique prefix
    np.testing.assert_array_equal(ev("math2", ctx), [1, 2, 3, 4])          # exact beats prefix
    with pytest.raises(StataError) as info:
        ev("mat + 1", ctx)                                                 # mathach, math2
    assert (info.value.code, info.value.message) == (111, "mat ambiguous abbreviation")
    with pytest.raises(StataError) as info:
        ev("zz + 1", ctx)
    assert (info.value.code, info.value.message) == (111, "variable zz not found")
    ctx.settings["varabbrev"] = False
    with pytest.raises(StataError):
        ev("na", ctx)


def test_variable_beats_scalar(ctx):
    # scalar x exists (100) but variable x wins, as in Stata; scalar() forces the scalar
    np.testing.assert_array_equal(ev("x", ctx), [1, NAN, 3, 0])
    assert di("scalar(x)", ctx) == 100.0
    assert di("s + 1", ctx) == 8.0
    assert di("word + \"!\"", ctx) == "hi!"
    np.testing.assert_array_equal(ev("s * 2", ctx), [14.0] * 4)
    with pytest.raises(StataError) as info:
        di("scalar(nope)", ctx)
    assert info.value.code == 111


def test_display_uses_first_observation(ctx):
    assert di("mathach", ctx) == 10.0
    assert di("name", ctx) == "ann"
    assert di("sum(math2)", ctx) == 1.0


def test_explicit_subscripts(ctx):
    np.testing.assert_array_equal(ev("math2[_n-1]", ctx), [NAN, 1, 2, 3])
    np.testing.assert_array_equal(ev("math2[_N]", ctx), [4, 4, 4, 4])
    assert di("mathach[3]", ctx) == 12.0
    assert di("name[4]", ctx) == "Cy" and di("name[9]", ctx) == ""
    assert math.isnan(di("mathach[0]", ctx))


def test_result_sizes_and_fresh_arrays(ctx):
    col = ctx.data.column("math2")
    out = ev("math2", ctx)
    assert out.dtype == np.float64 and out.shape == (4,)
    out[0] = 99.0
    assert col[0] == 1.0                      # never a view of the data column
    assert ev("1", Ctx()).shape == (0,)       # no observations


# ------------------------------------------------------------------ stored results, matrices
def handout_e(b=(12.63707033, 1.07317140, 1.83367967)):
    b = StataMatrix(np.array([b]), ["y1"], ["mathach:_cons", "lns1_1_1:_cons", "lnsig_e:_cons"])
    V = StataMatrix(np.diag([0.2436178 ** 2, 0.01, 0.0004]), b.colnames, b.colnames)
    return FakeResults(
        scalars={"ll": -23557.90510815813, "chi2_c": 983.9218208056773, "N": 7185.0, "p": NAN},
        macros={"cmd": "mixed", "depvar": "mathach"},
        matrices={"b": b, "V": V},
        sample=np.array([True, True, False, True]),
    )


def test_handout_display_expressions():
    # e(b) as in the brief; b[1,2] and b[1,3] are the handout's 1.0731714 and 1.8336797
    # (8 significant digits, so exp(.)^2 is known to a relative 1e-7).
    ctx = Ctx(e=handout_e())
    v = di("exp(e(b)[1,2])^2", ctx)
    assert v == pytest.approx(math.exp(1.07317140) ** 2, rel=1e-14)
    assert abs(v - 8.5535197) < 8.5535197 * 1e-7
    icc = di("exp(e(b)[1,2])^2/(exp(e(b)[1,2])^2 + exp(e(b)[1,3])^2)", ctx)
    assert abs(icc - 0.17931188) < 5e-8
    # e(b) backed out of the handout's var(_cons) = 8.5535197 (shown by `di`) and
    # var(Residual) = 39.14839: the displays then agree to every shown digit.
    ctx = Ctx(e=handout_e((12.63707, 0.5 * math.log(8.5535197), 0.5 * math.log(39.14839))))
    assert f"{di('exp(e(b)[1,2])^2', ctx):.7f}" == "8.5535197"
    icc = di("exp(e(b)[1,2])^2/(exp(e(b)[1,2])^2 + exp(e(b)[1,3])^2)", ctx)
    assert abs(icc - 0.17931188) < 3e-8      # 39.14839 carries 7 digits: +-2e-8 in the ICC


def test_handout_matrix_expressions():
    # mat base = e(b) of model 0, mat ses = e(b) of model 1 (handout, `mat list`)
    base = StataMatrix(np.array([[12.63707, 1.0731714, 1.8336797]]))
    ses = StataMatrix(np.array([[2.3914994, 12.657623, .77680602, 1.8058613]]))
    ctx = Ctx(cols={"ses": [0.1, 0.2]}, matrices={"base": base, "ses": ses})
    # ses[1,3] is the matrix even though ses is also a variable (two subscripts)
    v = di("(exp(base[1,2])^2 - exp(ses[1,3])^2)/exp(base[1,2])^2", ctx)
    assert abs(v - 0.44718443) < 2e-7          # inputs carry 8 digits
    v = di("(exp(base[1,3])^2 - exp(ses[1,4])^2)/exp(base[1,3])^2", ctx)
    assert abs(v - 0.05411731) < 2e-7
    v = di("(exp(base[1,2])^2+ exp(base[1,3])^2 - exp(ses[1,3])^2 - exp(ses[1,4])^2)"
           "/(exp(base[1,2])^2 + exp(base[1,3])^2)", ctx)
    assert abs(v - 0.12459891) < 2e-7
    assert di("el(base, 1, 3)", ctx) == 1.8336797
    assert math.isnan(di("el(base, 2, 1)", ctx))
    assert di("rowsof(ses) + colsof(ses)", ctx) == 5.0
    assert di("ses[1,1]", ctx) == 2.3914994
    with pytest.raises(StataError) as info:
        di("base[1,4]", ctx)
    assert (info.value.code, info.value.message) == (503, "conformability error")
    with pytest.raises(StataError) as info:
        di("nomat[1,1]", ctx)
    assert info.value.code == 111


def test_returns():
    ctx = Ctx(cols={"x": [1.0, 2.0, 3.0, 4.0]}, e=handout_e(),
              r=FakeResults(scalars={"mean": 2.5, "N": 4.0}, macros={"varlist": "x"}))
    assert di("r(mean)", ctx) == 2.5
    assert di("r(varlist)", ctx) == "x"
    assert math.isnan(di("r(nothing)", ctx))
    assert di("e(ll)", ctx) == -23557.90510815813
    assert di("e(cmd)", ctx) == "mixed"
    assert math.isnan(di("e(p)", ctx)) and math.isnan(di("e(nope)", ctx))
    np.testing.assert_array_equal(ev("e(sample)", ctx), [1, 1, 0, 1])
    assert di("chi2tail(1, e(chi2_c))/2", ctx) == pytest.approx(2.8059555978e-216, rel=1e-9)
    with pytest.raises(StataError) as info:
        di("e(b) + 1", ctx)
    assert info.value.code == 509
    assert math.isnan(di("e(ll)", Ctx()))          # no estimates: missing
    np.testing.assert_array_equal(ev("e(sample)", Ctx(cols={"x": [1.0, 2.0]})), [0, 0])
    assert di("_b[_cons]", ctx) == 12.63707033
    assert di("_b[lns1_1_1:_cons]", ctx) == 1.07317140
    assert di("_se[_cons]", ctx) == pytest.approx(0.2436178, rel=1e-12)


def test_coefficients_with_factor_names():
    cols = ["mathach:ses", "mathach:0b.sector", "mathach:1.sector",
            "mathach:1.sector#c.ses", "mathach:_cons", "lns1_1_1:_cons", "lnsig_e:_cons"]
    vals = [2.959745, 0.0, 2.128714, -1.312909, 11.75256, 0.5, 1.8]
    b = StataMatrix(np.array([vals]), ["y1"], cols)
    V = StataMatrix(np.diag(np.arange(1.0, 8.0) ** 2), cols, cols)
    ctx = Ctx(e=FakeResults(matrices={"b": b, "V": V}))
    assert di("_b[ses]", ctx) == 2.959745
    assert di("_b[0.sector]", ctx) == 0.0                # base marker ignored
    assert di("_b[1.sector#c.ses]", ctx) == -1.312909
    assert di("_b[_cons]", ctx) == 11.75256              # first equation
    assert di("[lns1_1_1]_b[_cons]", ctx) == 0.5
    assert di("_b[lnsig_e:_cons]", ctx) == 1.8
    assert di("_se[1.sector]", ctx) == 3.0
    with pytest.raises(StataError) as info:
        di("_b[female]", ctx)
    assert info.value.code == 111
    with pytest.raises(StataError) as info:
        di("_b[ses]", Ctx())
    assert info.value.code == 301


def test_c_values():
    ctx = Ctx(cols={"a": [1.0, 2.0, 3.0], "b": [0.0, 0.0, 0.0]})
    assert di("c(N)", ctx) == 3.0 and di("c(k)", ctx) == 2.0
    assert di("c(pi)", ctx) == math.pi and di("c(level)", ctx) == 95.0
    assert len(di("c(current_date)", ctx).split()) == 3
    assert math.isnan(di("c(no_such_thing)", ctx))


# ------------------------------------------------------------------ functions
def close(text, expected, rel=1e-12, ctx=None):
    got = di(text, ctx)
    assert got == pytest.approx(expected, rel=rel, abs=0 if expected else 1e-300), text


def test_math_functions():
    close("abs(-2.5)", 2.5)
    close("exp(1)", math.e)
    close("ln(10)", math.log(10))
    close("log(10)", math.log(10))
    close("log10(1000)", 3.0)
    close("sqrt(2)", math.sqrt(2))
    assert di("floor(-1.5)") == -2 and di("ceil(-1.5)") == -1 and di("int(-1.7)") == -1
    assert di("int(1.7)") == 1
    assert di("round(2.5)") == 3 and di("round(-2.5)") == -3 and di("round(1.4)") == 1
    assert di("round(28, 5)") == 30 and di("round(3.7, 0)") == 3.7
    close("round(sqrt(2), .01)", 1.41)       # Stata's own doc example
    assert di("mod(7, 3)") == 1 and di("mod(-1, 3)") == 2 and math.isnan(di("mod(1, 0)"))
    for text in ["ln(-1)", "ln(0)", "sqrt(-1)", "log10(-5)", "exp(1000)", "abs(.)"]:
        assert math.isnan(di(text)), text


def test_min_max_sum_cond(ctx):
    assert di("min(3, ., 1, 2)") == 1 and di("max(3, ., 1, 2)") == 3
    assert math.isnan(di("max(., .)"))
    np.testing.assert_array_equal(ev("max(x, y)", ctx), [2, 2, 3, 5])
    np.testing.assert_array_equal(ev("min(x, y)", ctx), [1, 2, 3, 0])
    np.testing.assert_array_equal(ev("sum(x)", ctx), [1, 1, 4, 4])      # missing counts 0
    np.testing.assert_array_equal(ev("sum(1)", ctx), [1, 2, 3, 4])
    np.testing.assert_array_equal(ev("cond(x > 1, 10, 20)", ctx), [20, 10, 10, 20])
    np.testing.assert_array_equal(ev("cond(x, 1, 0, -1)", ctx), [1, -1, 1, 0])
    np.testing.assert_array_equal(ev("cond(x, 1, 0)", ctx), [1, 1, 1, 0])
    assert di('cond(0, "a", "b")') == "b"


def test_missing_inlist_inrange(ctx):
    np.testing.assert_array_equal(ev("missing(x)", ctx), [0, 1, 0, 0])
    np.testing.assert_array_equal(ev("missing(x, y)", ctx), [0, 1, 1, 0])
    np.testing.assert_array_equal(ev("missing(name)", ctx), [0, 0, 1, 0])
    np.testing.assert_array_equal(ev("inlist(x, 0, 3)", ctx), [0, 0, 1, 1])
    np.testing.assert_array_equal(ev('inlist(name, "bob", "Cy")', ctx), [0, 1, 0, 1])
    np.testing.assert_array_equal(ev("inrange(x, 1, 3)", ctx), [1, 0, 1, 0])
    np.testing.assert_array_equal(ev("inrange(x, ., 2)", ctx), [1, 0, 0, 1])   # no lower bound
    np.testing.assert_array_equal(ev("inrange(x, 1, .)", ctx), [1, 0, 1, 0])   # missing x -> 0
    assert di('inrange("b", "a", "c")') == 1


def test_distribution_functions():
    # independent closed forms
    close("normal(1.96)", 0.5 * math.erfc(-1.96 / math.sqrt(2)), rel=1e-14)
    close("normal(-1)", 0.5 * math.erfc(1 / math.sqrt(2)), rel=1e-14)
    close("normalden(1)", math.exp(-0.5) / math.sqrt(2 * math.pi), rel=1e-14)
    close("normalden(3, 2)", math.exp(-0.5 * 1.5 ** 2) / (2 * math.sqrt(2 * math.pi)), rel=1e-14)
    close("normalden(3, 1, 2)", math.exp(-0.5) / (2 * math.sqrt(2 * math.pi)), rel=1e-14)
    close("invnormal(0.975)", 1.959963984540054, rel=1e-13)
    close("invnormal(normal(0.3))", 0.3, rel=1e-12)
    assert math.isnan(di("invnormal(1)")) and math.isnan(di("invnormal(-0.1)"))
    close("chi2tail(1, 3.84)", math.erfc(math.sqrt(3.84 / 2)), rel=1e-12)
    close("chi2(2, 3)", 1 - math.exp(-1.5), rel=1e-13)
    close("chi2tail(2, 3)", math.exp(-1.5), rel=1e-13)
    close("invchi2tail(2, 0.05)", -2 * math.log(0.05), rel=1e-12)
    assert di("chi2tail(2, -1)") == 1 and di("chi2(2, -1)") == 0
    assert math.isnan(di("chi2tail(0, 1)"))
    # the handout's e(p_c) = chi2tail(1, e(chi2_c))/2
    x = 983.9218208056773
    close(f"chi2tail(1, {x!r})/2", math.erfc(math.sqrt(x / 2)) / 2, rel=1e-9)
    close(f"chi2tail(1, {x!r})/2", 2.8059555978e-216, rel=1e-9)
    close("F(2, 2, 3)", 3 / 4, rel=1e-13)          # F(2,2) cdf: f/(1+f)
    close("Ftail(2, 2, 3)", 1 / 4, rel=1e-13)
    close("ttail(1, 1)", 0.5 - math.atan(1) / math.pi, rel=1e-13)   # Cauchy
    close("ttail(2, 1.5)", 0.5 - 1.5 / (2 * math.sqrt(2 + 1.5 ** 2)), rel=1e-13)
    close("invttail(2, ttail(2, 1.5))", 1.5, rel=1e-10)


def test_more_functions():
    assert di("clip(5, 1, 3)") == 3 and di("clip(-5, 1, .)") == 1 and math.isnan(di("clip(., 1, 3)"))
    close("lnnormal(-1)", math.log(0.5 * math.erfc(1 / math.sqrt(2))), rel=1e-13)
    close("lnnormalden(0.5)", math.log(math.exp(-0.125) / math.sqrt(2 * math.pi)), rel=1e-13)
    close("chi2den(2, 3)", 0.5 * math.exp(-1.5), rel=1e-13)          # 2 df: exp(-x/2)/2
    close("tden(1, 2)", 1 / (math.pi * (1 + 4)), rel=1e-13)          # Cauchy density
    assert di('strmatch("mathach", "math*")') == 1 and di('strmatch("ses", "m?s")') == 0
    assert di("lnfactorial(5)") == pytest.approx(math.log(120), rel=1e-14)
    assert di("comb(5, 2)") == 10 and math.isnan(di("comb(2, 5)"))


def test_string_functions(ctx):
    assert di("string(1/3)") == ".3333333"        # %9.0g: 7 digits, no leading 0
    assert di("string(2)") == "2" and di("string(-1.5)") == "-1.5" and di("string(.)") == "."
    assert di("string(1234567890)") == "1.23e+09"  # the well-known string() surprise
    assert di('string(3.14159, "%9.2f")') == "3.14"
    assert di("string(2/3)") == ".6666667" and di("string(123456789)") == "1.23e+08"
    assert di('real("12.5")') == 12.5
    assert math.isnan(di('real("abc")')) and math.isnan(di('real("")'))
    assert di('real(" 1e3 ")') == 1000
    assert di('substr("abcdef", 2, 3)') == "bcd"
    assert di('substr("abcdef", -2, .)') == "ef"
    assert di('substr("abcdef", 9, 2)') == ""
    assert di('strlen("hello")') == 5
    assert di('upper("aB")') == "AB" and di('lower("aB")') == "ab"
    assert di('trim("  a b  ")') == "a b" and di('ltrim("  a ")') == "a " and di('rtrim(" a  ")') == " a"
    assert di('strpos("abcabc", "ca")') == 3 and di('strpos("abc", "z")') == 0
    assert di('word("a bb ccc", 2)') == "bb" and di('word("a bb ccc", -1)') == "ccc"
    assert di('word("a", 3)') == ""
    assert di('subinstr("a.b.c", ".", "-", .)') == "a-b-c"
    np.testing.assert_array_equal(ev("strlen(name)", ctx), [3, 3, 0, 2])
    np.testing.assert_array_equal(ev("upper(name)", ctx), np.array(["ANN", "BOB", "", "CY"], dtype=object))
    np.testing.assert_array_equal(ev("string(math2 / 2)", ctx), np.array([".5", "1", "1.5", "2"], dtype=object))


def test_function_errors():
    with pytest.raises(StataError) as info:
        di("foo(1)")
    assert (info.value.code, info.value.message) == (133, "unknown function foo()")
    for text in ["abs()", "abs(1, 2)", "cond(1, 2)", "normal()", "round(1, 2, 3)"]:
        with pytest.raises(StataError) as info:
            di(text)
        assert info.value.code == 198, text


def test_table_has_required_functions():
    required = ("abs exp ln log log10 sqrt round floor ceil int min max cond missing inlist "
                "inrange mod sum normal normalden invnormal chi2 chi2tail invchi2tail F Ftail "
                "ttail string real substr strlen upper lower trim ltrim rtrim strpos word el "
                "rowsof colsof").split()
    assert not [f for f in required if f not in FUNCTIONS]


# ------------------------------------------------------------------ properties
floats = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(NAN))
vectors = st.lists(st.tuples(floats, floats), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(vectors)
def test_addition_matches_numpy(pairs):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    ctx = Ctx(cols={"a": a, "b": b})
    np.testing.assert_array_equal(ev("a + b", ctx), a + b)        # NaN propagates
    np.testing.assert_array_equal(ev("a * b - a", ctx), a * b - a)


@settings(max_examples=60, deadline=None)
@given(vectors)
def test_comparisons_treat_missing_as_largest(pairs):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    ctx = Ctx(cols={"a": a, "b": b})
    key_a = np.where(np.isnan(a), np.inf, a)
    key_b = np.where(np.isnan(b), np.inf, b)
    for op, fn in [(">", np.greater), ("<", np.less), (">=", np.greater_equal),
                   ("<=", np.less_equal), ("==", np.equal), ("!=", np.not_equal)]:
        got = ev(f"a {op} b", ctx)
        np.testing.assert_array_equal(got, fn(key_a, key_b).astype(float))
    # exactly one of <, ==, > holds, and a < . is "a is not missing"
    total = ev("(a < b) + (a == b) + (a > b)", ctx)
    assert np.all(total == 1)
    np.testing.assert_array_equal(ev("a < .", ctx), (~np.isnan(a)).astype(float))
    np.testing.assert_array_equal(ev("!missing(a)", ctx), ev("a < .", ctx))


_PIECES = ["1", "0", ".5", ".", "x", "name", "s", "word", "_n", "_N", "e(ll)", "r(N)", "c(N)",
           "(", ")", "+", "-", "*", "/", "^", "!", "==", "<", "&", "|", '"a"', "exp(", "max(",
           "strlen(", "cond(", "substr(", "sum(", "string(", "e(b)[1,", ",", "]", "x[", "el(e(b),"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=10))
def test_evaluator_never_raises_anything_but_stata_errors(pieces):
    ctx = Ctx(cols={"x": [1.0, NAN, 3.0], "name": ["a", "", "c"]}, scalars={"s": 2.0, "word": "w"},
              e=handout_e())
    try:
        node = parse_expression("".join(pieces))
    except StataError:
        return
    for scalar in (False, True):
        try:
            out = evaluate(node, ctx, scalar=scalar)
        except StataError:
            continue
        if scalar:
            assert isinstance(out, (float, str))
        else:
            assert out.shape == (3,) and out.dtype in (np.float64, object)
            if out.dtype == np.float64:
                assert not np.any(np.isinf(out))



def test_repeating_an_empty_string_a_huge_number_of_times_is_empty(ctx):
    # found by the fuzz campaign: "" * 1e300 overflowed the int conversion (r(9999))
    assert di('"" * 1e300', ctx) == ""
    assert di('"ab" * 2', ctx) == "abab"
