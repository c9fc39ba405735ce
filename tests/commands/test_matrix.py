"""`matrix define/list/dir/drop` and matrix expressions; the handout's `mat list` blocks."""
import numpy as np
import pytest

from session_helpers import hsb_after, hsb_session
from session_helpers import run_lines as run


@pytest.fixture(scope="module")
def handout():
    return hsb_after("qui mixed mathach || id:", "mat base=e(b)", "qui mixed mathach ses || id:",
                     "mat ses=e(b)")


def test_handout_mat_list_blocks(handout):
    rc, out = run(handout, "mat list base")
    assert out[:5] == ["", "base[1,3]", "      mathach:  lns1_1_1:   lnsig_e:",
                       "        _cons      _cons      _cons", out[4]]
    # values at the exact optimum: the last printed digit may differ from the handout's
    assert out[4].startswith("y1   12.63707  1.07316")
    rc, out = run(handout, "mat list ses")
    assert out[1:4] == ["ses[1,4]", "      mathach:   mathach:  lns1_1_1:   lnsig_e:",
                        "          ses      _cons      _cons      _cons"]
    assert out[4].startswith("y1  2.39149")


def test_mat_list_e_b_and_e_V(handout):
    rc, out = run(handout, "matrix list e(b)")
    assert out[1] == "e(b)[1,4]"
    rc, out = run(handout, "mat list e(V)")
    assert out[1] == "symmetric e(V)[4,4]"
    assert len(out[4].split()) == 2 and len(out[7].split()) == 5  # lower triangle


def test_literals_and_expressions():
    s = hsb_session(data=False)
    assert s.run("mat A = (1,2\\3,4)") == 0
    assert s.matrices["A"].values.tolist() == [[1, 2], [3, 4]]
    rc, out = run(s, "mat list A")
    assert out[1:] == ["A[2,2]", "    c1  c2", "r1   1   2", "r2   3   4", "", ""]
    s.run("matrix define B = A'*A + 2*I(2) - J(2,2,1)")
    assert s.matrices["B"].values.tolist() == [[11, 13], [13, 21]]
    s.run("mat C = (A + A')/2")
    assert s.matrices["C"].values.tolist() == [[1, 2.5], [2.5, 4]]
    s.run("mat D = -A[2,1..2]")
    assert s.matrices["D"].values.tolist() == [[-3, -4]]
    s.run("mat E = inv(A)*A")
    assert np.allclose(s.matrices["E"].values, np.eye(2))
    rc, out = run(s, "mat list C")
    assert out[1] == "symmetric C[2,2]"


def test_names_follow_stata_rules(handout):
    s = handout
    s.run("mat V = e(V)")
    s.run("mat W = V*2")
    assert s.matrices["W"].rownames == s.matrices["V"].rownames
    s.run("mat T = ses'")
    assert s.matrices["T"].rownames == ["mathach:ses", "mathach:_cons", "lns1_1_1:_cons",
                                        "lnsig_e:_cons"]
    assert s.matrices["T"].colnames == ["y1"]


def test_dir_and_drop():
    s = hsb_session(data=False)
    s.run("mat A = (1,2)")
    s.run("mat B = (1\\2\\3)")
    rc, out = run(s, "mat dir")
    assert "           B[3,1]" in out and "           A[1,2]" in out
    assert s.run("mat drop A") == 0 and "A" not in s.matrices
    rc, out = run(s, "mat list A")
    assert rc == 111 and out[0] == "matrix A not found"
    assert run(s, "mat drop nosuch")[0] == 111
    s.run("mat drop _all")
    assert s.matrices == {}


def test_errors():
    s = hsb_session(data=False)
    rc, out = run(s, "mat list e(b)")
    assert rc == 111 and out[0] == "matrix e(b) not found"
    assert run(s, "mat X = Y")[0] == 111
    assert run(s, "mat X = (1,2\\3)")[0] == 503
    s.run("mat A = (1,2)")
    assert run(s, "mat X = A*A")[0] == 503
    assert run(s, "mat X = A +")[0] == 198
    assert run(s, "mat frobnicate A")[0] == 321


def test_row_and_column_names():
    s = hsb_session(data=False)
    s.run("mat A = (1,2\\3,4)")
    assert s.run("mat rownames A = a b") == 0
    assert s.run("matrix colnames A = x:u x:v") == 0
    rc, out = run(s, "mat list A")
    assert out[1] == "A[2,2]" and out[4].split() == ["a", "1", "2"]
    assert s.matrices["A"].rownames == ["a", "b"]
    assert s.matrices["A"].colnames == ["x:u", "x:v"]
    assert run(s, "mat rownames A = a")[0] == 503


def test_joins():
    s = hsb_session(data=False)
    s.run("mat A = (1,2\\3,4)")
    s.run("mat rownames A = a b")
    assert s.run("mat B = A, A") == 0
    assert s.matrices["B"].values.tolist() == [[1, 2, 1, 2], [3, 4, 3, 4]]
    assert s.matrices["B"].rownames == ["a", "b"] and s.matrices["B"].colnames == ["c1", "c2", "c1", "c2"]
    assert s.run("mat C = A \\ (5,6)") == 0
    assert s.matrices["C"].values.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert s.matrices["C"].rownames == ["a", "b", "r1"]  # each piece keeps its names
    assert s.run("mat D = (1\\2\\3)") == 0 and s.matrices["D"].values.shape == (3, 1)
    assert run(s, "mat E = A, (1,2)")[0] == 503
