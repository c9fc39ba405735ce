"""describe, list, count: exact layouts, stored results, errors, names that are commands."""
import io
import os

import numpy as np
import pytest

from hlmshell.dataset.dataset import Dataset
from hlmshell.dataset.io import write_dta
from hlmshell.render import to_text
from hlmshell.render.describe import DescribeResult, DescribeRow
from hlmshell.render.listing import CountResult, ListColumn, ListResult
from hlmshell.session import Session

RULE = "-" * 79


def run(session, line):
    session.out = io.StringIO()
    rc = session.run(line)
    return rc, session.out.getvalue()


def small() -> Dataset:
    ds = Dataset()
    ds.add("id", ["a", "bb", "ccc", "a", "bb", "ccc", "d"], "str3", label="school id")
    ds.add("x", [1, 2, 3, 4, 5, 6, np.nan], "byte")
    ds.add("y", [0.5, -1.25, 1e6, 2.75, np.nan, 3, 4], "float", label="outcome")
    ds.add("a_rather_long_name", [1, 2, 3, 4, 5, 6, 7], "long")
    ds.changed = False
    return ds


@pytest.fixture
def session():
    s = Session(out=io.StringIO())
    s.data = small()
    return s


# ---------------------------------------------------------------------------- describe
def test_describe_layout_in_memory(session):
    rc, out = run(session, "describe")
    assert rc == 0
    assert out == "\n".join([
        "",
        "Contains data",
        " Observations:             7".ljust(46),  # Stata pads to column 46
        "    Variables:             4".ljust(46),
        RULE,
        "Variable      Storage   Display    Value",
        "    name         type    format    label      Variable label",
        RULE,
        "id              str3    %3s                   school id",
        "x               byte    %8.0g",
        "y               float   %9.0g                 outcome",
        "a_rather_long~e long    %12.0g",
        RULE,
        "Sorted by: ",
        "", ""])
    assert session.r.scalars["N"] == 7 and session.r.scalars["k"] == 4
    assert session.r.scalars["width"] == 3 + 1 + 4 + 4


def test_describe_from_file_with_label_sort_and_changed(session, tmp_path, monkeypatch):
    data = small()
    data.label = "Small data"
    data.sortedby = ["id", "x"]
    write_dta(data, str(tmp_path / "small.dta"))
    monkeypatch.chdir(tmp_path)
    run(session, "use small, clear")
    rc, out = run(session, "describe")
    lines = out.split("\n")
    assert lines[1] == "Contains data from small.dta"
    assert lines[2] == " Observations:             7                  Small data"
    assert lines[3].startswith("    Variables:             4                  ")
    assert len(lines[3]) == 46 + len("25 Nov 2026 19:19")  # the file's date and time
    assert lines[-3] == "Sorted by: id  x  "
    run(session, "generate z = 1")
    rc, out = run(session, "describe")
    assert out.split("\n")[-4:] == ["Sorted by: id  x  ",
                                    "     Note: Dataset has changed since last saved.", "", ""]
    assert session.r.scalars["changed"] == 1


def test_describe_time_stamp_is_the_files_own(session, tmp_path, monkeypatch):
    # Stata shows the time stamp written in the .dta header, not the file system's mtime
    hsb = os.path.join(os.path.dirname(__file__), "..", "..", "data", "hsb.dta")
    with open(hsb, "rb") as f:
        header = f.read(300)
    stamp = header.split(b"<timestamp>")[1][1:].split(b"</timestamp>")[0].decode()
    assert stamp == "25 Nov 2026 18:50"     # the shared data as delivered
    run(session, f"use {hsb}, clear")
    assert run(session, "describe, short")[1].split("\n")[3].endswith("  " + stamp)
    # after save: the time stamp written, which `use` then reads back
    monkeypatch.chdir(tmp_path)
    run(session, "save copy")
    shown = run(session, "describe, short")[1].split("\n")[3][46:]
    with open("copy.dta", "rb") as f:
        assert f"<timestamp>\x11{shown}</timestamp>".encode() in f.read(300)
    run(session, "use copy, clear")
    assert run(session, "describe, short")[1].split("\n")[3][46:] == shown


def test_describe_varlist_shows_only_the_table(session):
    rc, out = run(session, "d y id")
    assert out == "\n".join(["", "Variable      Storage   Display    Value",
                             "    name         type    format    label      Variable label",
                             RULE,
                             "y               float   %9.0g                 outcome",
                             "id              str3    %3s                   school id", "", ""])
    rc, out = run(session, "describe nosuch")
    assert (rc, out) == (111, "variable nosuch not found\nr(111);\n\n")


def test_describe_short_and_empty():
    s = Session(out=io.StringIO())
    rc, out = run(s, "describe")
    assert out == "\n".join(["", "Contains data", " Observations:             0".ljust(46),
                             "    Variables:             0".ljust(46), "Sorted by: ", "", ""])
    s.data = small()
    rc, out = run(s, "describe, short")
    assert out.split("\n")[1:5] == ["Contains data", " Observations:             7".ljust(46),
                                    "    Variables:             4".ljust(46), "Sorted by: "]


def test_describe_renderer_large_numbers_and_linesize():
    res = DescribeResult([DescribeRow("v", "double", "%10.0g", "lbl", "x")], nobs=1234567,
                         nvars=1, filename="big.dta", data_label="Big", linesize=60)
    lines = to_text(res).split("\n")
    assert lines[2] == " Observations:     1,234,567                  Big"
    assert lines[4] == "-" * 60
    assert lines[8] == "v               double  %10.0g     lbl        x"


def test_describe_long_labels_wrap_at_the_line_size():
    rows = [DescribeRow("pracad", "float", "%9.0g", "",
                        "proportion of students in the academic track"),
            DescribeRow("ethnminor", "byte", "%10.0g", "allochtoon", "Ethnic Minority")]
    lines = to_text(DescribeResult(rows, header=False)).split("\n")
    assert lines[4:] == [
        "pracad          float   %9.0g                 proportion of students in the",
        "                                                academic track",
        "ethnminor       byte    %10.0g     allochtoon",
        "                                              Ethnic Minority"]
    wide = to_text(DescribeResult(rows[:1], header=False, linesize=120)).split("\n")
    assert wide[4] == "pracad          float   %9.0g                 " + rows[0].label


# ---------------------------------------------------------------------------- list
def test_list_table_layout(session):
    rc, out = run(session, "list id x y in 1/7")
    assert out == "\n".join([
        "",
        "     +-------------------+",
        "     |  id   x         y |",
        "     |-------------------|",
        "  1. |   a   1        .5 |",
        "  2. |  bb   2     -1.25 |",
        "  3. | ccc   3   1000000 |",
        "  4. |   a   4      2.75 |",
        "  5. |  bb   5         . |",
        "     |-------------------|",
        "  6. | ccc   6         3 |",
        "  7. |   d   .         4 |",
        "     +-------------------+",
        "", ""])


def test_list_if_abbreviated_header_and_left_strings(session):
    session.data.vars["id"].fmt = "%-3s"
    rc, out = run(session, "l id a_rather_long_name if x > 4")
    assert out == "\n".join([
        "",
        "     +----------------+",
        "     | id    a_rath~e |",
        "     |----------------|",
        "  5. | bb           5 |",
        "  6. | ccc          6 |",
        "  7. | d            7 |",  # x missing counts as > 4, as in Stata
        "     +----------------+",
        "", ""])


def test_list_clean_noobs(session):
    rc, out = run(session, "list x y in 1/2, clean")
    assert out == "\n".join(["", "       x       y", "  1.   1      .5", "  2.   2   -1.25",
                             "", ""])
    rc, out = run(session, "list x in 1/2, noobs")
    assert out == "\n".join(["", "  +---+", "  | x |", "  |---|", "  | 1 |", "  | 2 |",
                             "  +---+", "", ""])


def test_list_separator_option(session):
    rc, out = run(session, "list x, sep(0)")
    assert rc == 0 and "|---|" not in out.split("\n", 4)[4]
    rc, out = run(session, "list x in 1/4, sep(2)")
    assert out.split("\n")[4:10] == ["  1. | 1 |", "  2. | 2 |", "     |---|", "  3. | 3 |",
                                      "  4. | 4 |", "     +---+"]


def test_list_wide_splits_into_blocks():
    cols = [ListColumn(f"var{k}", [str(10 ** 9 + k)]) for k in range(10)]
    text = to_text(ListResult(cols, obs=[1], linesize=79))
    lines = text.split("\n")
    assert all(len(line) <= 79 for line in lines)
    tables = [line for line in lines if line.startswith("  1. |")]
    assert len(tables) >= 2
    assert "var9" in text and "var0" in text


def test_list_obs_column_widens_with_numbers():
    text = to_text(ListResult([ListColumn("x", ["1"])], obs=[7185]))
    assert text.split("\n")[1:] == ["       +---+", "       | x |", "       |---|",
                                    " 7185. | 1 |", "       +---+"]


def test_list_nothing_to_list(session):
    rc, out = run(session, "list if x > 100 & x < .")
    assert (rc, out) == (0, "\n")


def test_variables_named_like_commands(session):
    run(session, "generate list = x")
    run(session, "generate sum = 2")
    rc, out = run(session, "list list sum in 1")
    assert rc == 0 and "| list   sum |" in out and "  1. |    1     2 |" in out
    rc, out = run(session, "describe list sum")
    assert rc == 0 and "\nlist            float" in out
    rc, out = run(session, "count if list == 1")
    assert out == "  1\n\n"


# ---------------------------------------------------------------------------- count
def test_count(session):
    assert run(session, "count") == (0, "  7\n\n")
    assert session.r.scalars["N"] == 7
    assert run(session, "count if y > 2") == (0, "  5\n\n")  # missing y is > 2
    assert run(session, "cou in 2/3") == (0, "  2\n\n")
    assert to_text(CountResult(7185)) == "  7,185"
    rc, out = run(session, "count if nosuch == 1")
    assert rc == 111


def test_count_hsb(monkeypatch):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    monkeypatch.chdir(root)
    s = Session(out=io.StringIO())
    run(s, "use hsb")
    assert run(s, "count") == (0, "  7,185\n\n")


def test_describe_using_reads_the_file_and_keeps_the_data():
    from session_helpers import hsb_session, run_lines, state
    s = hsb_session(data=False)
    run_lines(s, "clear")
    before = state(s)
    rc, lines = run_lines(s, "describe id ses using data/hsb.dta")
    assert rc == 0 and any(l.startswith("ses ") for l in lines)
    assert not any(l.startswith("mathach ") for l in lines)
    assert s.r.scalars["N"] == 7185 and s.r.scalars["k"] == 11
    assert state(s) == before
    assert run_lines(s, "describe using nosuch.dta")[0] == 601
