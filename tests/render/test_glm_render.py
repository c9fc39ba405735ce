"""render/glm.py: text layout from fixed numbers (no fit)."""
from __future__ import annotations

from hlmshell.render import to_text
from hlmshell.render.glm import CoefTable, GLMHeader, MEHeader, MELRTest, RERow
from hlmshell.render.mixed import FixedRow, GroupInfo


def test_single_level_header():
    h = GLMHeader("Logistic regression", 7185, 2, 733.4812, 0.0, -4496.9056, 0.07540)
    assert to_text(h).split("\n")[:4] == [
        "Logistic regression                                     Number of obs =  7,185",
        "                                                        LR chi2(2)    = 733.48",
        "                                                        Prob > chi2   = 0.0000",
        "Log likelihood = -4496.9056                             Pseudo R2     = 0.0754"]


def test_me_header_and_table_with_random_part():
    h = MEHeader("Mixed-effects logistic regression", 7185, [GroupInfo("id", 160, 14, 44.9, 67)],
                 "mvaghermite", 7, 2, 355.41, 0.0, -4405.4225)
    lines = to_text(h).split("\n")
    assert lines[0] == "Mixed-effects logistic regression               Number of obs     =      7,185"
    assert "Integration method: mvaghermite                 Integration pts.  =          7" in lines
    assert lines[-1] == "Log likelihood = -4405.4225                     Prob > chi2       =     0.0000"
    t = CoefTable("hi", [FixedRow("ses", .7057813, .0399354, 17.67, 0.0, .6275093, .7840533)],
                  sections=[("id", [RERow("var(_cons)", .2969585, .0506963, .2125103, .414965)])])
    out = to_text(t).split("\n")
    assert out[3] == "         ses |   .7057813   .0399354    17.67   0.000     .6275093    .7840533"
    assert out[5] == "id           |"
    assert out[6] == "   var(_cons)|   .2969585   .0506963                      .2125103     .414965"


def test_lr_test_lines():
    assert to_text(MELRTest("logistic", 182.97, 1, 0.0, True)) == \
        "LR test vs. logistic model: chibar2(01) = 182.97      Prob >= chibar2 = 0.0000"
    text = to_text(MELRTest("logistic", 10.9, 3, 0.012, False)).split("\n")
    assert text[0] == "LR test vs. logistic model: chi2(3) = 10.90               Prob > chi2 = 0.0120"
    assert text[2] == "Note: LR test is conservative and provided only for reference."


def test_eform_titles():
    row = [FixedRow("x", 2.0, 0.1, 1.0, 0.3, 1.8, 2.2)]
    assert "          hi | Odds ratio   Std. err." in to_text(CoefTable("hi", row, coef_title="Odds ratio"))
    assert "           n |        IRR   Std. err." in to_text(CoefTable("n", row, coef_title="IRR"))
    robust = to_text(CoefTable("hi", row, vcetype="Robust")).split("\n")
    assert robust[1] == "             |               Robust"
    assert robust[2].startswith("          hi | Coefficient  std. err.")
