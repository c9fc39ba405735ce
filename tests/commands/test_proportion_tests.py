"""prtest, prtesti, bitest, bitesti: r() against statsmodels / scipy.stats
(tests/fixtures/stattests_reference.json, made by stattests_reference.py; 1e-10
relative, except p-values near 1 computed as a complement: 1e-10 absolute), layouts and
errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_helpers import hsb_session, run_lines

REL = 1e-10
REF = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                  "stattests_reference.json").read_text())


@pytest.fixture(scope="module")
def hsb():
    return hsb_session()


CASES = [("prtest minority == .3", "prtest minority == .3"),
         ("prtest minority == .27 if sector==1, level(90)",
          "prtest minority == .27 if sector==1, level(90)"),
         ("prtest minority, by(sector)", "prtest minority, by(sector)"),
         ("prtest minority == female", "prtest minority == female"),
         ("prtesti 30 .4 45 .67", "prtesti 30 .4 45 .67"),
         ("prtesti 30 12 45 30.15, count", None),
         ("prtesti 50 .52 .5", "prtesti 50 .52 .5"),
         ('bitest minority == .3 if id=="1224"', 'bitest minority == .3 if id=="1224"'),
         ("bitest minority == .27", "bitest minority == .27"),
         ("bitesti 10 3 .2", "bitesti 10 3 .2"), ("bitesti 10 9 .3", "bitesti 10 9 .3"),
         ("bitesti 100 40 .35", "bitesti 100 40 .35"), ("bitesti 20 10 .5", "bitesti 20 10 .5"),
         ("bitesti 20 .5 .5", "bitesti 20 10 .5")]


@pytest.mark.parametrize("cmd,key", CASES)
def test_against_references(hsb, cmd, key):
    rc, lines = run_lines(hsb, cmd)
    if key is None:          # 30.15 successes: an integer is required with count
        assert rc == 7
        return
    assert rc == 0, lines
    for name, value in REF[key].items():
        assert hsb.r.scalars[name] == pytest.approx(value, rel=REL, abs=1e-14), name


def test_prtest_layout(hsb):
    rc, lines = run_lines(hsb, "prtest minority, by(sector)")
    assert lines[1:4] == [
        "Two-sample test of proportions                     0: Number of obs =     3642",
        "                                                   1: Number of obs =     3543",
        "-" * 78]
    assert lines[4] == "       Group |       Mean   Std. err.      z    P>|z|     [95% conf. interval]"
    assert lines[10] == "             |  under H0:   .0105333    -4.21   0.000"
    assert lines[12] == "        diff = prop(0) - prop(1)" + " " * 34 + "z =  -4.2079"
    assert lines[13] == "    H0: diff = 0"
    assert lines[16] == (" Pr(Z < z) = 0.0000         Pr(|Z| > |z|) = 0.0000          "
                         "Pr(Z > z) = 1.0000")
    rc, lines = run_lines(hsb, "prtest minority == .3")
    assert lines[1] == "One-sample test of proportion" + " " * 19 + "Number of obs      =      7185"
    assert lines[6] == "    minority |    .274739   .0052662                      .2644176    .2850605"
    assert lines[9] == "H0: p = 0.3"


def test_bitest_layout(hsb):
    rc, lines = run_lines(hsb, 'bitest female == .5 if id=="1224", detail')
    assert lines[1:12] == [
        "    Variable |        N   Observed k   Expected k   Assumed p   Observed p",
        "-------------+------------------------------------------------------------",
        "      female |       47         28         23.5       0.50000      0.59574", "",
        "  Pr(k >= 28)            = 0.121480  (one-sided test)",
        "  Pr(k <= 28)            = 0.928067  (one-sided test)",
        "  Pr(k <= 19 or k >= 28) = 0.242960  (two-sided test)", "",
        "  Pr(k == 28)            = 0.049548  (observed)",
        "  Pr(k == 20)            = 0.069367",
        "  Pr(k == 19)            = 0.049548  (opposite extreme)"]
    assert hsb.r.scalars["k_opp"] == 19 and hsb.r.scalars["k_nopp"] == 20
    rc, lines = run_lines(hsb, "bitesti 10 9 .3")
    assert lines[5:10] == ["  Pr(k >= 9) = 0.000144  (one-sided test)",
                           "  Pr(k <= 9) = 0.999994  (one-sided test)",
                           "  Pr(k >= 9) = 0.000144  (two-sided test)", "",
                           "  note: lower tail of two-sided p-value is empty"]


def test_proportion_text():
    from hlmshell.render.proportion_tests import proportion_text
    assert [proportion_text(v) for v in (0.3, 0.25, 0.123456789, 0.9999999)] == \
        ["0.3", "0.25", "0.123457", "0.999999"]


@pytest.mark.parametrize("cmd,rc,message", [
    ("prtest mathach == .5", 450, "mathach is not a 0/1 variable"),
    ("prtest minority == 1.5", 450, "1.5 is not in (0,1)"),
    ("prtest minority == .5, by(sector)", 198, "may not combine == and option by()"),
    ("prtest minority", 100, "option by() required"),
    ("prtest minority, by(id)", 450, "id takes on 160 values, not 2"),
    ("prtest mathach, by(sector)", 450, "values, not 2"),
    ("prtest minority == .5, cluster(id)", 198, "option cluster"),
    ("prtest minority == .5 if mathach > 100", 2000, "no observations"),
    ("prtesti 30 1.4 45 .67", 198, "1.4 not in [0,1]"),
    ("prtesti 30 40 45 30, count", 198, "40 not less than 30"),
    ("prtesti 1 .4 45 .67", 2001, "insufficient observations"),
    ("prtesti 30 .4", 198, "either three arguments"),
    ("bitest mathach == .5", 450, "mathach is not a 0/1 variable"),
    ("bitest minority == 1", 450, "p invalid"),
    ("bitest minority == .5 if mathach > 100", 2001, "insufficient observations"),
    ("bitesti 10 11 .5", 450, "number of successes invalid"),
    ("bitesti 0 0 .5", 2001, "insufficient observations"),
    ("bitesti 10 3", 198, "invalid syntax"),
])
def test_errors(hsb, cmd, rc, message):
    hsb.run("bitesti 10 3 .2")
    before = dict(hsb.r.scalars)
    got, lines = run_lines(hsb, cmd)
    assert got == rc, lines
    assert message in "\n".join(lines)
    assert hsb.r.scalars == before
