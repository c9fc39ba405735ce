"""`anova` end to end on hsb.dta: e() against statsmodels (tests/fixtures/anova_reference.json,
1e-9 relative on SS, F and p), the one-way table against `oneway`'s, the printed table,
postestimation after it, replay, and the errors (state left as it was)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from hlmshell.render.formats import fmt
from session_helpers import hsb_session, run_lines, state

REF = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                  "anova_reference.json").read_text())["hsb"]
REL = 1e-9


@pytest.fixture(scope="module")
def hsb():
    return hsb_session()


def _terms(e):
    out, i = [], 1
    while f"term_{i}" in e.macros:
        out.append(i)
        i += 1
    return out


@pytest.mark.parametrize("case", sorted(REF))
@pytest.mark.parametrize("kind", ["partial", "sequential"])
def test_against_statsmodels(hsb, case, kind):
    ref = REF[case]
    opt = ", sequential" if kind == "sequential" else ""
    rc, lines = run_lines(hsb, f"anova mathach {ref['termlist']}{opt}")
    assert rc == 0, lines
    e = hsb.estimates.active
    s = e.scalars
    assert e.cmd == "anova" and e.macros["sstype"] == kind
    assert s["N"] == ref["N"] and s["df_m"] == ref["df_m"] and s["df_r"] == ref["df_r"]
    for key in ("mss", "rss", "F", "r2", "r2_a", "ll"):
        assert s[key] == pytest.approx(ref[key], rel=REL), key
    terms = _terms(e)
    t = ref[kind]
    assert [s[f"df_{i}"] for i in terms] == t["df"]
    np.testing.assert_allclose([s[f"ss_{i}"] for i in terms], t["ss"], rtol=REL)
    np.testing.assert_allclose([s[f"F_{i}"] for i in terms], t["F"], rtol=REL)
    p = [stats.f.sf(s[f"F_{i}"], s[f"df_{i}"], s["df_r"]) for i in terms]
    np.testing.assert_allclose(p, t["p"], rtol=1e-8)


def test_oneway_agrees_with_oneway_command(hsb):
    assert hsb.run("oneway mathach minority") == 0
    r = dict(hsb.r.scalars)
    assert hsb.run("anova mathach minority") == 0
    s = hsb.estimates.active.scalars
    for a, b in (("mss", "mss"), ("rss", "rss"), ("F", "F"), ("df_m", "df_m"),
                 ("df_r", "df_r"), ("N", "N")):
        assert s[a] == pytest.approx(r[b], rel=1e-10), a
    assert s["ss_1"] == pytest.approx(r["mss"], rel=1e-10)
    assert s["F_1"] == pytest.approx(r["F"], rel=1e-10)


def test_printed_table_end_to_end(hsb):
    ref = REF["ancova"]
    rc, lines = run_lines(hsb, "anova mathach sector c.ses")
    assert rc == 0 and lines[-1] == ""
    while not lines[-1]:
        lines.pop()
    t = ref["partial"]
    mse = ref["rss"] / ref["df_r"]
    g = lambda x: fmt(x, "%10.0g").strip()

    def row(name, ss, df, F=None, p=None):
        text = f"{name:>24} |{g(ss):>11}{df:>11}{g(ss / df):>12}"
        return text + (f"{F:>10.2f}{p:>8.4f}" if F is not None else "")
    assert lines[1:] == [
        " " * 25 + "Number of obs =      7,185    R-squared     =  "
        + f"{ref['r2']:.4f}",
        " " * 25 + f"Root MSE      ={np.sqrt(mse):>11.6g}    Adj R-squared =  "
        + f"{ref['r2_a']:.4f}",
        "",
        " " * 18 + "Source | Partial SS         df         MS        F    Prob>F",
        " " * 14 + "-" * 11 + "+" + "-" * 52,
        row("Model", ref["mss"], ref["df_m"], ref["F"], 0.0),
        " " * 25 + "|",
        row("sector", t["ss"][0], 1, t["F"][0], t["p"][0]),
        row("ses", t["ss"][1], 1, t["F"][1], t["p"][1]),
        " " * 25 + "|",
        row("Residual", ref["rss"], ref["df_r"]),
        " " * 14 + "-" * 11 + "+" + "-" * 52,
        row("Total", ref["rss"] + ref["mss"], ref["df_r"] + ref["df_m"])]


def test_replay_regress_and_postestimation(hsb):
    assert hsb.run("anova mathach sector##minority") == 0
    e = hsb.estimates.active
    assert e.macros["varnames"] == "sector minority"
    assert [e.macros[f"term_{i}"] for i in (1, 2, 3)] == ["sector", "minority",
                                                         "sector#minority"]
    assert e.matrices["b"].colnames == ["0b.sector", "1.sector", "0b.minority", "1.minority",
                                        "0b.sector#0b.minority", "0b.sector#1o.minority",
                                        "1o.sector#0b.minority", "1.sector#1.minority",
                                        "_cons"]
    rc, replay = run_lines(hsb, "anova")
    rc2, first = run_lines(hsb, "estimates replay")
    assert rc == 0 and "sector#minority |  1481.1318" in "\n".join(replay)
    rc, reg = run_lines(hsb, "regress")
    assert rc == 0 and any(line.startswith("    1.sector |") for line in reg)
    # the asbalanced contrast of a factor is its Type III test: the table's F
    rc, con = run_lines(hsb, "contrast sector")
    F1 = e.scalars["F_1"]
    assert rc == 0 and any(line.split()[:3] == ["sector", "|", "1"] and
                           float(line.split()[3]) == pytest.approx(F1, abs=0.005)
                           for line in con)
    # test on the interaction's one coefficient is the interaction row
    assert hsb.run("test 1.sector#1.minority") == 0
    assert hsb.r.scalars["F"] == pytest.approx(e.scalars["F_3"], rel=1e-9)
    assert hsb.run("predict double fit") == 0 and hsb.run("predict double res, resid") == 0
    assert hsb.run("quietly regress mathach i.sector##i.minority") == 0
    assert hsb.run("predict double fit2") == 0
    np.testing.assert_allclose(hsb.data.column("fit"), hsb.data.column("fit2"), rtol=1e-12)
    y = hsb.data.column("mathach")
    np.testing.assert_allclose(hsb.data.column("res"), y - hsb.data.column("fit"), atol=1e-10)
    hsb.run("drop fit fit2 res")


def test_weights(hsb):
    assert hsb.run("anova mathach sector minority [fw=2]") == 0
    s2 = dict(hsb.estimates.active.scalars)
    assert hsb.run("anova mathach sector minority") == 0
    s1 = hsb.estimates.active.scalars
    assert s2["N"] == 2 * s1["N"] and s2["ss_1"] == pytest.approx(2 * s1["ss_1"], rel=1e-10)
    assert hsb.run("anova mathach sector minority [aw=ses+4]") == 0
    e = hsb.estimates.active
    assert e.macros["wtype"] == "aweight" and e.scalars["N"] == 7185
    assert hsb.run("quietly regress mathach i.sector i.minority [aw=ses+4]") == 0
    assert e.scalars["rss"] == pytest.approx(hsb.estimates.active.scalars["rss"], rel=1e-10)


@pytest.mark.parametrize("line, rc", [
    ("anova id sector", 109),                         # string depvar: type mismatch
    ("anova mathach nosuchvar", 111),
    ("anova mathach sector|minority", 198),
    ("anova mathach sector / minority", 198),
    ("anova mathach sector, repeated(sector)", 198),
    ("anova mathach sector, bse(sector)", 198),
    ("anova mathach sector, bseunit(sector)", 198),
    ("anova mathach sector, grouping(sector)", 198),
    ("anova mathach sector, dropemptycells", 198),
    ("anova mathach sector, partial sequential", 198),
    ("anova mathach sector, nosuchopt", 198),
    ("anova mathach sector [pw=2]", 101),
    ("anova mathach sector [iw=2]", 101),
    ("anova mathach sector if mathach > 1000", 2000),
    ("anova mathach schoolid#s10", 908),         # 160 x 67 cells: too many
    ("anova mathach ses", 452),                   # categorical by default: not integer
])
def test_errors_leave_state(line, rc):
    s = hsb_session()
    s.run("generate schoolid = real(id)")
    s.run("generate s10 = round(ses * 10) + 40")
    assert s.run("quietly anova mathach sector") == 0
    before, est = state(s), s.estimates.active
    got, lines = run_lines(s, line)
    assert got == rc, lines
    assert state(s) == before and s.estimates.active is est


def test_replay_without_results():
    s = hsb_session()
    assert run_lines(s, "anova")[0] == 301
    assert s.run("quietly regress mathach ses") == 0
    assert run_lines(s, "anova")[0] == 301


def test_noconstant_and_abbreviations(hsb):
    # nocons (Stata's minimum abbreviation): the factor is fully coded, its SS the
    # uncentred model SS sum n_g mean_g^2 (numpy, 1e-10); `se` is sequential
    assert hsb.run("anova mathach sector, nocons") == 0
    s = hsb.estimates.active.scalars
    y, g = hsb.data.column("mathach"), hsb.data.column("sector")
    ref = sum((g == v).sum() * y[g == v].mean() ** 2 for v in (0, 1))
    assert s["df_1"] == 2 and s["df_m"] == 2 and s["df_r"] == 7183
    assert s["ss_1"] == pytest.approx(ref, rel=1e-10) and s["mss"] == pytest.approx(ref, rel=1e-10)
    assert hsb.run("an mathach sector minority, se") == 0
    assert hsb.estimates.active.macros["sstype"] == "sequential"
    assert run_lines(hsb, "anova mathach sector, nocon")[0] == 198       # nocons at least
