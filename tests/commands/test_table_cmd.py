"""table on data/hsb.dta end to end: the numbers against pandas (crosstab, groupby with
ddof=1; an independent computation, 1e-6 relative since the cells print 7 digits), value
labels in the row and column headers, the layouts of Stata 17's default style, errors
with Stata's codes, and a failed command leaving data and r() as they were."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from session_helpers import hsb_after, run_lines

LABELS = ['label define sec 0 "Public" 1 "Catholic"', "label values sector sec",
          'label define mino 0 "White" 1 "Minority"', "label values minority mino"]


@pytest.fixture(scope="module")
def hsb():
    s = hsb_after(*LABELS)
    frame = pd.DataFrame({v: np.asarray(s.data.column(v), dtype=float)
                          for v in ("sector", "minority", "female", "mathach", "ses")})
    return s, frame


def body(s, cmd):
    rc, lines = run_lines(s, cmd)
    assert rc == 0, lines
    return [x for x in lines if x]


def numbers(line: str) -> list[float]:
    return [float(t.replace(",", "")) for t in line.split("|")[1].split()]


def test_two_way_frequencies_with_value_labels(hsb):
    s, f = hsb
    out = body(s, "table sector minority")
    ref = pd.crosstab(f.sector, f.minority, margins=True)
    assert out[0] == "-" * len(out[0])
    assert out[1].split("|")[1].strip() == "1=minority, 0=other"
    assert out[2].split("|")[1].split() == ["White", "Minority", "Total"]
    assert out[4].startswith("1=Catholic, 0=public |")
    assert out[5].startswith("  Public ") and out[6].startswith("  Catholic ")
    assert out[7].startswith("  Total ")
    for line, key in zip(out[5:8], [0.0, 1.0, "All"]):
        assert numbers(line) == ref.loc[key].tolist()


def test_statistics_as_columns_without_column_variables(hsb):
    s, f = hsb
    out = body(s, "table sector, statistic(mean mathach) statistic(sd mathach)")
    assert out[1].split("|")[1].split() == ["Mean", "Standard", "deviation"]
    g = f.groupby("sector").mathach
    for line, mean, sd in zip(out[4:6], g.mean(), g.std(ddof=1)):
        m, d = numbers(line)
        assert m == pytest.approx(mean, rel=1e-6) and d == pytest.approx(sd, rel=1e-6)
    m, d = numbers(out[6])
    assert m == pytest.approx(f.mathach.mean(), rel=1e-6)
    assert d == pytest.approx(f.mathach.std(ddof=1), rel=1e-6)


def test_statistics_stack_under_row_levels_with_column_variables(hsb):
    s, f = hsb
    out = body(s, "table (sector) (minority), statistic(frequency) statistic(mean mathach)")
    stubs = [line.split("|")[0].rstrip() for line in out[4:-1]]
    assert stubs == ["1=Catholic, 0=public", "  Public", "    Frequency", "    Mean",
                     "  Catholic", "    Frequency", "    Mean", "  Total", "    Frequency",
                     "    Mean"]
    means = f.pivot_table("mathach", "sector", "minority", aggfunc="mean", margins=True)
    assert numbers(out[7]) == pytest.approx(means.loc[0.0].tolist(), rel=1e-6)
    assert numbers(out[13]) == pytest.approx(means.loc["All"].tolist(), rel=1e-6)


def test_nformat_and_single_statistic_unlabelled(hsb):
    s, f = hsb
    out = body(s, "table (sector) (minority), statistic(mean ses) nformat(%9.2f)")
    assert "Mean" not in "\n".join(out)
    ref = f.pivot_table("ses", "sector", "minority", aggfunc="mean", margins=True)
    assert out[5].split("|")[1].split() == [f"{v:.2f}" for v in ref.loc[0.0]]


def test_percent_and_percentiles(hsb):
    s, f = hsb
    out = body(s, "table sector, statistic(percent) statistic(median mathach) "
                  "statistic(p90 ses) nototals")
    # two variables: their labels over the statistics (layout unconfirmed)
    assert out[1].split("|")[1].split()[:2] == ["mathematics", "achievement"]
    assert out[2].split("|")[1].split() == ["Percent", "Median", "90th", "percentile"]
    share = f.sector.value_counts(normalize=True).sort_index() * 100
    row = numbers(out[5])
    assert row[0] == pytest.approx(share[0.0], abs=0.005)
    assert row[1] == pytest.approx(f.mathach[f.sector == 0].median(), rel=1e-6)
    assert len(out) == 8                       # no Total row


def test_nested_rows_and_totals_option(hsb):
    s, f = hsb
    out = body(s, "table (sector female) (minority), totals(female)")
    stubs = [line.split("|")[0].rstrip() for line in out[4:-1]]
    assert stubs[:6] == ["1=Catholic, 0=public", "  Public", "    1=female, 0=male", "      0",
                         "      1", "      Total"]
    assert "  Total" not in stubs                 # no sector total
    assert "Total" not in out[2]                  # no minority total column


def test_var_and_result_dimensions(hsb):
    s, f = hsb
    out = body(s, "table (var) (result), statistic(mean mathach ses) statistic(sd mathach ses)")
    assert out[3].startswith("mathematics achievement ")
    assert numbers(out[4])[1] == pytest.approx(f.ses.std(ddof=1), rel=1e-6)


def test_results_not_posted_to_r(hsb):
    s, _ = hsb
    assert s.run("quietly summarize mathach") == 0
    before = dict(s.r.scalars)
    body(s, "table sector")
    assert s.r.scalars == before


@pytest.mark.parametrize("cmd,rc", [
    ("table sector, statistic(mean id)", 109),
    ("table sector, statistic(foo mathach)", 198),
    ("table sector, statistic(first mathach)", 198),
    ("table sector, statistic(mean)", 100),
    ("table sector, contents(mean mathach)", 198),
    ("table sector, name(t1)", 198),
    ("table sector, style(table)", 198),
    ("table sector, append", 198),
    ("table sector if mathach > 1000", 2000),
    ("table sector [aw=ses]", 101),
    ("table sector minority female mathach", 198),
    ("table (sector", 198),
    ("table nosuch", 111),
    ("table sector, nformat(9.2)", 198),
])
def test_errors(hsb, cmd, rc):
    s, _ = hsb
    before = s.data.copy()
    got, lines = run_lines(s, cmd)
    assert got == rc, lines
    assert s.data.names == before.names and s.data.nobs == before.nobs


def test_nformat_targets_statistics_and_variables(hsb):
    s, f = hsb
    out = body(s, "table sector, stat(mean mathach ses) stat(sd mathach) "
                  "nformat(%9.2f mean) nformat(%9.1f ses) nototals")
    g = f.groupby("sector")
    assert out[5].split("|")[1].split() == [f"{g.mathach.mean()[0]:.2f}",
                                            f"{g.mathach.std(ddof=1)[0]:.7g}",
                                            f"{g.ses.mean()[0]:.1f}"]


def test_sformat_quoted_or_not(hsb):
    s, f = hsb
    for opt in ('sformat("%s%%" percent)', "sformat(%s%% percent)"):
        out = body(s, f"table sector, stat(percent) {opt} nformat(%5.1f percent) nototals")
        share = f.sector.value_counts(normalize=True).sort_index() * 100
        assert out[4].split("|")[1].strip() == f"{share[0.0]:.1f}%"
