"""The shortcuts of models/glmm.py's Newton iterations (issue 12) against the plain paths.

- analytic() reusing adapt()'s cached evaluation must give what a fresh evaluation gives,
  and a replaced (m, C) must not hit the cache;
- the closed-form derivatives of L's entries (identity/independent covariances) must give
  the gradient and Hessian of the fixed-node likelihood: checked against central
  differences of Problem.loglik (an independent computation; tolerances below);
- families.logit_derivs stays finite and exact at extreme eta."""
from __future__ import annotations

import numpy as np

from hlmshell.models.families import logit_derivs
from hlmshell.models.glmm import GLMMData, Problem, numeric
from hlmshell.models.glmm_fit import fit_glmm


def _data(hsb, k=40, slope=False, cov="identity"):
    ids = np.unique(hsb["id"])[:k]
    keep = np.isin(hsb["id"], ids)
    y = (hsb["mathach"][keep] > 15).astype(float)
    ses = hsb["ses"][keep]
    _, g = np.unique(hsb["id"][keep], return_inverse=True)
    one = np.ones(len(y))
    X = np.column_stack([ses, one])
    Z = np.column_stack([ses, one]) if slope else one[:, None]
    return GLMMData(y, X, Z, g, g.max() + 1, "bernoulli", "logit", covariance=cov)


def test_analytic_reuses_adapt_evaluation_exactly(hsb):
    fit = fit_glmm(_data(hsb), "mvaghermite", 7)
    prob, x = fit.problem, fit.params
    prob.value(x)
    assert prob._cache is not None            # the shortcut is taken here
    g1, H1 = prob.analytic(x)
    prob._cache = None
    g2, H2 = prob.analytic(x)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H1, H2, rtol=1e-12, atol=1e-12)


def test_replaced_centres_do_not_hit_the_cache(hsb):
    fit = fit_glmm(_data(hsb), "mvaghermite", 7)
    prob, x = fit.problem, fit.params
    prob.value(x)
    g_cached, _ = prob.analytic(x)
    prob.m = prob.m + 0.3                      # as the line search's restore: new objects
    g_new, H_new = prob.analytic(x)
    prob._cache = None
    g_fresh, H_fresh = prob.analytic(x)
    assert np.max(np.abs(g_new - g_cached)) > 1e-3
    np.testing.assert_allclose(g_new, g_fresh, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H_new, H_fresh, rtol=1e-12, atol=1e-12)


def _check_against_differences(prob, x):
    g, H = prob.analytic(x)
    gn, Hn = numeric(prob.loglik, x, 1e-4)    # the nodes stay fixed: the same function
    # central differences with h = 1e-4: errors O(h^2) relative to the curvature
    np.testing.assert_allclose(g, gn, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(H, Hn, rtol=1e-4, atol=1e-2)


def test_closed_form_chain_rule_identity(hsb):
    prob = Problem(_data(hsb), "mvaghermite", 7)
    x = np.array([0.6, -0.7, np.log(0.5)])
    prob.value(x)
    _check_against_differences(prob, x)


def test_closed_form_chain_rule_independent(hsb):
    prob = Problem(_data(hsb, slope=True, cov="independent"), "mvaghermite", 5)
    x = np.array([0.6, -0.7, np.log(0.3), np.log(0.6)])
    prob.value(x)
    _check_against_differences(prob, x)


def test_logit_derivs_extremes():
    eta = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    # e^-eta overflows at -800 (p = 0 exactly, ignored inside) and underflows at 800
    # (numpy's default ignores underflow); nothing may be invalid or divide by zero
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        d1, d2 = logit_derivs(y, eta)
    p = np.array([0.0, np.exp(-40.0) / (1 + np.exp(-40.0)), 0.5, 1 / (1 + np.exp(-40.0)), 1.0])
    np.testing.assert_allclose(d1, y - p, rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(d2, -p * (1 - p), rtol=1e-12, atol=1e-300)
