"""correlate and pwcorr: values against numpy/scipy (independent computations), the layout
of public Stata logs of pwcorr (`   0.8892*  1.0000 `, sig rows, blank separator rows), r()."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import pearsonr

from session_helpers import data_session as make_session
from session_helpers import run_trimmed as run


@pytest.fixture
def small():
    return make_session({
        "a": ("double", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.nan]),
        "b": ("double", [2.0, 1.0, 4.0, 3.0, 6.0, 5.0, 7.0]),
        "c": ("double", [5.0, 3.0, 4.0, 1.0, 2.0, 0.0, 1.0]),
    })


def test_correlate_layout_and_values(small):
    s, out = small
    assert run(s, out, "correlate a b c") == [
        "(obs=6)",
        "",
        "             |        a        b        c",
        "-------------+---------------------------",
        "           a |   1.0000",
        "           b |   0.8286   1.0000",
        "           c |  -0.8857  -0.4857   1.0000",
    ]
    x = np.array([s.data.column(v)[:6] for v in "abc"])
    want = np.corrcoef(x)
    assert s.r.matrices["C"].values == pytest.approx(want, rel=1e-12)
    assert s.r.scalars == {"N": 6.0, "rho": pytest.approx(want[1, 0], rel=1e-12)}


def test_covariance(small):
    s, out = small
    lines = run(s, out, "corr a b, cov")
    assert lines[-2:] == ["           a |      3.5", "           b |      2.9      3.5"]
    x = np.array([s.data.column(v)[:6] for v in "ab"])
    cov = np.cov(x)
    assert s.r.scalars["cov_12"] == pytest.approx(cov[0, 1], rel=1e-12)
    assert s.r.scalars["Var_1"] == pytest.approx(cov[0, 0], rel=1e-12)


def test_pwcorr_pairwise_sig_star(small):
    s, out = small
    lines = run(s, out, "pwcorr a b c, sig obs star(.05)")
    assert lines[2:8] == [
        "           a |   1.0000",
        "             |",
        "             |        6",
        "             |",
        "           b |   0.8286*  1.0000",
        "             |   0.0416",
    ]
    r, p = pearsonr(s.data.column("b"), s.data.column("c"))   # b, c: all 7 rows (pairwise)
    assert s.r.matrices["C"].values[2, 1] == pytest.approx(r, rel=1e-12)
    assert s.r.matrices["sig"].values[2, 1] == pytest.approx(p, rel=1e-9)
    assert s.r.matrices["Nobs"].values[2, 1] == 7
    r_ab, p_ab = pearsonr(s.data.column("a")[:6], s.data.column("b")[:6])
    assert s.r.matrices["sig"].values[1, 0] == pytest.approx(p_ab, rel=1e-9)
    assert run(s, out, "pwcorr a b c, bonferroni sig")[6] == \
        f"             |{min(1.0, 3 * p_ab):9.4f}"


def test_pwcorr_print_blanks_coefficients(small):
    s, out = small
    lines = run(s, out, "pwcorr a b, print(.01)")
    assert lines[-1] == "           b |            1.0000"


def test_refusals(small):
    s, out = small
    s.data.add("t", np.array(list("abcdefg"), dtype=object), "str1")
    assert run(s, out, "correlate a t", rc=109)[0] == "type mismatch"
    assert run(s, out, "correlate a b if a > 100", rc=2000)[0] == "no observations"
    assert run(s, out, "pwcorr a b, bonf sidak", rc=198)[0].startswith("bonferroni and sidak")


def test_no_variables():
    s, out = make_session({})
    assert s.run("set obs 3") == 0
    assert run(s, out, "correlate", rc=111) == ["no variables defined", "r(111);"]
    assert run(s, out, "pwcorr", rc=111) == ["no variables defined", "r(111);"]
