"""Layout of `mixed` output from FIXED numbers (the handout's), compared line by line.

The expected blocks are copied from the handout (/work/shared/handout/two-level-hlm-handout.txt,
PDF artefact lines removed, trailing spaces stripped).  Model 0's block in the handout lacks
the blank line between the header and the table that models 2-6 show (and Stata 17 prints);
we follow models 2-6.
"""
import math

from handout_blocks import MIXED_M0, MIXED_M2, MIXED_M5

from hlmshell.render import to_text
from hlmshell.render.mixed import (FixedEffectsTable, FixedRow, GroupInfo, LRTestLine,
                                   MixedHeader, MixedIterationLog, MixedOutput, RandomEffectsTable,
                                   RERow, RESection, fixed_lines, note_text)

NAN = math.nan

M5B = """\

Mixed-effects ML regression                     Number of obs     =      7,185
Group variable: id                              Number of groups  =        160
                                                Obs per group:
                                                              min =         14
                                                              avg =       44.9
                                                              max =         67
                                                Wald chi2(3)      =     621.52
Log likelihood = -23281.589                     Prob > chi2       =     0.0000

------------------------------------------------------------------------------
     mathach | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]
-------------+----------------------------------------------------------------
         ses |   1.646837   .1611093    10.22   0.000     1.331068    1.962605
    0.sector |  -2.128714   .3434358    -6.20   0.000    -2.801836   -1.455593
             |
sector#c.ses |
          0  |   1.312909   .2153851     6.10   0.000     .8907615    1.735056
             |
       _cons |   13.88128   .2548979    54.46   0.000     13.38169    14.38087
------------------------------------------------------------------------------
------------------------------------------------------------------------------
  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]
-----------------------------+------------------------------------------------
id: Unstructured             |
                    var(ses) |   .0739491   .0669179      .0125506     .435714
                  var(_cons) |    3.75385    .540016      2.831561    4.976544
              cov(ses,_cons) |   .5268683   .2495518      .0377557    1.015981
-----------------------------+------------------------------------------------
               var(Residual) |   36.77872   .6212355      35.58105     38.0167
------------------------------------------------------------------------------
LR test vs. linear model: chi2(3) = 343.64                Prob > chi2 = 0.0000

Note: LR test is conservative and provided only for reference.
"""


def lines(text):
    return [line.rstrip() for line in text.split("\n")]


def expected(block):
    return lines(block.rstrip("\n"))


def header(ll, chi2, df, p):
    return MixedHeader("Mixed-effects ML regression", 7185, [GroupInfo("id", 160, 14, 44.9, 67)],
                       ll=ll, chi2=chi2, df_m=df, p=p)


def fe(rows):
    return FixedEffectsTable("mathach", [FixedRow(*r) for r in rows])


def re_table(title, rows, resid):
    return RandomEffectsTable([RESection(title, [RERow(*r) for r in rows])], [RERow(*resid)])


def model0():
    return MixedOutput(
        header=header(-23557.905, NAN, 0, NAN),
        fixed=fe([("_cons", 12.63707, .2436178, 51.87, 0.0, 12.15959, 13.11455)]),
        random=re_table("id: Identity", [("var(_cons)", 8.55352, 1.068642, 6.69575, 10.92674)],
                        ("var(Residual)", 39.14839, .6606469, 37.87473, 40.46489)),
        lrtest=LRTestLine(983.92, 1, 2.8e-216, chibar=True))


def test_model0_layout():
    got = lines(to_text(model0()))
    want = expected(MIXED_M0)
    # the handout's model-0 block dropped the blank line after the header (see module doc)
    assert got[:10] == want[:9] + [""]
    assert got[10:] == want[9:]


def test_model2_layout():
    out = MixedOutput(
        header=header(-23318.235, 414.12, 1, 0.0),
        fixed=fe([("ses", 2.394934, .1176881, 20.35, 0.0, 2.16427, 2.625598),
                  ("_cons", 12.66559, .1890996, 66.98, 0.0, 12.29496, 13.03621)]),
        random=re_table("id: Unstructured",
                        [("var(ses)", .3983418, .2324055, .1269513, 1.249898),
                         ("var(_cons)", 4.785235, .6648578, 3.644499, 6.283024),
                         ("cov(ses,_cons)", -.1558654, .2956225, -.7352749, .4235441)],
                        ("var(Residual)", 36.83154, .6293445, 35.61847, 38.08592)),
        lrtest=LRTestLine(461.47, 3, 0.0, chibar=False))
    assert lines(to_text(out)) == expected(MIXED_M2)


def model5_rows(base1=False):
    if not base1:
        return [("ses", 2.959745, .1429495, 20.70, 0.0, 2.679569, 3.239921),
                ("0b.sector", 0, 0, NAN, NAN, NAN, NAN, False, True),
                ("1.sector", 2.128714, .3434358, 6.20, 0.0, 1.455593, 2.801836),
                ("0b.sector#co.ses", 0, 0, NAN, NAN, NAN, NAN, False, True),
                ("1.sector#c.ses", -1.312909, .2153851, -6.10, 0.0, -1.735056, -.8907615),
                ("_cons", 11.75256, .2301634, 51.06, 0.0, 11.30145, 12.20368)]
    return [("ses", 1.646837, .1611093, 10.22, 0.0, 1.331068, 1.962605),
            ("0.sector", -2.128714, .3434358, -6.20, 0.0, -2.801836, -1.455593),
            ("1b.sector", 0, 0, NAN, NAN, NAN, NAN, False, True),
            ("0.sector#c.ses", 1.312909, .2153851, 6.10, 0.0, .8907615, 1.735056),
            ("1b.sector#co.ses", 0, 0, NAN, NAN, NAN, NAN, False, True),
            ("_cons", 13.88128, .2548979, 54.46, 0.0, 13.38169, 14.38087)]


def test_model5_layout():
    out = MixedOutput(
        header=header(-23281.589, 621.52, 3, 0.0),
        fixed=fe(model5_rows()),
        random=re_table("id: Unstructured",
                        [("var(ses)", .073949, .0888935, .0070099, .7801067),
                         ("var(_cons)", 3.75385, .5494602, 2.817633, 5.001144),
                         ("cov(ses,_cons)", .5268683, .3298837, -.1196919, 1.173429)],
                        ("var(Residual)", 36.77872, .6226819, 35.57831, 38.01963)),
        lrtest=LRTestLine(343.64, 3, 0.0, chibar=False))
    assert lines(to_text(out)) == expected(MIXED_M5)


def test_model5b_layout():
    out = MixedOutput(
        header=header(-23281.589, 621.52, 3, 0.0),
        fixed=fe(model5_rows(base1=True)),
        random=re_table("id: Unstructured",
                        [("var(ses)", .0739491, .0669179, .0125506, .435714),
                         ("var(_cons)", 3.75385, .540016, 2.831561, 4.976544),
                         ("cov(ses,_cons)", .5268683, .2495518, .0377557, 1.015981)],
                        ("var(Residual)", 36.77872, .6212355, 35.58105, 38.0167)),
        lrtest=LRTestLine(343.64, 3, 0.0, chibar=False))
    assert lines(to_text(out)) == expected(M5B)


def test_iteration_log_stata17():
    log = MixedIterationLog([-23557.905108, -23557.905108])
    assert lines(to_text(log)) == [
        "", "Performing EM optimization ...", "",
        "Performing gradient-based optimization:",
        "Iteration 0:   log likelihood = -23557.905",
        "Iteration 1:   log likelihood = -23557.905",
        "", "Computing standard errors ..."]
    # the two trailing spaces after the criterion are there
    assert to_text(log).split("\n")[4].endswith("-23557.905  ")
    reml = MixedIterationLog([-23558.397], crittype="log restricted-likelihood",
                             converged=False)
    text = lines(to_text(reml))
    assert text[4] == "Iteration 0:   log restricted-likelihood = -23558.397"
    assert text[5] == "convergence not achieved"


def test_log_then_header_single_blank_line():
    out = model0()
    out.log = MixedIterationLog([-23557.905108])
    text = lines(to_text(out))
    assert text[5:8] == ["", "Computing standard errors ...", ""]
    assert text[8].startswith("Mixed-effects ML regression")


def test_reml_header_and_chibar_p():
    h = MixedHeader("Mixed-effects REML regression", 7185, [GroupInfo("schid", 160, 14, 44.9, 67)],
                    ll=-23558.397, chi2=NAN, df_m=0, p=NAN, crittype="log restricted-likelihood")
    text = lines(to_text(h))
    assert text[1] == "Mixed-effects REML regression                   Number of obs     =      7,185"
    assert text[2] == "Group variable: schid                           Number of groups  =        160"
    assert text[8] == "Log restricted-likelihood = -23558.397          Prob > chi2       =          ."


def test_multilevel_header_group_table():
    h = MixedHeader("Mixed-effects ML regression", 7185,
                    [GroupInfo("school", 160, 14, 44.9, 67), GroupInfo("class", 500, 5, 14.4, 30)],
                    ll=-23000.5, chi2=12.5, df_m=1, p=.0004)
    text = lines(to_text(h))
    assert text[3:10] == [
        "-------------------------------------------------------------",
        "                |     No. of       Observations per group",
        " Group variable |     groups    Minimum    Average    Maximum",
        "----------------+--------------------------------------------",
        "         school |        160         14       44.9         67",
        "          class |        500          5       14.4         30",
        "-------------------------------------------------------------"]
    assert text[11] == "                                                Wald chi2(1)      =      12.50"
    assert text[12] == "Log likelihood =   -23000.5                     Prob > chi2       =     0.0004"


def test_nogroup_header():
    h = header(-23557.905, NAN, 0, NAN)
    h.show_groups = False
    text = lines(to_text(h))
    assert len(text) == 5 and text[2].strip().startswith("Wald chi2(0)")


def test_missing_se_prints_dots():
    rows = fixed_lines([FixedRow("ses", 1.5, NAN, NAN, NAN, NAN, NAN)])
    assert rows == ["         ses |        1.5          .        .       .            .           ."]
    t = to_text(RandomEffectsTable([RESection("id: Unstructured",
                                              [RERow("var(ses)", .0739, NAN, NAN, NAN)])],
                                   [RERow("var(Residual)", 36.8, .62, 35.6, 38.0)]))
    assert "                    var(ses) |      .0739          .             .           ." in t


def test_factor_blocks_and_separators():
    rows = [FixedRow("1.a", 1, 1, 1, .3, 0, 2), FixedRow("2.a", 1, 1, 1, .3, 0, 2),
            FixedRow("1b.b#c.x", 0, 0, NAN, NAN, NAN, NAN, base=True),
            FixedRow("2.b#c.x", 1, 1, 1, .3, 0, 2),
            FixedRow("c.x#c.z", 1, 1, 1, .3, 0, 2),
            FixedRow("o.w", 0, 0, NAN, NAN, NAN, NAN, omitted=True),
            FixedRow("_cons", 1, 1, 1, .3, 0, 2)]
    labels = [line[:14] for line in fixed_lines(rows)]
    assert labels == ["           a |", "          1  |", "          2  |", "             |",
                      "       b#c.x |", "          2  |", "             |",
                      "     c.x#c.z |", "             |", "           w |", "       _cons |"]
    assert fixed_lines(rows)[-2].endswith("0  (omitted)")


def test_lr_line_forms_and_level():
    assert to_text(LRTestLine(0.0, 1, 1.0, True)) == \
        "LR test vs. linear model: chibar2(01) = 0.00          Prob >= chibar2 = 1.0000"
    assert to_text(LRTestLine(123456.7, 2, 0.0, False)).split("\n")[0] == \
        "LR test vs. linear model: chi2(2) = 1.23e+05              Prob > chi2 = 0.0000"
    t = FixedEffectsTable("mathach", [], level=90)
    assert to_text(t).split("\n")[1] == \
        "     mathach | Coefficient  Std. err.      z    P>|z|     [90% conf. interval]"
    t = FixedEffectsTable("mathach", [], level=99.5)
    assert to_text(t).split("\n")[1].endswith("   [99.5% conf. interval]")


def test_footnotes_wrap_with_hanging_indent():
    out = model0()
    out.footnotes = [note_text("the estimated random-effects covariance matrix is singular: "
                               "corr(ses,_cons) = 1 at the maximum; the standard errors of the "
                               "variance components are not defined there.")]
    text = lines(to_text(out))
    assert text[-4] == ""
    assert text[-3].startswith("Note: the estimated")
    assert all(len(t) <= 78 for t in text)
    assert text[-2].startswith("      ")


def test_long_interaction_names_wrap_at_hash():
    rows = [FixedRow("1.himinty#c.ses", -.49, .236, -2.09, .037, -.96, -.03),
            FixedRow("c.ses#c.meanses", 1, 1, 1, .3, 0, 2),
            FixedRow("averylongname", 1, 1, 1, .3, 0, 2)]
    labels = [line[:14] for line in fixed_lines(rows)]
    assert labels == ["     himinty#|", "       c.ses |", "          1  |", "             |",
                      "       c.ses#|", "   c.meanses |", "             |", "averylongn~e |"]
