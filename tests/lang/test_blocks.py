"""Loops, if/else and prefix blocks ([P] foreach, forvalues, while, if, continue), with the
do-file echo Stata prints (the opening line after `. `, body lines numbered from 2)."""
import io

import pytest

from hlmshell.batch import run_text
from hlmshell.session import Session


def run(text: str) -> tuple[Session, str, int]:
    s = Session(out=io.StringIO())
    rc = s.run(text)
    return s, s.out.getvalue(), rc


def outputs(text: str) -> list[str]:
    s, out, rc = run(text)
    assert rc == 0, out
    return [l for l in out.splitlines() if l]


def test_forvalues_forms():
    assert outputs("forvalues i = 1/3 {\ndi `i'\n}") == ["1", "2", "3"]
    assert outputs("forvalues i = 10(-5)0 {\ndi `i'\n}") == ["10", "5", "0"]
    assert outputs("forvalues i = 0(.25)1 {\ndi `i'\n}") == ["0", ".25", ".5", ".75", "1"]
    assert outputs("forvalues i = 1 3 to 7 {\ndi `i'\n}") == ["1", "3", "5", "7"]
    assert outputs("forvalues i = 1 3: 7 {\ndi `i'\n}") == ["1", "3", "5", "7"]
    assert outputs("forvalues i = 3/1 {\ndi `i'\n}") == []


def test_foreach_forms():
    assert outputs('foreach x in a "b c" d {\ndi "`x\'"\n}') == ["a", "b c", "d"]
    assert outputs('local l p q\nforeach x of local l {\ndi "`x\'"\n}') == ["p", "q"]
    assert outputs('global l r s\nforeach x of global l {\ndi "`x\'"\n}') == ["r", "s"]
    assert outputs('foreach x of numlist 1/3 5 {\ndi "`x\'"\n}') == ["1", "2", "3", "5"]
    s, out, rc = run('use hsb.dta, clear\nforeach v of varlist ses mea* {\ndi "`v\'"\n}')
    assert rc == 0 and out.splitlines()[-3:] == ["ses", "meanses", ""]
    assert outputs('foreach v of newlist n1 n2 {\ndi "`v\'"\n}') == ["n1", "n2"]


def test_nested_loops_expand_anew_each_iteration():
    text = "forvalues i = 1/2 {\nforeach x in a b {\ndi \"`i'`x'\"\n}\n}"
    assert outputs(text) == ["1a", "1b", "2a", "2b"]


def test_while_continue_and_break():
    text = ("local i 0\nwhile `i' < 10 {\nlocal ++i\nif mod(`i', 2) continue\n"
            "if `i' > 6 continue, break\ndi `i'\n}")
    assert outputs(text) == ["2", "4", "6"]


def test_if_else_chain():
    text = ('local x 2\nif `x\' == 1 {\ndi "one"\n}\nelse if `x\' == 2 {\ndi "two"\n}\n'
            'else {\ndi "other"\n}')
    assert outputs(text) == ["two"]
    assert outputs('if 0 di "no"\nelse di "yes"') == ["yes"]
    assert outputs('if 1 di "yes"\nelse di "no"') == ["yes"]


def test_prefix_blocks():
    s, out, rc = run('quietly {\ndi "hidden"\n}\nnoisily {\ndi "shown"\n}')
    assert rc == 0 and "hidden" not in out and "shown" in out
    s, out, rc = run('capture {\ndi "a"\ndi nosuch\ndi "never"\n}\ndi "rc=" _rc')
    assert rc == 0 and "never" not in out and "rc=111" in out and "r(111)" not in out
    s, out, rc = run('capture noisily {\ndi nosuch\n}')
    assert rc == 0 and "nosuch not found" in out and "r(111)" not in out


def test_do_file_echo_of_a_block():
    s = Session(out=io.StringIO())
    run_text(s, "forvalues i = 1/2 {\n    di `i'\n}\ndi 9\n")
    assert s.out.getvalue() == (". forvalues i = 1/2 {\n  2.     di `i'\n  3. }\n1\n2\n\n"
                                ". di 9\n9\n\n")


def test_error_inside_a_loop_stops_it_and_reports_once():
    s, out, rc = run("forvalues i = 1/3 {\ndi `i'\ndi nosuch\n}\ndi 99")
    assert rc == 111
    assert out.count("r(111);") == 1 and "99" not in out and out.startswith("1\n")


@pytest.mark.parametrize("bad, code", [
    ("}", 199),
    ("forvalues i = 1/3 {\ndi 1", 198),            # never closed
    ("foreach x of nosuch a b {\ndi 1\n}", 198),
    ("forvalues i = a/b {\ndi 1\n}", 198),
    ("forvalues i = 1(0)3 {\ndi 1\n}", 198),
    ("forvalues i = 1/2 {\ndi 1\n} else {", 198),
    ("continue", 198),
    ("else di 1", 198),
    ("foreach v of varlist nosuch {\ndi 1\n}", 111),
    ("while nosuch {\ndi 1\n}", 111),
])
def test_bad_blocks(bad, code):
    s, out, rc = run("local keep 1\n" + bad)
    assert rc == code, out
    assert "Traceback" not in out and s.macros.local("keep") == "1"


def test_loop_variable_sees_data():
    s, out, rc = run("set obs 3\ngen x = _n\nforvalues i = 1/3 {\nqui replace x = x * 10 in `i'\n}")
    assert rc == 0 and list(s.data.column("x")) == [10, 20, 30]


def test_a_break_held_by_capture_still_ends_the_loop():
    """Ctrl-C inside `capture` sets _rc = 1 as Stata's capture does, and the loop around it
    stops at its next pass (where Stata can need Break pressed once per iteration)."""
    s = Session(out=io.StringIO())
    real_call = s.call

    def call(parsed):
        if parsed.word == "boom":
            raise KeyboardInterrupt
        return real_call(parsed)

    s.call = call
    with pytest.raises(KeyboardInterrupt):       # the REPL and do-files print --Break-- r(1)
        s.run("local n 0\nwhile 1 {\nlocal ++n\ncapture boom\n}")
    assert s.macros.local("n") == "1" and s.rc == 1
    with pytest.raises(KeyboardInterrupt):
        s.run("forvalues i = 1/3 {\ncapture {\nboom\n}\ndi \"after `i'\"\n}")
    assert s.out.getvalue().count("after") == 1
