"""tabstat: layouts of a public Stata 17+ log (`tabstat …, by() statistic(mean sd min max n)`
and the one-variable form), values against pandas (an independent computation), r()."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from session_helpers import data_session as make_session
from session_helpers import hsb_session, run_trimmed as run


@pytest.fixture
def small():
    return make_session({
        "grp": ("byte", [1, 1, 1, 2, 2, 2], "Group"),
        "x": ("double", [1.0, 2.0, 4.0, 10.0, 20.0, 60.0]),
        "longname_var": ("double", [0.5, 0.25, 0.125, 1.0, 2.0, np.nan]),
    })


def test_by_layout_columns_variables(small):
    s, out = small
    assert run(s, out, "tabstat x longname_var, by(grp) stat(mean n)") == [
        "Summary statistics: Mean, N",
        "Group variable: grp (Group)",
        "",
        "     grp |         x  longna~r",
        "---------+--------------------",
        "       1 |  2.333333  .2916667",
        "         |         3         3",
        "---------+--------------------",
        "       2 |        30       1.5",
        "         |         3         2",
        "---------+--------------------",
        "   Total |  16.16667      .775",
        "         |         6         5",
        "------------------------------",
    ]
    assert s.r.macros == {"name1": "1", "name2": "2"}
    assert s.r.matrices["Stat2"].rownames == ["mean", "N"]
    assert s.r.matrices["StatTotal"].values.ravel().tolist() == pytest.approx([97 / 6, 0.775, 6, 5])


def test_one_variable_puts_statistics_in_columns(small):
    s, out = small
    assert run(s, out, "tabstat x, by(grp) stat(mean sd n) nototal") == [
        "Summary for variables: x",
        "Group variable: grp (Group)",
        "",
        "     grp |      Mean        SD         N",
        "---------+------------------------------",
        "       1 |  2.333333  1.527525         3",
        "       2 |        30  26.45751         3",
        "----------------------------------------",
    ]


def test_no_by_and_columns_statistics(small):
    s, out = small
    assert run(s, out, "tabstat x longname_var, s(min max)") == [
        "   Stats |         x  longna~r",
        "---------+--------------------",
        "     Min |         1      .125",
        "     Max |        60         2",
        "------------------------------",
    ]
    assert run(s, out, "tabstat x, c(v) format(%5.1f)")[2] == "    Mean |      16.2"


def test_values_match_pandas():
    s = hsb_session()
    assert s.run("tabstat mathach ses, by(sector) stat(mean sd variance min max sum n p25 "
                 "median p75 iqr range semean cv skewness kurtosis)") == 0
    frame = pd.DataFrame({v: s.data.column(v) for v in ("mathach", "ses", "sector")})
    for g, (_, sub) in enumerate(frame.groupby("sector")):
        got = s.r.matrices[f"Stat{g + 1}"]
        for j, v in enumerate(["mathach", "ses"]):
            x = sub[v]
            n = len(x)
            m2 = ((x - x.mean()) ** 2).mean()
            want = [x.mean(), x.std(), x.var(), x.min(), x.max(), x.sum(), n,
                    # Stata's summarize percentiles: x[ceil(np/100)] unless np/100 is whole
                    *(np.sort(x)[int(np.ceil(n * p / 100)) - 1] if n * p % 100 else
                      (np.sort(x)[n * p // 100 - 1] + np.sort(x)[n * p // 100]) / 2
                      for p in (25, 50, 75)),
                    None, x.max() - x.min(), x.std() / np.sqrt(n), x.std() / x.mean(),
                    ((x - x.mean()) ** 3).mean() / m2 ** 1.5, ((x - x.mean()) ** 4).mean() / m2 ** 2]
            want[10] = want[9] - want[7]
            assert got.values[:, j].tolist() == pytest.approx(want, rel=1e-10), v


def test_refusals(small):
    s, out = small
    assert run(s, out, "tabstat x, stat(foo)", rc=198)[0] == "foo is not a valid statistic"
    assert run(s, out, "tabstat x, bogus", rc=198)[0] == "option bogus not allowed"
    assert run(s, out, "tabstat x, by(x grp)", rc=103)[0] == "too many variables specified"
    assert run(s, out, "tabstat x if x > 100", rc=2000)[0] == "no observations"
