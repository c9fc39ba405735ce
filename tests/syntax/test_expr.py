"""Parser tests: precedence, associativity, literal forms, errors (hlmshell.syntax.expr).

Sources for the expected trees: Stata [U] 13.2.5 (order of evaluation: ! ^ -negation / *
- + relational & |), Stata's documented 2^3^2 = 64 (left-associative ^) and -2^2 = -4.
"""
import pytest

from hlmshell.errors import StataError
from hlmshell.syntax.expr import (
    Binary, Call, Coef, Index, Missing, Name, Number, Returns, String, SystemRef, Unary,
    expression_end, parse_expression, split_expression, tokenize,
)

N = Number


def B(op, a, b):
    return Binary(op, a, b)


# ------------------------------------------------------------------ precedence
@pytest.mark.parametrize("text, tree", [
    ("1+2*3", B("+", N(1), B("*", N(2), N(3)))),
    ("1*2+3", B("+", B("*", N(1), N(2)), N(3))),
    ("1-2-3", B("-", B("-", N(1), N(2)), N(3))),
    ("8/4/2", B("/", B("/", N(8), N(4)), N(2))),
    ("2^3^2", B("^", B("^", N(2), N(3)), N(2))),          # left-assoc: 64
    ("-2^2", Unary("-", B("^", N(2), N(2)))),               # -4
    ("2^-1", B("^", N(2), Unary("-", N(1)))),
    ("2^-1*3", B("*", B("^", N(2), Unary("-", N(1))), N(3))),
    ("-2*3", B("*", Unary("-", N(2)), N(3))),
    ("2*-3", B("*", N(2), Unary("-", N(3)))),
    ("!a^2", B("^", Unary("!", Name("a")), N(2))),          # ! evaluated first
    ("~a & b", B("&", Unary("!", Name("a")), Name("b"))),
    ("a | b & c", B("|", Name("a"), B("&", Name("b"), Name("c")))),
    ("a & b | c", B("|", B("&", Name("a"), Name("b")), Name("c"))),
    ("a == 1 & b < 2", B("&", B("==", Name("a"), N(1)), B("<", Name("b"), N(2)))),
    ("a + 1 > b * 2", B(">", B("+", Name("a"), N(1)), B("*", Name("b"), N(2)))),
    ("1 < 2 < 3", B("<", B("<", N(1), N(2)), N(3))),
    ("a ~= b", B("!=", Name("a"), Name("b"))),
    ("a != b", B("!=", Name("a"), Name("b"))),
    ("(1+2)*3", B("*", B("+", N(1), N(2)), N(3))),
    ("+3", Unary("+", N(3))),
    ("--3", Unary("-", Unary("-", N(3)))),
    ("-x^2 + 1", B("+", Unary("-", B("^", Name("x"), N(2))), N(1))),
])
def test_precedence(text, tree):
    assert parse_expression(text) == tree


def test_relational_operators_all_parse():
    for op in ["==", "!=", "~=", "<", "<=", ">", ">="]:
        node = parse_expression(f"x {op} 1")
        assert isinstance(node, Binary) and node.op == ("!=" if op == "~=" else op)


# ------------------------------------------------------------------ literals
@pytest.mark.parametrize("text, value", [
    ("1", 1.0), ("12.5", 12.5), (".5", 0.5), ("1e-3", 1e-3), ("1E+10", 1e10),
    ("2.", 2.0), ("1.5e2", 150.0), ("0.42", 0.42),
])
def test_numbers(text, value):
    node = parse_expression(text)
    assert isinstance(node, Number) and node.value == value


def test_missing_literals():
    assert parse_expression(".") == Missing("")
    assert parse_expression(".a") == Missing("a")
    assert parse_expression(".z") == Missing("z")
    assert parse_expression("x == .") == B("==", Name("x"), Missing(""))
    assert parse_expression("x<.") == B("<", Name("x"), Missing(""))


def test_strings():
    assert parse_expression('"abc"') == String("abc")
    assert parse_expression('""') == String("")
    assert parse_expression('`"say "hi""\'') == String('say "hi"')
    assert parse_expression('`"a `"b"\' c"\'') == String('a `"b"\' c')
    assert parse_expression('"a" + "b"') == B("+", String("a"), String("b"))


def test_names_system_returns():
    assert parse_expression("mathach") == Name("mathach")
    assert parse_expression("_n") == SystemRef("_n")
    assert parse_expression("_N") == SystemRef("_N")
    assert parse_expression("_pi") == SystemRef("_pi")
    assert parse_expression("_rc") == SystemRef("_rc")
    assert parse_expression("r(mean)") == Returns("r", "mean")
    assert parse_expression("e(ll)") == Returns("e", "ll")
    assert parse_expression("c(N)") == Returns("c", "N")
    assert parse_expression("e(sample)") == Returns("e", "sample")


def test_calls_and_subscripts():
    assert parse_expression("exp(1)") == Call("exp", (N(1),))
    assert parse_expression("max(1, 2, 3)") == Call("max", (N(1), N(2), N(3)))
    assert parse_expression("runiform()") == Call("runiform", ())
    assert parse_expression("e(b)[1,2]") == Index(Returns("e", "b"), N(1), N(2))
    assert parse_expression("base[1,2]") == Index(Name("base"), N(1), N(2))
    assert parse_expression("x[_n-1]") == Index(Name("x"), B("-", SystemRef("_n"), N(1)), None)
    assert parse_expression("el(M, 1, 2)") == Call("el", (Name("M"), N(1), N(2)))
    assert parse_expression("_b[ses]") == Coef("b", "ses")
    assert parse_expression("_se[mathach:_cons]") == Coef("se", "mathach:_cons")
    assert parse_expression("_b[1.sector] * 2") == B("*", Coef("b", "1.sector"), N(2))
    assert parse_expression("_b[ c.ses#1.sector ]") == Coef("b", "c.ses#1.sector")
    assert parse_expression("[lns1_1_1]_se[_cons]") == Coef("se", "lns1_1_1:_cons")


def test_handout_expressions_parse():
    e12 = Call("exp", (Index(Returns("e", "b"), N(1), N(2)),))
    e13 = Call("exp", (Index(Returns("e", "b"), N(1), N(3)),))
    tree = parse_expression("exp(e(b)[1,2])^2/(exp(e(b)[1,2])^2 + exp(e(b)[1,3])^2)")
    assert tree == B("/", B("^", e12, N(2)), B("+", B("^", e12, N(2)), B("^", e13, N(2))))
    tree = parse_expression("(exp(base[1,2])^2 - exp(ses[1,3])^2)/exp(base[1,2])^2")
    assert isinstance(tree, Binary) and tree.op == "/"
    assert parse_expression("(0.42-0.07)/0.42") == B("/", B("-", N(0.42), N(0.07)), N(0.42))
    assert parse_expression("tag==1") == B("==", Name("tag"), N(1))


# ------------------------------------------------------------------ where an expression ends
def test_split_expression_stops_before_other_syntax():
    text = "tag==1 in 1/10, detail"
    node, end = split_expression(text)
    assert node == B("==", Name("tag"), N(1))
    assert text[end:] == " in 1/10, detail"
    text = "sum x if y > 2 & z, detail"
    start = text.index("if") + 2
    node, end = split_expression(text, start)
    assert text[end:] == ", detail"
    assert expression_end("x + 1 if x > 0") == len("x + 1")
    assert expression_end('ln(x) using "f.dta"') == len("ln(x)")
    # the lookahead never has to tokenise option text
    assert expression_end("x==1, format(%9.2f)") == 4
    # display-style: two expressions in a row
    node, end = split_expression('"ICC = " 1/3')
    assert node == String("ICC = ") and split_expression('"ICC = " 1/3', end)[0] == B("/", N(1), N(3))


def test_tokenize_spans():
    toks = tokenize("a>=1.5")
    assert [(t.kind, t.text) for t in toks] == [("NAME", "a"), ("OP", ">="), ("NUM", "1.5"), ("EOF", "")]
    assert (toks[2].start, toks[2].end) == (3, 6)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("text, code", [
    ("", 198), ("1 +", 198), ("* 2", 198), ("1 2", 198), ("x = 1", 198),
    ("f(1,)", 198), ("e(1)", 198), ("2x", 198), (".ab", 198), ("1e", 198),
    ("x if", 198), ("in", 198), ("a $ b", 198), ("e(b)[1]", 198),
    ("(1+2", 132), ("((1)", 132), ("1+2)", 132), ("exp(1", 132), ("M[1,2", 132),
    ("1]", 132), ('"abc', 132), ('`"abc', 132), ("_b[x", 132),
    ("[eq]x", 198), ("[eq]_b[a:b]", 198),
])
def test_errors(text, code):
    with pytest.raises(StataError) as info:
        parse_expression(text)
    assert info.value.code == code


def test_error_messages():
    with pytest.raises(StataError, match=r"too many '\)' or '\]'"):
        parse_expression("(1))")
    with pytest.raises(StataError, match=r"too few '\)' or '\]'"):
        parse_expression("((1)")
    with pytest.raises(StataError, match="invalid syntax"):
        parse_expression("1 +")


def test_nodes_are_frozen_and_hashable():
    node = parse_expression("a + 1")
    assert hash(node) == hash(parse_expression("a+1"))
    with pytest.raises(Exception):
        node.op = "-"


# ------------------------------------------------------------------ robustness
from hypothesis import given, settings, strategies as st  # noqa: E402

_PIECES = ["1", ".5", "1e3", ".", ".a", "x", "mat", "_n", "_N", "e(b)", "r(N)", "c(k)", "(", ")",
           "[", "]", ",", "+", "-", "*", "/", "^", "!", "~", "==", "!=", "<", ">=", "&", "|",
           '"s"', '`"q"\'', "exp(", "max(", "_b[x]", " ", "in", "=", "$", "'", '"', "`"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_parser_never_raises_anything_but_stata_errors(pieces):
    text = "".join(pieces)
    try:
        node = parse_expression(text)
    except StataError as err:
        assert err.code in (132, 198)
        return
    assert node is not None
    node2, end = split_expression(text)
    assert node2 == node and text[end:].strip() == ""


def test_a_dot_before_a_non_ascii_letter_is_no_extended_missing():
    # `.ß` once reached missing.value('ß') and a ValueError (fuzz campaign, seed 47)
    from hlmshell.errors import StataError
    with pytest.raises(StataError) as err:
        parse_expression(".ß <= .")
    assert err.value.code == 198
