"""margins after melogit/mepoisson: the mean marginal over the random intercept (Stata's
default after me*: "Expression: Marginal predicted mean, predict()", Stata 17+ logs).
Reference: a separate numpy computation — its own Gauss–Hermite rule with the
estimation's 7 points (Stata's default for marginal predictions) for E[h(xb + u)],
averaged over the sample, and a central-difference Jacobian in every e(b)
entry (the fixed effects and var(_cons)) with e(V); tolerances 1e-8 (margin) and 1e-5
relative (SE)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from session_helpers import hsb_after, run_lines, state

SETUP = ("egen g = group(id)", "keep if g <= 40", "gen hi = mathach > 15",
         "gen cnt = max(0, round(mathach/4))")


@pytest.fixture(scope="module")
def s():
    return hsb_after(*SETUP)


def _reference(s, h, at_sector=None):
    e = s.estimates.active
    b = e.matrices["b"].values.ravel()
    V = e.matrices["V"].values
    ses = np.asarray(s.data.column("ses"), dtype=float)
    sector = np.asarray(s.data.column("sector"), dtype=float)
    if at_sector is not None:
        sector = np.full_like(sector, at_sector)
    t, w = np.polynomial.hermite_e.hermegauss(7)
    w = w / w.sum()

    def m(theta):
        xb = theta[0] * ses + theta[2] * sector + theta[3]   # hi:ses 0b.sector 1.sector _cons
        u = math.sqrt(theta[4]) * t
        return float(np.mean(h(xb[:, None] + u[None, :]) @ w))
    J = np.array([(m(b + 1e-6 * e_) - m(b - 1e-6 * e_)) / 2e-6 for e_ in np.eye(len(b))])
    return m(b), math.sqrt(J @ V @ J)


def _row(lines, label):
    ln = next(x for x in lines if x.strip().startswith(label + " ") or
              x.startswith(f"{label:>12} |"))
    return [float(v) for v in ln.split("|")[1].split()[:2]]


def test_marginal_margins_after_melogit(s):
    assert s.run("quietly melogit hi ses i.sector || id:") == 0
    rc, lines = run_lines(s, "margins")
    assert rc == 0 and "Expression: Marginal predicted mean, predict()" in lines
    est, se = _reference(s, lambda x: 1 / (1 + np.exp(-x)))
    assert s.r.matrices["b"].values[0, 0] == pytest.approx(est, rel=1e-8)
    assert math.sqrt(s.r.matrices["V"].values[0, 0]) == pytest.approx(se, rel=1e-5)
    # the margin is the sample mean of predict, marginal
    assert s.run("predict double pm, marginal") == 0
    assert est == pytest.approx(float(np.mean(s.data.column("pm"))), rel=1e-9)
    assert s.run("drop pm") == 0
    rc, lines = run_lines(s, "margins sector")
    assert rc == 0
    for k, lv in enumerate((0, 1)):
        est, se = _reference(s, lambda x: 1 / (1 + np.exp(-x)), at_sector=lv)
        assert s.r.matrices["b"].values[0, k] == pytest.approx(est, rel=1e-8)
        assert math.sqrt(s.r.matrices["V"].values[k, k]) == pytest.approx(se, rel=1e-5)


def test_marginal_margins_after_mepoisson_and_fixedonly(s):
    assert s.run("quietly mepoisson cnt ses i.sector || id:") == 0
    assert s.run("margins") == 0
    est, se = _reference(s, np.exp)
    assert s.r.matrices["b"].values[0, 0] == pytest.approx(est, rel=1e-8)
    assert math.sqrt(s.r.matrices["V"].values[0, 0]) == pytest.approx(se, rel=1e-5)
    rc, lines = run_lines(s, "margins, predict(fixedonly)")
    assert rc == 0 and "Expression: Predicted number of events, predict(fixedonly)" in lines
    b = s.estimates.active.matrices["b"].values.ravel()
    xb = b[0] * s.data.column("ses") + b[2] * s.data.column("sector") + b[3]
    assert s.r.matrices["b"].values[0, 0] == pytest.approx(float(np.mean(np.exp(xb))),
                                                          rel=1e-8)


@pytest.mark.parametrize("setup,cmd,message", [
    ("quietly melogit hi ses || id:", "margins, predict(ebmeans)",
     "options conditional(ebmeans) and conditional(ebmodes) are not allowed with margins"),
    ("quietly melogit hi ses || id: ses, cov(ind)", "margins",
     "margins after a model with random coefficients"),
    ("quietly melogit hi ses || id:", "margins, predict(stdp)", "option stdp not allowed"),
])
def test_refusals(s, setup, cmd, message):
    assert s.run(setup) == 0
    before = state(s)
    rc, lines = run_lines(s, cmd)
    assert rc == 198 and message in "\n".join(lines)
    assert state(s) == before
    rc, lines = run_lines(s, "margins, predict(xb)")
    assert rc == 0
