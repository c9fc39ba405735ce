"""table's text layout (render/collect_table.py) from fixed numbers, in the geometry of
three public Stata 17 logs: a one-way table of Frequency and Percent, a two-way table of
one statistic (column-variable header centred over its levels and Total), and
`table (var) (result)`. Labels and numbers here are made up; the widths are the logs'."""
from __future__ import annotations

from hlmshell.render import to_text
from hlmshell.render.collect_table import Cell, HeaderSpan, TableGrid, TableOutput


def lines(grid: TableGrid) -> list[str]:
    text = to_text(TableOutput([grid]))
    out = text.split("\n")
    assert out[0] == ""
    widths = {len(x) for x in out[1:]}
    assert len(widths) == 1, "every line padded to the table's width"
    return [x.rstrip() for x in out[1:]]


def test_one_way_two_statistics():
    f, p = "%9.0fc", "%9.2f"
    g = TableGrid(None, [[HeaderSpan(0, 0, "Frequency"), HeaderSpan(1, 1, "Percent")]], [
        (0, "School sector", None),
        (2, "Public", [Cell(3642, f), Cell(50.6889, p)]),
        (2, "Catholic", [Cell(3543, f), Cell(49.3111, p)]),
        (2, "Total", [Cell(7185, f), Cell(100, p)]),
    ], 2)
    assert lines(g) == [
        "------------------------------------",
        "              |  Frequency   Percent",
        "--------------+---------------------",
        "School sector |",
        "  Public      |      3,642     50.69",
        "  Catholic    |      3,543     49.31",
        "  Total       |      7,185    100.00",
        "------------------------------------",
    ]


def test_two_way_one_statistic_header_centred_over_levels_and_total():
    m = "%9.0g"
    g = TableGrid(None, [[HeaderSpan(0, 2, "Minority status")],
                         [HeaderSpan(0, 0, "0"), HeaderSpan(1, 1, "1"),
                          HeaderSpan(2, 2, "Total")]], [
        (0, "sector", None),
        (2, "A long level label here", [Cell(.1139226, m), Cell(-.0359089, m),
                                        Cell(.0390069, m)]),
        (2, "Total", [Cell(.1157156, m), Cell(.2093517, m), Cell(.1625336, m)]),
    ], 3)
    out = lines(g)
    # the log's geometry: columns 2+8, 1+2+9, 1+2+8; the title centred over 31 characters
    assert out == [
        "-" * 60,
        "                          |          Minority status",
        "                          |         0           1      Total",
        "--------------------------+---------------------------------",
        "sector                    |",
        "  A long level label here |  .1139226   -.0359089   .0390069",
        "  Total                   |  .1157156    .2093517   .1625336",
        "-" * 60,
    ]
    assert out[1].index("Minority") - out[1].index("|") == 1 + 2 + (31 - 15) // 2


def test_var_rows_result_columns_and_missing_cells():
    g = TableGrid(None, [[HeaderSpan(0, 0, "Mean"), HeaderSpan(1, 1, "Standard deviation")]], [
        (0, "Price", [Cell(6165.257), Cell(2949.496)]),
        (0, "Repair record", [Cell(3.405797), Cell(float("nan"))]),
        (0, "Only a mean", [Cell(1.5), None]),
    ], 2)
    assert lines(g) == [
        "-" * 46,
        "              |      Mean   Standard deviation",
        "--------------+-------------------------------",
        "Price         |  6165.257             2949.496",
        "Repair record |  3.405797                    .",
        "Only a mean   |       1.5",
        "-" * 46,
    ]


def test_sformat_and_title():
    g = TableGrid("group = 1", [[HeaderSpan(0, 0, "Percent")]],
                  [(0, "a", [Cell(12.5, "%9.1f", "%s%%")])], 1)
    out = to_text(TableOutput([g])).split("\n")
    assert out[1:3] == ["group = 1", ""]
    assert out[-2].rstrip() == "a |    12.5%"
