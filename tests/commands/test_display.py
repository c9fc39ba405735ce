"""display and scalar define/list/drop, through Session.run (the one execute path)."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest

from hlmshell.commands.display import render_display
from hlmshell.matrix import StataMatrix
from hlmshell.session import Session


def run(session, *lines):
    session.out = io.StringIO()
    rc = 0
    for line in lines:
        rc = session.run(line)
    return session.out.getvalue(), rc


@pytest.fixture
def s():
    return Session(out=io.StringIO())


def shown(session, body):
    """What `display body` prints, without the final newline."""
    return render_display(body, session)[:-1]


@pytest.mark.parametrize("body, expected", [
    ('"hello " 1+2', "hello 3"),
    ("(0.42-0.07)/0.42", ".83333333"),
    ("1/3", ".33333333"),
    ("2^0.5", "1.4142136"),
    ("-2^2", "-4"),
    ("1e12", "1.000e+12"),
    ("123456789", "1.235e+08"),
    ("7185", "7185"),
    (".", "."),
    ("1/0", "."),
    ('"a" + "b"', "ab"),
    ('"ab" * 3', "ababab"),
    ("1 2", "12"),
    ('1, 2 "x"', "1 2x"),
    ('"x" _col(5) "y"', "x   y"),
    ('"x" _skip(3) "y"', "x   y"),
    ('"x" _s "y"', "x y"),
    ('_dup(3) "-"', "---"),
    ('"a" _n "b"', "a\nb"),
    ('"a" _newline(2) "b"', "a\n\nb"),
    ("_char(65)", "A"),
    ('as text "t" as result 2 as err "e"', "t2e"),
    ('in red "r" in green 1 in yellow "y" in smcl "s"', "r1ys"),    # Stata 8's colour names
    ("%9.3f 3.14159", "    3.142"),
    ("%9.0g 1/3", " .3333333"),
    ('%-5s "ab" "|"', "ab   |"),
    ("%9.2fc 1234.5", " 1,234.50"),
    ("", ""),
])
def test_display_values(s, body, expected):
    assert shown(s, body) == expected


def test_display_e_b_exp(s):
    s.matrices["base"] = StataMatrix([[12.6, math.log(math.sqrt(8.5535197)), 1.8]],
                                     ["a", "b", "c"], ["y1"])
    assert shown(s, "exp(base[1,2])^2") == "8.5535197"


def test_display_through_the_session_and_abbreviation(s):
    out, rc = run(s, 'di "hello " 1+2')
    assert (out, rc) == ("hello 3\n\n", 0)
    out, rc = run(s, "display 2*3")
    assert out.startswith("6\n")
    out, rc = run(s, "di")
    assert out == "\n\n"  # display alone prints an empty line


@pytest.mark.parametrize("body, code, message", [
    ("foo", 111, "foo not found"),
    ("1+", 198, "invalid syntax"),
    ("(1", 132, None),
    ('"a" - 1', 109, "type mismatch"),
    ("%9.3q 1", None, None),
    ("_col(x)", 198, "invalid syntax"),
])
def test_display_errors(s, body, code, message):
    out, rc = run(s, f"di {body}")
    assert rc != 0
    if code is not None:
        assert rc == code
        assert out.splitlines()[-2:-1] == [f"r({code});"] or f"r({code});" in out
    if message is not None:
        assert out.splitlines()[0] == message


def test_display_variable_means_first_observation(s):
    s.data.set_obs(3)
    s.data.add("x", np.array([4.5, 2.0, 1.0]), "double")
    assert shown(s, "x*2") == "9"
    assert shown(s, "_N") == "3"
    assert shown(s, "%5.1f x") == "  4.5"


def test_scalar_define_list_drop(s):
    out, rc = run(s, "scalar a = 2", "scalar define b = 1/3", 'sca s = "hi"')
    assert (out, rc) == ("\n\n\n", 0)  # define prints nothing (each command ends with a blank line)
    out, rc = run(s, "scalar list")
    assert out.splitlines() == ["         a =          2",
                                "         b =  .33333333",
                                "         s = hi", ""]
    assert s.scalars == {"a": 2.0, "b": pytest.approx(1 / 3), "s": "hi"}
    out, rc = run(s, "di a*b + 1 s")
    assert out.splitlines()[0] == "1.6666667hi"
    out, rc = run(s, "scalar list b")
    assert out.splitlines()[0] == "         b =  .33333333"
    run(s, "scalar drop a b")
    out, rc = run(s, "scalar list")
    assert out.splitlines()[0] == "         s = hi"
    run(s, "scalar drop _all")
    out, rc = run(s, "scalar list")
    assert (out, rc) == ("\n", 0)


def test_scalar_redefine_and_errors(s):
    run(s, "scalar x = 1", "scalar x = x + 1")
    assert s.scalars["x"] == 2.0
    out, rc = run(s, "scalar list nosuch")
    assert rc == 111 and out.startswith("scalar nosuch not found\nr(111);")
    out, rc = run(s, "scalar drop nosuch")
    assert rc == 111
    out, rc = run(s, "scalar 1x = 2")
    assert rc == 198
    out, rc = run(s, "scalar y =")
    assert rc == 198
    out, rc = run(s, "scalar y = nosuch")
    assert rc == 111
    assert "y" not in s.scalars


def test_scalar_failure_rolls_back(s):
    run(s, "scalar x = 1")
    out, rc = run(s, "scalar x = 1+")
    assert rc == 198 and s.scalars["x"] == 1.0


def test_asis_shows_text_unchanged_and_request_is_refused(s):
    assert shown(s, '_asis "{bf:x}"') == "{bf:x}"
    from hlmshell.errors import StataError
    with pytest.raises(StataError) as err:
        render_display("_request(x)", s)
    assert err.value.code == 198


def test_continue_keeps_the_line_open_in_a_loop_and_a_program(s):
    out, rc = run(s, 'forvalues i = 1/3 {\ndi `i\' _c\n}')
    assert rc == 0 and out == "123\n"          # the end of the block closes the line
    run(s, 'program two\ndi "a" _continue\ndi "b"\nend')
    out, rc = run(s, "two")
    assert rc == 0 and out == "ab\n\n"       # then the blank line after every command


def test_continue_at_the_top_level_ends_the_line_without_a_blank_one():
    from hlmshell.batch import run_file
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "c.do")
        with open(path, "w") as f:
            f.write('display "a" _continue\ndisplay "b"\n')
        s = Session(out=io.StringIO())
        run_file(s, path)
    assert s.out.getvalue().startswith('. display "a" _continue\na\n. display "b"\nb\n\n')


def test_continue_under_quietly_and_in_macro_display(s):
    assert run(s, 'qui di "a" _c') == ("\n", 0)     # nothing shown, nothing left open
    assert run(s, 'di "b"') == ("b\n\n", 0)
    run(s, 'local x : display "z" _c')
    assert run(s, 'di "[`x\']"') == ("[z]\n\n", 0)
