"""mixed, residuals(ar 1, t()) combined with dfmethod() and vce(robust|cluster).

Reference: tests/fixtures/resinf_reference.json, made by tests/fixtures/resinf_reference.py
(an independent numpy/scipy derivation: dense V per person, its own REML/ML fits, every
derivative by finite differences; see its docstring) on tests/fixtures/residuals_panel.csv.
The script is pinned by R: the same code without the AR(1) term ("plain") against lmerTest's
Satterthwaite df and pbkrtest's Kenward-Roger VCE and F tests ("plain_R", resinf_reference.R),
and its AR(1) REML fit against nlme's (residuals_nlme.json).
Tolerances (relative): 1e-5 where both sides are analytic at the optimum up to the
optimizers' stopping (DF, Kenward-Roger VCE and F), 1e-4 for the observed-information DF and
the robust SEs (finite differences of the likelihood in the script)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from session_helpers import hsb_session, state

ROOT = Path(__file__).resolve().parents[2]
FIX = json.loads((ROOT / "tests" / "fixtures" / "resinf_reference.json").read_text())
AR1 = "mixed y time || person: time, residuals(ar 1, t(time))"


@pytest.fixture(scope="module")
def panel():
    s = hsb_session(data=False)
    assert s.run(f"import delimited {ROOT / 'tests' / 'fixtures' / 'residuals_panel.csv'}, "
                 "clear") == 0
    return s


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def test_script_pinned_by_r():
    """The reference code agrees with lmerTest/pbkrtest where V is linear."""
    mine, r = FIX["plain"], FIX["plain_R"]
    assert rel(mine["sigma"], r["sigma"]) < 1e-5
    assert rel(mine["V_kr"], r["V_kr"]) < 1e-5
    for lab in ("kr_time", "kr_both"):
        assert rel([mine[lab]["F"], mine[lab]["ddf"]], [r[lab]["F"], r[lab]["ddf"]]) < 1e-5
    # lmerTest's Satterthwaite uses the observed information
    assert rel(mine["df_satt_oim"], r["df_satt_eim"]) < 1e-4
    # its AR(1) REML fit is nlme's (lme, pdDiag(~time), corAR1; residuals_nlme.json;
    # 1e-5: nlme's stopping and VarCorr's 8 printed digits)
    nlme = json.loads((ROOT / "tests" / "fixtures" / "residuals_nlme.json").read_text())["ar1_REML"]
    a = FIX["ar1"]
    assert rel(a["sigma"], nlme["var_re"][::-1] + [nlme["rho"], nlme["sigma2"]]) < 1e-5
    assert rel(a["beta"], nlme["beta"][::-1]) < 1e-6


def small(panel, opt):
    assert panel.run(f"quietly {AR1} reml {opt}") == 0
    return panel.estimates.active


def test_kroger_with_ar1(panel):
    ref = FIX["ar1"]
    r = small(panel, "dfmethod(kroger)")
    assert rel(r.matrices["df"].values[0][:2], ref["df_satt_eim"]) < 1e-5
    assert rel(r.matrices["V"].values[:2, :2], ref["V_kr"]) < 1e-5
    assert rel(r.scalars["F"], ref["kr_time"]["F"]) < 1e-5
    assert rel(r.scalars["ddf_m"], ref["kr_time"]["ddf"]) < 1e-5
    assert r.macros["dfmethod"] == "kroger"


@pytest.mark.parametrize("info", ["eim", "oim"])
def test_satterthwaite_with_ar1(panel, info):
    ref = FIX["ar1"]
    r = small(panel, f"dfmethod(satterthwaite, {info})")
    tol = 1e-5 if info == "eim" else 1e-4
    assert rel(r.matrices["df"].values[0][:2], ref[f"df_satt_{info}"]) < tol
    assert rel(r.matrices["V"].values[:2, :2], ref["V"]) < 1e-5   # no adjustment


def test_robust_with_ar1(panel):
    ref = FIX["robust"]
    assert panel.run(f"quietly {AR1} vce(robust)") == 0
    r = panel.estimates.active
    assert list(r.matrices["b"].colnames) == [
        "y:time", "y:_cons", "lns1_1_1:_cons", "lns1_1_2:_cons", "lnsig_e:_cons", "r_atr1:_cons"]
    assert rel(r.matrices["b"].values[0], ref["b"]) < 1e-5
    V = r.matrices["V"].values
    assert rel(np.sqrt(np.diag(V)), np.sqrt(np.diag(ref["V_robust"]))) < 1e-4
    assert rel(V[0, 1], ref["V_robust"][0][1]) < 1e-4
    persons = np.unique(np.genfromtxt(ROOT / "tests" / "fixtures" / "residuals_panel.csv",
                                      delimiter=",", names=True)["person"])
    assert r.macros["vcetype"] == "Robust" and r.scalars["N_clust"] == len(persons)
    # vce(cluster person) is the same sandwich here (persons are the top level)
    assert panel.run(f"quietly {AR1} vce(cluster person)") == 0
    assert rel(panel.estimates.active.matrices["V"].values, V) < 1e-9


@pytest.mark.parametrize("cmd, rc", [
    (AR1 + " reml vce(robust)", 198),                  # Stata: REML and robust VCE
    (AR1 + " dfmethod(kroger)", 198),                  # kroger requires reml
    (AR1 + " reml dfmethod(kroger) vce(robust)", 198),
    ("mixed y time [fw=person] || person: time, residuals(ar 1, t(time))", 198),
    ("mixed y time [pw=person] || person: time, residuals(ar 1, t(time))", 198),
    (AR1 + " vce(cluster nosuch)", 111),
])
def test_refusals_leave_state(cmd, rc):
    s = hsb_session(data=False)
    assert s.run(f"import delimited {ROOT / 'tests' / 'fixtures' / 'residuals_panel.csv'}, "
                 "clear") == 0
    assert s.run("quietly mixed y time || person:") == 0
    before = state(s)
    active = s.estimates.active
    assert s.run(cmd) == rc
    assert state(s) == before and s.estimates.active is active


def test_test_and_lincom_use_the_df_method(panel):
    ref = FIX["ar1"]
    small(panel, "dfmethod(kroger)")
    assert panel.run("quietly test time _cons") == 0
    r = panel.r.scalars
    assert r["df"] == 2 and "chi2" not in r
    assert rel([r["F"], r["df_r"]], [ref["kr_both"]["F"], ref["kr_both"]["ddf"]]) < 1e-5
    assert panel.run("quietly lincom time") == 0
    r = panel.r.scalars
    assert rel([r["df"], r["se"]], [ref["df_satt_eim"][0], ref["V_kr"][0][0] ** 0.5]) < 1e-5
    # a combination touching a variance parameter keeps z (no DF)
    assert panel.run("quietly lincom _cons + [lnsig_e]_cons") == 0
    assert "df" not in panel.r.scalars and "z" in panel.r.scalars
    small(panel, "dfmethod(residual)")
    assert panel.run("quietly test time") == 0
    assert panel.r.scalars["df_r"] == panel.estimates.active.scalars["N"] - 2


def test_dense_route_agrees_with_ar1(panel):
    """exponential (residuals_dense) has AR(1)'s correlation rho^|t - s| in the same
    displayed parameters (rho, var(e)): the same DF, adjusted VCE and robust SEs through
    the other code path (tolerance: the two optimizers' stopping)."""
    out = {}
    for kind in ("ar 1", "exponential"):
        base = f"mixed y time || person: time, residuals({kind}, t(time))"
        assert panel.run(f"quietly {base} reml dfmethod(kroger)") == 0
        r = panel.estimates.active
        assert panel.run(f"quietly {base} vce(robust)") == 0
        rob = panel.estimates.active.matrices["V"].values[:2, :2]
        out[kind] = (r.matrices["df"].values[0][:2], r.matrices["V"].values[:2, :2], rob)
    for a, b in zip(out["ar 1"], out["exponential"]):
        assert rel(a, b) < 1e-5


def test_three_levels_and_clusters(panel):
    """A level above the persons: DF and sandwich per top-level group; the residual
    structure stays within persons."""
    assert panel.run("capture drop cl") in (0, 111)
    assert panel.run("generate cl = ceil(person/10)") == 0
    assert panel.run(f"quietly mixed y time || cl: || person: time, "
                     "residuals(ar 1, t(time)) reml dfmethod(kroger)") == 0
    df = panel.estimates.active.matrices["df"].values[0]
    assert 10 < df[1] < 30 and df[0] > 100       # _cons between-cluster, time within
    assert panel.run("quietly mixed y time || cl: || person: time, "
                     "residuals(ar 1, t(time)) vce(robust)") == 0
    assert panel.estimates.active.scalars["N_clust"] == 15
    assert panel.run("quietly mixed y time || person: time, residuals(ar 1, t(time)) "
                     "vce(cluster cl)") == 0
    assert panel.estimates.active.scalars["N_clust"] == 15
    assert panel.run("drop cl") == 0


def test_without_random_effects(panel):
    """`|| person:, noconstant residuals(ar 1, t())`: a marginal AR(1) model; DF, adjusted
    VCE and the sandwich over the residual groups (reference "gls", "gls_robust")."""
    ref = FIX["gls"]
    base = "mixed y time || person:, noconstant residuals(ar 1, t(time))"
    assert panel.run(f"quietly {base} reml dfmethod(kroger)") == 0
    r = panel.estimates.active
    assert rel(r.matrices["df"].values[0][:2], ref["df_satt_eim"]) < 1e-5
    assert rel(r.matrices["V"].values[:2, :2], ref["V_kr"]) < 1e-5
    assert rel(r.scalars["F"], ref["kr_time"]["F"]) < 1e-5
    assert panel.run("quietly estat df") == 0
    assert rel(panel.r.matrices["df"].values[:2, 0], ref["df_satt_eim"]) < 1e-5   # k x methods
    assert panel.run(f"quietly {base} reml dfmethod(satterthwaite, oim)") == 0
    assert rel(panel.estimates.active.matrices["df"].values[0][:2], ref["df_satt_oim"]) < 1e-4
    rob = FIX["gls_robust"]
    assert panel.run(f"quietly {base} vce(robust)") == 0
    r = panel.estimates.active
    assert list(r.matrices["b"].colnames) == ["y:time", "y:_cons", "lnsig_e:_cons",
                                              "r_atr1:_cons"]
    assert rel(r.matrices["b"].values[0], rob["b"]) < 1e-5
    assert rel(np.sqrt(np.diag(r.matrices["V"].values)), np.sqrt(np.diag(rob["V_robust"]))) < 1e-4
    assert r.macros["clustvar"] == "person" and r.scalars["N_clust"] == 150
    # a regression with no structure and no random effects: still refused
    assert panel.run("mixed y time || person:, noconstant reml dfmethod(kroger)") == 198
