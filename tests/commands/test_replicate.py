"""simulate and bootstrap: exp_lists, replication dots, failed replications, the results
data, bootstrap SEs and intervals checked against an independent numpy computation of the
same resamples (same seed → same generator → same draws), and bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from hlmshell.commands.summarize import percentile
from session_helpers import data_session, hsb_session, run_lines, state

GEN = """clear
set obs 10
gen school = _n
gen u = rnormal(0, 0.5)
expand 5
gen x = rnormal()
gen y = 1 + 0.3*x + u + rnormal()
mixed y x || school:, nolog
"""
FLAKY = """clear
set obs 3
gen u = runiform()
assert u[1] < .6
summarize u
"""


@pytest.fixture
def dofiles(tmp_path):
    (tmp_path / "gen.do").write_text(GEN)
    (tmp_path / "flaky.do").write_text(FLAKY)
    return tmp_path


def test_simulate_legend_dots_and_results_data(dofiles):
    s = hsb_session(data=False)
    rc, lines = run_lines(s, f"simulate m=r(mean) (r(N)), reps(52) seed(2): "
                             f"run {dofiles / 'flaky.do'}")
    assert rc == 0
    # Stata 17's legend, as its logs show it: names right-aligned in 13, then ": "
    assert lines[1:4] == [f"      Command: run {dofiles / 'flaky.do'}",
                          "            m: r(mean)", "       _sim_2: (r(N))"]
    assert lines[5] == "Simulations (52)"
    assert lines[6] == "----+--- 1 ---+--- 2 ---+--- 3 ---+--- 4 ---+--- 5"  # + a blank
    assert len(lines[7]) == 56 and lines[7].endswith("    50") and len(lines[8]) == 2
    assert s.data.names == ["m", "_sim_2"] and s.data.nobs == 52
    assert s.data.var("m").stype == "float" and s.data.label.startswith("simulate: run")


def test_simulate_mixed_coefficients_reproducibly(dofiles):
    s = hsb_session(data=False)
    line = f"simulate b=_b[x] se=_se[x], reps(6) seed(5) nodots: run {dofiles / 'gen.do'}"
    assert s.run(line) == 0
    b = s.data.column("b").copy()
    assert np.all(np.abs(b - 0.3) < 1) and np.all(s.data.column("se") > 0)
    s2 = hsb_session(data=False)     # the same seed gives the same results
    assert s2.run(line) == 0 and np.array_equal(s2.data.column("b"), b)
    assert s2.run(f"simulate, reps(2) nodots: run {dofiles / 'gen.do'}") == 0
    assert s2.data.names == ["_b_x", "_b_cons", "lns1_1_1_b_cons", "lnsig_e_b_cons"]


def test_simulate_marks_failed_replications_and_keeps_going(dofiles):
    s = hsb_session(data=False)
    rc, lines = run_lines(s, f"simulate m=r(mean) n=r(N), reps(40) seed(2) double: "
                             f"run {dofiles / 'flaky.do'}")
    assert rc == 0
    dots = lines[lines.index("Simulations (40)") + 2]
    assert set(dots) == {".", "x"} and len(dots) == 40
    m = s.data.column("m")
    assert s.data.var("m").stype == "double"
    assert [math.isnan(v) for v in m] == [c == "x" for c in dots]


def test_simulate_default_exp_list_is_the_r_scalars():
    s, _ = data_session({"y": ("float", [1.0, 2.0, 4.0])})
    assert s.run("simulate, reps(3) nodots: summarize y") == 0
    assert s.data.names[:3] == ["N", "sum_w", "mean"]
    assert list(s.data.column("mean")) == pytest.approx([7 / 3] * 3)


@pytest.mark.parametrize("line, code", [
    ("simulate m=r(mean), reps(0): summarize y", 198),
    ("simulate m=r(mean): summarize y", 198),            # reps() required
    ("simulate m=, reps(2): summarize y", 198),
    ("simulate (r(mean)+, reps(2): summarize y", 198),
    ("simulate 1m=r(mean), reps(2): summarize y", 198),
    ("simulate m=r(mean), reps(2)", 198),                 # no colon, no command
    ("simulate m=r(mean), reps(2): summarize nosuch", 111),
    ("simulate m=r(mean), reps(2): nosuchcmd", 199),
    ("simulate m=r(mean), reps(2) trace: summarize y", 198),
    ("bootstrap m=r(mean), reps(0): summarize y", 198),
    ("bootstrap m=r(mean), reps(2) strata(y): summarize y", 198),
    ("bootstrap m=r(mean), reps(2) cluster(nosuch): summarize y", 111),
    ("bootstrap m=r(mean), reps(2) idcluster(k): summarize y", 198),
    ("bootstrap m=nosuch, reps(2): summarize y", 111),
    ("bootstrap m=r(mean), reps(2): summarize nosuch", 111),
])
def test_bad_input_changes_nothing(line, code):
    s, _ = data_session({"y": ("float", [1.0, 2.0, 4.0])})
    assert s.run("summarize y") == 0
    before = state(s)
    rc, _ = run_lines(s, line)
    assert rc == code and state(s) == before


def _hsb_ses():
    s = hsb_session()
    return s, s.data.column("ses").astype(float)


def test_bootstrap_mean_matches_numpy_resampling():
    s, x = _hsb_ses()
    rc, lines = run_lines(s, "bootstrap r(mean), reps(40) seed(11) nodots: summarize ses")
    assert rc == 0
    # independent: the same generator, the same draws, the means by numpy
    rng = np.random.default_rng(11)
    means = np.array([x[rng.integers(0, len(x), size=len(x))].mean() for _ in range(40)])
    se = means.std(ddof=1)
    e = s.estimates.active
    assert e.cmd == "bootstrap" and e.scalars["N_reps"] == 40 and e.scalars["N"] == 7185
    assert e.matrices["b"].values[0, 0] == pytest.approx(x.mean(), rel=1e-12)
    assert math.sqrt(e.matrices["V"].values[0, 0]) == pytest.approx(se, rel=1e-10)
    assert e.matrices["bias"].values[0, 0] == pytest.approx(means.mean() - x.mean(), abs=1e-12)
    srt = np.sort(means)
    assert e.matrices["ci_percentile"].values[:, 0] == pytest.approx(
        [percentile(srt, 2.5), percentile(srt, 97.5)], rel=1e-12)
    z0 = norm.ppf(np.mean(means <= x.mean()))
    z = norm.ppf(0.975)
    assert e.matrices["ci_bc"].values[:, 0] == pytest.approx(
        [percentile(srt, 100 * norm.cdf(2 * z0 - z)),
         percentile(srt, 100 * norm.cdf(2 * z0 + z))], rel=1e-12)
    row = next(l for l in lines if l.strip().startswith("_bs_1 |"))
    assert row.split()[2:4] == [f"{x.mean():.7f}".lstrip("0").replace("0.", "."),
                                f"{se:.7f}".lstrip("0")] or row.split()[3] == f"{se:.7f}"[1:]
    assert s.data.nobs == 7185 and s.data.names == hsb_session().data.names


def test_bootstrap_table_and_estat_bootstrap_layout():
    s, _ = _hsb_ses()
    rc, lines = run_lines(s, "bootstrap m=r(mean), reps(20) seed(3): summarize ses")
    assert rc == 0
    assert lines[0] == "(running summarize on estimation sample)"
    assert lines[2].startswith("warning: summarize does not set e(sample), so no")
    i = lines.index("Bootstrap replications (20)")
    assert lines[i + 2] == "." * 20
    assert lines[i + 4] == "Bootstrap results" + " " * 40 + "Number of obs = 7,185"
    assert lines[i + 5] == " " * 57 + "Replications  =    20"
    assert lines[i + 7:i + 9] == ["      Command: summarize ses", "            m: r(mean)"]
    assert lines[i + 12] == \
        "             | coefficient  std. err.      z    P>|z|     [95% conf. interval]"
    rc, out = run_lines(s, "estat bootstrap, all")
    assert rc == 0
    rows = [l for l in out if l.endswith(("(N)", "(P)", "(BC)"))]
    assert len(rows) == 3 and rows[0].startswith("           m |")
    assert rows[1].startswith("             |   ") and [l for l in out if l][-1].startswith("(BC)")
    assert run_lines(s, "estat bootstrap, bca")[0] == 198


def test_cluster_bootstrap_draws_whole_clusters_and_numbers_them():
    s = hsb_session()
    rc, _ = run_lines(s, "bootstrap g=r(max) n=r(N), reps(8) seed(4) cluster(id) "
                         "idcluster(newid) nodots: summarize newid")
    assert rc == 0
    e = s.estimates.active
    assert e.scalars["N_clust"] == 160 and e.macros["clustvar"] == "id"
    assert e.matrices["b"].values[0, 0] == 160                 # observed: ids 1..160
    assert e.matrices["b_bs"].values[0, 0] == 160              # each replicate renumbers
    assert "newid" not in s.data.names


def test_bootstrap_of_a_mixed_coefficient_by_school():
    s = hsb_session()
    rc, lines = run_lines(s, "bs b=_b[ses], reps(6) seed(1) cluster(id) idcluster(k) "
                             "nodots: mixed mathach ses || k:, nolog")
    assert rc == 0
    e = s.estimates.active
    assert e.matrices["b"].values[0, 0] == pytest.approx(2.3915, abs=1e-4)  # handout fit
    assert 0.03 < e.matrices["se"].values[0, 0] < 0.5
    assert "(Replications based on 160 clusters in id)" in "\n".join(lines)


def test_postfile_post_postclose(tmp_path):
    s = hsb_session(data=False)
    f = tmp_path / "res"
    assert s.run(f'postfile h double b float se str4 tag using "{f}"') == 0
    assert (tmp_path / "res.dta").exists()
    assert s.run('post h (1.5) (2) ("a")') == 0 and s.run('post h (_pi) (.) ("bb")') == 0
    assert run_lines(s, "post h (1)")[0] == 198
    assert run_lines(s, "post h (1) (2) (3)")[0] == 109
    assert run_lines(s, "post nosuch (1)")[0] == 111
    assert run_lines(s, 'post h 1 2 "a"')[0] == 198
    assert run_lines(s, f'postfile h x using "{f}2"')[0] == 110
    assert "h:" in run_lines(s, "postutil dir")[1][0]
    assert s.run("postclose h") == 0 and run_lines(s, "postclose h")[0] == 111
    assert run_lines(s, f'postfile k x using "{f}"')[0] == 602
    assert s.run(f'use "{f}", clear') == 0
    assert s.data.names == ["b", "se", "tag"] and s.data.nobs == 2
    assert [s.data.var(n).stype for n in s.data.names] == ["double", "float", "str4"]
    assert s.data.column("b")[1] == math.pi and math.isnan(s.data.column("se")[1])
    assert s.run(f'postfile k double(a c) using "{f}", replace every(1)') == 0
    assert s.run("post k (1) (2)") == 0 and s.run("postutil clear") == 0
    assert s.run(f'use "{f}", clear') == 0 and s.data.names == ["a", "c"]


def test_exit_in_the_replicated_command_ends_only_that_command():
    s, _ = data_session({"y": ("float", [1.0, 2.0, 4.0])})
    s.data.changed = False
    assert s.run("summarize y") == 0
    assert s.run("simulate n=r(N), reps(2) nodots: exit") == 0
    assert list(s.data.column("n")) == [3.0, 3.0]
