"""Crossed effects with random slopes and nested levels (models/crossed_general.py).

Reference: lme4's lmer on fixtures/crossed_slope_lme4.csv (made by crossed_slope_lme4.py;
values by crossed_slope_lme4.R with bobyqa at rhoend 1e-12, stored in
crossed_slope_lme4.json). Tolerances: log likelihood 1e-7 relative (both optimizers reach
the optimum), fixed effects and their standard errors 1e-5 relative, variance components
1e-4 relative (they are flat directions of the likelihood), BLUPs 1e-4 absolute."""
import json
from pathlib import Path

import numpy as np
import pytest

from hlmshell.models import Factor, ModelError, ModelSpec, RandomLevel, Term, fit
from hlmshell.models.crossed_general import GeneralCrossedLMM
from hlmshell.models.design import build_design

FIX = Path(__file__).parent / "fixtures"
REF = json.loads((FIX / "crossed_slope_lme4.json").read_text())


@pytest.fixture(scope="module")
def data():
    arr = np.loadtxt(FIX / "crossed_slope_lme4.csv", delimiter=",", skiprows=1)
    return dict(zip(["y", "x", "a", "c", "b", "k"], arr.T))


A = RandomLevel("_all", factor="a")
MODELS = {
    "ind": [A, RandomLevel("b", slopes=("x",))],
    "un": [A, RandomLevel("b", slopes=("x",), covariance="unstructured")],
    "two": [A, RandomLevel("_all", factor="c"),
            RandomLevel("b", slopes=("x",), covariance="unstructured")],
    "nest": [A, RandomLevel("b"), RandomLevel("k", slopes=("x",))],
}


def _spec(levels, method="ML"):
    return ModelSpec("y", (Term((Factor("x"),)),), tuple(levels), method=method)


def _components(r):
    """Our variance components in lmer's as.data.frame(VarCorr) order."""
    S = [lv.Sigma for lv in r.levels]
    return S


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("method", ["ML", "REML"])
def test_matches_lme4(data, name, method):
    ref = REF[f"{name}_{method.lower()}"]
    r = fit(_spec(MODELS[name], method), data)
    assert r.converged
    assert r.ll >= ref["ll"] - 1e-7
    assert r.ll == pytest.approx(ref["ll"], rel=1e-7)
    assert r.beta[::-1] == pytest.approx(ref["beta"], rel=1e-5)     # lmer: intercept first
    assert np.sqrt(np.diag(r.V_beta))[::-1] == pytest.approx(ref["se_beta"], rel=1e-5)
    vc = dict(zip(ref["vc_names"], ref["vc"]))
    S = {lv.groupvar + (lv.effects[0] if lv.groupvar == "_all" else ""): lv.Sigma
         for lv in r.levels}
    assert r.sigma2 == pytest.approx(vc["Residual NA "], rel=1e-4)
    assert S["_allR.a"][0, 0] == pytest.approx(vc["a (Intercept) "], rel=1e-4)
    if name == "ind":
        assert S["b"][0, 0] == pytest.approx(vc["b x "], rel=1e-4)
        assert S["b"][1, 1] == pytest.approx(vc["b.1 (Intercept) "], rel=1e-4)
        assert S["b"][0, 1] == 0
    elif name in ("un", "two"):
        assert S["b"][0, 0] == pytest.approx(vc["b x "], rel=1e-4)
        assert S["b"][1, 1] == pytest.approx(vc["b (Intercept) "], rel=1e-4)
        assert S["b"][0, 1] == pytest.approx(vc["b (Intercept) x"], rel=1e-4)
        if name == "two":
            assert S["_allR.c"][0, 0] == pytest.approx(vc["c (Intercept) "], rel=1e-4)
    else:
        assert S["b"][0, 0] == pytest.approx(vc["b (Intercept) "], rel=1e-4)
        assert S["k"][0, 0] == pytest.approx(vc["b.k x "], rel=1e-4)
        assert S["k"][1, 1] == pytest.approx(vc["b.k.1 (Intercept) "], rel=1e-4)


def test_blups_match_lme4(data):
    """ranef(condVar = TRUE) of the ML fit: lmer's conditional variances are Stata's
    posterior ones after ML (beta known)."""
    from hlmshell.models.crossed import reffects, reses
    ref = REF["un_ml"]
    r = fit(_spec(MODELS["un"]), data)
    st = r._state
    ua = st["model"].blups(st["theta"], st["beta_k"])
    assert ua[0][:, 0] == pytest.approx(ref["re_a"], abs=1e-4)
    assert ua[1][:, 1] == pytest.approx(ref["re_b_cons"], abs=1e-4)
    assert ua[1][:, 0] == pytest.approx(ref["re_b_x"], abs=1e-4)
    se = st["model"].blup_variances(st["theta"], r.sigma2, st["XXinv"], False)
    assert np.sqrt(se[0][:, 0]) == pytest.approx(ref["re_a_se"], rel=1e-4)
    assert np.sqrt(se[1][:, 0]) == pytest.approx(ref["re_b_x_se"], rel=1e-4)
    # on the rows: a's BLUP by the row's level of a, b's two by its group
    ra, rb = reffects(r, 0), reffects(r, 1)
    assert ra.shape == (len(data["y"]), 1) and rb.shape == (len(data["y"]), 2)
    i = 7
    assert ra[i, 0] == pytest.approx(ref["re_a"][int(data["a"][i]) - 1], abs=1e-4)
    assert rb[i, 1] == pytest.approx(ref["re_b_cons"][int(data["b"][i]) - 1], abs=1e-4)
    assert reses(r, 1)[i, 0] == pytest.approx(ref["re_b_x_se"][int(data["b"][i]) - 1], rel=1e-4)


def test_comparative_reses_exceed_posterior(data):
    """Var(u_hat - u) adds the uncertainty of beta: never below the posterior variance."""
    r = fit(_spec(MODELS["two"], "REML"), data)
    st = r._state
    post = st["model"].blup_variances(st["theta"], r.sigma2, st["XXinv"], False)
    comp = st["model"].blup_variances(st["theta"], r.sigma2, st["XXinv"], True)
    for p_, c_ in zip(post, comp):
        assert (c_ >= p_ - 1e-12).all() and (c_ > p_).any()


@pytest.mark.parametrize("name", ["un", "nest"])
@pytest.mark.parametrize("reml", [False, True])
def test_gradient_matches_differences(data, name, reml):
    m = GeneralCrossedLMM(build_design(_spec(MODELS[name]), data), reml=reml)
    rng = np.random.default_rng(0)
    th = 0.3 + rng.random(m.offsets[-1])
    f, g = m.deviance(th, True)
    h = 1e-6
    fd = [(m.deviance(th + h * e) - m.deviance(th - h * e)) / (2 * h) for e in np.eye(len(th))]
    assert g == pytest.approx(fd, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("limit", ["DENSE_LIMIT", "ROWS_LIMIT"])
def test_memory_refused_before_allocating(data, monkeypatch, limit):
    monkeypatch.setattr(GeneralCrossedLMM, limit, 600)   # Q_r^2 = 625, G_1 q_1 dW = 1680
    with pytest.raises(ModelError) as e:
        fit(_spec(MODELS["un"]), data)
    assert e.value.code == 909


@pytest.mark.parametrize("name", ["un", "nest"])
def test_frequency_weights_equal_expanded_data(data, name):
    """fweights: the fit of the data with each row repeated w times (same ll, estimates)."""
    from dataclasses import replace
    w = 1.0 + (np.arange(len(data["y"])) % 3)
    exp = {k: np.repeat(v, w.astype(int)) for k, v in data.items()}
    r1 = fit(replace(_spec(MODELS[name]), weights="w"), dict(data, w=w))
    r2 = fit(_spec(MODELS[name]), exp)
    assert r1.ll == pytest.approx(r2.ll, rel=1e-9)
    assert r1.beta == pytest.approx(r2.beta, rel=1e-6)
    for a, b in zip(r1.levels, r2.levels):
        np.testing.assert_allclose(a.Sigma, b.Sigma, rtol=1e-5, atol=1e-8)


def test_small_sample_matches_pbkrtest_and_lmertest(data):
    """dfmethod() after crossed effects (crossed_small.py): Kenward-Roger DF and adjusted SEs
    against pbkrtest, Satterthwaite (observed information) against lmerTest, both 1e-5
    relative (fixtures/crossed_slope_kr.{R,json})."""
    from hlmshell.models import smallsample as ss
    R = json.loads((FIX / "crossed_slope_kr.json").read_text())
    r = fit(_spec(MODELS["un"], "REML"), data)
    assert r.ll == pytest.approx(R["reml_ll"], rel=1e-9)
    kr = ss.infer(r, "kroger")
    order = [1, 0]                                  # lmer: intercept first
    assert kr.df[order] == pytest.approx(R["kr_df"], rel=1e-5)
    assert np.sqrt(np.diag(kr.V_beta))[order] == pytest.approx(R["kr_se"], rel=1e-5)
    pc = ss.pieces(r)
    assert [ss.satterthwaite(pc, np.eye(2)[j], "oim") for j in order] == \
        pytest.approx(R["sat_df"], rel=1e-5)


def test_crossed_pieces_equal_nested_pieces(data):
    """On a nested model the whole-Z route gives the nested route's sums (1e-10)."""
    from hlmshell.models import smallsample as ss
    from hlmshell.models.crossed_small import crossed_pieces
    r = fit(_spec([RandomLevel("b", slopes=("x",), covariance="unstructured"),
                   RandomLevel("k")], "REML"), data)
    p1, p2 = ss.pieces_dense(r), crossed_pieces(r)
    for f in ("Phi", "P", "Q", "eim", "oim"):
        a, b = getattr(p1, f), getattr(p2, f)
        assert np.max(np.abs(a - b)) <= 1e-10 * np.max(np.abs(a))
