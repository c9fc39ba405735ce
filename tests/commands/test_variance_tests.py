"""sdtest and robvar: r() against scipy.stats (tests/fixtures/stattests_reference.json, made
by stattests_reference.py; 1e-10 relative), the layouts, and the errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_helpers import data_session, hsb_session, run_lines

REL = 1e-10
REF = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                  "stattests_reference.json").read_text())


@pytest.fixture(scope="module")
def hsb():
    return hsb_session()


@pytest.fixture(scope="module")
def small():
    s, _ = data_session({k: ("double", [float(v) for v in vals])
                         for k, vals in REF["small"].items()})
    return s


CASES = [("hsb", "sdtest mathach, by(sector)", "sdtest mathach, by(sector)"),
         ("hsb", "sdtest mathach == 7 if sector==1", "sdtest mathach == 7 if sector==1"),
         ("small", "sdtest x == y", "sdtest x == y (small)"),
         ("small", "sdtest x = 2.5", "sdtest x == 2.5 (small)"),
         ("hsb", "robvar mathach, by(sector)", "robvar mathach, by(sector)"),
         ("hsb", 'robvar mathach if id<"1300", by(id)', 'robvar mathach if id<"1300", by(id)'),
         ("small", "robvar x, by(g)", "robvar x, by(g) (small)")]


@pytest.mark.parametrize("which,cmd,key", CASES)
def test_against_scipy(request, which, cmd, key):
    s = request.getfixturevalue(which)
    rc, lines = run_lines(s, cmd)
    assert rc == 0, lines
    for name, value in REF[key].items():
        assert s.r.scalars[name] == pytest.approx(value, rel=REL, abs=0), name


def test_sdtest_layout(hsb):
    rc, lines = run_lines(hsb, "sdtest mathach, by(sector)")
    ref = REF["sdtest mathach, by(sector)"]
    assert lines[1] == "Variance ratio test"
    assert lines[3] == "   Group |     Obs        Mean    Std. err.   Std. dev.   [95% conf. interval]"
    assert lines[8] == "Combined |   7,185    12.74785    .0811455    6.878246    12.58878    12.90692"
    assert lines[10] == "    ratio = sd(0) / sd(1)" + " " * 41 + f"f = {ref['F']:8.4f}"
    assert lines[11] == "H0: ratio = 1" + " " * 34 + "degrees of freedom = 3641, 3542"
    assert len(lines[11]) == 78
    assert lines[13] == "    Ha: ratio < 1               Ha: ratio != 1                 Ha: ratio > 1"
    assert lines[14] == (" Pr(F < f) = 1.0000          2*Pr(F > f) = 0.0000            "
                         "Pr(F > f) = 0.0000")
    rc, lines = run_lines(hsb, "sdtest mathach == 7 if sector==1")
    assert lines[1] == "One-sample test of variance"
    assert lines[8] == "H0: sd = 7" + " " * 39 + "degrees of freedom =     3542"


def test_robvar_layout(hsb):
    rc, lines = run_lines(hsb, 'robvar mathach if id<"1300", by(id)')
    ref = REF['robvar mathach if id<"1300", by(id)']
    assert lines[-7:-2] == [
        f"W0  =  {ref['w0']:.7f}   df(2, 117)     Pr > F = {ref['p_w0']:.8f}", "",
        f"W50 =  {ref['w50']:.7f}   df(2, 117)     Pr > F = {ref['p_w50']:.8f}", "",
        f"W10 =  {ref['w10']:.7f}   df(2, 117)     Pr > F = {ref['p_w10']:.8f}"]
    assert "Summary of mathematics achievement" in lines[1]


def test_robvar_formats():
    from hlmshell.render.variance_tests import _p_text, _w_format
    assert _w_format([73.30487209757736, 74.82378908126987, 75.27428493021564]) == "%10.6f"
    assert _w_format([0.5, 0.25]) == "%5.2f"          # .5 and .25 count their leading 0
    assert _p_text(0.00143145) == "0.00143145"
    assert _p_text(0.0) == "0"


@pytest.mark.parametrize("cmd,rc,message", [
    ("sdtest mathach, by(id)", 420, "more than 2 groups found, only 2 allowed"),
    ("sdtest mathach if sector==1, by(sector)", 420, "1 group found, 2 required"),
    ("sdtest mathach", 100, "by() option required"),
    ("sdtest mathach == 2, by(sector)", 198, "may not combine = and by()"),
    ("sdtest mathach == 0", 198, "must be positive"),
    ("sdtest id == 3", 109, "string variable"),
    ("sdtest mathach == 3 if mathach > 100", 2000, "no observations"),
    ("robvar mathach", 198, "option by() required"),
    ("robvar mathach if sector==1, by(sector)", 2001, "insufficient observations"),
    ("robvar id, by(sector)", 109, "string variable"),
])
def test_errors(hsb, cmd, rc, message):
    hsb.run("sdtest mathach, by(sector)")
    before = dict(hsb.r.scalars)
    got, lines = run_lines(hsb, cmd)
    assert got == rc, lines
    assert message in "\n".join(lines)
    assert hsb.r.scalars == before
