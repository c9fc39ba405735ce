"""Stata's datetime functions and display formats. References: Python's datetime (an
independent calendar) for every day count; Stata's documented anchors (01jan1960 = 0,
01jan2000 = 14610); %t defaults as [D] Datetime display formats gives them (21915 is
01jan2020, 2020m1, 2020q1, 2020w1, 2020h1)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hlmshell.render.formats import fmt
from session_helpers import hsb_session, run_lines

EPOCH = dt.date(1960, 1, 1)


def days(y, m, d):
    return (dt.date(y, m, d) - EPOCH).days


def value(s, expr):
    run_lines(s, f"scalar __v = {expr}")
    return s.scalars["__v"] if isinstance(s.scalars["__v"], float) else s.scalars["__v"].value


@pytest.fixture(scope="module")
def s():
    return hsb_session(data=False)


@pytest.mark.parametrize("expr, want", [
    ('mdy(1, 1, 1960)', 0), ('mdy(1, 1, 2000)', 14610), ('mdy(2, 29, 2020)', days(2020, 2, 29)),
    ('date("2020-01-31", "YMD")', days(2020, 1, 31)),
    ('date("15 June 2021", "DMY")', days(2021, 6, 15)),
    ('date("Jan 5, 2021", "MDY")', days(2021, 1, 5)),
    ('date("20191231", "YMD")', days(2019, 12, 31)),
    ('date("01/02/03", "MDY", 2030)', days(2003, 1, 2)),
    ('date("01/02/50", "MDY", 2030)', days(1950, 1, 2)),
    ('date("01/02/03", "MD19Y")', days(1903, 1, 2)),
    ('year(mdy(7, 4, 1776))', 1776), ('month(21915)', 1), ('day(21945)', 31),
    ('dow(mdy(7, 4, 2021))', 0), ('doy(mdy(12, 31, 2020))', 366),
    ('week(mdy(12, 31, 2021))', 52), ('quarter(mdy(5, 17, 2021))', 2),
    ('mofd(mdy(5, 17, 2021))', (2021 - 1960) * 12 + 4), ('dofm(ym(2021, 5))', days(2021, 5, 1)),
    ('qofd(mdy(5, 17, 2021))', 61 * 4 + 1), ('dofq(yq(2021, 2))', days(2021, 4, 1)),
    ('wofd(mdy(1, 8, 2021))', 61 * 52 + 1), ('dofw(yw(2021, 2))', days(2021, 1, 8)),
    ('hofd(mdy(7, 1, 2021))', 61 * 2 + 1), ('yofd(21915)', 2020), ('dofy(2020)', 21915),
    ('clock("2020-01-31 13:45:30.5", "YMDhms")', days(2020, 1, 31) * 86400000 + 49530500),
    ('clock("1:30pm", "hm")', 13.5 * 3600000), ('hh(hms(13, 45, 30))', 13),
    ('mm(hms(13, 45, 30))', 45), ('ss(hms(13, 45, 30.25))', 30.25),
    ('dofc(clock("2020-01-31 23:59", "YMDhm"))', days(2020, 1, 31)),
    ('cofd(1)', 86400000), ('dhms(1, 0, 0, 1)', 86401000),
])
def test_functions(s, expr, want):
    assert value(s, expr) == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("expr", ['mdy(2, 30, 2020)', 'date("2020-13-01", "YMD")',
                                  'date("01/02/03", "MDY")', 'ym(2020, 13)', 'mdy(., 1, 2020)'])
def test_impossible_dates_are_missing(s, expr):
    assert np.isnan(value(s, expr))


@pytest.mark.parametrize("x, spec, text", [
    (21915, "%td", "01jan2020"), (days(2021, 7, 4), "%tdDayname,_Month_dd,_CCYY",
                                  "Sunday, July 4, 2021"),
    (days(2021, 6, 15), "%tdDD/NN/CCYY", "15/06/2021"), (720, "%tm", "2020m1"),
    (240, "%tq", "2020q1"), (3120, "%tw", "2020w1"), (120, "%th", "2020h1"), (2020, "%ty", "2020"),
    (days(2020, 1, 31) * 86400000 + 49530500, "%tc", "31jan2020 13:45:30"),
    (days(2020, 1, 31) * 86400000 + 49530500, "%tcHH:MM:SS.sss_am", "13:45:30.500 pm"),
    (float("nan"), "%td", "."),
])
def test_display_formats(x, spec, text):
    assert fmt(x, spec) == text


def test_list_and_display_use_date_formats(s):
    run_lines(s, "clear")
    run_lines(s, "set obs 1")
    run_lines(s, "gen d = mdy(1, 31, 2020)")
    run_lines(s, "format d %td")
    rc, lines = run_lines(s, "list")
    assert rc == 0 and any("31jan2020" in line for line in lines)
    assert run_lines(s, "display %td d[1]")[1][0] == "31jan2020"
    assert run_lines(s, "format d %tdXX")[0] == 120
