"""`estat sd` after mixed and melogit ([ME] estat sd; _xtme_estat.ado's SD). r(b) and r(V)
are checked against a hand delta method: after mixed from e(b), e(V) in Stata's estimation
metric (sd = exp(lns), corr = tanh(atr), so J = diag(sd, sd, 1 - r^2, sd_e)), 1e-5
relative; after melogit by finite differences of sqrt(var) and cov/sqrt(var var) over
e(b), 1e-6 relative."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import execute_text, hsb_after


@pytest.fixture(scope="module")
def s():
    return hsb_after()


def test_after_mixed_delta_method_by_hand(s):
    assert execute_text(s, "mixed mathach ses || id: ses, cov(un) nolog")[0] == 0
    e = s.estimates.active
    b, V = e.matrices["b"].values[0], e.matrices["V"].values
    rc, text = execute_text(s, "estat sd")
    assert rc == 0 and "sd(ses)" in text and "corr(ses,_cons)" in text
    assert "Coefficient" not in text            # the random-effects table alone
    r = s.r
    assert r.matrices["b"].colnames[2:] == ["id:sd(ses)", "id:sd(_cons)",
                                            "id:corr(ses,_cons)", "Residual:sd(e)"]
    th = b[2:]                                  # lns1_1_1 lns1_1_2 atr1_1_1_2 lnsig_e
    want = np.array([np.exp(th[0]), np.exp(th[1]), np.tanh(th[2]), np.exp(th[3])])
    assert r.matrices["b"].values[0, 2:] == pytest.approx(want, rel=1e-8)
    J = np.diag([want[0], want[1], 1 - want[2] ** 2, want[3]])
    assert r.matrices["V"].values[2:, 2:] == pytest.approx(J @ V[2:, 2:] @ J, rel=1e-5,
                                                           abs=1e-9)
    assert r.matrices["V"].values[:2, :2] == pytest.approx(V[:2, :2], rel=1e-12)
    assert r.scalars["level"] == 95 and r.matrices["table"].values.shape == (9, 6)
    rc, text = execute_text(s, "estat sd, verbose level(90)")
    assert rc == 0 and "Coefficient" in text and "[90% conf. interval]" in text


def test_after_melogit():
    s = hsb_after("egen gid = group(id)", "keep if gid <= 40")     # 40 schools: fast
    assert execute_text(s, "melogit minority ses || id: ses, cov(un) intm(laplace)")[0] == 0
    e = s.estimates.active
    b, V = e.matrices["b"].values[0], e.matrices["V"].values
    rc, text = execute_text(s, "estat sd")
    assert rc == 0 and "sd(_cons)" in text
    f = lambda x: np.array([np.sqrt(x[2]), np.sqrt(x[3]), x[4] / np.sqrt(x[2] * x[3])])
    J = np.zeros((3, 5))
    for j in range(5):
        h = 1e-6 * max(abs(b[j]), 1e-3)
        up, dn = b.copy(), b.copy()
        up[j] += h
        dn[j] -= h
        J[:, j] = (f(up) - f(dn)) / (2 * h)
    r = s.r
    assert r.matrices["b"].values[0, 2:] == pytest.approx(f(b), rel=1e-12)
    assert r.matrices["V"].values[2:, 2:] == pytest.approx(J @ V @ J.T, rel=1e-6)


def test_post_makes_the_sd_parameters_the_active_results(s):
    assert execute_text(s, "mixed mathach ses || id: ses, cov(un) nolog")[0] == 0
    assert execute_text(s, "estat sd")[0] == 0
    b, V = s.r.matrices["b"].values.copy(), s.r.matrices["V"].values.copy()
    rc, text = execute_text(s, "estat sd, post")
    assert rc == 0 and "Residual     |" in text and "        sd(e)|" in text
    e = s.estimates.active
    assert e.cmd == "estat sd" and e.macros == {"cmd": "estat sd", "properties": "b V"}
    assert (e.matrices["b"].values == b).all() and (e.matrices["V"].values == V).all()
    rc, text = execute_text(s, "lincom _b[id:sd(ses)] - 0.5")
    assert rc == 0 and f"{b[0, 2] - 0.5:.6f}"[1:6] in text       # `.1311278`
    assert execute_text(s, "estimates replay")[1].count("sd(_cons)|") == 1


@pytest.mark.parametrize("opt, msg", [("variance", "option variance not allowed"),
                                      ("coeflegend", "option coeflegend not allowed")])
def test_refusals(s, opt, msg):
    assert execute_text(s, "mixed mathach ses || id:, nolog")[0] == 0
    assert execute_text(s, "estat sd")[0] == 0
    before = s.r.matrices["b"].values.copy()
    rc, text = execute_text(s, f"estat sd, {opt}")
    assert rc == 198 and msg in text
    assert (s.r.matrices["b"].values == before).all()      # r() as it was
