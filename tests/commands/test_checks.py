"""preserve/restore, levelsof, assert, confirm, return/ereturn clear, c(seed) round trip.
Expected texts are Stata's as [P]/[D] describe them (see the notes where unconfirmed)."""
from __future__ import annotations

import pytest

from hlmshell.commands.preserve import restore_if_preserved
from session_helpers import data_session, run_lines


@pytest.fixture
def s():
    session, _ = data_session({"x": ("float", [1.0, 2.0, 2.0, float("nan"), 0.5]),
                               "g": ("str3", ["b", "a", "b", "", "a b"])})
    return session


def test_preserve_restore_and_its_errors(s):
    assert s.run("preserve") == 0 and s.preserved is not None
    assert run_lines(s, "preserve")[1][:2] == ["already preserved", "r(621);"]
    assert s.run("drop in 1/3") == 0 and s.data.nobs == 2
    assert s.run("restore, preserve") == 0 and s.data.nobs == 5 and s.preserved is not None
    assert s.run("drop in 1") == 0 and s.run("restore") == 0 and s.data.nobs == 5
    assert s.preserved is None
    assert run_lines(s, "restore")[1][:2] == ["nothing to restore", "r(622);"]
    assert s.run("preserve") == 0 and s.run("drop _all") == 0
    assert s.run("restore, not") == 0 and s.data.nobs == 0 and s.preserved is None


def test_restore_if_preserved_puts_back_the_frames_of_a_program(s):
    from hlmshell.lang.programs import Frame
    s.lang.frames.append(Frame(None))       # as inside a program or do-file
    assert s.run("preserve") == 0 and s.run("drop in 1/4") == 0
    assert restore_if_preserved(s, 1) and s.data.nobs == 5 and s.preserved is None
    assert not restore_if_preserved(s, 1)


def test_a_program_that_preserved_restores_when_it_ends(s):
    text = "program define p\npreserve\ndrop in 1/4\ndi _N\nend\np\ndi _N"
    assert s.run(text) == 0 and s.data.nobs == 5 and s.preserved is None
    text = "program define q\npreserve\ndrop in 1/4\nerror 198\nend\nq"
    assert s.run(text) == 198 and s.data.nobs == 5


def test_levelsof_numeric_string_and_returns(s):
    rc, lines = run_lines(s, "levelsof x")
    assert rc == 0 and lines[0] == ".5 1 2"
    assert s.r.scalars == {"N": 4.0, "r": 3.0} and s.r.macros["levels"] == ".5 1 2"
    assert run_lines(s, "levelsof x, missing sep(,)")[1][0] == ".5,1,2,."
    assert run_lines(s, "levelsof g")[1][0] == '`"a"\' `"a b"\' `"b"\''
    # x > 1 holds where x is missing too: g is a, b and "" (missing, left out) there
    assert run_lines(s, "levelsof g if x > 1, clean local(lv)")[1][0] == "a b"
    assert s.macros.local("lv") == "a b" and s.r.scalars == {"N": 2.0, "r": 2.0}
    assert run_lines(s, "levelsof x if x > 5")[1][:2] == ["no observations", "r(2000);"]
    assert run_lines(s, "levelsof x, matcell(A)")[1][0] == "option matcell() not allowed"


def test_levelsof_shows_a_float_level_at_full_precision():
    session, _ = data_session({"v": ("float", [0.1, 0.1])})
    # the double the float holds, not ".1" (%18.0g; Stata's exact digits here unconfirmed)
    assert run_lines(session, "levelsof v")[1][0].startswith(".100000001490116")


def test_assert_counts_contradictions(s):
    assert s.run("assert x != 7") == 0 and run_lines(s, "assert x < 3")[0] == 9
    rc, lines = run_lines(s, "assert x > 1")
    assert rc == 9 and lines[:2] == ["2 contradictions in 5 observations", "assertion is false"]
    assert run_lines(s, "assert x > 1.5 in 1")[1][0] == "1 contradiction in 1 observation"
    assert run_lines(s, "assert x > 1, fast")[1][0] == "assertion is false"
    assert s.run("assert x > 1, rc0") == 0
    assert run_lines(s, "assert x > 1 if x > 9 & x < ., null")[0] == 8
    assert run_lines(s, "assert g")[0] == 109
    assert run_lines(s, "assert nosuch")[0] == 111
    assert run_lines(s, "assert x >")[0] == 198


@pytest.mark.parametrize("line, code, message", [
    ("confirm variable nosuch", 111, "variable nosuch not found"),
    ("confirm new variable x", 110, "variable x already defined"),
    ("confirm new variable 1x", 198, "1x invalid name"),
    ("confirm numeric variable g", 7, "'g' found where numeric variable expected"),
    ("confirm string variable x", 7, "'x' found where string variable expected"),
    ("confirm number 1x", 7, "'1x' found where number expected"),
    ("confirm integer number 2.5", 7, "'2.5' found where integer expected"),
    ("confirm file no/such/file.dta", 601, "file no/such/file.dta not found"),
    ("confirm matrix A", 111, "matrix A not found"),
    ("confirm scalar k", 111, "scalar k not found"),
    ("confirm names a 1b", 7, "1b invalid name"),
    ("confirm", 198, "invalid syntax"),
])
def test_confirm_failures(s, line, code, message):
    rc, lines = run_lines(s, line)
    assert (rc, lines[0]) == (code, message)


@pytest.mark.parametrize("line", ["confirm variable x g", "confirm var x", "confirm new var z",
                                  "confirm numeric variable x", "confirm str var g",
                                  "confirm number -1.5e3", "confirm integer number 4",
                                  "confirm names a _b1", "confirm format %9.2f"])
def test_confirm_passes(s, line):
    assert s.run(line) == 0


def test_confirm_new_file(s, tmp_path):
    f = tmp_path / "a.dta"
    assert s.run(f'confirm new file "{f}"') == 0
    f.write_text("x")
    assert run_lines(s, f'confirm new file "{f}"')[0] == 602
    assert s.run(f'confirm file "{f}"') == 0


def test_return_and_ereturn_clear(s):
    assert s.run("summarize x") == 0 and s.r.scalars
    assert s.run("return clear") == 0 and not s.r.scalars
    assert s.run("ereturn clear") == 0 and s.estimates.active is None
    assert s.run("sreturn list") == 0


def test_c_seed_round_trips_through_set_seed(s):
    from hlmshell.dataset.evaluate import c_value
    assert s.run("set seed 5") == 0
    state = c_value("seed", s)
    first = s.rng.random(3)
    assert s.run(f"set seed {state}") == 0
    assert (s.rng.random(3) == first).all()
    assert c_value("maxvar", s) == 5000.0 and c_value("stata_version", s) == 17.0


def test_creturn_list_shows_the_c_values(s):
    rc, lines = run_lines(s, "creturn list")
    assert rc == 0
    assert f"{'c(N)':>22} = 5" in lines and f"{'c(k)':>22} = 2" in lines
    assert any(l.startswith(f"{'c(seed)':>22} = \"X") for l in lines)
    assert run_lines(s, "creturn foo")[0] == 198
