"""models/ols.py and models/panel.py against independent references.

- OLS: statsmodels on data/hsb.dta, stored in fixtures/ols_reference.json by
  fixtures/make_ols_reference.py (nonrobust, HC1 = Stata's robust, HC2, HC3, cluster(id),
  WLS = aweights). Tolerance 1e-8 relative: the same least-squares problem.
- Panel: Stata's published output on Grunfeld's data (fixtures/grunfeld.csv, the 10 firms
  of `webuse grunfeld`): fe from a Stata 16 log (stata-reference.md section 12: sigma_u
  85.732501, rho .72525012, _cons -58.74393 SE 12.45369), re (Swamy-Arora) from [XT] xtreg's
  Grunfeld example (mvalue .1097811 SE .0104927, kstock .308113 SE .0171805, _cons -57.83441
  SE 28.89893, sigma_u 84.20095, sigma_e 52.767964, rho .71800838). Tolerance: half a unit
  of the last printed digit (relative 5e-7 on 7-8 digit figures).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hlmshell.dataset.io import read_dta
from hlmshell.models.ols import fit_ols
from hlmshell.models.panel import fit_panel, within_collinear

HERE = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hsb():
    d = read_dta(str(ROOT / "data" / "hsb.dta"))
    col = lambda v: np.asarray(d.column(v), dtype=float)
    X = np.column_stack([col("ses"), col("female"), col("sector"), np.ones(d.nobs)])
    g = np.unique(np.asarray(d.column("id")), return_inverse=True)[1].ravel()
    return col("mathach"), X, g, col("size")


REF = json.loads((HERE / "ols_reference.json").read_text())


@pytest.mark.parametrize("vce", ["ols", "robust", "hc2", "hc3", "cluster"])
def test_ols_matches_statsmodels(hsb, vce):
    y, X, g, _ = hsb
    fit = fit_ols(y, X, constant=True, vce=vce, clusters=g if vce == "cluster" else None)
    ref = REF[vce]
    np.testing.assert_allclose(fit.b, ref["b"], rtol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.V)), ref["se"], rtol=1e-8)
    np.testing.assert_allclose(fit.F, ref["F"], rtol=1e-8)
    assert fit.r2 == pytest.approx(ref["r2"], rel=1e-10)
    assert fit.ll == pytest.approx(ref["ll"], rel=1e-10)
    assert fit.rmse == pytest.approx(ref["rmse"], rel=1e-10)
    if vce == "cluster":
        assert fit.n_clust == 160 and fit.df_r == 159


def test_aweights_match_wls(hsb):
    y, X, _, size = hsb
    fit = fit_ols(y, X, constant=True, weights=size, wtype="aweight")
    np.testing.assert_allclose(fit.b, REF["aweight"]["b"], rtol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.V)), REF["aweight"]["se"], rtol=1e-8)
    assert fit.N == len(y)


def test_fweights_replicate_rows():
    # frequency weights: the same fit as the rows repeated (independent check by expansion)
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.normal(size=40), np.ones(40)])
    y = X @ [2.0, 1.0] + rng.normal(size=40)
    w = rng.integers(1, 4, 40).astype(float)
    a = fit_ols(y, X, constant=True, weights=w, wtype="fweight", vce="robust")
    rep = np.repeat(np.arange(40), w.astype(int))
    b = fit_ols(y[rep], X[rep], constant=True, vce="robust")
    np.testing.assert_allclose(a.b, b.b, rtol=1e-10)
    np.testing.assert_allclose(a.V, b.V, rtol=1e-10)
    assert a.N == b.N == w.sum()


def test_perfect_fit_and_zero_residual_df():
    X = np.column_stack([np.arange(5.0), np.ones(5)])
    fit = fit_ols(2 * np.arange(5.0) + 1, X, constant=True)
    assert fit.b == pytest.approx([2, 1]) and fit.rss == pytest.approx(0, abs=1e-20)
    assert np.isnan(fit.F) and np.isnan(fit.ll) and fit.r2 == pytest.approx(1)
    fit = fit_ols(np.array([1.0, 3.0]), X[:2], constant=True)
    assert fit.df_r == 0 and np.isnan(fit.rmse) and np.isnan(fit.V).all()


@pytest.fixture(scope="module")
def grunfeld():
    d = np.genfromtxt(HERE / "grunfeld.csv", delimiter=",", names=True)
    g = (d["company"] - 1).astype(int)
    # Stata stores invest, mvalue and kstock as float: compute with those values
    f = lambda v: d[v].astype(np.float32).astype(float)
    X = np.column_stack([f("value"), f("capital"), np.ones(len(d))])
    return f("invest"), X, g


def close(x, printed: str):
    """Within half a unit of the last digit Stata printed (plus 1e-9 relative for the
    float32 storage of the data)."""
    decimals = len(printed.partition(".")[2])
    tol = 0.5 * 10 ** -decimals + 1e-9 * abs(float(printed))
    assert abs(x - float(printed)) <= tol, (x, printed)


def test_fe_matches_stata_log(grunfeld):
    fit = fit_panel(*grunfeld, "fe")
    close(fit.sigma_u, "85.732501")
    close(fit.rho, ".72525012")
    close(fit.b[2], "-58.74393")
    close(np.sqrt(fit.V[2, 2]), "12.45369")
    assert fit.df_r == 200 - 10 - 2 and fit.df_a == 9


def test_re_swamy_arora_matches_stata(grunfeld):
    fit = fit_panel(*grunfeld, "re")
    se = np.sqrt(np.diag(fit.V))
    for x, printed in [(fit.b[0], ".1097811"), (se[0], ".0104927"), (fit.b[1], ".308113"),
                       (se[1], ".0171805"), (fit.b[2], "-57.83441"), (se[2], "28.89893"),
                       (fit.sigma_u, "84.20095"), (fit.sigma_e, "52.767964"), (fit.rho, ".71800838")]:
        close(x, printed)
    assert fit.df_r is None


def test_within_collinear_finds_panel_constants(grunfeld):
    y, X, g = grunfeld
    const_in_panel = g.astype(float) * 3
    Xs = np.column_stack([X[:, 0], const_in_panel, X[:, 1]])
    assert within_collinear(Xs, g) == [1]


@pytest.mark.parametrize("model", ["fe", "re"])
def test_moment_path_equals_explicit_path(grunfeld, model):
    y, X, g = grunfeld
    a = fit_panel(y, X, g, model)
    b = fit_panel(y, X, g, model, explicit=True)
    np.testing.assert_allclose(a.b, b.b, rtol=1e-9)
    np.testing.assert_allclose(a.V, b.V, rtol=1e-8)
    for name in ("sigma_u", "sigma_e", "rho", "r2_w", "r2_b", "r2_o", "F", "F_f", "chi2",
                 "corr"):
        x, z = getattr(a, name), getattr(b, name)
        assert (np.isnan(x) and np.isnan(z)) or x == pytest.approx(z, rel=1e-8), name
    np.testing.assert_allclose(a.u, b.u, rtol=1e-7, atol=1e-9)
