"""oneway and loneway on hsb.dta and small data: r() against scipy/numpy computed here
(1e-10 relative), options, and the errors (with data and r() left as they were)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from session_helpers import data_session, hsb_session, run_lines, run_trimmed, state

REL = 1e-10


@pytest.fixture(scope="module")
def hsb():
    return hsb_session()


def _groups(s, y, g, rows=None):
    yv, gv = s.data.column(y), s.data.column(g)
    rows = np.ones(len(yv), bool) if rows is None else rows
    return [yv[rows & (gv == v)] for v in np.unique(gv[rows])]


def test_loneway_on_hsb_returns(hsb):
    rc, lines = run_lines(hsb, "loneway mathach id")
    assert rc == 0
    r = hsb.r.scalars
    groups = _groups(hsb, "mathach", "id")
    f, _ = stats.f_oneway(*groups)
    T = np.array([len(x) for x in groups], float)
    n0 = (7185 - (T ** 2).sum() / 7185) / 159
    assert r["rho"] == pytest.approx((f - 1) / (f - 1 + n0), rel=REL)
    assert r["rho_t"] == pytest.approx((f - 1) / f, rel=REL)
    assert r["N"] == 7185
    # the ANOVA estimator differs from mixed's ML ICC (.1793119, notes/numerics.md)
    assert r["rho"] == pytest.approx(0.17360, abs=5e-6) and abs(r["rho"] - 0.1793119) > 0.005
    msw = sum(((x - x.mean()) ** 2).sum() for x in groups) / 7025
    assert r["sd_w"] == pytest.approx(np.sqrt(msw), rel=REL)
    assert list(r) == ["N", "rho", "rho_t", "sd_b", "sd_w", "se", "ub", "lb"]   # loneway.ado
    assert "         Estimated SD within id                  6.256327" in lines
    assert "              (evaluated at n=44.89)" in lines
    assert lines[1] == "       One-way analysis of variance for mathach: mathematics achievement"


def test_loneway_level_and_abbreviation(hsb):
    run_lines(hsb, "loneway mathach id")
    rho, se = hsb.r.scalars["rho"], hsb.r.scalars["se"]
    assert run_lines(hsb, "lonew mathach id")[0] == 199     # an ado: no abbreviation
    rc, lines = run_lines(hsb, "loneway mathach id if sector == 1, l(90)")
    assert rc == 0 and "         correlation      S.E.       [90% conf. interval]" in lines
    rc, lines = run_lines(hsb, "loneway mathach id, level(99.5)")
    assert "         correlation      S.E.     [99.5% conf. interval]" in lines
    rc, _ = run_lines(hsb, "loneway mathach id, level(90)")
    z = stats.norm.ppf(0.95)
    assert hsb.r.scalars["lb"] == pytest.approx(rho - z * se, rel=REL)
    assert hsb.r.scalars["ub"] == pytest.approx(rho + z * se, rel=REL)


def test_oneway_on_hsb(hsb):
    rc, lines = run_lines(hsb, "oneway mathach minority, tabulate")
    assert rc == 0
    r = hsb.r.scalars
    groups = _groups(hsb, "mathach", "minority")
    f, _ = stats.f_oneway(*groups)
    chi2, _ = stats.bartlett(*groups)
    assert r["F"] == pytest.approx(f, rel=REL) and r["chi2bart"] == pytest.approx(chi2, rel=REL)
    assert list(r) == ["N", "F", "df_r", "mss", "df_m", "rss", "chi2bart", "df_bart"]
    assert (r["N"], r["df_m"], r["df_r"], r["df_bart"]) == (7185, 1, 7183, 1)
    assert lines[1] == "            | Summary of mathematics achievement"
    assert lines[3].endswith("|        Mean   Std. dev.       Freq.")   # label wraps
    assert "                        Analysis of variance" in lines


def test_oneway_table_options():
    s, out = data_session({
        "y": ("double", [1.0, 2, 3, 4, 6, 8, 5, np.nan]),
        "g": ("byte", [1, 1, 1, 2, 2, 2, np.nan, 2]),
    })
    lines = run_trimmed(s, out, "on y g, t noa nome o")     # oneway's minimum abbreviations
    assert lines == ["            |            Summary of y",
                     "          g |   Std. dev.       Freq.        Obs.",
                     "------------+------------------------------------",
                     "          1 |           1           3           3",
                     "          2 |           2           3           3",
                     "------------+------------------------------------",
                     "      Total |    2.607681           6           6"]
    assert s.r.scalars["N"] == 6
    # missing: the observation with g missing forms its own group
    run_trimmed(s, out, "oneway y g, missing")
    assert s.r.scalars["N"] == 7 and s.r.scalars["df_m"] == 2


def test_by_prefix_runs_per_group(hsb):
    rc, lines = run_lines(hsb, "bysort sector: loneway mathach id")
    assert rc == 0 and sum("Intraclass" in ln for ln in lines) == 2
    assert hsb.r.scalars["N"] == 3543     # the last group's results


@pytest.mark.parametrize("cmd, rc, first", [
    ("oneway schoolid_s sector", 109, "string variables not allowed in varlist;"),
    ("oneway mathach sector if sector == 1", 2001, "insufficient observations"),
    ("loneway mathach id if mathach > 1000", 2000, "no observations"),
    ("oneway mathach", 102, "too few variables specified"),
    ("oneway mathach sector ses", 103, "too many variables specified"),
    ("oneway mathach sector, bonferoni", 198, "option bonferoni not allowed"),
    ("oneway mathach sector [aw=ses]", 101, "aweights not allowed"),
    ("oneway mathach sector [fw=ses]", 402, "negative weights encountered"),
    ("loneway mathach id [fw=size]", 101, "fweights not allowed"),
    ("loneway mathach id [aw=size], exact", 135, "Exact option not available with weights."),
    ("loneway mathach id, mean median", 105, "Median and mean options are mutually exclusive."),
    ("loneway mathach id, exact", 105,
     "Balanced data (equal groups) required for exact confidence interval."),
    ("loneway mathach id, level(5)", 198, "level() must be between 10 and 99.99 inclusive"),
    ("oneway mathach sector, means nomeans tab", 198,
     "options means and nomeans may not be combined"),
])
def test_errors_leave_state(cmd, rc, first):
    s = hsb_session()
    s.run("generate str4 schoolid_s = id")
    s.run("summarize ses")
    before, r_before = state(s), dict(s.r.scalars)
    got, lines = run_lines(s, cmd)
    assert got == rc and lines[0] == first
    assert state(s) == before and s.r.scalars == r_before


def test_zero_variance_and_negative_icc_do_not_fail():
    s, out = data_session({"y": ("double", [1.0, 1, 2, 2]), "g": ("byte", [1, 1, 2, 2])})
    lines = run_trimmed(s, out, "oneway y g")
    assert "Between groups" in lines[3] and lines[3].split()[-2:] == [".", "."]
    run_trimmed(s, out, "loneway y g")
    assert np.isnan(s.r.scalars["rho"]) and np.isnan(s.r.scalars["se"])
    s, out = data_session({"y": ("double", [1.0, 5, 2, 6, 3, 4]), "g": ("byte", [1, 1, 2, 2, 3, 3])})
    lines = run_trimmed(s, out, "loneway y g")
    r = s.r.scalars
    assert r["rho"] == 0 and np.isnan(r["sd_b"]) and r["lb"] == 0
    assert lines[-2:] == ["", "(*) Truncated at zero."]
    # rho = 0: se = sqrt(2 / n0^2 (1/(N-k) + 1/(k-1))) = sqrt(.5 (1/3 + 1/2))
    assert lines[15] == "            0.00000*    0.64550       0.00000     1.26515"


LIBIDO = {  # Field's Viagra data, as in a public log of `oneway libido dose, bonferroni scheffe`
    "libido": ("byte", [7, 4, 5, 3, 6, 5, 2, 4, 2, 3, 3, 2, 1, 1, 4]),
    "dose": ("byte", [1] * 5 + [2] * 5 + [3] * 5),
}


def test_multiple_comparisons_match_public_log():
    # The public log is Stata 16 ("Analysis of Variance", "Bartlett's test for equal
    # variances:  chi2(2) =   0.1853  Prob>chi2 = 0.912"); everything else is as printed.
    s, out = data_session(LIBIDO)
    s.run("label define d 1 HighDose 2 LowDose 3 Placebo")
    s.run("label values dose d")
    lines = run_trimmed(s, out, "oneway libido dose, bonferroni scheffe")
    assert lines[3:7] == [
        "Between groups      20.1333333      2   10.0666667      5.12     0.0247",
        " Within groups            23.6     12   1.96666667",
        "------------------------------------------------------------------------",
        "    Total           43.7333333     14   3.12380952"]
    assert lines[8] == "Bartlett's equal-variances test: chi2(2) =   0.1853    Prob>chi2 = 0.912"
    assert lines[9:] == [
        "",
        "                         Comparison of libido by dose",
        "                                (Bonferroni)",
        "Row Mean-|",
        "Col Mean |   HighDose    LowDose",
        "---------+----------------------",
        " LowDose |       -1.8",
        "         |      0.196",
        "         |",
        " Placebo |       -2.8         -1",
        "         |      0.025      0.845",
        "",
        "                         Comparison of libido by dose",
        "                                  (Scheffe)",
        "Row Mean-|",
        "Col Mean |   HighDose    LowDose",
        "---------+----------------------",
        " LowDose |       -1.8",
        "         |      0.170",
        "         |",
        " Placebo |       -2.8         -1",
        "         |      0.027      0.547"]


def test_comparisons_split_into_panels_unless_wrap():
    rng = np.random.default_rng(0)
    s, out = data_session({"y": ("double", rng.normal(size=40)),
                           "g": ("byte", np.repeat(np.arange(1, 9), 5))})
    lines = run_trimmed(s, out, "oneway y g, sidak noanova")
    heads = [ln for ln in lines if ln.startswith("Col Mean |")]
    assert len(heads) == 2 and heads[1] == "Col Mean |          7"
    assert lines.count(" " * 35 + "(Sidak)") == 1
    lines = run_trimmed(s, out, "oneway y g, sidak noanova wrap")
    assert [ln for ln in lines if ln.startswith("Col Mean |")] == [
        "Col Mean |" + "".join(f"{v:>11}" for v in range(1, 8))]


def test_loneway_aweights_as_loneway_ado(hsb):
    # weights scaled to mean 1 for the sums of squares; n0 from the groups' sums of the
    # weights as given; no asymptotic SE with weights (loneway.ado)
    rc, lines = run_lines(hsb, "loneway mathach id [aw=size] if sector == 1")
    assert rc == 0
    rows = hsb.data.column("sector") == 1
    y, w = hsb.data.column("mathach")[rows], hsb.data.column("size")[rows]
    g = hsb.data.column("id")[rows]
    wn = w / w.mean()
    ids = sorted(set(g.tolist()))
    ssw = sum((wn[g == v] * (y[g == v] - np.average(y[g == v], weights=w[g == v])) ** 2).sum()
              for v in ids)
    sst = (wn * (y - np.average(y, weights=w)) ** 2).sum()
    k, N = len(ids), len(y)
    F = (sst - ssw) / (k - 1) / (ssw / (N - k))
    T = np.array([w[g == v].sum() for v in ids])
    n0 = (T.sum() - (T ** 2).sum() / T.sum()) / (k - 1)
    r = hsb.r.scalars
    assert r["rho"] == pytest.approx((F - 1) / (F - 1 + n0), rel=1e-9)
    assert r["sd_w"] == pytest.approx(np.sqrt(ssw / (N - k)), rel=1e-9)
    assert r["sd_b"] == pytest.approx(np.sqrt(((sst - ssw) / (k - 1) - ssw / (N - k)) / n0), rel=1e-9)
    assert np.isnan(r["se"]) and np.isnan(r["lb"]) and r["N"] == N
    assert lines[16] == "            " + f"{r['rho']:.5f}" + "           .             .           ."


def test_oneway_fweights_equal_expanded_data():
    cols = {"y": ("double", [1.0, 2, 3, 4, 5, 6]), "g": ("byte", [0, 0, 0, 1, 1, 1]),
            "f": ("byte", [2, 3, 1, 2, 3, 1])}
    s, out = data_session(cols)
    lines = run_trimmed(s, out, "oneway y g [fw=f], tabulate")
    weighted = dict(s.r.scalars)
    assert lines[1].endswith("Mean   Std. dev.       Freq.        Obs.")   # Obs. added
    assert lines[3] == "          0 |   1.8333333   .75277265           6           3"
    assert lines[6] == "      Total |   3.3333333   1.7232809          12           6"
    e, out2 = data_session(cols)
    run_trimmed(e, out2, "expand f")
    expanded = run_trimmed(e, out2, "oneway y g, tabulate noobs")
    assert e.r.scalars == pytest.approx(weighted, rel=1e-12, abs=1e-12)
    assert expanded[7:] == lines[7:]       # the same ANOVA table and Bartlett line
