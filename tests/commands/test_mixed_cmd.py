"""The `mixed` command: e() set and display built from fixed numbers (the handout's model 0),
and the live command on data/hsb.dta (models 0 and 5) against the handout's printed lines."""
from __future__ import annotations

import io
import math
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from handout_blocks import ERETURN_M0, MIXED_M0, MIXED_M2, MIXED_M5

from hlmshell.estimates.results import EstimationResult, data_signature, from_mixed
from hlmshell.models.inference import FERow, RERow, RESection
from hlmshell.render import to_text
from hlmshell.render.ereturn import ReturnListing

ROOT = Path(__file__).resolve().parents[2]
NAN = math.nan


class FakeModel0(SimpleNamespace):
    """MixedFit-shaped object holding the handout's model-0 numbers."""

    def fe_table(self, level=95):
        return [FERow(name="_cons", coef=12.63707, se=.2436178, z=51.87, p=0.0, lo=12.15959,
                      hi=13.11455, omitted=False, base=False)]

    def re_table(self, level=95, stddev=False):
        return [RESection("id: Identity", [
                    RERow("var(_cons)", estimate=8.55352, se=1.068642, lo=6.69575, hi=10.92674)]),
                RESection("", [
                    RERow("var(Residual)", estimate=39.14839, se=.6606469, lo=37.87473,
                          hi=40.46489)])]


def fake_model0():
    level = SimpleNamespace(groupvar="id", covariance="identity", effects=["_cons"], n_groups=160,
                            g_min=14, g_avg=44.9, g_max=67, vartype="Identity")
    return FakeModel0(
        method="ML", depvar="mathach", n=7185, sample=np.ones(7185, dtype=bool), converged=True,
        summary=SimpleNamespace(iterations=1), iteration_log=[-23557.905108, -23557.905108],
        dropped=[], levels=[level], ll=-23557.90510815813, ll_c=-24049.86601856097,
        chi2_c=983.9218208056773, df_c=1, p_c=2.8059555978e-216, lr_chibar=True,
        chi2=NAN, df_m=0, p=NAN, b_names=["mathach:_cons", "lns1_1_1:_cons", "lnsig_e:_cons"],
        b=np.array([12.63707, 1.0731714, 1.8336797]), V=np.eye(3), k_f=1, k_r=2, k_rs=2,
        k_rc=0, rank=3, boundary=False, boundary_notes=[])


def result0() -> EstimationResult:
    return from_mixed(fake_model0(), cmdline="mixed mathach || id:", sigvars=["mathach", "id"],
                      datasignature="7185:2:1423354169:3944075123")


def test_ereturn_list_matches_handout():
    r = result0()
    text = to_text(ReturnListing("e", r.scalars, r.macros, r.matrices, r.functions))
    assert text.split("\n") == ERETURN_M0.split("\n")


def test_b_and_V_names():
    r = result0()
    b = r.matrices["b"]
    assert b.rownames == ["y1"]
    assert b.colnames == ["mathach:_cons", "lns1_1_1:_cons", "lnsig_e:_cons"]
    assert r.matrices["V"].rownames == b.colnames and r.matrices["V"].symmetric
    assert r.matrices["N_g"].colnames == ["id"] and r.matrices["N_g"].values[0, 0] == 160


def test_nolrtest_drops_lr_scalars_and_nonconvergence():
    m = fake_model0()
    m.converged = False
    r = from_mixed(m, cmdline="mixed mathach || id:, nolrtest", sigvars=["mathach", "id"],
                   datasignature="x", nolrtest=True)
    assert "ll_c" not in r.scalars and "p_c" not in r.scalars
    assert r.scalars["converged"] == 0 and r.scalars["rc"] == 430


def test_data_signature_shape_and_stability():
    y = np.array([1.0, 2.5, np.nan, 4.0])
    g = np.array([1.0, 1.0, 2.0, 2.0])
    s = data_signature(["y", "g"], [y, g], np.array([True, True, False, True]))
    n, k, h1, h2 = s.split(":")
    assert (n, k) == ("3", "2") and h1.isdigit() and h2.isdigit()
    assert s == data_signature(["y", "g"], [y.copy(), g.copy()], np.array([1, 1, 0, 1], bool))
    assert s != data_signature(["y", "g"], [y + 1, g], np.array([True, True, False, True]))


def test_display_from_stored_results_matches_handout_model0():
    from hlmshell.commands.mixed import build_output
    from hlmshell.syntax.mixed_call import MixedOptions
    out = build_output(result0(), MixedOptions(), 95)
    got = [line.rstrip() for line in to_text(out).split("\n")]
    assert got[1] == "Mixed-effects ML regression                     Number of obs     =      7,185"
    assert got[8] == "Log likelihood = -23557.905                     Prob > chi2       =          ."
    assert got[13] == "       _cons |   12.63707   .2436178    51.87   0.000     12.15959    13.11455"
    assert got[-1] == "LR test vs. linear model: chibar2(01) = 983.92        Prob >= chibar2 = 0.0000"
    # display options
    short = build_output(result0(), MixedOptions(noheader=True, noretable=True, nolrtest=True), 95)
    assert short.header is None and short.random is None and short.lrtest is None
    assert to_text(short).split("\n")[0].startswith("-----")


# ------------------------------------------------------------------ live, on data/hsb.dta
NUMBER = re.compile(r"^[-+]?(\d[\d,]*\.?\d*|\.\d+)(e[-+]\d+)?$")


def _close(expected: str, ours: str) -> bool:
    """Within 2e-4 relative or 1.5 units of the expected figure's last printed digit."""
    e, o = float(expected.replace(",", "")), float(ours.replace(",", ""))
    decimals = len(expected.split(".")[1]) if "." in expected and "e" not in expected else 0
    return abs(e - o) <= max(2e-4 * abs(e), 1.5 * 10.0 ** -decimals)


def same_line(expected: str, ours: str, exempt_after: int | None = None) -> bool:
    """Same non-blank runs ending in the same columns; figures by value (see _close).
    Runs ending after column `exempt_after` are not compared (boundary SEs and CIs)."""
    e = [(m.group(), m.end()) for m in re.finditer(r"\S+", expected)]
    o = [(m.group(), m.end()) for m in re.finditer(r"\S+", ours)]
    if exempt_after is not None:
        e = [x for x in e if x[1] <= exempt_after]
        o = [x for x in o if x[1] <= exempt_after]
    if len(e) != len(o):
        return False
    for (et, ec), (ot, oc) in zip(e, o):
        if ec != oc:
            return False
        if NUMBER.match(et):
            if not NUMBER.match(ot) or not _close(et, ot):
                return False
        elif et != ot:
            return False
    return True


@pytest.fixture(scope="module")
def hsb_session():
    from hlmshell.session import Session
    out = io.StringIO()
    session = Session(out=out)
    assert session.run(f'use "{ROOT / "data" / "hsb.dta"}", clear') == 0
    return session, out


def run(hsb_session, command: str) -> list[str]:
    session, out = hsb_session
    out.seek(0)
    out.truncate()
    rc = session.run(command)
    assert rc == 0, out.getvalue()
    return [line.rstrip() for line in out.getvalue().split("\n")]


def nonblank(lines):
    return [line for line in lines if line.strip()]


def test_live_model0_matches_handout(hsb_session):
    ours = run(hsb_session, "mixed mathach || id:, nolog")
    want = nonblank(MIXED_M0.split("\n"))
    got = nonblank(ours)
    assert len(got) == len(want), "\n".join(got)
    bad = [(w, g) for w, g in zip(want, got) if not same_line(w, g)]
    assert not bad, bad
    r = hsb_session[0].estimates.active
    assert r.cmd == "mixed" and r.scalars["N"] == 7185 and r.scalars["k"] == 3
    assert abs(r.scalars["ll"] - -23557.90510815813) < 1e-6
    assert r.macros["datasignaturevars"] == "mathach id"
    assert r.matrices["b"].colnames == ["mathach:_cons", "lns1_1_1:_cons", "lnsig_e:_cons"]


def test_live_model0_log(hsb_session):
    ours = run(hsb_session, "mixed mathach || id:")
    assert ours[:4] == ["", "Performing EM optimization ...", "",
                        "Performing gradient-based optimization:"]
    assert re.match(r"^Iteration 0:   log likelihood = -2\d{4}\.\d{3}$", ours[4])
    k = ours.index("Computing standard errors ...")
    assert ours[k - 1] == "" and ours[k + 1] == ""
    assert ours[k + 2].startswith("Mixed-effects ML regression")


def test_live_model5_matches_handout(hsb_session):
    ours = run(hsb_session, "mixed mathach c.ses##i.sector || id: ses, cov(unstr) nolog")
    want = nonblank(MIXED_M5.split("\n"))
    got = nonblank(ours)
    # Boundary fit (numerics.md): Stata stops inside the boundary, so its random-effects
    # SEs and CIs are artefacts (not compared) and its estimates are off the exact optimum
    # by up to ~1e-3 relative (var(ses) .073949 vs .0740153): compared within 2e-3.
    boundary = ("var(ses)", "var(_cons)", "cov(ses,_cons)", "var(Residual)")
    bad = []
    for w, g in zip(want, got):
        label = w.split("|")[0].strip()
        if label in boundary:
            ok = g.split("|")[0] == w.split("|")[0] and \
                abs(float(g.split("|")[1].split()[0]) / float(w.split("|")[1].split()[0]) - 1) < 2e-3
        else:
            ok = same_line(w, g)
        if not ok:
            bad.append((w, g))
    assert not bad, bad
    # then the honest note on the boundary, below the handout's lines
    rest = " ".join(got[len(want):])
    assert rest.startswith("Note:") and "boundary" in rest
    r = hsb_session[0].estimates.active
    assert r.matrices["b"].colnames[:6] == [
        "mathach:ses", "mathach:0b.sector", "mathach:1.sector", "mathach:0b.sector#co.ses",
        "mathach:1.sector#c.ses", "mathach:_cons"]
    assert r.scalars["k_f"] == 6 and r.macros["revars"] == "ses _cons"
    assert r.macros["vartypes"] == "Unstructured" and r.macros["redim"] == "2"


def test_live_replay_and_errors(hsb_session):
    session, out = hsb_session
    run(hsb_session, "qui mixed mathach || id:")
    lines = run(hsb_session, "mixed, stddev noheader")
    assert lines[0].startswith("-----")
    assert any(line.strip().startswith("sd(_cons) |") for line in lines)
    assert session.run("mixed, reml") == 198
    assert session.run("mixed mathach || id:, reml mle") == 198
    assert session.run("mixed mathach nosuch || id:") == 111
    assert session.run("mixed mathach || id: if nosuch==1") != 0
    session.estimates.active = None
    assert session.run("mixed") == 301


def test_live_if_in_sample(hsb_session):
    run(hsb_session, "qui mixed mathach ses if sector==1 || id:")
    r = hsb_session[0].estimates.active
    assert r.scalars["N"] == int(np.sum(hsb_session[0].data.column("sector") == 1))  # 3,543
    assert r.sample.sum() == r.scalars["N"]
    assert r.macros["cmdline"] == "mixed mathach ses if sector==1 || id:"


HANDOUT_MORE = {
    "mixed mathach ses || id: ses, cov(unstructured)": MIXED_M2,
    "mixed mathach ses sector || id: ses, cov(unstr)": """\

Mixed-effects ML regression                     Number of obs     =      7,185
Group variable: id                              Number of groups  =        160
                                                Obs per group:
                                                              min =         14
                                                              avg =       44.9
                                                              max =         67
                                                Wald chi2(2)      =     496.29
Log likelihood = -23298.696                     Prob > chi2       =     0.0000

------------------------------------------------------------------------------
     mathach | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]
-------------+----------------------------------------------------------------
         ses |   2.387618   .1173637    20.34   0.000     2.157589    2.617647
      sector |   2.537683   .3420706     7.42   0.000     1.867236    3.208129
       _cons |    11.4742   .2298197    49.93   0.000     11.02376    11.92464
------------------------------------------------------------------------------
------------------------------------------------------------------------------
  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]
-----------------------------+------------------------------------------------
id: Unstructured             |
                    var(ses) |   .4181073   .2319119      .1409779    1.240008
                  var(_cons) |   3.895906   .5767815      2.914672    5.207475
              cov(ses,_cons) |   .7110193   .3125759      .0983819    1.323657
-----------------------------+------------------------------------------------
               var(Residual) |   36.80272   .6283463      35.59156    38.05509
------------------------------------------------------------------------------
LR test vs. linear model: chi2(3) = 341.24                Prob > chi2 = 0.0000

Note: LR test is conservative and provided only for reference.
""",
    "mixed mathach c.ses##i.sector || id:": """\

Mixed-effects ML regression                     Number of obs     =      7,185
Group variable: id                              Number of groups  =        160
                                                Obs per group:
                                                              min =         14
                                                              avg =       44.9
                                                              max =         67
                                                Wald chi2(3)      =     617.69
Log likelihood = -23284.091                     Prob > chi2       =     0.0000

------------------------------------------------------------------------------
     mathach | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]
-------------+----------------------------------------------------------------
         ses |   2.953382   .1405383    21.01   0.000     2.677932    3.228832
    1.sector |   2.137317   .3389169     6.31   0.000     1.473052    2.801582
             |
sector#c.ses |
          1  |  -1.312292   .2118813    -6.19   0.000    -1.727572   -.8970123
             |
       _cons |   11.79835   .2269266    51.99   0.000     11.35358    12.24312
------------------------------------------------------------------------------
------------------------------------------------------------------------------
  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]
-----------------------------+------------------------------------------------
id: Identity                 |
                  var(_cons) |   3.629644   .5210396      2.739511    4.809002
-----------------------------+------------------------------------------------
               var(Residual) |   36.83112   .6219293      35.63211    38.07047
------------------------------------------------------------------------------
LR test vs. linear model: chibar2(01) = 338.63        Prob >= chibar2 = 0.0000
""",
}


def test_level_variable_abbreviated_in_the_tables(hsb_session):
    # Stata abbreviates a level variable to 12 characters in the header, the level title of
    # the random-effects table and estat group: `schooliden~r`
    session, out = hsb_session
    assert session.run("rename id schoolidentifier") == 0
    try:
        text = run(hsb_session, "mixed mathach ses || schoolidentifier: ses, nolog")
        assert "Group variable: schoolidenti~r                  Number of groups  =        160" in text
        assert "schooliden~r: Independent    |" in text
        assert "   schooliden~r |        160         14       44.9         67" in run(
            hsb_session, "estat group")
    finally:
        assert session.run("rename schoolidentifier id") == 0


def test_random_effects_labels_abbreviate_names_to_8(hsb_session):
    # stata-reference 3.3: variable names inside random-effects labels are abbreviated to 8
    session, out = hsb_session
    assert session.run("generate ses_centered = ses") == 0
    try:
        text = run(hsb_session, "mixed mathach ses_centered || id: ses_centered, cov(un) nolog")
        labels = [line.split("|")[0].strip() for line in text if "|" in line]
        assert "var(ses_ce~d)" in labels and "cov(ses_ce~d,_cons)" in labels
        assert "var(_cons)" in labels and "var(Residual)" in labels
        assert "ses_centered |" in " ".join(text)    # the fixed-effects table: 12 characters
    finally:
        assert session.run("drop ses_centered") == 0


@pytest.mark.parametrize("command", list(HANDOUT_MORE))
def test_live_more_handout_models(hsb_session, command):
    """Models 2, 4 and 6 (model 6's stray leading space before `1.sector` undone)."""
    ours = nonblank(run(hsb_session, command + (" nolog" if "," in command else ", nolog")))
    want = nonblank(HANDOUT_MORE[command].split("\n"))
    assert len(ours) == len(want), "\n".join(ours)
    bad = [(w, g) for w, g in zip(want, ours) if not same_line(w, g)]
    assert not bad, bad


def test_live_break_stops_the_fit(hsb_session):
    from hlmshell.errors import BreakError
    session, out = hsb_session
    before = session.estimates.active

    def interrupt():
        raise BreakError()

    session.interrupt_check = interrupt
    try:
        assert session.run("mixed mathach ses || id:") == 1
    finally:
        session.interrupt_check = None
    assert session.estimates.active is before  # nothing posted


def test_live_model1_log_is_statas(hsb_session):
    """stata-reference 1.6 (Stata's log of this model): Iteration 0 and 1, both -23320.502;
    e(ic) = 1 (the handout's model 0 stores e(ic) = 1 as well)."""
    ours = run(hsb_session, "mixed mathach ses || id:")
    its = [line for line in ours if line.startswith("Iteration ")]
    assert its == ["Iteration 0:   log likelihood = -23320.502",
                   "Iteration 1:   log likelihood = -23320.502"]
    assert hsb_session[0].estimates.active.scalars["ic"] == 1


def test_live_emlog_and_maximize_options(hsb_session):
    ours = run(hsb_session, "mixed mathach ses || id:, emlog emiterate(3) difficult tech(nr) "
                            "tol(1e-6) ltol(1e-7) nrtol(1e-5) emtol(1e-10)")
    k = ours.index("Performing EM optimization ...")
    em_lines = ours[k + 2:k + 6]
    assert [line.split(":")[0] for line in em_lines] == [f"Iteration {i}" for i in range(4)]
    assert ours[k + 6] == "" and ours[k + 7] == "Performing gradient-based optimization:"
    session, out = hsb_session
    for bad, msg in [("technique(bfgs)", "option technique(bfgs) not allowed"),
                     ("emiterate(-1)", "option emiterate() incorrectly specified"),
                     ("tolerance(x)", "option tolerance() incorrectly specified"),
                     ("emonly", "option emonly not allowed")]:
        out.seek(0)
        out.truncate()
        assert session.run(f"mixed mathach ses || id:, {bad}") == 198
        assert msg in out.getvalue()


def test_xtmixed_is_mixed_with_sd_tables(hsb_session):
    session, _ = hsb_session
    ours = run(hsb_session, "xtmixed mathach ses || id:, nolog matlog")
    res = session.estimates.active
    assert res.macros["cmd"] == "xtmixed" and res.macros["optmetric"] == "matlog"
    assert res.macros["cmdline"] == "xtmixed mathach ses || id:, nolog matlog"
    assert any(line.strip().startswith("sd(_cons) |") for line in ours)
    ll = res.scalars["ll"]
    assert any(line.startswith("Mixed-effects ML regression") for line in run(hsb_session, "xtmixed"))
    var = run(hsb_session, "xtmixed mathach ses || id:, nolog variance")
    assert any(line.strip().startswith("var(_cons) |") for line in var)
    assert session.estimates.active.scalars["ll"] == ll
    assert session.run("mixed mathach ses || id:, matlog matsqrt") == 198


def test_live_dfmethod_kroger_tables_and_e(hsb_session):
    """Numbers: tests/models/test_smallsample.py (pbkrtest). Here: what is stored, the t
    table, dftable(), estat df, and the refusals (layouts not verified against Stata)."""
    session, out = hsb_session
    ours = run(hsb_session, "mixed mathach ses sector || id: ses, cov(un) reml "
                            "dfmethod(kroger) nolog")
    res = session.estimates.active
    s, m = res.scalars, res.macros
    assert s["small"] == 1 and m["dfmethod"] == "kroger" and "chi2" not in s
    df = res.matrices["df"].values[0]
    assert np.isnan(df[3:]).all()       # e(df) spans e(b): missing for variance parameters
    assert (s["df_min"], s["df_max"]) == (min(df[:3]), max(df[:3]))
    assert s["df_min"] == pytest.approx(149.42471785, rel=1e-5)       # pbkrtest, ses
    V, Vdf = res.matrices["V"].values, res.matrices["V_df"].values
    assert V[0, 0] > Vdf[0, 0]                                        # the adjusted VCE
    assert np.sqrt(V[0, 0]) == pytest.approx(0.11814737047, rel=1e-5)
    assert any(line.startswith("DF method: Kenward-Roger") for line in ours)
    assert any(line.startswith(" " * 48 + "F(2, 198.55)") for line in ours)
    assert any("Coefficient  Std. err.      t    P>|t|" in line for line in ours)
    pv = run(hsb_session, "mixed, dftable(pvalue) noheader noretable")
    assert any("   149.42    20.19   0.000" in line for line in pv)
    est = run(hsb_session, "estat df")
    assert "         ses |        149.42" in est
    before = session.estimates.active
    for bad, msg in [("dfmethod(kroger)", "option dfmethod(kroger) requires option reml"),
                     ("reml dfmethod(anova, oim)", "dfmethod(anova, oim) invalid"),
                     ("reml dfmethod(kroger, oim)", "dfmethod(kroger, oim) invalid"),
                     ("reml dfmethod(foo)", "dfmethod(foo) invalid"),
                     ("dftable(x)", "dftable(x) invalid")]:
        out.seek(0)
        out.truncate()
        assert session.run(f"mixed mathach ses || id:, {bad}") == 198
        assert msg in out.getvalue() and session.estimates.active is before
    assert session.run("mixed, dfmethod(kroger)") == 198              # not a display option


def test_live_vce_robust_display_e_and_refusals(hsb_session):
    """Numbers: tests/models/test_robust.py. Here: e(), the Robust tables, lrtest refuses,
    bad input leaves the earlier results (layout recalled from Stata 17, not verified)."""
    session, out = hsb_session
    ours = run(hsb_session, "mixed mathach ses || id:, vce(cluster id) nolog")
    res = session.estimates.active
    s, m = res.scalars, res.macros
    assert (s["N_clust"], m["vce"], m["vcetype"], m["clustvar"]) == (160, "cluster", "Robust", "id")
    assert m["title"] == "Mixed-effects regression" and "ll_c" not in s
    assert ours[ours.index("-" * 78) - 1].strip() == "(Std. err. adjusted for 160 clusters in id)"
    assert any(line.startswith("Log pseudolikelihood = -23320.502") for line in ours)
    assert sum(line.endswith("|               Robust") for line in ours) == 2
    assert not any(line.startswith("LR test vs. linear model") for line in ours)
    assert session.run("estimates store rob") == 0
    assert session.run("qui mixed mathach || id:, vce(robust)") == 0
    out.seek(0)
    out.truncate()
    assert session.run("lrtest rob .") == 498
    assert "LR test likely invalid for models with robust vce" in out.getvalue()
    before = session.estimates.active
    assert session.run("generate one = 1") == 0 and session.run("generate half = mod(_n, 2)") == 0
    for bad, code, msg in [("vce(robust) reml", 198, "REML not supported with robust variance"),
                           ("vce(cluster half)", 459, "not nested within half"),
                           ("vce(cluster one)", 459, "only one cluster"),
                           ("vce(bs)", 198, "vcetype 'bs' not allowed"),
                           ("vce(robust) dfmethod(residual)", 198, "not allowed with vce")]:
        out.seek(0)
        out.truncate()
        assert session.run(f"mixed mathach ses || id:, {bad}") == code
        assert msg in out.getvalue() and session.estimates.active is before


def test_estmetric_and_coeflegend_tables(hsb_session):
    """One table of e(b): values and SEs are e(b) and sqrt(diag e(V)) (layout unverified)."""
    session, out = hsb_session
    ours = run(hsb_session, "mixed mathach ses || id:, nolog estmetric")
    res = session.estimates.active
    b, V = res.matrices["b"].values[0], res.matrices["V"].values
    k = ours.index("lns1_1_1     |")
    row = ours[k + 1].split()
    assert row[:3] == ["_cons", "|", f"{b[2]:.7f}".lstrip("0")[:8]]
    assert float(row[3]) == pytest.approx(np.sqrt(V[2, 2]), rel=1e-6)
    assert not any(line.startswith("  Random-effects parameters") for line in ours)
    assert any(line.startswith("LR test vs. linear model") for line in ours)
    leg = run(hsb_session, "mixed, coeflegend noheader")
    assert "_b[lnsig_e:_cons]" in leg[-2] or any("_b[lnsig_e:_cons]" in x for x in leg)
    assert any(line.endswith("_b[mathach:ses]") for line in leg)
    assert session.run("mixed, estmetric variance") == 198
    assert session.run("mixed, coeflegend noretable") == 198


def test_live_frequency_weights_and_refusals(hsb_session):
    """Numbers: tests/models/test_weights.py (fw = the expanded data). Here: e(), and bad
    weights leave data and results as they were (Stata's messages and codes)."""
    session, out = hsb_session
    assert session.run("generate w = 1 + mod(_n, 3)") == 0
    run(hsb_session, "mixed mathach ses [fw=w] || id:, nolog")
    res = session.estimates.active
    assert res.scalars["N"] == 14370 and res.macros["wtype"] == "fweight"
    assert res.macros["wexp"] == "= w"
    before = session.estimates.active
    assert session.run("generate wneg = cond(_n == 5, -1, 1)") == 0
    assert session.run("generate wfrac = cond(_n == 5, 1.5, 1)") == 0
    for bad, code, msg in [("[fw=wneg] || id:", 402, "negative weights encountered"),
                           ("[fw=wfrac] || id:", 401, "may not use noninteger frequency weights"),
                           ("[fw=w] || id:, reml", 101, "REML not supported with weights"),
                           # [pw=] is implemented now (test_mixed_pweights.py)
                           ("[aw=w] || id:", 101, "aweights not allowed")]:
        out.seek(0)
        out.truncate()
        assert session.run(f"mixed mathach ses {bad}") == code
        assert msg in out.getvalue() and session.estimates.active is before


def test_options_refused_for_linear_regression(hsb_session):
    session, out = hsb_session
    before = session.estimates.active
    for opts in ("reml dfmethod(kroger)", "vce(robust)"):
        for model in ("mathach ses", "mathach ses || id:, noconstant"):
            sep = "," if "," not in model else ""
            assert session.run(f"mixed {model}{sep} {opts}") == 198
            assert session.estimates.active is before
