"""spearman, ktau, ranksum, signrank, signtest, kwallis: r() against scipy.stats (the
fixture tests/fixtures/stattests_reference.json, made by stattests_reference.py beside it;
tolerance 1e-10 relative, p-values included), the layouts from fixed numbers, and the
errors (with data and r() unchanged)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_helpers import data_session, hsb_session, run_lines

REL = 1e-10
REF = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                  "stattests_reference.json").read_text())


@pytest.fixture(scope="module")
def hsb():
    return hsb_session()


@pytest.fixture(scope="module")
def small():
    cols = REF["small"]
    s, _ = data_session({k: ("double", [float(v) for v in vals]) for k, vals in cols.items()})
    return s


def _check(session, cmd, key, names=None):
    rc, lines = run_lines(session, cmd)
    assert rc == 0, lines
    ref = REF[key]
    for name in names or ref:
        assert session.r.scalars[name] == pytest.approx(ref[name], rel=REL, abs=0), name
    return lines


HSB_CASES = [("spearman mathach ses", "spearman mathach ses"),
             ("spearman mathach ses if sector==1", "spearman mathach ses if sector==1"),
             ('ktau mathach ses if sector==1 & id<"1500"',
              'ktau mathach ses if sector==1 & id<"1500"'),
             ("ranksum mathach, by(sector) porder", "ranksum mathach, by(sector)"),
             ("ranksum ses, by(minority) porder", "ranksum ses, by(minority)"),
             ("signrank mathach = 12 if sector==1", "signrank mathach = 12 if sector==1"),
             ("signtest mathach = 13", "signtest mathach = 13"),
             ('kwallis mathach if id<"1400", by(id)', 'kwallis mathach if id<"1400", by(id)'),
             ("kwallis ses, by(minority)", "kwallis ses, by(minority)")]


@pytest.mark.parametrize("cmd,key", HSB_CASES)
def test_hsb_against_scipy(hsb, cmd, key):
    _check(hsb, cmd, key)


SMALL_CASES = [("spearman x y", "spearman x y (small)"), ("ktau x y", "ktau x y (small)"),
               ("ranksum x if g<2, by(g) porder", "ranksum x if g<2, by(g) (small)"),
               ("signrank x = y", "signrank x = y (small)"),
               ("signtest x = y", "signtest x = y (small)"),
               ("ranksum u if g<2, by(g)", "ranksum u if g<2, by(g) (small, no ties)"),
               ("signrank u = 8.6", "signrank u = 8.6 (small, no ties)"),
               ("kwallis x, by(g)", "kwallis x, by(g) (small)")]


@pytest.mark.parametrize("cmd,key", SMALL_CASES)
def test_small_ties_against_scipy(small, cmd, key):
    _check(small, cmd, key)


def test_spearman_matrix_returns(hsb):
    rc, lines = run_lines(hsb, "spearman mathach ses minority, stats(rho p) bonferroni")
    assert rc == 0
    rho, p = hsb.r.matrices["Rho"], hsb.r.matrices["P"]
    ref = REF["spearman mathach ses"]
    assert rho.values[1][0] == pytest.approx(ref["rho"], rel=REL)
    assert p.values[1][0] == pytest.approx(min(1, 3 * ref["p"]), rel=REL)
    assert hsb.r.scalars["rho"] == pytest.approx(rho.values[2][1], rel=REL)   # last pair
    assert lines[0] == "(obs=7185)"
    assert lines[2] == "+-----------------+" and lines[5] == "|   rho           |"
    assert lines[6] == "|   Sig. level    |"
    assert lines[9] == "             |  mathach      ses minority"
    assert lines[14:16] == ["         ses |   0.3542   1.0000", "             |   0.0000"]


def test_pair_layouts(small):
    rc, lines = run_lines(small, "spearman x y")
    ref = REF["spearman x y (small)"]
    assert lines[1:6] == [" Number of obs =      15", f"Spearman's rho = {ref['rho']:12.4f}", "",
                         "Test of H0: x and y are independent",
                         f"    Prob > |t| = {ref['p']:12.4f}", ""][:5]
    rc, lines = run_lines(small, "ktau x y")
    k = REF["ktau x y (small)"]
    assert lines[1:9] == ["  Number of obs =      15", f"Kendall's tau-a = {k['tau_a']:12.4f}",
                          f"Kendall's tau-b = {k['tau_b']:12.4f}",
                          f"Kendall's score = {k['score']:7.0f}",
                          f"    SE of score = {k['se_score']:11.3f}   (corrected for ties)", "",
                          "Test of H0: x and y are independent",
                          f"     Prob > |z| = {k['p']:12.4f}  (continuity corrected)"]


def test_ranksum_layout_fixed_numbers():
    """The numbers of a public Stata 17+ log of ranksum, laid out as that log shows them."""
    from hlmshell.render import to_text
    from hlmshell.render.rank_tests import RanksumOutput
    text = to_text(RanksumOutput("cates", "nosc10d_a", ("0", "1"), 36, 50, 1595, 13050.0,
                                 11997.33, 0.265, 0.7912, None, 0.7941))
    assert text.split("\n") == [
        "", "Two-sample Wilcoxon rank-sum (Mann\u2013Whitney) test", "",
        "       cates |      Obs    Rank sum    Expected",
        "-------------+---------------------------------",
        "           0 |       36        1595        1566",
        "           1 |       50        2146        2175",
        "-------------+---------------------------------",
        "    Combined |       86        3741        3741", "",
        "Unadjusted variance    13050.00",
        "Adjustment for ties    -1052.67",
        "                     ----------",
        "Adjusted variance      11997.33", "",
        "H0: nosc10~a(cates==0) = nosc10~a(cates==1)",
        "         z =  0.265",
        "Prob > |z| = 0.7912",
        "Exact prob = 0.7941"]
    text = to_text(RanksumOutput("foreign", "mpg", ("Domestic", "Foreign"), 52, 22, 1688.5,
                                 7150.0, 7113.0475, -3.4408, 0.0005799, 0.2769))
    assert text.split("\n")[-2:] == [
        "", "P{mpg(foreign==Domestic) > mpg(foreign==Foreign)} = 0.277"]


def test_signrank_and_kwallis_layouts():
    """signrank: the numbers of a public Stata 17+ log, laid out as it shows them."""
    from hlmshell.render import to_text
    from hlmshell.render.rank_tests import KwallisOutput, SignrankOutput
    lines = to_text(SignrankOutput("CurrentRatio = 2", 19, 79, 1, 1087.5, 3861.5, 82087.5,
                                   -0.25, 82058.375, -4.842, 1e-6, 2e-6)).split("\n")
    assert lines[1:] == [
        "Wilcoxon signed-rank test", "",
        "        Sign |      Obs   Sum ranks    Expected",
        "-------------+---------------------------------",
        "    Positive |       19      1087.5      2474.5",
        "    Negative |       79      3861.5      2474.5",
        "        Zero |        1           1           1",
        "-------------+---------------------------------",
        "         All |       99        4950        4950", "",
        "Unadjusted variance    82087.50",
        "Adjustment for ties      -28.88",
        "Adjustment for zeros      -0.25",
        "                     ----------",
        "Adjusted variance      82058.38", "",
        "H0: CurrentRatio = 2",
        "         z = -4.842",
        "Prob > |z| = 0.0000",
        "Exact prob = 0.0000"]
    lines = to_text(KwallisOutput("race", ["white", "black"], [10, 12], [101.5, 151.5], 1.234,
                                  1.25, 1, 0.2666, 0.26355)).split("\n")
    assert lines[3:9] == ["  +------------------------+",
                          "  |  race | Obs | Rank Sum |",
                          "  |-------+-----+----------|",
                          "  | white |  10 |   101.50 |",
                          "  | black |  12 |   151.50 |",
                          "  +------------------------+"]
    assert lines[10:] == ["chi-squared =     1.234 with 1 d.f.", "probability =     0.2666", "",
                          "chi-squared with ties =     1.250 with 1 d.f.",
                          "probability =     0.2636"]


def test_ranksum_labels_and_group1(hsb):
    rc, lines = run_lines(hsb, 'ranksum mathach if id<"1290", by(id)')
    assert rc == 0 and hsb.r.scalars["group1"] == 1      # encoded string groups
    assert lines[5].startswith("        1224 |") and lines[6].startswith("        1288 |")


@pytest.mark.parametrize("cmd,rc,message", [
    ("ranksum mathach, by(id)", 499, "more than 2 groups found, only 2 allowed"),
    ("ranksum mathach if sector==1, by(sector)", 499, "1 group found, 2 required"),
    ("ranksum mathach", 198, "option by() required"),
    ("ranksum mathach, by(sector) exact", 459,
     "number of observations must be <= 1,000 for exact option"),
    ("ranksum mathach, by(sector) exact noexact", 198, "only one of exact or noexact"),
    ("signrank mathach = 0, exact", 459,
     "number of observations must be <= 2,000 for option exact"),
    ("ranksum id, by(sector)", 109, "string variables not allowed"),
    ("ranksum mathach if mathach > 100, by(sector)", 2000, "no observations"),
    ("kwallis mathach if sector==1, by(sector)", 498, "at least two populations are required"),
    ("kwallis mathach", 198, "option by() required"),
    ("spearman mathach", 102, "too few variables specified"),
    ("spearman mathach id", 102, "too few variables specified"),
    ("spearman mathach ses, star(2)", 198, "star() must be between 0 and 1"),
    ("spearman mathach ses, stats(tau)", 198, "stats() must contain one or more of"),
    ("spearman mathach ses minority, bonferroni sidak", 198, "only one of bonferroni and sidak"),
    ("ktau mathach ses in 1/2", 2001, "insufficient observations"),
    ("signrank mathach = id", 109, "type mismatch"),
    ("signrank mathach", 198, ""),
    ("signrank mathach = 1 if mathach > 100", 2000, "no observations"),
])
def test_errors_leave_state(hsb, cmd, rc, message):
    hsb.run("spearman mathach ses")
    before = dict(hsb.r.scalars)
    nobs = hsb.data.nobs
    got, lines = run_lines(hsb, cmd)
    assert got == rc, lines
    assert message in "\n".join(lines)
    assert hsb.r.scalars == before and hsb.data.nobs == nobs


def test_string_variable_note(hsb):
    rc, lines = run_lines(hsb, "spearman mathach ses id")
    assert rc == 0 and lines[0] == "(id ignored because string variable)"


def test_by_prefix(hsb):
    rc, lines = run_lines(hsb, "by sector, sort: ranksum mathach, by(minority)")
    assert rc == 0
    assert sum("Two-sample Wilcoxon" in ln for ln in lines) == 2


def test_kendall_score_against_all_pairs():
    """The O(n log^2 n) score against the plain sum over all pairs (ties in x, y, both)."""
    import numpy as np
    from hlmshell.models.rank_tests import _score
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 3, 5, 17, 64, 129):
        x = rng.integers(0, 6, n).astype(float)
        y = rng.integers(0, 5, n).astype(float)
        ref = sum(int(np.sign(x[i] - x[j]) * np.sign(y[i] - y[j]))
                  for i in range(n) for j in range(i + 1, n))
        assert _score(x, y) == ref


def test_exact_lines(hsb):
    """Exact p by default up to 200 observations; the note between 200 and the limit."""
    rc, lines = run_lines(hsb, 'ranksum mathach if id<"1290", by(id)')
    assert lines[-3].startswith("Exact prob = ") and "p_exact" in hsb.r.scalars
    rc, lines = run_lines(hsb, 'ranksum mathach if id<"1290", by(id) noexact')
    assert lines[-3].startswith("Prob > |z| =") and "p_exact" not in hsb.r.scalars
    rc, lines = run_lines(hsb, 'signrank mathach = 12 if id<"1400"')
    assert lines[-5:-2] == ["", "Note: Exact p-value is not computed by default for sample "
                                "sizes > 200.", "      Use option exact to compute it."]
    rc, lines = run_lines(hsb, 'signrank mathach = 12 if id<"1400", exact')
    assert lines[-3].startswith("Exact prob = ")


def test_exact_distributions_against_enumeration():
    """Exact p-values against every permutation (ties, zeros, unequal groups), 1e-12."""
    import itertools

    import numpy as np
    from hlmshell.models.rank_tests import average_ranks, exact_ranksum, exact_signrank
    rng = np.random.default_rng(5)
    for _ in range(15):
        n = int(rng.integers(2, 10))
        x = rng.integers(0, 4, n).astype(float)
        first = np.zeros(n, bool)
        first[rng.permutation(n)[:int(rng.integers(1, n))]] = True
        r = average_ranks(x)[0]
        w, e = r[first].sum(), first.sum() * (n + 1) / 2
        sums = np.array([r[list(c)].sum()
                         for c in itertools.combinations(range(n), int(first.sum()))])
        got = exact_ranksum(x, first)
        assert got.p == pytest.approx((np.abs(sums - e) >= abs(w - e) - 1e-9).mean(), rel=1e-12)
        assert got.p_l == pytest.approx((sums <= w + 1e-9).mean(), rel=1e-12)
        d = rng.integers(-3, 4, n).astype(float)
        r = average_ranks(np.abs(d))[0]
        t = (np.sign(d) * r).sum()
        vals = np.array([(np.array(s) * r[d != 0]).sum()
                         for s in itertools.product([-1, 1], repeat=int((d != 0).sum()))])
        got = exact_signrank(d)
        assert got.p == pytest.approx((np.abs(vals) >= abs(t) - 1e-9).mean(), rel=1e-12)
        assert got.p_u == pytest.approx((vals >= t - 1e-9).mean(), rel=1e-12)
