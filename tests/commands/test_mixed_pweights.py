"""`mixed ... [pw=w] || id:, pweight(wj) pwscale()`: robust VCE forced, e() and bad input on
data/hsb.dta. The pseudo-likelihood numbers are checked in tests/models/test_pweights.py."""
from __future__ import annotations

import pytest

from session_helpers import execute_text, hsb_after

SETUP = ("gen one = 1", "egen gid = group(id)", "gen wj = 1 + mod(gid, 3)",
         "gen w1 = 1 + mod(_n, 4)/2", "gen neg = w1 - 2", "gen wv = w1")


@pytest.fixture()
def s():
    return hsb_after(*SETUP)


def test_unit_weights_are_the_robust_fit(s):
    rc, robust = execute_text(s, "mixed mathach ses || id:, vce(robust)")
    assert rc == 0
    b_rob = s.estimates.active.matrices["V"].values.copy()
    rc, text = execute_text(s, "mixed mathach ses [pw=one] || id:, pweight(one)")
    assert rc == 0
    res = s.estimates.active
    assert abs(res.matrices["V"].values - b_rob).max() < 1e-6 * abs(b_rob).max()
    assert "Log pseudolikelihood" in text and "Robust" in text
    assert "(Std. err. adjusted for 160 clusters in id)" in text
    assert res.macros["wtype"] == "pweight" and res.macros["vcetype"] == "Robust"
    assert res.scalars["N"] == 7185 and "chi2_c" not in res.scalars


def test_three_levels(s):
    rc, text = execute_text(s, "mixed mathach ses [pw=w1] || sector: || id:, pweight(wj)")
    assert rc == 0, text
    assert "(Std. err. adjusted for 2 clusters in sector)" in text


def test_scaled_weights(s):
    rc, text = execute_text(s, "mixed mathach ses [pw=w1] || id:, pweight(wj) pwscale(size)")
    assert rc == 0, text
    assert s.estimates.active.scalars["N"] == 7185
    rc, _ = execute_text(s, "mixed mathach ses [pw=w1] || id:, pwscale(eff)")
    assert rc == 0 and s.estimates.active.macros["pwscale"] == "effective"


def test_gk_is_group_weights_of_mean_products(s):
    """pwscale(gk) ([ME] mixed help; RescaleWeights in _xtmixed_estimate.ado): the same fit
    as level-one weights 1 and group weights mean_j(w_i|j * w_j), computed here by egen."""
    rc, text = execute_text(s, "mixed mathach ses [pw=w1] || id:, pweight(wj) pwscale(gk)")
    assert rc == 0, text
    gk = s.estimates.active
    assert gk.macros["pwscale"] == "gk"
    for cmd in ("gen double prod = w1 * wj", "egen double gkw = mean(prod), by(id)"):
        assert s.run(cmd) == 0
    assert execute_text(s, "mixed mathach ses [pw=one] || id:, pweight(gkw)")[0] == 0
    ref = s.estimates.active
    assert gk.matrices["b"].values == pytest.approx(ref.matrices["b"].values, rel=1e-10)
    assert gk.matrices["V"].values == pytest.approx(ref.matrices["V"].values, rel=1e-8)
    assert gk.scalars["ll"] == pytest.approx(ref.scalars["ll"], rel=1e-12)


@pytest.mark.parametrize("cmd, rc, msg", [
    ("mixed mathach ses [pw=neg] || id:", 402, "negative weights encountered"),
    ("mixed mathach ses || id:, pweight(w1)", 459, "w1 is not constant within id"),
    ("mixed mathach ses [pw=w1] || id:, pwscale(foo)", 198, "invalid pscale()"),
    ("mixed mathach ses [pw=w1] || id:, pwscale(e)", 198, "invalid pscale()"),
    ("mixed mathach ses || id:, pwscale(size)", 198, "pwscale() allowed only with pweights"),
    ("mixed mathach ses || id:, pweight(wj) pwscale(gk)", 198,
     "pwscale() allowed only with pweights"),
    ("mixed mathach ses [pw=w1] || id:, reml", 101, "REML not supported with weights"),
    ("mixed mathach ses [pw=w1] || sector: || id:, pwscale(size)", 198,
     "pwscale() allowed only with two-level models"),
    ("mixed mathach ses [pw=w1] || _all: R.sector", 198, "not supported with crossed effects"),
    ("mixed mathach ses [pw=w1] || id:, dfmethod(resid)", 198, "not allowed with sampling weights"),
    ("mixed mathach ses [aw=w1] || id:", 101, "aweights not allowed"),
])
def test_bad_input(s, cmd, rc, msg):
    before = s.estimates.active
    got, text = execute_text(s, cmd)
    assert got == rc and msg in text, text
    assert s.estimates.active is before


def test_weight_expressions(s):
    """[pw=exp] and pweight(exp) take expressions, as Stata's syntax has them."""
    assert execute_text(s, "gen w2 = 2*w1")[0] == 0
    assert execute_text(s, "gen wj3 = 3*wj")[0] == 0
    assert execute_text(s, "qui mixed mathach ses [pw=w2] || id:, pweight(wj3)")[0] == 0
    ll = s.estimates.active.scalars["ll"]
    rc, text = execute_text(s, "qui mixed mathach ses [pw=2*w1] || id:, pweight(wj*3)")
    assert rc == 0, text
    res = s.estimates.active
    assert res.scalars["ll"] == pytest.approx(ll, rel=1e-12)
    assert res.macros["wexp"] == "= 2*w1"
    for bad in ("[pw=2*] || id:", "|| id:, pweight(w1+)"):
        assert execute_text(s, f"mixed mathach ses {bad}")[0] == 198
