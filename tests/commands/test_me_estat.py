"""estat sd, group, vce after the me* commands. estat sd's numbers are checked against a
separate numpy delta method (finite-difference Jacobian of sd = √var and corr =
cov/√(v1 v2) applied to e(V)); tolerance 1e-7 relative."""
from __future__ import annotations

import math

import numpy as np
import pytest

from session_helpers import hsb_after, run_lines, state

SETUP = ("egen g = group(id)", "keep if g <= 40", "gen hi = mathach > 15",
         "gen od = round(mathach^2/30)")


@pytest.fixture(scope="module")
def s():
    return hsb_after(*SETUP)


def _delta(f, b, V, h=1e-7):
    J = np.array([(f(b + h * e) - f(b - h * e)) / (2 * h) for e in np.eye(len(b))]).T
    return f(b), np.sqrt(np.diag(J @ V @ J.T))


def test_estat_sd_unstructured(s):
    assert s.run("quietly melogit hi ses || id: ses, cov(un)") == 0
    e = s.estimates.active
    b, V = e.matrices["b"].values.ravel(), e.matrices["V"].values
    rc, lines = run_lines(s, "estat sd")
    assert rc == 0
    f = lambda x: np.array([math.sqrt(x[2]), math.sqrt(x[3]), x[4] / math.sqrt(x[2] * x[3])])
    est, se = _delta(f, b, V)
    rb, rV = s.r.matrices["b"], s.r.matrices["V"]
    assert rb.colnames[2:] == ["/:sd(ses[id])", "/:sd(_cons[id])", "/:corr(ses[id],_cons[id])"]
    assert rb.values.ravel()[2:] == pytest.approx(est, rel=1e-7)
    assert np.sqrt(np.diag(rV.values))[2:] == pytest.approx(se, rel=1e-6)
    assert rb.values.ravel()[:2] == pytest.approx(b[:2], rel=1e-15)
    # the table: random-effects rows only, one rule above the level title
    assert lines[1] == "-" * 78 and lines[3] == "-" * 13 + "+" + "-" * 64
    assert lines[4] == "id           |"
    assert lines[5].startswith("      sd(ses)|") and lines[6].startswith("    sd(_cons)|")
    assert lines[7].startswith("corr(ses,_~s)|")        # me_estimate._re_label
    # the CI of an sd comes from log(sd): lower = sd exp(-z se/sd)
    lo = float(lines[6].split()[-2])
    assert lo == pytest.approx(est[1] * math.exp(-1.959964 * se[1] / est[1]), rel=1e-6)
    rc, lines = run_lines(s, "estat sd, verbose")
    assert rc == 0 and any(ln.startswith("         ses |") for ln in lines)


def test_estat_sd_exchangeable_and_nbinomial(s):
    assert s.run("quietly melogit hi ses || id: ses, cov(exch)") == 0
    e = s.estimates.active
    b, V = e.matrices["b"].values.ravel(), e.matrices["V"].values
    assert s.run("estat sd") == 0
    est, se = _delta(lambda x: np.array([math.sqrt(x[2]), x[3] / x[2]]), b, V)
    assert s.r.matrices["b"].values.ravel()[2:] == pytest.approx(est, rel=1e-7)
    assert np.sqrt(np.diag(s.r.matrices["V"].values))[2:] == pytest.approx(se, rel=1e-6)
    assert s.run("quietly menbreg od ses || id:") == 0
    rc, lines = run_lines(s, "estat sd, verb")
    assert rc == 0 and any(ln.startswith("    /lnalpha |") for ln in lines)
    assert s.r.matrices["b"].colnames[-1] == "/:sd(_cons[id])"


def test_estat_group_and_vce_after_me(s):
    assert s.run("quietly mepoisson od ses || id:") == 0
    rc, lines = run_lines(s, "estat group")
    assert rc == 0 and any(ln.split() == ["id", "|", "40", "20", "44.6", "67"] for ln in lines)
    rc, lines = run_lines(s, "estat vce")
    assert rc == 0 and "Covariance matrix of coefficients of meglm model" in lines


@pytest.mark.parametrize("cmd,code,message", [
    ("estat sd, variance", 198, "option variance not allowed"),
    ("estat sd, post", 198, "option post not allowed"),
    ("estat icc", 321, "requested action not valid after most recent estimation command"),
    ("estat wcorrelation", 321, "estat wcorrelation not valid after mepoisson"),
])
def test_refusals(s, cmd, code, message):
    assert s.run("quietly mepoisson od ses || id:") == 0
    before = state(s)
    rc, lines = run_lines(s, cmd)
    assert rc == code and message in "\n".join(lines)
    assert state(s) == before


def test_estat_icc_without_random_intercept(s):
    """meglm_estat.ado's message for a level without a random intercept."""
    assert s.run("quietly melogit hi ses || id: ses, noconstant") == 0
    rc, lines = run_lines(s, "estat icc")
    assert rc == 321 and "estat icc not allowed after random-effects models with " \
        "random-level specifications that do not contain random intercepts" in "\n".join(lines)


def test_estat_sd_gives_each_level_its_block():
    """Several levels: one block per level under the level's path, as the estimation table
    has them (sd = sqrt(var) of e(b), the same fit)."""
    s = hsb_after("gen hi = mathach > 15", "quietly melogit hi ses || sector: || id:, intp(3)")
    var = s.estimates.active.matrices["b"].values.ravel()[-2:]
    rc, lines = run_lines(s, "estat sd")
    assert rc == 0
    at = lines.index("sector       |")
    assert lines[at + 1].startswith("    sd(_cons)|")
    assert lines[at + 2] == "-" * 13 + "+" + "-" * 64
    assert lines[at + 3] == "sector>id    |" and lines[at + 4].startswith("    sd(_cons)|")
    shown = [float(lines[k].split("|")[1].split()[0]) for k in (at + 1, at + 4)]
    assert shown == pytest.approx(np.sqrt(var), rel=1e-6)      # (printed to 7 digits)


@pytest.mark.parametrize("levels", ["|| sector: || id:, intp(3)", "|| _all: R.sector || id:"])
def test_marginal_prediction_over_several_levels(levels):
    """predict, marginal after a nested or crossed model: E[invlogit(xb + u1 + u2)] over both
    levels' intercepts. Reference: a 40 x 40 Gauss-Hermite product grid over the two
    independent effects with the fitted variances (numpy), 1e-8 at intpoints(30)."""
    s = hsb_after("gen hi = mathach > 15", f"quietly melogit hi ses {levels}",
                  "predict m, marginal intpoints(30)", "predict xb, xb")
    b = s.estimates.active.matrices["b"].values.ravel()
    sd = np.sqrt(b[-2:])
    t, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / w.sum()
    xb = np.asarray(s.data.column("xb"), dtype=float)[:50]
    eta = xb[:, None, None] + sd[0] * t[None, :, None] + sd[1] * t[None, None, :]
    ref = np.einsum("ijk,j,k->i", 1 / (1 + np.exp(-eta)), w, w)
    got = np.asarray(s.data.column("m"), dtype=float)[:50]
    assert got == pytest.approx(ref, rel=1e-6)            # (m is stored as float)
    assert s.run("margins") == 0                          # the marginal mean's margins


def test_estat_sd_with_an_enormous_standard_error():
    """A variance whose SE is astronomically larger than it (a fit run off to the boundary):
    the interval is (0, .) as in the estimation table, not a math overflow (fuzz seed 151)."""
    from hlmshell.postest.me_sd import sd_output
    from hlmshell.render import to_text
    s = hsb_after("gen hi = mathach > 15", "quietly melogit hi ses || id:")
    r = s.estimates.active
    j = r.matrices["b"].colnames.index("/:var(_cons[id])")
    r.matrices["V"].values[j, j] = 1e300
    text = to_text(sd_output(r, 95, False).table)
    row = next(ln for ln in text.splitlines() if ln.startswith("    sd(_cons)|"))
    assert row.split()[-2:] == ["0", "."]
