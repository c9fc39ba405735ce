"""Layouts of the postestimation displays, built from the handout's printed numbers.

Each expected block is copied from /work/shared/handout/two-level-hlm-handout.txt (the
handout's doubled line breaks and trailing spaces removed). Comparison is line by line with
trailing spaces ignored.
"""
import numpy as np

from handout_blocks import ERETURN_M0

from hlmshell.matrix import StataMatrix
from hlmshell.render import to_text
from hlmshell.render.ereturn import ReturnListing
from hlmshell.render.estat import (CovMatrixBlock, GroupRow, GroupTable, IccRow, IccTable,
                                   IcRow, IcTable, ReCovariance)
from hlmshell.render.estimates import DirRow, EstimatesDir, EstimatesTable, TableRow
from hlmshell.render.lrtest import LRTest
from hlmshell.render.matrix import MatrixDir, MatrixListing


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.split("\n")]


def expect(text: str) -> list[str]:
    return lines(text.strip("\n"))


# ------------------------------------------------------------------------------ estat icc
def test_icc_null_model_matches_handout():
    obj = IccTable("Intraclass correlation", [IccRow("id", .1793119, .0185938, .145709, .2186805)])
    assert lines(to_text(obj)) == [""] + expect("""
Intraclass correlation
------------------------------------------------------------------------------
                       Level |        ICC   Std. err.     [95% conf. interval]
-----------------------------+------------------------------------------------
                          id |   .1793119   .0185938       .145709    .2186805
------------------------------------------------------------------------------
""")


def test_icc_residual_title_and_conditional_note():
    obj = IccTable("Residual intraclass correlation",
                   [IccRow("id", .1132354, .0139342, .0886613, .1435479)])
    out = lines(to_text(obj))
    assert out[1] == "Residual intraclass correlation"
    assert out[5] == "                          id |   .1132354   .0139342      .0886613    .1435479"
    cond = IccTable("Conditional intraclass correlation",
                    [IccRow("school", .3, .05, .2, .4), IccRow("class|school", .5, .05, .4, .6)],
                    90, "Note: ICC is conditional on zero values of random-effects covariates.")
    out = lines(to_text(cond))
    assert out[3].endswith("Std. err.     [90% conf. interval]") and len(out[3]) == 78
    wide = IccTable("Intraclass correlation", [IccRow("id", .2, .02, .15, .25)], 99.5)
    assert lines(to_text(wide))[3].endswith("Std. err.   [99.5% conf. interval]")
    assert out[6].startswith("                class|school |")
    assert out[-1] == "Note: ICC is conditional on zero values of random-effects covariates."


# ----------------------------------------------------------------------- estat recovariance
def test_recovariance_matches_handout():
    m = StataMatrix(np.array([[.3983418, -.1558654], [-.1558654, 4.785235]]),
                    ["ses", "_cons"], ["ses", "_cons"], symmetric=True)
    obj = ReCovariance([CovMatrixBlock("Random-effects covariance matrix for level id", m)])
    assert lines(to_text(obj)) == [""] + expect("""
Random-effects covariance matrix for level id

             |       ses      _cons
-------------+----------------------
         ses |  .3983418
       _cons | -.1558654   4.785235
""")
    c = StataMatrix(np.array([[1, -.1128938], [-.1128938, 1]]), ["ses", "_cons"],
                    ["ses", "_cons"], symmetric=True)
    out = lines(to_text(ReCovariance([CovMatrixBlock(
        "Random-effects correlation matrix for level id", c)])))
    assert out[1] == "Random-effects correlation matrix for level id"
    assert out[5:] == ["         ses |         1", "       _cons | -.1128938          1"]


# -------------------------------------------------------------------------------- estat ic
def test_ic_without_note_when_n_given():
    out = lines(to_text(IcTable([IcRow(".", 160, np.nan, -23320.5, 4, 46649, 46661.31)], note=False)))
    assert out[-1] == "-" * 77


def test_ic_matches_handout():
    handout = {
        ".": (IcRow(".", 7185, np.nan, -23318.23414, 6, 46648.46828, 46689.75),
              "           . |      7,185          .  -23318.23       6   46648.47   46689.75"),
        "int": (IcRow(".", 7185, np.nan, -23320.50208, 4, 46649.00416, 46676.52),
                "           . |      7,185          .   -23320.5       4      46649   46676.52"),
        "sector": (IcRow("sector", 7185, np.nan, -23298.7, 7, 46611.39, 46659.55),
                   "      sector |      7,185          .   -23298.7       7   46611.39   46659.55"),
        "interaction": (IcRow("interaction", 7185, np.nan, -23281.59, 8, 46579.18, 46634.22),
                        " interaction |      7,185          .  -23281.59       8   46579.18   46634.22"),
    }
    for row, printed in handout.values():
        out = lines(to_text(IcTable([row])))
        assert out == [""] + expect(f"""
Akaike's information criterion and Bayesian information criterion

-----------------------------------------------------------------------------
       Model |          N   ll(null)  ll(model)      df        AIC        BIC
-------------+---------------------------------------------------------------
{printed}
-----------------------------------------------------------------------------
Note: BIC uses N = number of observations. See [R] BIC note.
""")


# ----------------------------------------------------------------------------- estat group
def test_group_table_columns():
    out = lines(to_text(GroupTable([GroupRow("id", 160, 14, 44.9, 67)])))
    assert out[0] == ""
    assert out[1] == "-" * 61
    assert out[5] == "             id |        160         14       44.9         67"
    assert out[5].index("|") == 16 and out[3].index("groups") == 22
    # every right edge lines up with its heading
    for word in ("groups", "Minimum", "Average", "Maximum"):
        end = out[3].index(word) + len(word)
        assert out[5][end - 1] != " " and (end == len(out[5]) or out[5][end] == " ")


# ---------------------------------------------------------------------------------- lrtest
def test_lrtest_matches_handout_first_lrtest():
    obj = LRTest(".", "slope", 4.54, 2, .1035, boundary_note=True)
    assert lines(to_text(obj)) == [""] + expect("""
Likelihood-ratio test
Assumption: . nested within slope

 LR chi2(2) =   4.54
Prob > chi2 = 0.1035

Note: The reported degrees of freedom assumes the null hypothesis is not on the
      boundary of the parameter space. If this is not true, then the reported
      test is conservative.
""")


def test_lrtest_other_handout_values_and_notes():
    out = lines(to_text(LRTest(".", "interaction", 4.996, 2, .08222, boundary_note=False)))
    assert out[2] == "Assumption: . nested within interaction"
    assert out[4:6] == [" LR chi2(2) =   5.00", "Prob > chi2 = 0.0822"]
    assert len(out) == 6
    out = lines(to_text(LRTest("m0", "m1", 21.08, 12, .0001, True, True)))
    assert out[4:6] == ["LR chi2(12) =  21.08", "Prob > chi2 = 0.0001"]
    assert out[-2:] == ["Note: LR tests based on REML are valid only when the fixed-effects",
                        "      specification is identical for both models."]


# ---------------------------------------------------------------------------- ereturn list
def test_ereturn_list_matches_handout():
    scalars = {"rank": 3, "k_f": 1, "k_r": 2, "k": 3, "k_rs": 2, "k_rc": 0, "k_res": 0,
               "converged": 1, "ic": 1, "ll": -23557.90510815813, "ll_c": -24049.86601856097,
               "df_c": 1, "chi2_c": 983.9218208056773, "p_c": 2.8059555978e-216, "N": 7185,
               "nrgroups": 1, "small": 0, "df_m": 0, "p": np.nan, "chi2": np.nan, "rc": 0}
    macros = {"cmdline": "mixed mathach || id:", "datasignaturevars": "mathach id",
              "datasignature": "7185:2:1423354169:3944075123", "chi2type": "Wald",
              "rstructlab": "Independent", "rstructure": "independent",
              "estat_cmd": "mixed_estat", "predict": "mixed_p", "redim": "1", "ivars": "id",
              "vartypes": "Identity", "revars": "_cons", "cmd": "mixed",
              "title": "Mixed-effects ML regression", "technique": "nr", "ml_method": "d0",
              "opt": "moptimize", "method": "ML", "optmetric": "matsqrt", "depvar": "mathach",
              "properties": "b V"}
    matrices = {"b": (1, 3), "V": (3, 3), "g_max": (1, 1), "g_avg": (1, 1), "g_min": (1, 1),
                "N_g": StataMatrix(np.array([[160.0]]))}
    out = lines(to_text(ReturnListing("e", scalars, macros, matrices, ["sample"])))
    assert out == [""] + expect(ERETURN_M0)


def test_return_list_of_r_results():
    out = lines(to_text(ReturnListing("r", {"level": 95, "icc2": .17931188, "se2": .0185938},
                                      {"label2": "id"}, {"ci2": (1, 2)})))
    assert out == ["", "scalars:", "              r(level) =  95", "               r(icc2) =  .17931188",
                   "                r(se2) =  .0185938", "", "macros:",
                   '             r(label2) : "id"', "", "matrices:",
                   "                r(ci2) :  1 x 2"]


# ----------------------------------------------------------------------------- matrix list
def test_matrix_list_e_b_matches_handout():
    b = StataMatrix(np.array([[12.637070, 1.0731714, 1.8336797]]), ["y1"],
                    ["mathach:_cons", "lns1_1_1:_cons", "lnsig_e:_cons"])
    assert lines(to_text(MatrixListing("e(b)", b))) == [""] + expect("""
e(b)[1,3]
      mathach:  lns1_1_1:   lnsig_e:
        _cons      _cons      _cons
y1   12.63707  1.0731714  1.8336797
""")
    ses = StataMatrix(np.array([[2.3914994, 12.657623, .77680602, 1.8058613]]), ["y1"],
                      ["mathach:ses", "mathach:_cons", "lns1_1_1:_cons", "lnsig_e:_cons"])
    assert lines(to_text(MatrixListing("ses", ses))) == [""] + expect("""
ses[1,4]
      mathach:   mathach:  lns1_1_1:   lnsig_e:
          ses      _cons      _cons      _cons
y1  2.3914994  12.657623  .77680602  1.8058613
""")


def test_matrix_list_symmetric_and_plain():
    V = StataMatrix(np.array([[4.0, 1.0], [1.0, 9.0]]), ["a", "_cons"], ["a", "_cons"], symmetric=True)
    out = lines(to_text(MatrixListing("V", V)))
    assert out == ["", "symmetric V[2,2]", "           a  _cons", "    a      4",
                   "_cons      1      9"]
    A = StataMatrix(np.array([[1, 2], [3, 4]]))
    assert lines(to_text(MatrixListing("A", A))) == ["", "A[2,2]", "    c1  c2",
                                                     "r1   1   2",
                                                     "r2   3   4"]
    S = StataMatrix(np.array([[1, 2], [2, 1]]))  # a symmetric literal lists its lower triangle
    assert lines(to_text(MatrixListing("S", S)))[1:] == ["symmetric S[2,2]", "    c1  c2",
                                                        "r1   1", "r2   2   1"]
    assert lines(to_text(MatrixDir([("A", 2, 2), ("base", 1, 3)]))) == [
        "", "           A[2,2]", "        base[1,3]"]


# -------------------------------------------------------------------------- estimates dir
def test_estimates_dir_layout():
    out = lines(to_text(EstimatesDir([DirRow("slope", "mixed", "mathach", 6),
                                      DirRow("interaction", "mixed", "mathach", 10, "ses by sector")])))
    assert out == ["", "-" * 60,
                   "        name | command      depvar       npar  title",
                   "-" * 13 + "+" + "-" * 46,
                   "       slope | mixed        mathach         6",
                   " interaction | mixed        mathach        10  ses by sector",
                   "-" * 60]


def test_estimates_table_layout():
    rows = [TableRow("mathach", "ses", [None, 2.3914994], [None, .10569268]),
            TableRow("mathach", "_cons", [12.63707, 12.657623], [.24436813, .18800749]),
            TableRow("lnsig_e", "_cons", [1.8336797, 1.8058613], [.00841, .00841])]
    obj = EstimatesTable(["Active", "ses"], rows, show_se=True,
                         stats=[("N", [7185, 7185]), ("ll", [-23557.905, -23320.502])])
    out = lines(to_text(obj))
    assert out[1] == "-" * 40
    assert out[2] == "    Variable |   Active        ses"
    assert out[3] == "-" * 13 + "+" + "-" * 26
    assert out[4] == "mathach      |"
    assert out[5] == "         ses |               2.3914994"
    assert out[6] == "             |               .10569268"
    assert out[7] == "       _cons |   12.63707    12.657623"
    assert out[-1] == " " * 28 + "Legend: b/se"
    assert "           N |       7185         7185" in out
    assert out[out.index("           N |       7185         7185") - 1] == "Statistics   |"


def test_estimates_table_matches_real_stata_output():
    """Three single-equation models as Stata prints them (regress, `estimates table, se`)."""
    rows = [TableRow("", "shall", [-.44296458, -.47337245, -.7733207], [.04752832, .048536, .0692623]),
            TableRow("", "_cons", [6.1349189, 1.8975555, 4.8730511], [.01930393, .02196062, .02790933])]
    out = lines(to_text(EstimatesTable(["lnVio", "lnMur", "lnRob"], rows, show_se=True)))
    assert out == ["", "-" * 53,
                   "    Variable |   lnVio        lnMur        lnRob",
                   "-------------+---------------------------------------",
                   "       shall | -.44296458   -.47337245    -.7733207",
                   "             |  .04752832      .048536     .0692623",
                   "       _cons |  6.1349189    1.8975555    4.8730511",
                   "             |  .01930393    .02196062    .02790933",
                   "-" * 53,
                   " " * 41 + "Legend: b/se"]


def test_matrix_list_real_stata_layouts():
    """Shapes of `matrix list` output captured from Stata (auto data): right-aligned row
    names, columns sized by their widest entry, wrapping into blocks at the line size."""
    V = StataMatrix(np.array([[7422.863, 44.601659, -292759.82], [44.601659, .41133468, -2191.9032],
                              [-292759.82, -2191.9032, 12938766]]),
                    ["mpg", "weight", "_cons"], ["mpg", "weight", "_cons"], symmetric=True)
    assert lines(to_text(MatrixListing("e(V)", V))) == [
        "", "symmetric e(V)[3,3]",
        "               mpg      weight       _cons",
        "   mpg    7422.863",
        "weight   44.601659   .41133468",
        " _cons  -292759.82  -2191.9032    12938766"]
    names = ["mpg", "weight", "length", "turn", "trunk", "headroom", "displacement",
             "gear_ratio", "_cons"]
    b = StataMatrix(np.array([[-106.52857, 4.8527254, -80.74026, -307.76057, 105.61283,
                               -791.71181, 12.221453, 2317.7772, 12675.275]]), ["y1"], names)
    assert lines(to_text(MatrixListing("e(b)", b))) == [
        "", "e(b)[1,9]",
        "             mpg        weight        length          turn         trunk",
        "y1    -106.52857     4.8527254     -80.74026    -307.76057     105.61283",
        "",
        "        headroom  displacement    gear_ratio         _cons",
        "y1    -791.71181     12.221453     2317.7772     12675.275"]


def test_estimates_table_with_formats_matches_real_stata_output():
    """`estimates table m1 m2 m3, b(%9.3f) se(%9.3f) stats(r2 N)` (Stata 17+ output)."""
    rows = [TableRow("", "treat", [10.8, 10.797, 9.223], [.806, .816, 1.198]),
            TableRow("", "centered", [None, .51, .328], [None, .032, .125])]
    out = lines(to_text(EstimatesTable(["m1_linear", "m2_interact", "m3_quadratic"], rows, True,
                                       [("r2", [.268, .268, .271]), ("N", [1000, 1000, 1000])],
                                       cw=9, bfmt="%9.3f", sefmt="%9.3f")))
    assert out == ["", "-" * 50,
                   "    Variable | m1_linear   m2_inte~t   m3_quad~c",
                   "-------------+------------------------------------",
                   "       treat |    10.800      10.797       9.223",
                   "             |     0.806       0.816       1.198",
                   "    centered |                 0.510       0.328",
                   "             |                 0.032       0.125",
                   "-------------+------------------------------------",
                   "          r2 |     0.268       0.268       0.271",
                   "           N |      1000        1000        1000",
                   "-" * 50,
                   " " * 38 + "Legend: b/se"]
