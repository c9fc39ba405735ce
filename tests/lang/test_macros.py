"""Macros ([P] macro): definition, expansion and extended functions. Expected texts are
Stata's documented results ([P] macro, [U] 18.3)."""
import io

import pytest

from hlmshell.lang.extended import tokens
from hlmshell.lang.macros import number_text
from hlmshell.session import Session


def run(text: str) -> tuple[Session, str, int]:
    s = Session(out=io.StringIO())
    rc = s.run(text)
    return s, s.out.getvalue(), rc


def shown(text: str) -> str:
    """What the last `display` printed."""
    s, out, rc = run(text)
    assert rc == 0, out
    return out.strip().splitlines()[-1]


@pytest.mark.parametrize("setup, expected", [
    ('local a hello world\ndi "`a\'"', "hello world"),
    ('local a "quoted text"\ndi "`a\'"', "quoted text"),
    ('local a `"say "hi""\'\ndi `"`a\'"\'', 'say "hi"'),
    ('local a = 2 + 3\ndi "`a\'"', "5"),
    ('local a = 1/4\ndi "`a\'"', ".25"),
    ('local a = "x" + "y"\ndi "`a\'"', "xy"),
    ('global g there\ndi "$g ${g}s"', "there theres"),
    ('local i 3\nlocal x3 found\ndi "`x`i\'\'"', "found"),     # nested
    ('di "`=2*21\'"', "42"),                                  # `=exp'
    ('di "[`undefined\']"', "[]"),                           # undefined: nothing
    ('local i 5\nlocal ++i\ndi "`i\'"', "6"),
    ('local i 5\ndi "`i++\' `i\'"', "5 6"),
    ('local i 5\ndi "`--i\' `i\'"', "4 4"),
    ('local n : word count a "b c" d\ndi "`n\'"', "3"),
    ('local w : word 2 of a "b c" d\ndi "`w\'"', "b c"),
    ('local l a b a c b\nlocal u : list uniq l\ndi "`u\'"', "a b c"),
    ('local a x y z\nlocal b y\nlocal d : list a - b\ndi "`d\'"', "x z"),
    ('local a x y\nlocal b y w\nlocal d : list a | b\ndi "`d\'"', "x y w"),
    ('local a x y\nlocal b y w\nlocal d : list a & b\ndi "`d\'"', "y"),
    ('local a c a b\nlocal d : list sort a\ndi "`d\'"', "a b c"),
    ('local a c a b\nlocal d : list sizeof a\ndi "`d\'"', "3"),
    ('local a c a b\nlocal d : list posof "b" in a\ndi "`d\'"', "3"),
    ('local a one two one\nlocal b : subinstr local a "one" "1", all\ndi "`b\'"', "1 two 1"),
    ('local a one two one\nlocal b : subinstr local a "one" "1"\ndi "`b\'"', "1 two one"),
    ('local a abcd\nlocal n : strlen local a\ndi "`n\'"', "4"),
    ('local d : display %5.2f 3.14159\ndi "[`d\']"', "[ 3.14]"),
])
def test_expansion(setup, expected):
    assert shown(setup) == expected


def test_variable_functions():
    s, out, rc = run('use hsb.dta, clear\nlocal t : type ses\nlocal f : format ses\n'
                     'local l : variable label ses\ndi "`t\' `f\'"')
    assert rc == 0, out
    assert out.strip().splitlines()[-1] == f"{s.data.var('ses').stype} {s.data.var('ses').fmt}"
    assert s.macros.local("l") == s.data.var("ses").label


def test_macro_drop_and_list():
    s, out, rc = run("global aa 1\nglobal ab 2\nlocal x 3\nmacro list\nmacro drop a*")
    assert rc == 0
    assert "aa:" in out and "_x:" in out
    assert "aa" not in s.macros.globals and "ab" not in s.macros.globals


def test_empty_local_is_undefined():
    s, _, _ = run("local a something\nlocal a")
    assert "a" not in s.macros.locals


@pytest.mark.parametrize("bad, code", [
    ("local " + "x" * 32 + " 1", 198),     # names up to 31 characters
    ("global 1x 1", 198),
    ("local a = 1 +", 198),
    ("local a = nosuch", 111),
    ("local a : nosuchfn x", 198),
    ("local a : word x of a b", 198),
])
def test_bad_macros_are_errors_and_change_nothing(bad, code):
    s, out, rc = run("local keep kept\n" + bad)
    assert rc == code, out
    assert s.macros.local("keep") == "kept" and "Traceback" not in out


def test_macro_text_with_quotes_braces_and_comment_marks():
    s, out, rc = run('local a `"a "b" {c} /// */"\'\ndi `"`a\'"\'')
    assert rc == 0, out
    assert s.macros.local("a") == 'a "b" {c} /// */'


def test_number_text():
    assert number_text(1 / 3) == ".3333333333333333"
    assert number_text(-0.5) == "-.5"
    assert number_text(12.0) == "12"
    assert number_text(float("nan")) == "."
    assert number_text(1e20) == "100000000000000000000" or number_text(1e20) == "1e+20"


def test_tokens_keep_quoted_words():
    assert tokens('a "b c" `"d "e""\' f') == ["a", '"b c"', '`"d "e""\'', "f"]


def test_plain_arithmetic_short_path_agrees_with_the_evaluator():
    """The short path for `a op b op c` (lang/macros._arithmetic) must give what the full
    expression evaluator gives (exactly; the reference is dataset/evaluate.py)."""
    import math
    import random

    from hlmshell.dataset.evaluate import evaluate
    from hlmshell.lang.macros import _arithmetic
    from hlmshell.syntax.expr import parse_expression
    s = Session(out=io.StringIO())
    rng = random.Random(5)
    numbers = ["0", "1", "-2", "3.5", ".25", "1e3", "-1e-3", "7", "1e308", "12345678901"]
    for _ in range(2000):
        parts = [rng.choice(numbers)]
        for _ in range(rng.randint(1, 3)):
            parts += [rng.choice("+-*/"), rng.choice(numbers)]
        text = " ".join(parts)
        fast = _arithmetic(text)
        full = evaluate(parse_expression(text), s, scalar=True)
        assert fast is not None, text
        assert (math.isnan(fast) and math.isnan(full)) or fast == full, (text, fast, full)
    assert _arithmetic("2^3") is None and _arithmetic("x + 1") is None
