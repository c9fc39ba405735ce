"""Multilevel GLMMs with several random-effects levels (models/glmm_nested.py,
glmm_blocks.py, glmm_multi_fit.py).

Reference: tests/fixtures/glmm_levels.json, made by tests/fixtures/glmm_levels.R (lme4's
glmer, Laplace) on the simulated rows of tests/fixtures/glmm_levels.py. Laplace fits match
glmer to 1e-5 (coefficients and variances) and 1e-6 (log likelihood). The nested quadrature
is checked against an independent route: a dense trapezoid rule over both levels' effects
(a separate per-school loop below), to which the 7- and 15-point rules converge.
"""
from __future__ import annotations

import importlib.util
import json
import math
import os

import numpy as np
import pytest

from hlmshell.models.glmm_blocks import Block, JointLaplace, MultiData
from hlmshell.models.glmm_multi_fit import fit_multi
from hlmshell.models.glmm_nested import NestedAGQ

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures")
FIX = json.load(open(os.path.join(HERE, "glmm_levels.json")))
_spec = importlib.util.spec_from_file_location("glmm_levels_data",
                                               os.path.join(HERE, "glmm_levels.py"))
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
D = _mod.make()


def _nested(outcome="y", family="bernoulli", link="logit"):
    n = len(D["y"])
    one = np.ones((n, 1))
    b1 = Block("school", "school", ["_cons"], "identity", D["school"], 30, one)
    b2 = Block("school>cls", "cls", ["_cons"], "identity", D["cls"], 120, one,
               parent=np.repeat(np.arange(30), 4))
    X = np.column_stack([D["x"], np.ones(n)])
    return MultiData(D[outcome], X, [b1, b2], family, link)


def _crossed():
    n = len(D["yc"])
    one = np.ones((n, 1))
    b1 = Block("_all>a", "_all", ["_cons"], "identity", D["a"], 25, one, factor="a")
    b2 = Block("b", "b", ["_cons"], "identity", D["b"], 20, one)
    X = np.column_stack([D["xc"], np.ones(n)])
    return MultiData(D["yc"], X, [b1, b2], "bernoulli", "logit")


@pytest.mark.parametrize("key,make", [
    ("nested_logit", lambda: _nested()),
    ("nested_poisson", lambda: _nested("cnt", "poisson", "log")),
    ("crossed_logit", _crossed),
])
def test_laplace_matches_glmer(key, make):
    ref = FIX[key]
    fit = fit_multi(make(), "laplace")
    assert fit.converged
    # ours: slope, _cons, then the levels top first; lme4: (Intercept), slope
    assert fit.b[1] == pytest.approx(ref["fixef"][0], abs=1e-5)
    assert fit.b[0] == pytest.approx(ref["fixef"][1], abs=1e-5)
    vc = {g.split()[0]: v for g, v in zip(ref["groups"], ref["vcov_re"])}
    top, low = ("school", "cls") if key.startswith("nested") else ("a", "b")
    assert fit.b[2] == pytest.approx(vc[top], abs=1e-5)
    assert fit.b[3] == pytest.approx(vc[low], abs=1e-5)
    assert fit.ll == pytest.approx(ref["loglik"], abs=1e-6)


def test_laplace_random_slope_unstructured_matches_glmer():
    """(x | school) + (1 | cls): Stata's cov(unstructured) at the school level."""
    ref = FIX["nested_slope_logit"]
    n = len(D["y"])
    b1 = Block("school", "school", ["x", "_cons"], "unstructured", D["school"], 30,
               np.column_stack([D["x"], np.ones(n)]))
    b2 = Block("school>cls", "cls", ["_cons"], "identity", D["cls"], 120, np.ones((n, 1)),
               parent=np.repeat(np.arange(30), 4))
    d = MultiData(D["ys"], np.column_stack([D["x"], np.ones(n)]), [b1, b2], "bernoulli",
                  "logit")
    fit = fit_multi(d, "laplace")
    assert fit.converged
    vc = dict(zip(ref["groups"], ref["vcov_re"]))
    want = [ref["fixef"][1], ref["fixef"][0], vc["school x"], vc["school (Intercept)"],
            vc["school (Intercept) x"], vc["cls (Intercept)"]]
    np.testing.assert_allclose(fit.b, want, atol=1e-5)
    # ours ends 1.4e-6 above glmer's (bobyqa stops a little short of the maximum here)
    assert ref["loglik"] - 1e-7 < fit.ll < ref["loglik"] + 5e-6
    # the quadrature of this model (two effects at the top level) converges with points
    # (measured near here, from 15 points: 7 points 1.6e-4, 9 points 2.3e-5)
    v7, v9 = (NestedAGQ(d, "mvaghermite", k).value(fit.params) for k in (7, 9))
    assert abs(v7 - v9) < 5e-4


def _dense_reference(x):
    """log likelihood of the nested logit at internal params x by a trapezoid rule on
    [-8, 8] for both standardised effects (school by school)."""
    beta, ls1, ls2 = x[:2], math.exp(x[2]), math.exp(x[3])
    grid = np.linspace(-7, 7, 101)
    h = grid[1] - grid[0]
    logphi = -0.5 * grid ** 2 - 0.5 * math.log(2 * math.pi)
    xb = (beta[0] * D["x"] + beta[1]).reshape(30, 4, 10)
    yy = D["y"].reshape(30, 4, 10)
    total = 0.0
    for s in range(30):
        # v1 x v2 x class x student
        eta = (xb[s][None, None] + ls1 * grid[:, None, None, None]
               + ls2 * grid[None, :, None, None])
        l = (yy[s] * eta - np.logaddexp(0, eta)).sum(-1) + logphi[None, :, None]
        mx = l.max(1, keepdims=True)
        inner = (mx[:, 0] + np.log(np.exp(l - mx).sum(1) * h)).sum(-1)   # Σ classes, per v1
        a = inner + logphi
        mx = a.max()
        total += mx + math.log(np.exp(a - mx).sum() * h)
    return total


def test_nested_quadrature_converges_to_the_integral():
    d = _nested()
    x = np.array([0.85, -0.35, math.log(0.95), math.log(0.6)])
    ref = _dense_reference(x)
    err = {}
    for method, pts in (("mvaghermite", 7), ("mvaghermite", 15), ("mcaghermite", 7),
                        ("ghermite", 30)):
        err[method, pts] = abs(NestedAGQ(d, method, pts).value(x) - ref)
    assert err["mvaghermite", 7] < 1e-5         # measured 4e-7
    assert err["mvaghermite", 15] < 1e-8        # measured 3e-11
    assert err["mcaghermite", 7] < 5e-3         # measured 1.5e-3
    assert err["ghermite", 30] < 1e-3           # measured 3e-5
    # Laplace is the cruder approximation of the same integral
    assert abs(JointLaplace(d).value(x) - ref) > err["mvaghermite", 7]


def test_nested_fit_points_converge():
    """The 7-point fit is (nearly) the maximum of the 11-point likelihood too."""
    d = _nested()
    f7 = fit_multi(d, "mvaghermite", 7)
    assert f7.converged
    agq11 = NestedAGQ(d, "mvaghermite", 11)
    assert agq11.value(f7.params) == pytest.approx(f7.ll, abs=1e-5)   # adapts the nodes
    g, H = agq11.derivs(f7.params)
    step = np.linalg.solve(-H, g)                 # Newton step to the 11-point optimum
    assert np.max(np.abs(step)) < 1e-4            # measured 4e-6
    assert np.all(np.isfinite(np.diag(f7.V))) and np.all(np.diag(f7.V) > 0)


def test_posterior_means_converge_with_points():
    """Posterior means and SDs of both levels (each level's context-weighted quadrature
    moments) agree between 7 and 15 points at the same parameters."""
    d = _nested()
    x = np.array([0.85, -0.35, math.log(0.95), math.log(0.6)])
    p7 = NestedAGQ(d, "mvaghermite", 7).posterior(x)
    p15 = NestedAGQ(d, "mvaghermite", 15).posterior(x)
    for (m7, c7), (m15, c15) in zip(p7, p15):
        assert np.max(np.abs(m7 - m15)) < 1e-4
        assert np.max(np.abs(np.sqrt(c7) - np.sqrt(c15))) < 1e-4
    # and the joint posterior mode (ebmodes) is near the means, within a fraction of the SD
    modes = JointLaplace(d).posterior(x)
    for (mean, cov), (mode, _) in zip(p15, modes):
        assert np.all(np.abs(mean - mode)[:, 0] < 0.35 * np.sqrt(cov[:, 0, 0]))


def test_four_levels_value_converges():
    """school > class > pair (5 pupils): the level recursion at depth 3 converges with
    points."""
    n = len(D["y"])
    one = np.ones((n, 1))
    pair = np.arange(n) // 5
    b1 = Block("school", "school", ["_cons"], "identity", D["school"], 30, one)
    b2 = Block("school>cls", "cls", ["_cons"], "identity", D["cls"], 120, one,
               parent=np.repeat(np.arange(30), 4))
    b3 = Block("school>cls>pair", "pair", ["_cons"], "identity", pair, 240, one,
               parent=np.repeat(np.arange(120), 2))
    d = MultiData(D["y"], np.column_stack([D["x"], np.ones(n)]), [b1, b2, b3],
                  "bernoulli", "logit")
    x = np.array([0.85, -0.35, math.log(0.95), math.log(0.5), math.log(0.4)])
    # measured: 5 points 1.3e-4 from 9, 7 points 7e-7; mcaghermite 7 1.3e-3
    v5, v7 = (NestedAGQ(d, "mvaghermite", k).value(x) for k in (5, 7))
    assert abs(v5 - v7) < 1e-3
    assert abs(NestedAGQ(d, "mcaghermite", 7).value(x) - v7) < 5e-3
    assert JointLaplace(d).value(x) < v7 - 0.5      # Laplace is cruder (lower here)


@pytest.mark.parametrize("family,link,outcome", [("bernoulli", "probit", "y"),
                                                 ("bernoulli", "cloglog", "y"),
                                                 ("poisson", "log", "cnt")])
def test_nested_gradient_matches_differences(family, link, outcome):
    """The analytic gradient with nodes held against central differences of fixed()."""
    from hlmshell.models.glmm import numeric
    e = NestedAGQ(_nested(outcome, family, link), "mvaghermite", 5)
    x = np.array([0.5, -0.2, math.log(0.8), math.log(0.5)])
    e.value(x)
    g, _ = numeric(e.fixed, x, 1e-5)
    np.testing.assert_allclose(e.gradient(x), g, atol=1e-6)    # measured ~1e-8


def test_nested_gradient_with_slopes_at_two_levels():
    n = len(D["y"])
    XZ = np.column_stack([D["x"], np.ones(n)])
    b1 = Block("school", "school", ["x", "_cons"], "unstructured", D["school"], 30, XZ)
    b2 = Block("school>cls", "cls", ["x", "_cons"], "independent", D["cls"], 120, XZ,
               parent=np.repeat(np.arange(30), 4))
    e = NestedAGQ(MultiData(D["ys"], XZ, [b1, b2], "bernoulli", "logit"), "mvaghermite", 3)
    x = np.array([1.2, -0.3, -0.4, 0.05, 0.1, -1.0, -0.5])
    e.value(x)
    from hlmshell.models.glmm import numeric
    g, _ = numeric(e.fixed, x, 1e-5)
    np.testing.assert_allclose(e.gradient(x), g, atol=1e-6)
