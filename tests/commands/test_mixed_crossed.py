"""`mixed ... || _all: R.a` (crossed effects): layout, e() and refusals on data/hsb.dta.
The numbers themselves are checked against lme4 in tests/models/test_crossed.py."""
from __future__ import annotations

import pytest

from session_helpers import execute_text, hsb_after, hsb_session

FIT = "mixed mathach ses || _all: R.minority || _all: R.sector || id:"


@pytest.fixture(scope="module")
def fitted():
    s = hsb_session()
    rc, text = execute_text(s, FIT)
    assert rc == 0, text
    return s, text


def test_layout(fitted):
    s, text = fitted
    lines = text.splitlines()
    # the group table: _all once (one level with two equations), then id
    rows = [ln for ln in lines if ln.strip().startswith(("_all |", "id |"))]
    assert [r.split("|")[0].strip() for r in rows] == ["_all", "id"]
    assert rows[0].split("|")[1].split() == ["1", "7,185", "7,185.0", "7,185"]
    titles = [ln.split("|")[0].rstrip() for ln in lines if ln.endswith("|") and ":" in ln]
    assert titles == ["_all: Identity", "_all: Identity", "id: Identity"]
    labels = [ln.split("|")[0].strip() for ln in lines if ln.lstrip().startswith("var(")]
    assert labels == ["var(R.minority)", "var(R.sector)", "var(_cons)", "var(Residual)"]


def test_ereturn(fitted):
    s, _ = fitted
    res = s.estimates.active
    assert res.matrices["b"].colnames[2:] == ["lns1_1_1:_cons", "lns1_2_1:_cons", "lns2_1_1:_cons",
                                          "lnsig_e:_cons"]
    assert res.matrices["N_g"].colnames == ["_all", "id"]
    assert res.macros["revars"] == "R.minority R.sector _cons"
    assert res.macros["ivars"] == "_all _all id"


@pytest.mark.parametrize("cmd, rc, msg", [
    ("mixed mathach ses || _all: R.ses", 452, "factor variables may not contain noninteger values"),
    ("mixed mathach ses || _all: R.sector, cov(un)", 198, "only covariance(identity)"),
    ("mixed mathach ses || _all: R.sector R.id", 198, "may not be combined"),
    ("mixed mathach ses || _all: R.sector || id:, vce(robust)", 198, "option vce() not allowed"),
    ("mixed mathach ses || _all: R.nosuch", 111, "variable nosuch not found"),
])
def test_refusals(cmd, rc, msg):
    s = hsb_session()
    got, text = execute_text(s, cmd)
    assert got == rc and msg in text


def test_predict_after_crossed():
    s = hsb_after("qui mixed mathach ses || _all: R.sector || id:")
    assert execute_text(s, "predict xb1, xb")[0] == 0
    rc, text = execute_text(s, "predict u*, reffects")
    assert rc == 0 and s.data.names[-2:] == ["u1", "u2"]
    # u1 (R.sector) is constant within sector, u2 (id) within id
    import numpy as np
    sec, u1 = s.data.column("sector"), s.data.column("u1")
    assert all(np.ptp(u1[sec == v]) == 0 for v in np.unique(sec))
    assert execute_text(s, "predict f, fitted")[0] == 0
    rc, text = execute_text(s, "predict e*, reffects reses(s*)")
    assert rc == 0 and s.data.names[-2:] == ["s1", "s2"]
    rc, text = execute_text(s, "predict sc*, scores")
    assert rc == 198
