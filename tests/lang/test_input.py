"""input ([D] input): data lines up to `end`, from a do-file, in a loop body and in the REPL's
block reading. Layout as the manual's example (numbered lines, the names right-aligned in 11
columns after 3 blanks)."""
from __future__ import annotations

import numpy as np

from hlmshell.lang.blocks import open_block
from session_helpers import hsb_session, run_lines, state


def session():
    s = hsb_session(data=False)
    run_lines(s, "clear")
    return s


def test_new_dataset_and_echo():
    s = session()
    rc, lines = run_lines(s, "input acc_rate spdlimit\n4.58 55\n2.86 60\n1.61 .\nend")
    assert rc == 0
    assert lines[:6] == ["", "      acc_rate   spdlimit",
                         "  1. 4.58 55", "  2. 2.86 60", "  3. 1.61 .", "  4. end"]
    np.testing.assert_allclose(s.data.column("acc_rate"), np.float32([4.58, 2.86, 1.61]))
    assert np.isnan(s.data.column("spdlimit")[2]) and s.data.var("spdlimit").stype == "float"


def test_types_strings_new_variables_fill_existing_rows():
    s = session()
    run_lines(s, "input x\n1\n2\nend")
    rc, _ = run_lines(s, 'input str10 name int (a b)\n"Joe Smith" 25 3\nAnn 31 4\nend')
    assert rc == 0
    assert list(s.data.column("name")) == ["Joe Smith", "Ann"]
    assert s.data.var("a").stype == "int" and list(s.data.column("b")) == [3, 4]
    run_lines(s, "input x\n7\nend")                  # x exists: a new observation
    assert s.data.nobs == 3 and s.data.column("x")[2] == 7


def test_in_a_loop_lines_are_expanded():
    s = session()
    rc, _ = run_lines(s, "forvalues i = 1/2 {\n clear\n input z\n `i'\n 10\n end\n}")
    assert rc == 0 and list(s.data.column("z")) == [2, 10]


def test_bad_lines_change_nothing():
    s = session()
    run_lines(s, "input x\n1\nend")
    before = state(s)
    assert run_lines(s, "input y\nabc\nend")[0] == 198
    assert run_lines(s, "input y w\n1\nend")[0] == 198
    assert state(s) == before
    run_lines(s, "clear")
    assert run_lines(s, "input\nend")[0] == 104


def test_repl_keeps_reading_until_end():
    assert open_block("input x y\n1 2")
    assert not open_block("input x y\n1 2\nend")
