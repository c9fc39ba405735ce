"""`mixed` with crossed effects and random slopes or nested levels (models/crossed_general.py):
layout, e(), predict and refusals on data/hsb.dta. The numbers are checked against lme4 in
tests/models/test_crossed_general.py."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import execute_text, hsb_after, hsb_session

FIT = "mixed mathach ses || _all: R.minority || id: ses, cov(un)"


@pytest.fixture(scope="module")
def fitted():
    s = hsb_session()
    rc, text = execute_text(s, FIT)
    assert rc == 0, text
    return s, text


def test_layout(fitted):
    s, text = fitted
    lines = text.splitlines()
    rows = [ln for ln in lines if ln.strip().startswith(("_all |", "id |"))]
    assert [r.split("|")[0].strip() for r in rows] == ["_all", "id"]
    assert rows[1].split("|")[1].split() == ["160", "14", "44.9", "67"]
    titles = [ln.split("|")[0].rstrip() for ln in lines if ln.endswith("|") and ":" in ln]
    assert titles == ["_all: Identity", "id: Unstructured"]
    labels = [ln.split("|")[0].strip() for ln in lines
              if ln.lstrip().startswith(("var(", "cov("))]
    assert labels == ["var(R.minority)", "var(ses)", "var(_cons)", "cov(ses,_cons)",
                      "var(Residual)"]
    assert any(ln.startswith("LR test vs. linear model: chi2(4) =") for ln in lines)


def test_ereturn(fitted):
    s, _ = fitted
    res = s.estimates.active
    assert res.matrices["b"].colnames[2:] == ["lns1_1_1:_cons", "lns2_1_1:_cons",
                                          "lns2_1_2:_cons", "atr2_1_1_2:_cons",
                                          "lnsig_e:_cons"]
    assert res.macros["revars"] == "R.minority ses _cons"
    assert res.macros["vartypes"] == "Identity Unstructured"
    assert res.matrices["N_g"].colnames == ["_all", "id"]
    # the variance estimates in e(b) are those the table shows
    b = dict(zip(res.matrices["b"].colnames, res.matrices["b"].values[0]))
    S = res.model.levels[1].Sigma
    assert np.exp(2 * b["lns2_1_1:_cons"]) == pytest.approx(S[0, 0], rel=1e-10)


def test_predict(fitted):
    s, _ = fitted
    assert execute_text(s, "predict u*, reffects reses(se*)")[0] == 0
    assert s.data.names[-6:] == ["u1", "u2", "u3", "se1", "se2", "se3"]
    assert s.data.vars["u2"].label == "BLUP r.e. for id: ses"
    mino, u1 = s.data.column("minority"), s.data.column("u1")
    assert all(np.ptp(u1[mino == v]) == 0 for v in np.unique(mino))
    ids, u3 = s.data.column("id"), s.data.column("u3")
    assert np.ptp(u3[ids == ids[0]]) == 0
    assert (s.data.column("se2") > 0).all()
    assert execute_text(s, "predict f, fitted")[0] == 0
    assert execute_text(s, "predict xb0, xb")[0] == 0
    c = s.data.column
    np.testing.assert_allclose(c("f"), c("xb0") + c("u1") + c("ses") * c("u2") + c("u3"),
                               rtol=1e-6, atol=1e-5)   # float storage of the predictions
    rc, text = execute_text(s, "estat recovariance")
    assert rc == 0 and "level id" in text and "level _all" in text


def test_several_all_equations_and_nesting():
    s = hsb_after("gen grp = mod(_n, 7)")
    rc, text = execute_text(s, "mixed mathach ses || _all: R.grp || _all: ses, nocons "
                               "|| sector: || id:, nolog")
    assert rc == 0, text
    names = s.estimates.active.matrices["b"].colnames[2:]
    assert names == ["lns1_1_1:_cons", "lns1_2_1:_cons", "lns2_1_1:_cons", "lns3_1_1:_cons",
                     "lnsig_e:_cons"]
    groups = [ln.split("|")[0].strip() for ln in text.splitlines()
              if ln.strip().startswith(("_all |", "id |", "sector |"))]
    assert groups == ["_all", "sector", "id"]


@pytest.mark.parametrize("cmd, rc, msg", [
    ("mixed mathach ses || id: ses || _all: R.sector", 198, "must come before the nested"),
    ("mixed mathach ses || _all: ses || _all: female", 198, "repeated level variable _all"),
    ("mixed mathach ses || _all: R.sector || id: ses, vce(cluster id)", 198,
     "option vce() not allowed"),
    ("mixed mathach ses || _all: R.minority || id: ses, pwscale(size)", 198, "pwscale"),
    ("mixed mathach ses || _all: R.minority, pweight(id)", 198, "sampling weights are not "
     "supported with crossed effects"),
])
def test_refusals_leave_state(cmd, rc, msg):
    s = hsb_after("qui mixed mathach ses || id:")
    before = s.estimates.active
    got, text = execute_text(s, cmd)
    assert got == rc and msg in text
    assert s.estimates.active is before


def test_estat_after_crossed(fitted):
    s, _ = fitted
    rc, text = execute_text(s, "estat icc")
    assert rc == 321 and "not allowed after crossed-effects models" in text
    # within the first id group: rows of the same minority share var(R.minority) as well
    rc, text = execute_text(s, "estat wcorrelation, covariance")
    assert rc == 0, text
    V = s.r.matrices["Cov"].values
    res = s.estimates.active.model
    d = res._state["design"]
    idx = d.rows[d.levels[-1].group == d.levels[-1].group[0]]
    mino, ses = s.data.column("minority")[idx], s.data.column("ses")[idx]
    va, S, s2 = res.levels[0].Sigma[0, 0], res.levels[1].Sigma, res.sigma2
    Z = np.column_stack([ses, np.ones(len(idx))])
    want = va * (mino[:, None] == mino[None, :]) + Z @ S @ Z.T + s2 * np.eye(len(idx))
    np.testing.assert_allclose(V, want, rtol=1e-10)


def test_factor_within_a_level_equals_pair_groups():
    """`|| id: R.minority` (indicators of minority within each school, one variance) is the
    random intercept of the (id, minority) pairs: same likelihood, variance and BLUPs."""
    s = hsb_after("egen pair = group(id minority)")
    rc, text = execute_text(s, "mixed mathach ses || id: R.minority, nolog")
    assert rc == 0, text
    assert "id: Identity" in text and "var(R.minority)" in text
    r1 = s.estimates.active
    assert r1.matrices["N_g"].colnames == ["id"] and r1.matrices["b"].colnames[2] == "lns1_1_1:_cons"
    assert execute_text(s, "predict u1, reffects")[0] == 0
    assert execute_text(s, "mixed mathach ses || pair:, nolog")[0] == 0
    r2 = s.estimates.active
    assert r1.scalars["ll"] == pytest.approx(r2.scalars["ll"], abs=1e-6)
    assert r1.model.levels[0].Sigma[0, 0] == pytest.approx(r2.model.levels[0].Sigma[0, 0], rel=1e-5)
    assert execute_text(s, "predict u2, reffects")[0] == 0
    np.testing.assert_allclose(s.data.column("u1"), s.data.column("u2"), rtol=1e-4, atol=1e-5)


def test_factor_within_an_outer_level_with_nested_slopes():
    s = hsb_session()
    rc, text = execute_text(s, "mixed mathach ses || sector: R.minority || id: ses, nolog")
    assert rc == 0, text
    groups = [ln.split("|")[0].strip() for ln in text.splitlines()
              if ln.strip().startswith(("sector |", "id |"))]
    assert groups == ["sector", "id"]
    assert s.estimates.active.matrices["b"].colnames[2:5] == ["lns1_1_1:_cons", "lns2_1_1:_cons",
                                                          "lns2_1_2:_cons"]


def test_dfmethod_after_crossed():
    s = hsb_session()
    rc, text = execute_text(s, "mixed mathach ses || _all: R.minority || id: ses, reml "
                               "dfmethod(kroger) nolog")
    assert rc == 0, text
    assert "Kenward" in text and "DF" in text
    res = s.estimates.active
    assert res.macros.get("dfmethod") == "kroger"
    assert 0 < res.scalars["df_min"] <= res.scalars["df_max"] < 7185
    rc, text = execute_text(s, "mixed mathach ses || _all: R.minority || id: ses, "
                               "dfmethod(residual) nolog")
    assert rc == 0 and s.estimates.active.scalars["df_max"] == 7185 - 2
