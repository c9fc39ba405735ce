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
