"""contrast and pwcompare over posted results with fixed b and V (no fit).

References written out here: asbalanced margins as explicit formulas in b (continuous
covariates at their sample mean), contrasts L m with SE sqrt(J V J'), Wald chi2 d'(Vd)^-1 d,
Bonferroni/Sidak adjustments from their definitions. Tolerance 1e-10 relative."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix
from session_helpers import data_session, run_lines
from test_margins import B, NAMES, V, X, session

H = np.array([0, 1, 2, 2, 1, 0, 1, 2], dtype=float)
HN = ["y:0b.h", "y:1.h", "y:2.h", "y:_cons"]
HB = np.array([0.0, 1.0, 3.0, 5.0])
HV = np.array([[0, 0, 0, 0], [0, .2, .05, -.05], [0, .05, .3, -.06], [0, -.05, -.06, .1]])


def h_session(df_r=None):
    s, _ = data_session({"h": ("byte", H), "y": ("double", H)})
    sc = {"N": 8} if df_r is None else {"N": 8, "df_r": df_r}
    s.estimates.post(EstimationResult(
        cmd="fake", scalars=sc, macros={"depvar": "y"},
        matrices={"b": StataMatrix(HB.reshape(1, -1), ["y1"], HN),
                  "V": StataMatrix(HV, HN, HN, symmetric=True)},
        sample=np.ones(8, bool)))
    return s


def test_reference_contrast_with_covariate_at_its_mean():
    s = session()
    rc, lines = run_lines(s, "contrast r.g")
    assert rc == 0
    J = np.array([0, 0, 1, 0, X.mean(), 0, 0])
    d, se = J @ B, math.sqrt(J @ V @ J)
    assert s.r.matrices["b"].values[0, 0] == pytest.approx(d, rel=1e-10)
    assert s.r.matrices["table"].values[1, 0] == pytest.approx(se, rel=1e-10)
    assert s.r.matrices["chi2"].values[0, 0] == pytest.approx((d / se) ** 2, rel=1e-10)
    assert "Contrasts of marginal linear predictions" in lines
    assert "Margins: asbalanced" in lines
    assert "             |         df        chi2     P>chi2" in lines
    assert "             |   Contrast   Std. err.     [95% conf. interval]" in lines
    assert "   (1 vs 0)  |" in "\n".join(lines)


def test_adjacent_contrasts_joint_F_test():
    s = h_session(df_r=30)
    rc, lines = run_lines(s, "contrast ar.h")
    assert rc == 0
    L = np.array([[0, 1, 0, 0], [0, -1, 1, 0.0]])
    d, Vd = L @ HB, L @ HV @ L.T
    F = float(d @ np.linalg.solve(Vd, d)) / 2
    assert s.r.matrices["F"].values[0, 0] == pytest.approx(F, rel=1e-10)
    assert s.r.matrices["p"].values[0, 0] == pytest.approx(stats.f.sf(F, 2, 30), rel=1e-10)
    assert s.r.matrices["b"].values.reshape(-1) == pytest.approx(d, rel=1e-12)
    assert any(line.startswith(" Denominator |") for line in lines)
    assert any(line.startswith("      Joint  |") for line in lines)


@pytest.mark.parametrize("method", ["bonferroni", "sidak"])
def test_pairwise_with_multiple_comparison_adjustment(method):
    s = h_session()
    rc, lines = run_lines(s, f"pwcompare h, mcompare({method}) effects")
    assert rc == 0
    L = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [0, -1, 1, 0.0]])
    d, Vd = L @ HB, L @ HV @ L.T
    se = np.sqrt(np.diag(Vd))
    p = 2 * stats.norm.sf(np.abs(d / se))
    if method == "bonferroni":
        padj, crit = np.minimum(1, 3 * p), stats.norm.ppf(1 - .05 / 6)
    else:
        padj, crit = 1 - (1 - p) ** 3, stats.norm.ppf(1 - (1 - .95 ** (1 / 3)) / 2)
    table = s.r.matrices["table"].values
    assert table[3] == pytest.approx(padj, rel=1e-10)
    assert table[4] == pytest.approx(d - crit * se, rel=1e-10)
    assert "   Number of" in "\n".join(lines)


@pytest.mark.parametrize("line, rc", [("contrast x", 322), ("contrast q.g", 198),
                                      ("pwcompare r.g", 198), ("contrast", 198),
                                      ("pwcompare g, mcompare(tukey)", 198),
                                      ("contrast zz", 111)])
def test_bad_input(line, rc):
    assert session().run(line) == rc


def test_one_comparison_ignores_mcompare_as_stata_17_notes_it():
    # a Stata 17 log (`pwcompare i.AgentType#c.Congruence1, effects mcompare(bonferroni)`
    # with one comparison) prints the note, then the Unadjusted table
    s = session()
    rc, lines = run_lines(s, "pwcompare g, effects mcompare(bonferroni)")
    assert rc == 0
    k = lines.index("note: option bonferroni ignored since there is only one comparison")
    assert lines[k + 1] == "-" * 78
    assert lines[k + 2] == "             |                            Unadjusted           Unadjusted"
    assert lines[k + 3] == \
        "             |   Contrast   Std. err.      z    P>|z|     [95% conf. interval]"
    assert "      1 vs 0  |" not in lines and any(x.startswith("     1 vs 0  |") for x in lines)


# ------------------------------------------------------------- interactions: a#b terms
@pytest.fixture(scope="module")
def inter():
    from session_helpers import hsb_after
    return hsb_after("egen sz = cut(size), group(3)",
                     "quietly regress mathach i.sz##i.sector ses")


def test_interaction_joint_test_equals_the_wald_test_of_its_coefficients(inter):
    """In the saturated a##b model the interaction contrasts are the a#b coefficients, so
    the joint test is `test` of them (an independent route through test; tol 1e-9)."""
    rc, lines = run_lines(inter, "contrast sz#sector")
    assert rc == 0 and any(ln.startswith("   sz#sector |          2") for ln in lines)
    F = inter.r.matrices["F"].values[0, 0]
    assert inter.r.matrices["df"].values[0, 0] == 2
    run_lines(inter, "test 1.sz#1.sector 2.sz#1.sector")
    assert F == pytest.approx(inter.r.scalars["F"], rel=1e-9)


def test_interaction_contrasts_are_the_coefficients(inter):
    e = inter.estimates.active
    b = dict(zip(e.matrices["b"].colnames, e.matrices["b"].values.ravel()))
    rc, lines = run_lines(inter, "contrast r.sz#r.sector")
    assert rc == 0
    assert [ln.split("|")[0].strip() for ln in lines if ln.startswith("(")][-2:] == \
        ["(1 vs 0) (1 vs 0)", "(2 vs 0) (1 vs 0)"]
    got = inter.r.matrices["b"]
    assert got.colnames == ["1vs0.sz#1vs0.sector", "2vs0.sz#1vs0.sector"]
    np.testing.assert_allclose(got.values.ravel(), [b["1.sz#1.sector"], b["2.sz#1.sector"]],
                               rtol=1e-9)


def test_pwcompare_of_cells_are_differences_of_the_cell_margins(inter):
    """Cell margins from `margins sz#sector, atmeans` (ses at its mean; no other factor, so
    the balanced margins pwcompare uses); tol 1e-9."""
    run_lines(inter, "margins sz#sector, atmeans")
    m = inter.r.matrices["b"].values.ravel()          # cells (0 0) (0 1) (1 0) ... (2 1)
    rc, lines = run_lines(inter, "pwcompare sz#sector")
    assert rc == 0 and "(2 1) vs (0 0)  |" in "\n".join(lines)
    got = inter.r.matrices["b"]
    assert len(got.colnames) == 15 and got.colnames[0] == "0vs0.sz#1vs0.sector"
    pairs = [(j, i) for i in range(6) for j in range(i + 1, 6)]
    np.testing.assert_allclose(got.values.ravel(), [m[j] - m[i] for j, i in pairs],
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("line", ["contrast r.sz#sector", "contrast sz#sz",
                                  "contrast sz#sector#ses", "pwcompare r.sz#r.sector"])
def test_interaction_refusals(inter, line):
    assert run_lines(inter, line)[0] == 198
