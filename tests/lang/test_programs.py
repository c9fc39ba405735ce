"""User programs ([P] program, args, syntax, return, ereturn) and do-file arguments."""
import io

import numpy as np
import pytest

from hlmshell.session import Session


def run(text: str, s: Session | None = None) -> tuple[Session, str, int]:
    s = s or Session(out=io.StringIO())
    rc = s.run(text)
    return s, s.out.getvalue(), rc


PROG = """program define mysum, rclass
    syntax varlist(numeric) [if] [in] [, Detail Scale(real 1)]
    marksample touse
    quietly summarize `varlist' if `touse'
    return scalar m = r(mean)*`scale'
    return local vars "`varlist'"
    di "detail=`detail' scale=`scale'"
end
"""


def test_rclass_program_with_syntax_and_marksample():
    s, out, rc = run("use hsb.dta, clear\n" + PROG + "mysum ses if sector==1, scale(2) d")
    assert rc == 0, out
    ses, sector = s.data.column("ses"), s.data.column("sector")
    # reference: the mean computed directly with numpy (exact to 1e-12 relative)
    assert s.r.scalars["m"] == pytest.approx(2 * ses[sector == 1].mean(), rel=1e-12)
    assert s.r.macros["vars"] == "ses"
    assert "detail=detail scale=2" in out
    assert not any(n.startswith("__") for n in s.data.names)    # the marker is dropped


@pytest.mark.parametrize("call, code", [
    ("mysum nosuch", 111), ("mysum", 100), ("mysum ses, nosuch", 198),
    ("mysum ses, scale(x)", 198), ("mysum ses in 1/99999", 198),
])
def test_syntax_errors(call, code):
    s, out, rc = run("use hsb.dta, clear\n" + PROG + call)
    assert rc == code, out
    assert out.count(f"r({code});") == 1


def test_args_and_positional_macros():
    s, out, rc = run('program define two\nargs a b\ndi `"`a\'|`b\'|`0\'|`1\'"\'\nend\ntwo x "y z"')
    assert rc == 0 and 'x|y z|x "y z"|x' in out


def test_a_failed_program_is_undone_and_reported_once():
    # a program is one command to its caller: what it did before the error is undone (the
    # house rule for failed commands; Stata itself would keep the new variable)
    s, out, rc = run("set obs 2\nglobal m kept\nprogram define p\ngen a = 1\nglobal m x\n"
                     "di nosuch\nend\np")
    assert rc == 111 and out.count("r(111);") == 1 and out.count("nosuch not found") == 1
    assert "a" not in s.data.names and s.macros.globals["m"] == "kept"


def test_capture_program():
    s, out, rc = run("program define p\ndi nosuch\nend\ncapture p\ndi _rc")
    assert rc == 0 and "nosuch not found" not in out and "111" in out


def test_program_drop_list_and_redefine():
    s, out, rc = run("program define p\ndi 1\nend\nprogram define p\ndi 2\nend")
    assert rc == 110
    s, out, rc = run("program define p\ndi 1\nend\nprogram list p\nprogram drop p\ncapture program drop p\np")
    assert rc == 199 and "p:" in out


def test_recursion_and_its_limit():
    text = ("program define down\nargs n\nif `n' > 0 {\ndown `=`n'-1'\n}\nelse di \"bottom\"\nend\n")
    s, out, rc = run(text + "down 10")
    assert rc == 0 and "bottom" in out
    s, out, rc = run(text + "down 1000")
    assert rc == 1000 and "nested too deeply" in out


def test_exit_ends_only_the_program():
    s, out, rc = run('program define p\ndi "a"\nexit\ndi "b"\nend\np\ndi "after"')
    assert rc == 0 and "a" in out and "b\n" not in out and "after" in out


def test_program_locals_are_private():
    s, out, rc = run('local x outer\nprogram define p\nlocal x inner\nend\np\ndi "`x\'"')
    assert rc == 0 and out.strip().endswith("outer")


def test_eclass_program_posts_results_for_estimates_and_postestimation():
    text = ("program define myest, eclass\n"
            "matrix b = (1, 2)\nmatrix colnames b = x _cons\n"
            "matrix V = (0.25, 0 \\ 0, 1)\nmatrix colnames V = x _cons\nmatrix rownames V = x _cons\n"
            "ereturn post b V, obs(10)\nereturn local cmd myest\nereturn scalar ll = -3\nend\n"
            "myest\nestimates store m1\nereturn list")
    s, out, rc = run(text)
    assert rc == 0, out
    res = s.estimates.active
    assert res.cmd == "myest" and res.scalars["N"] == 10 and res.scalars["ll"] == -3
    assert np.allclose(res.matrices["V"].values, [[0.25, 0], [0, 1]])
    assert "m1" in s.estimates.stored


def test_non_rclass_program_may_not_return():
    s, out, rc = run("program define p\nreturn scalar a = 1\nend\np")
    assert rc == 151


def test_do_file_arguments(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "args.do").write_text('di `"`1\'-`2\'-`0\'"\'\n')
    s, out, rc = run('do args.do first "sec ond"')
    assert rc == 0 and 'first-sec ond-first "sec ond"' in out


def test_tempvar_tempname_dropped_at_the_end():
    text = ("set obs 3\nprogram define p\ntempvar t\ntempname m\ngen `t' = 1\n"
            "scalar `m' = 5\ndi `m'\nend\np")
    s, out, rc = run(text)
    assert rc == 0 and s.data.names == [] and not s.scalars
