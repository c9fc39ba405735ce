"""ttest and ttesti on hsb.dta and small data: r() against scipy.stats (1e-10 relative),
the `==` forms, by() groups and labels, and the errors (with data and r() unchanged)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from session_helpers import data_session, hsb_session, run_lines, state

REL = 1e-10


@pytest.fixture(scope="module")
def hsb():
    return hsb_session()


def test_two_sample_by_sector(hsb):
    rc, lines = run_lines(hsb, "ttest mathach, by(sector)")
    assert rc == 0
    y, g = hsb.data.column("mathach"), hsb.data.column("sector")
    ref = stats.ttest_ind(y[g == 0], y[g == 1])
    r = hsb.r.scalars
    assert r["t"] == pytest.approx(ref.statistic, rel=REL)
    assert r["p"] == pytest.approx(ref.pvalue, rel=1e-8)
    assert (r["N_1"], r["N_2"], r["df_t"]) == (3642, 3543, 7183)
    assert r["mu_1"] == pytest.approx(y[g == 0].mean(), rel=REL)
    assert r["sd"] == pytest.approx(y.std(ddof=1), rel=REL)
    assert list(r) == ["N_1", "mu_1", "N_2", "mu_2", "df_t", "t", "p", "p_l", "p_u", "se",
                       "sd_1", "sd_2", "sd", "level"]   # ttesti.ado's order
    assert lines[1] == "Two-sample t test with equal variances"
    assert lines[12] == "    diff = mean(0) - mean(1)                                      t = -17.6598"


def test_unequal_and_welch(hsb):
    y, g = hsb.data.column("mathach"), hsb.data.column("minority")
    a, b = y[g == 0], y[g == 1]
    run_lines(hsb, "ttest mathach, by(minority) unequal")
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert hsb.r.scalars["t"] == pytest.approx(ref.statistic, rel=REL)
    assert hsb.r.scalars["df_t"] == pytest.approx(ref.df, rel=REL)
    rc, lines = run_lines(hsb, "ttest mathach, by(minority) welch level(90)")
    v1, v2 = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    welch = (v1 + v2) ** 2 / (v1 ** 2 / (len(a) + 1) + v2 ** 2 / (len(b) + 1)) - 2
    assert hsb.r.scalars["df_t"] == pytest.approx(welch, rel=REL)
    assert any("Welch's degrees of freedom =" in ln for ln in lines)
    assert "[90% conf. interval]" in lines[3]


def test_one_sample_paired_unpaired(hsb):
    y, ses, size = (hsb.data.column(v) for v in ("mathach", "ses", "size"))
    rc, lines = run_lines(hsb, "ttest mathach == 12 if size < 500")
    ref = stats.ttest_1samp(y[size < 500], 12)
    assert hsb.r.scalars["t"] == pytest.approx(ref.statistic, rel=REL)
    assert lines[8].startswith("H0: mean = 12  ") and "Ha: mean != 12" in lines[10]
    run_lines(hsb, "ttest mathach = ses")          # one `=` works too
    ref = stats.ttest_rel(y, ses)
    assert hsb.r.scalars["t"] == pytest.approx(ref.statistic, rel=REL)
    run_lines(hsb, "ttest mathach == ses, unpaired")
    ref = stats.ttest_ind(y, ses)
    assert hsb.r.scalars["t"] == pytest.approx(ref.statistic, rel=REL)
    assert list(hsb.r.scalars) == ["N_1", "mu_1", "N_2", "mu_2", "df_t", "t", "p", "p_l",
                                   "p_u", "se", "sd_1", "sd_2", "sd", "level"]
    run_lines(hsb, "ttest mathach == ses")
    assert "sd" not in hsb.r.scalars and "sd_2" in hsb.r.scalars     # paired
    rc, lines = run_lines(hsb, "ttest mathach == 12.50")  # the value as typed
    assert lines[8].startswith("H0: mean = 12.50  ") and "Ha: mean > 12.50" in lines[10]
    assert list(hsb.r.scalars) == ["N_1", "mu_1", "df_t", "t", "p", "p_l", "p_u", "se",
                                   "sd_1", "level"]


def test_string_groups_and_labels_truncated():
    s, out = data_session({
        "y": ("double", [1.0, 2, 3, 4, 5, 7]),
        "grp": ("str12", ["a long label"] * 3 + ["another one"] * 3),
    })
    rc, lines = run_lines(s, "ttest y, by(grp)")
    assert rc == 0
    assert lines[5].startswith("a long l |       3") and lines[6].startswith("another  |")
    assert lines[12].startswith("    diff = mean(a long l) - mean(another )")


def test_ttesti_forms():
    s, out = data_session({"y": ("double", [1.0])})
    rc, lines = run_lines(s, "ttesti 24 62.6 15.8 75")
    assert rc == 0 and lines[5] == (
        "       x |      24        62.6    3.225161        15.8    55.92825    69.27175")
    t = (62.6 - 75) / (15.8 / np.sqrt(24))
    assert s.r.scalars["t"] == pytest.approx(t, rel=REL)
    run_lines(s, "ttesti 20 20 5 32 15 4, unequal")
    ref = stats.ttest_ind_from_stats(20, 5, 20, 15, 4, 32, equal_var=False)
    assert s.r.scalars["t"] == pytest.approx(ref.statistic, rel=REL)
    assert s.r.scalars["p"] == pytest.approx(ref.pvalue, rel=1e-9)


@pytest.mark.parametrize("cmd, rc, first", [
    ("ttest mathach, by(size)", 420, "more than 2 groups found, only 2 allowed"),
    ("ttest mathach if sector == 1, by(sector)", 420, "1 group found, 2 required"),
    ("ttest mathach", 100, "by() option required"),
    ("ttest schoolid_s == 3", 109, "string variables not allowed in varlist;"),
    ("ttest mathach == 3 if mathach > 999", 2000, "no observations"),
    ("ttest mathach == 3, unequal", 198, "unequal option invalid for one-sample or paired tests"),
    ("ttest mathach == ses, welch", 198, "welch option invalid for one-sample or paired tests"),
    ("ttest mathach == 3, by(sector)", 198, "may not combine = and option by()"),
    ("ttest mathach == 3, reverse", 198, "may not combine = and option reverse"),
    ("ttest mathach == 2*6", 198, "2*6 invalid name"),
    ("ttest mathach == nosuch", 111, "variable nosuch not found"),
    ("ttest mathach == 3, unpaired", 198, "3 invalid name"),
    ("ttest mathach [fw=size], by(sector)", 101, "weights not allowed"),
    ("ttest mathach, by(sector) bogus", 198, "option bogus not allowed"),
    ("ttesti 10 1 2", 198, "either four arguments for a one-sample test or six arguments "
                           "for a two-sample test must be specified"),
    ("ttesti 10 1 2 3 4 5 6", 198, "invalid syntax"),
    ("ttesti 10 1 -2 0", 411, "standard deviation is negative"),
    ("ttesti 10 a 2 0", 7, "'a' found where number expected"),
    ("ttesti 2.5 1 2 0", 7, "'2.5' found where integer expected"),
    ("ttesti 0 1 2 0", 2000, "no observations"),
    ("ttesti 1 1 2 0", 499, "only one observation, but positive standard deviation"),
    ("ttesti 5 1 2 5 . 1", 416, "mean of second sample is missing"),
    ("ttesti 5 1 2 0 1 1", 2000, "second sample has no observations"),
    ("ttesti 5 1 2 .", 416, "hypothesized value is missing"),
    ("ttesti 5 1 2 3, unequal", 198, "option unequal not allowed"),
])
def test_errors_leave_state(cmd, rc, first):
    s = hsb_session()
    s.run("generate str4 schoolid_s = id")
    s.run("summarize ses")
    before, r_before = state(s), dict(s.r.scalars)
    got, lines = run_lines(s, cmd)
    assert got == rc and lines[0] == first
    assert state(s) == before and s.r.scalars == r_before


def test_bysort_prefix(hsb):
    rc, lines = run_lines(hsb, "bysort sector: ttest mathach if ses > 0, by(minority)")
    assert rc == 0 and lines.count("-> sector = 0") == 1 and lines.count("-> sector = 1") == 1
    y, ses, sec, mi = (hsb.data.column(v) for v in ("mathach", "ses", "sector", "minority"))
    rows = (ses > 0) & (sec == 1)
    ref = stats.ttest_ind(y[rows & (mi == 0)], y[rows & (mi == 1)])
    assert hsb.r.scalars["t"] == pytest.approx(ref.statistic, rel=REL)   # the last group's


def test_reverse_swaps_the_groups(hsb):
    y, g = hsb.data.column("mathach"), hsb.data.column("sector")
    rc, lines = run_lines(hsb, "ttest mathach, by(sector) reverse")
    assert rc == 0 and hsb.r.scalars["mu_1"] == pytest.approx(y[g == 1].mean(), rel=REL)
    assert lines[12].startswith("    diff = mean(1) - mean(0)")
