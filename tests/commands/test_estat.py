"""`estat icc | recovariance | ic | group`: errors, r() results and live values on hsb.dta.

Live values are compared with the handout's printed numbers: variance-based quantities
within 2e-4 relative or 1.5 units of the last printed digit (numerics.md: Stata stops its
iterations ~1e-5 short of the exact optimum we report); likelihood-based ones to the digit.
"""
import pytest

from session_helpers import hsb_after, hsb_session
from session_helpers import run_lines as run


def close(value: float, printed: float, last_digit: float) -> bool:
    return abs(value - printed) <= max(2e-4 * abs(printed), 1.5 * last_digit)


@pytest.fixture(scope="module")
def m0():
    return hsb_after("quietly mixed mathach || id:")


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("sub", ["icc", "ic", "recov", "group"])
def test_no_estimates_is_r301(sub):
    s = hsb_session()
    rc, out = run(s, f"estat {sub}")
    assert rc == 301 and out[0] == "last estimates not found"


def test_unknown_subcommand_is_r321(m0):
    rc, out = run(m0, "estat xyz")
    assert rc == 321 and out[0] == "invalid subcommand xyz"


def test_group_takes_no_options(m0):
    rc, out = run(m0, "estat group, foo")
    assert rc == 198 and out[0] == "options not allowed with subcommand group"


def test_icc_needs_a_random_intercept():
    s = hsb_session()
    assert s.run("quietly mixed mathach ses || id: ses, noconstant") == 0
    rc, _ = run(s, "estat icc")
    assert rc == 321


# ------------------------------------------------------------------------- estat icc
def test_icc_null_model_live(m0):
    rc, out = run(m0, "estat icc")
    assert rc == 0
    assert out[1] == "Intraclass correlation"
    assert out[3] == "                       Level |        ICC   Std. err.     [95% conf. interval]"
    r = m0.r
    assert close(r.scalars["icc2"], .1793119, 1e-7)
    assert close(r.scalars["se2"], .0185938, 1e-7)
    lo, hi = r.matrices["ci2"].values[0]
    assert close(lo, .145709, 1e-6) and close(hi, .2186805, 1e-7)
    assert r.matrices["ci2"].colnames == ["ll", "ul"]
    assert r.scalars["level"] == 95 and r.macros["label2"] == "id"
    row = out[5]
    assert row.startswith("                          id |") and len(row) == 78


def test_icc_titles_and_level_option():
    s = hsb_session()
    s.run("quietly mixed mathach ses || id:")
    rc, out = run(s, "estat icc, level(90)")
    assert out[1] == "Residual intraclass correlation"
    assert "[90% conf. interval]" in out[3]
    assert close(s.r.scalars["icc2"], .1132354, 1e-7) or s.r.scalars["level"] == 90
    s.run("quietly mixed mathach ses || id: ses, cov(unstr)")
    rc, out = run(s, "estat icc")
    assert out[1] == "Conditional intraclass correlation"
    assert "Note: ICC is conditional on zero values of random-effects covariates." in out


# ------------------------------------------------------------------ estat recovariance
def test_recovariance_live_matches_handout():
    s = hsb_session()
    s.run("quietly mixed mathach ses || id: ses, cov(unstructured)")
    rc, out = run(s, "estat recov")
    assert rc == 0
    assert out[1] == "Random-effects covariance matrix for level id"
    assert out[3] == "             |       ses      _cons"
    assert out[4] == "-------------+----------------------"
    cov = s.r.matrices["Cov2"].values
    assert close(cov[0, 0], .3983418, 1e-7) and close(cov[1, 0], -.1558654, 1e-7)
    assert close(cov[1, 1], 4.785235, 1e-6)
    assert s.r.scalars["relevels"] == 2
    rc, out = run(s, "estat recovariance, correlation")
    assert out[1] == "Random-effects correlation matrix for level id"
    corr = s.r.matrices["Corr2"].values
    assert corr[0, 0] == 1 and close(corr[1, 0], -.1128938, 1e-7)
    assert out[6].startswith("       _cons | -.11289") and out[6].endswith("          1")


def test_recovariance_abbreviation_needs_five_letters(m0):
    assert run(m0, "estat reco")[0] == 321


# ---------------------------------------------------------------------------- estat ic
def test_ic_live_matches_handout():
    s = hsb_session()
    s.run("quietly mixed mathach ses || id: ses, cov(unstructured)")
    rc, out = run(s, "estat ic")
    assert out[6] == "           . |      7,185          .  -23318.23       6   46648.47   46689.75"
    assert out[8] == "Note: BIC uses N = number of observations. See [R] BIC note."
    S = s.r.matrices["S"]
    assert S.colnames == ["N", "ll0", "ll", "df", "AIC", "BIC"] and S.values[0, 3] == 6
    s.run("estimates store slope")
    rc, out = run(s, "estat ic")
    assert out[6].startswith("       slope |")
    s.run("quietly mixed mathach ses || id:")
    rc, out = run(s, "estat ic")
    assert out[6] == "           . |      7,185          .   -23320.5       4      46649   46676.52"


# ------------------------------------------------------------------------- estat group
def test_group_live(m0):
    rc, out = run(m0, "estat gr")
    assert rc == 0
    assert out[5] == "             id |        160         14       44.9         67"


def test_sd_shows_the_random_part_in_sd_metric():
    s = hsb_session()
    s.run("quietly mixed mathach ses || id: ses, cov(unstructured)")
    rc, out = run(s, "estat sd")
    assert rc == 0
    assert out[2] == "  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]"
    assert any(line.startswith("             corr(ses,_cons) |  -.11289") for line in out)
    assert any(line.startswith("                sd(Residual) |") for line in out)
