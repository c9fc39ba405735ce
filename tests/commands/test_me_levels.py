"""melogit & co. with several random-effects levels through the shell: nested
`|| id: || cls:` and crossed `|| _all: R.cls || id:` (layout, e(), predict, estat, errors).
The numbers are checked in tests/models/test_glmm_levels.py (lme4 and a dense-grid
integral); here the command level on the first 40 schools of the handout data, with a
made-up class level (cls = mod(_n, 4) within each school for nesting, and crossed with
the schools when used as `R.cls`)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import hsb_after, run_lines, state

SETUP = ("egen g = group(id)", "keep if g <= 40", "gen hi = mathach > 15",
         "gen cls = mod(_n, 4)")


@pytest.fixture(scope="module")
def s():
    return hsb_after(*SETUP)


def test_nested_layout_and_e(s):
    rc, lines = run_lines(s, "melogit hi ses || id: || cls:")
    assert rc == 0
    text = "\n".join(lines)
    assert " Group variable |     groups    Minimum    Average    Maximum" in lines
    assert any(ln.split() == ["id", "|", "40", "20", "44.6", "67"] for ln in lines)
    assert any(ln.split() == ["cls", "|", "160", "5", "11.2", "17"] for ln in lines)
    assert "id           |" in lines and "id>cls       |" in lines
    assert "Integration method: mvaghermite                 Integration pts.  =          7" \
        in lines
    assert "LR test vs. logistic model: chi2(2) =" in text
    e = s.estimates.active
    assert e.matrices["b"].colnames == ["hi:ses", "hi:_cons", "/:var(_cons[id])",
                                        "/:var(_cons[id>cls])"]
    assert e.macros["ivars"] == "id cls"
    assert e.matrices["N_g"].colnames == ["id", "cls"]
    assert list(e.matrices["N_g"].values[0]) == [40, 160]
    assert list(e.matrices["g_min"].values[0]) == [20, 5]
    assert e.scalars["k_r"] == 2 and e.scalars["df_c"] == 2
    assert e.scalars["converged"] == 1
    # replay shows the same tables
    rc, again = run_lines(s, "melogit")
    assert rc == 0 and "id>cls       |" in again


def test_nested_predict_and_estat(s):
    assert s.run("quietly melogit hi ses || id: || cls:") == 0
    rc, lines = run_lines(s, "predict u1 u2, reffects")
    assert rc == 0
    u1 = np.asarray(s.data.column("u1"))
    u2 = np.asarray(s.data.column("u2"))
    g = np.asarray(s.data.column("g"))
    cls = np.asarray(s.data.column("cls"))
    # constant within each school (u1) and each school-class pair (u2), and centred
    assert all(np.ptp(u1[g == k]) == 0 for k in range(1, 41))
    assert all(np.ptp(u2[(g == 3) & (cls == c)]) == 0 for c in range(4))
    assert abs(np.mean(np.unique(u1))) < 0.1
    assert s.data.var("u2").label == "empirical Bayes' means for _cons[id>cls]"
    rc, lines = run_lines(s, "predict m1 m2, reffects ebmodes")
    assert rc == 0
    m1 = np.asarray(s.data.column("m1"))
    assert np.corrcoef(m1, u1)[0, 1] > 0.99
    rc, lines = run_lines(s, "predict e1 e2, reses")
    assert rc == 0 and np.all(np.asarray(s.data.column("e1")) > 0)
    rc, lines = run_lines(s, "estat icc")
    assert rc == 0
    assert any(ln.split()[:2] == ["id", "|"] for ln in lines)
    assert any(ln.split()[:2] == ["cls|id", "|"] for ln in lines)
    r = s.r
    b = s.estimates.active.matrices["b"].values.ravel()
    tot = b[2] + b[3] + np.pi ** 2 / 3
    assert r.scalars["icc3"] == pytest.approx(b[2] / tot, rel=1e-10)
    assert r.scalars["icc2"] == pytest.approx((b[2] + b[3]) / tot, rel=1e-10)
    rc, lines = run_lines(s, "estat group")
    assert rc == 0 and any(ln.split()[:3] == ["cls", "|", "160"] for ln in lines)
    rc, lines = run_lines(s, "predict mu")
    assert rc == 0


def test_crossed_laplace_note_names_and_refusals(s):
    rc, lines = run_lines(s, "melogit hi ses || _all: R.cls || id:")
    assert rc == 0
    assert lines[0] == "note: crossed random-effects model specified; option " \
                       "intmethod(laplace) implied." or \
        "note: crossed random-effects model specified; option intmethod(laplace) implied." \
        in lines
    # Laplace: no points line (the me* header as Stata's _me_display.ado prints it)
    assert "Integration method: laplace" in lines
    assert any(ln.split() == ["_all", "|", "1", "1,785", "1,785.0", "1,785"] for ln in lines)
    assert "_all>cls     |" in lines and "id           |" in lines
    e = s.estimates.active
    assert e.matrices["b"].colnames[-2:] == ["/:var(_cons[_all>cls])", "/:var(_cons[id])"]
    assert e.macros["intmethod"] == "laplace"
    rc, lines = run_lines(s, "predict c1 c2, reffects")
    assert rc == 0
    c1 = np.asarray(s.data.column("c1"))
    cls = np.asarray(s.data.column("cls"))
    assert len(np.unique(c1)) == 4 and all(np.ptp(c1[cls == c]) == 0 for c in range(4))
    rc, lines = run_lines(s, "estat icc")
    assert rc == 321 and "crossed" in "\n".join(lines)


@pytest.mark.parametrize("cmd,code,message", [
    ("melogit hi ses || _all: R.cls || id:, intmethod(ghermite)", 198,
     "intmethod(ghermite) not allowed with crossed random effects"),
    ("melogit hi ses || id: ses female minority || cls: ses female, intp(9)", 909,
     "insufficient memory for the integration grid"),
    ("melogit hi ses || id: || cls:, intmethod(laplace) intpoints(3)", 198,
     "intpoints() not allowed"),
    ("melogit hi ses || id: || nosuch:", 111, "nosuch"),
])
def test_bad_input_leaves_state(cmd, code, message):
    s = hsb_after(*SETUP, "quietly logit hi ses")
    before, b = state(s), s.estimates.active
    rc, lines = run_lines(s, cmd)
    assert rc == code and message in "\n".join(lines)
    assert state(s) == before and s.estimates.active is b


def test_nonconvergence_is_r430_with_results_posted():
    s = hsb_after(*SETUP)
    rc, lines = run_lines(s, "melogit hi ses || id: || cls:, iterate(1)")
    assert rc == 430
    assert "convergence not achieved" in "\n".join(lines)
    assert s.estimates.active.scalars["converged"] == 0
