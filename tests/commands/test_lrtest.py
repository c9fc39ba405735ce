"""`lrtest`: the handout's three tests live on hsb.dta, r() results and Stata's r(498) checks."""
import pytest

from session_helpers import hsb_after, hsb_session
from session_helpers import run_lines as run


@pytest.fixture(scope="module")
def slope():
    return hsb_after("quietly mixed mathach ses || id: ses, cov(unstructured)", "est store slope",
                     "quietly mixed mathach ses || id:")


def test_handout_first_lrtest(slope):
    rc, out = run(slope, "lrtest . slope")
    assert rc == 0
    assert out[:10] == ["", "Likelihood-ratio test", "Assumption: . nested within slope", "",
                        " LR chi2(2) =   4.54", "Prob > chi2 = 0.1035", "",
                        "Note: The reported degrees of freedom assumes the null hypothesis is not on the",
                        "      boundary of the parameter space. If this is not true, then the reported",
                        "      test is conservative."]
    assert slope.r.scalars["df"] == 2
    assert abs(slope.r.scalars["chi2"] - 4.54) < .005
    assert abs(slope.r.scalars["p"] - .1035) < .00005


def test_order_typed_does_not_matter(slope):
    a = run(slope, "lrtest slope .")[1]
    b = run(slope, "lrtest slope")[1]
    c = run(slope, "lrtest . slope")[1]
    assert a == b == c


def test_handout_sector_and_interaction_tests():
    s = hsb_session()
    s.run("quietly mixed mathach ses sector || id: ses, cov(unstr)")
    s.run("est store sector")
    s.run("quietly mixed mathach ses sector || id:")
    rc, out = run(s, "lrtest sector .")
    assert out[2] == "Assumption: . nested within sector"
    assert out[4:6] == [" LR chi2(2) =   9.04", "Prob > chi2 = 0.0109"]
    s.run("quietly mixed mathach c.ses##i.sector || id: ses, cov(unstr)")
    s.run("est store interaction")
    s.run("quietly mixed mathach c.ses##i.sector || id:")
    rc, out = run(s, "lrtest interaction .")
    assert out[2] == "Assumption: . nested within interaction"
    assert out[4:6] == [" LR chi2(2) =   5.00", "Prob > chi2 = 0.0820"]


def test_errors(slope):
    rc, out = run(slope, "lrtest nosuch .")
    assert rc == 111 and out[0] == "estimation result nosuch not found"
    rc, out = run(slope, "lrtest slope slope")
    assert rc == 498 and out[0] == "df(unrestricted) = df(restricted) = 6"
    s = hsb_session()
    rc, out = run(s, "lrtest . slope")
    assert rc == 301 and out[0] == "last estimates not found"
    s.run("quietly mixed mathach || id:")
    s.run("est store ml")
    s.run("quietly mixed mathach ses || id:, reml")
    rc, out = run(s, "lrtest ml .")
    assert rc == 498 and out[0] == "cannot compare a REML model with an ML model"
    assert s.run("quietly mixed mathach ses if id != \"1224\" || id:") == 0
    rc, out = run(s, "lrtest ml .")
    assert rc == 498 and out[0].startswith("observations differ: ")


def test_force_skips_the_checks():
    s = hsb_session()
    s.run("quietly mixed mathach || id:")
    s.run("est store ml")
    s.run("quietly mixed mathach ses || id:, reml")
    assert run(s, "lrtest ml ., force")[0] == 0


def test_reml_note_for_two_reml_fits():
    s = hsb_session()
    s.run("quietly mixed mathach ses || id:, reml")
    s.run("est store a")
    s.run("quietly mixed mathach ses || id: ses, reml")
    rc, out = run(s, "lrtest a .")
    assert rc == 0
    assert "Note: LR tests based on REML are valid only when the fixed-effects" in out


def test_unnested_mixed_models_are_r498():
    s = hsb_session()
    s.run("quietly mixed mathach ses sector || id:")
    s.run("est store fe")
    s.run("quietly mixed mathach ses || id: ses, cov(unstructured)")
    rc, out = run(s, "lrtest fe .")
    assert rc == 498 and out[0] == "Mixed models are not nested"


def test_stats_option_adds_the_information_criteria(slope):
    rc, out = run(slope, "lrtest . slope, stats")
    assert rc == 0
    assert "Akaike's information criterion and Bayesian information criterion" in out
    assert "           . |      7,185          .   -23320.5       4      46649   46676.52" in out
    assert "       slope |      7,185          .  -23318.23       6   46648.47   46689.75" in out
