"""Crossed random intercepts (`|| _all: R.a || _all: R.b`, models/crossed.py).

Reference: lme4's lmer(y ~ x + (1|a) + (1|b)) on fixtures/crossed_lme4.csv (made by
crossed_lme4.py; values by crossed_lme4.R, stored in crossed_lme4.json). lmer stops at its
own optimizer tolerance, so the comparison is at 1e-6 relative for the log likelihood and
1e-3 relative for the variance components (ours are at a tighter optimum: ll >= lmer's)."""
import json
from pathlib import Path

import numpy as np
import pytest

from hlmshell.models import Factor, ModelError, ModelSpec, RandomLevel, Term, fit
from hlmshell.models.crossed import CrossedLMM
from hlmshell.models.design import build_design

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def data():
    arr = np.loadtxt(FIX / "crossed_lme4.csv", delimiter=",", skiprows=1)
    return dict(y=arr[:, 0], x=arr[:, 1], a=arr[:, 2], b=arr[:, 3])


def _spec(levels, method="ML"):
    return ModelSpec("y", (Term((Factor("x"),)),), tuple(levels), method=method)


CROSSED = [RandomLevel("_all", factor="a"), RandomLevel("_all", factor="b")]


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_matches_lme4(data, method):
    ref = json.loads((FIX / "crossed_lme4.json").read_text())[method.lower()]
    r = fit(_spec(CROSSED, method), data)
    assert r.ll >= ref["ll"][0] - 1e-7
    assert r.ll == pytest.approx(ref["ll"][0], rel=1e-6)
    assert r.levels[0].Sigma[0, 0] == pytest.approx(ref["var_a"][0], rel=1e-3)
    assert r.levels[1].Sigma[0, 0] == pytest.approx(ref["var_b"][0], rel=1e-3)
    assert r.sigma2 == pytest.approx(ref["var_e"][0], rel=1e-3)
    # ours: x then _cons; lmer: intercept then x
    assert r.beta[::-1] == pytest.approx(ref["beta"], rel=1e-4)
    assert np.sqrt(np.diag(r.V_beta))[::-1] == pytest.approx(ref["se_beta"], rel=1e-3)
    assert [lv.groupvar for lv in r.levels] == ["_all", "_all"]
    assert [lv.n_groups for lv in r.levels] == [1, 1]
    # one Stata level (_all) with two equations
    assert r.theta_names == ["lns1_1_1", "lns1_2_1", "lnsig_e"]


def test_nested_spelling_same_fit(data):
    """Stata's `|| _all: R.a || b:` is the same model as `|| _all: R.a || _all: R.b`."""
    r1 = fit(_spec(CROSSED), data)
    r2 = fit(_spec([RandomLevel("_all", factor="a"), RandomLevel("b")]), data)
    assert r2.ll == pytest.approx(r1.ll, abs=1e-8)
    assert r2.levels[1].groupvar == "b" and r2.levels[1].n_groups == 15


def test_single_factor_equals_grouping_level(data):
    r1 = fit(_spec([RandomLevel("_all", factor="a")]), data)
    r2 = fit(_spec([RandomLevel("a")]), data)
    assert r1.ll == pytest.approx(r2.ll, abs=1e-8)
    assert r1.levels[0].Sigma[0, 0] == pytest.approx(r2.levels[0].Sigma[0, 0], rel=1e-6)


@pytest.mark.parametrize("reml", [False, True])
def test_gradient_matches_differences(data, reml):
    m = CrossedLMM(build_design(_spec(CROSSED), data), reml=reml)
    th = np.array([0.6, 1.3])
    f, g = m.deviance(th, True)
    h = 1e-6
    fd = [(m.deviance(th + h * e) - m.deviance(th - h * e)) / (2 * h) for e in np.eye(2)]
    assert g == pytest.approx(fd, rel=1e-5, abs=1e-5)


def test_bad_factor(data):
    d = dict(data, a=data["a"] + 0.5)
    with pytest.raises(ModelError) as e:
        fit(_spec(CROSSED), d)
    assert e.value.code == 452
    d = dict(data, a=data["a"] - 10)
    with pytest.raises(ModelError) as e:
        fit(_spec(CROSSED), d)
    assert e.value.code == 452


def test_blups_match_dense(data):
    """u = Sigma Z' V^-1 (y - X beta) with V = Z Sigma Z' + s2 I, built densely (numpy)."""
    r = fit(_spec([RandomLevel("_all", factor="a"), RandomLevel("b")]), data)
    a, b = data["a"].astype(int), data["b"].astype(int)
    ua, ia = np.unique(a, return_inverse=True)
    ub, ib = np.unique(b, return_inverse=True)
    n = len(a)
    Z = np.zeros((n, len(ua) + len(ub)))
    Z[np.arange(n), ia] = 1
    Z[np.arange(n), len(ua) + ib] = 1
    sig = np.r_[np.full(len(ua), r.levels[0].Sigma[0, 0]), np.full(len(ub), r.levels[1].Sigma[0, 0])]
    V = (Z * sig) @ Z.T + r.sigma2 * np.eye(n)
    X = np.column_stack([data["x"], np.ones(n)])
    u = sig * (Z.T @ np.linalg.solve(V, data["y"] - X @ r.beta))
    got_a, got_b = r.reffects(0)[:, 0], r.reffects(1)[:, 0]
    assert got_a == pytest.approx(u[ia], abs=1e-8)
    assert got_b == pytest.approx(u[len(ua) + ib], abs=1e-8)
    fitted = r.predict("fitted")
    assert fitted == pytest.approx(X @ r.beta + Z @ u, abs=1e-8)


def test_frequency_weights_equal_expanded_rows(data):
    w = (np.arange(len(data["y"])) % 3 + 1).astype(float)
    d = dict(data, w=w)
    spec = ModelSpec("y", (Term((Factor("x"),)),), tuple(CROSSED), weights="w")
    r = fit(spec, d)
    rows = np.repeat(np.arange(len(w)), w.astype(int))
    r2 = fit(_spec(CROSSED), {k: v[rows] for k, v in data.items()})
    assert r.ll == pytest.approx(r2.ll, rel=1e-10)
    assert r.levels[1].Sigma[0, 0] == pytest.approx(r2.levels[1].Sigma[0, 0], rel=1e-6)


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_blup_standard_errors_match_dense(data, method):
    """posterior: Sigma - Sigma Z'V^-1 Z Sigma (beta known, Stata after ML); comparative:
    Sigma - Sigma Z'P Z Sigma, P = V^-1 - V^-1 X (X'V^-1X)^-1 X'V^-1 (after REML); dense."""
    r = fit(_spec(CROSSED, method), data)
    a, b = data["a"].astype(int), data["b"].astype(int)
    ua, ia = np.unique(a, return_inverse=True)
    ub, ib = np.unique(b, return_inverse=True)
    n = len(a)
    Z = np.zeros((n, len(ua) + len(ub)))
    Z[np.arange(n), ia] = 1
    Z[np.arange(n), len(ua) + ib] = 1
    sig = np.r_[np.full(len(ua), r.levels[0].Sigma[0, 0]), np.full(len(ub), r.levels[1].Sigma[0, 0])]
    Vi = np.linalg.inv((Z * sig) @ Z.T + r.sigma2 * np.eye(n))
    X = np.column_stack([data["x"], np.ones(n)])
    if method == "REML":
        ViX = Vi @ X
        Vi = Vi - ViX @ np.linalg.solve(X.T @ ViX, ViX.T)
    ZS = Z * sig
    var = sig - np.einsum("ij,ik,kj->j", ZS, Vi, ZS)
    se = np.sqrt(var)
    assert r.reses(0)[:, 0] == pytest.approx(se[ia], rel=1e-6)
    assert r.reses(1)[:, 0] == pytest.approx(se[len(ua) + ib], rel=1e-6)


def test_too_many_dense_levels_is_r909(monkeypatch, data):
    monkeypatch.setattr(CrossedLMM, "DENSE_LIMIT", 100)     # b's 15 levels: 225 elements
    with pytest.raises(ModelError) as e:
        fit(_spec(CROSSED), data)
    assert e.value.code == 909
