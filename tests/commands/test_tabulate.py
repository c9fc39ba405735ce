"""tabulate: one-way and two-way layouts, r() results and errors."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import data_session as make_session
from session_helpers import run_trimmed as run
from session_helpers import state

from hlmshell.render import to_text
from hlmshell.render.tabulate import OneWay, TwoWay, wrap


@pytest.fixture
def data():
    return make_session({
        "g": ("byte", [1, 1, 2, 2, 2, 3, np.nan, 1, 2, 2], ""),
        "h": ("byte", [0, 1, 0, 1, 1, 0, 1, 0, 0, 1], "Has a long label"),
        "s": ("str12", ["b", "a", "b", "c", "", "a", "b", "a long value", "b", "c"], ""),
        "v": ("float", [0.5, 1.25, 1000.5, 0.5, 0.5, 2, 3, 4, 5, 6], "value"),
    })


def test_oneway_name_header_and_missing_excluded(data):
    s, out = data
    assert run(s, out, "tab g") == [
        "          g |      Freq.     Percent        Cum.",
        "------------+-----------------------------------",
        "          1 |          3       33.33       33.33",
        "          2 |          5       55.56       88.89",
        "          3 |          1       11.11      100.00",
        "------------+-----------------------------------",
        "      Total |          9      100.00",
    ]
    assert s.r.scalars == {"N": 9.0, "r": 3.0}


def test_oneway_missing_option_adds_dot_row(data):
    s, out = data
    text = run(s, out, "tabulate g, missing")
    assert text[5] == "          . |          1       10.00      100.00"
    assert text[-1] == "      Total |         10      100.00"


def test_oneway_label_header_wraps(data):
    s, out = data
    assert run(s, out, "tab h")[:2] == [" Has a long |", "      label |      Freq.     Percent        Cum."]


def test_oneway_strings_widen_the_column(data):
    s, out = data
    assert run(s, out, "tab s") == [
        "           s |      Freq.     Percent        Cum.",
        "-------------+-----------------------------------",
        "            a |          2       22.22       22.22"[1:],
        "a long value |          1       11.11       33.33",
        "           b |          4       44.44       77.78",
        "           c |          2       22.22      100.00",
        "-------------+-----------------------------------",
        "       Total |          9      100.00",
    ]


def test_oneway_values_in_variable_format(data):
    s, out = data
    text = run(s, out, "tab v if v < 2")
    assert text[0] == "      value |      Freq.     Percent        Cum."
    assert [ln.split("|")[0].strip() for ln in text[2:4]] == [".5", "1.25"]


def test_oneway_layout_with_thousands():
    table = OneWay("tag(id)", ["0", "1"], [7025, 160])
    assert to_text(table).splitlines()[1:] == [
        "    tag(id) |      Freq.     Percent        Cum.",
        "------------+-----------------------------------",
        "          0 |      7,025       97.77       97.77",
        "          1 |        160        2.23      100.00",
        "------------+-----------------------------------",
        "      Total |      7,185      100.00",
    ]


def test_wrap():
    assert wrap("Repair Record 1978", 10) == ["Repair", "Record", "1978"]
    assert wrap("smaller_hhsize", 11) == ["smaller_hhs", "ize"]
    assert wrap("short", 11) == ["short"]


def test_twoway_counts(data):
    s, out = data
    assert run(s, out, "tab g h") == [
        "           |   Has a long label",
        "         g |         0          1 |     Total",
        "-----------+----------------------+----------",
        "         1 |         2          1 |         3",
        "         2 |         2          3 |         5",
        "         3 |         1          0 |         1",
        "-----------+----------------------+----------",
        "     Total |         5          4 |         9",
    ]
    assert s.r.scalars == {"N": 9.0, "r": 3.0, "c": 2.0}


def test_twoway_row_percentages_and_key():
    table = TwoWay("rep78", "foreign", ["1", "2"], ["0", "1"], [[2, 0], [8, 2]], row=True)
    assert [ln.rstrip() for ln in to_text(table).splitlines()[1:]] == [
        "+----------------+",
        "| Key            |",
        "|----------------|",
        "|   frequency    |",
        "| row percentage |",
        "+----------------+",
        "",
        "           |       foreign",
        "     rep78 |         0          1 |     Total",
        "-----------+----------------------+----------",
        "         1 |         2          0 |         2",
        "           |    100.00       0.00 |    100.00",
        "-----------+----------------------+----------",
        "         2 |         8          2 |        10",
        "           |     80.00      20.00 |    100.00",
        "-----------+----------------------+----------",
        "     Total |        10          2 |        12",
        "           |     83.33      16.67 |    100.00",
    ]


def test_twoway_column_percentages(data):
    s, out = data
    text = run(s, out, "tab g h, col")
    assert text[-1] == "           |    100.00     100.00 |    100.00"
    assert "column percentage" in "\n".join(text)


@pytest.mark.parametrize("command, rc, message", [
    ("tab nosuch", 111, "variable nosuch not found"),
    ("tab g if g > 10", 2000, "no observations"),
    ("tab g h s", 103, "too many variables specified"),
    ("tab", 100, "varlist required"),
    ("tab g, bogus", 198, "option bogus not allowed"),
    ("tab g, row", 198, "option row not allowed"),       # two-way options only
    ("tab g, col", 198, "option column not allowed"),
])
def test_errors(data, command, rc, message):
    s, out = data
    before = state(s)
    assert run(s, out, command, rc=rc) == [message, f"r({rc});"]
    assert state(s) == before


def test_wildcard_matching_no_variable():
    # found by the fuzz campaign: observations (set obs) but no variables
    s, out = make_session({})
    assert s.run("set obs 3") == 0
    assert run(s, out, "tab *", rc=100) == ["varlist required", "r(100);"]


def test_too_many_values():
    s, out = make_session({"x": ("double", np.arange(12001.0), "")})
    assert run(s, out, "tab x", rc=134) == ["too many values", "r(134);"]


def test_by_prefix_and_empty_groups(data):
    s, out = data
    text = run(s, out, "bysort h: tab g if h == 1")
    assert text[:2] == ["-" * 79, "-> h = 0"]
    assert text[2] == "no observations"
    assert text[4:6] == ["-" * 79, "-> h = 1"]
    assert text[-1] == "      Total |          4      100.00"


def test_generate_makes_one_indicator_per_level(data):
    # [R] tabulate oneway generate(): stub1, stub2, ... for the levels in sorted order;
    # missing where the variable is missing or the observation is outside if/in
    s, out = data
    run(s, out, "tabulate g if h == 1, generate(d)")
    g = np.array([1, 1, 2, 2, 2, 3, np.nan, 1, 2, 2])
    h = np.array([0, 1, 0, 1, 1, 0, 1, 0, 0, 1])
    assert [n for n in s.data.names if n.startswith("d")] == ["d1", "d2"]   # levels 1, 2
    for name, level in (("d1", 1), ("d2", 2)):
        want = np.where((h == 1) & ~np.isnan(g), (g == level).astype(float), np.nan)
        np.testing.assert_array_equal(s.data.column(name), want)
        assert s.data.var(name).stype == "byte"
        assert s.data.var(name).label == f"g=={level}"
    before = state(s)
    run(s, out, "tabulate g, generate(d)", rc=110)          # d1 exists: nothing made
    run(s, out, "tabulate g h, generate(z)", rc=198)        # one-way only
    assert state(s) == before


def test_sort_matcell_matrow(data):
    s, out = data
    lines = run(s, out, "tabulate g, sort matcell(F) matrow(V)")
    rows = [l.split("|")[0].strip() for l in lines[2:5]]
    assert rows == ["2", "1", "3"]                           # 5, 3 and 1 observations
    assert s.matrices["F"].values.ravel().tolist() == [5, 3, 1]   # in the order shown
    assert s.matrices["V"].values.ravel().tolist() == [2, 1, 3]


def test_summarize_one_way():
    # [R] tabulate, summarize(): mean, sd, freq per row (reference: numpy by hand)
    from session_helpers import hsb_session, run_lines
    s = hsb_session()
    rc, lines = run_lines(s, "tabulate sector, summarize(mathach)")
    assert rc == 0
    y, g = s.data.column("mathach"), s.data.column("sector")
    body = [l for l in lines if l.strip().startswith(("0 |", "1 |", "Total |"))]
    for line, rows in zip(body, (g == 0, g == 1, np.ones(len(g), bool))):
        _, cells = line.split("|")
        mean, sd, freq = cells.split()
        assert float(mean) == pytest.approx(y[rows].mean(), rel=1e-7)
        assert float(sd) == pytest.approx(y[rows].std(ddof=1), rel=1e-7)
        assert int(freq.replace(",", "")) == rows.sum()
    assert "        Mean   Std. dev.       Freq." in lines[3]
    assert run_lines(s, "tabulate sector, summarize(mathach) nofreq nostandard")[1][3].endswith(
        "|        Mean")
    assert run_lines(s, "tabulate sector minority, summarize(mathach)")[0] == 198
