"""models/clogit.py: the conditional logit likelihood by the elementary-symmetric recursion.

References: brute-force enumeration of every subset of a small panel (itertools, exact),
and statsmodels' ConditionalLogit fitted on the same data (its optimiser stops earlier:
estimates compared to 1e-4, the log likelihood to 1e-6)."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from hlmshell.models.clogit import Panels, fit_clogit


def _data(seed=3, G=40):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 9, G)
    g = np.repeat(np.arange(G), sizes)
    X = rng.normal(size=(len(g), 2))
    a = rng.normal(size=G)
    y = (rng.random(len(g)) < 1 / (1 + np.exp(-(X @ [0.8, -0.5] + a[g])))).astype(float)
    m, n = np.bincount(g, y), np.bincount(g)
    keep = (m[g] > 0) & (m[g] < n[g])
    return X[keep], y[keep], g[keep]


def test_loglik_is_the_subset_sum():
    X, y, g = _data()
    beta = np.array([0.4, -0.3])
    total = 0.0
    for i in np.unique(g):
        Xi, yi = X[g == i], y[g == i]
        eta = Xi @ beta
        m = int(yi.sum())
        denom = sum(math.exp(eta[list(S)].sum())
                    for S in itertools.combinations(range(len(yi)), m))
        total += float(eta[yi == 1].sum()) - math.log(denom)
    ll, grad, H = Panels(X, y, g).loglik(beta)
    assert ll == pytest.approx(total, abs=1e-10)


def test_derivatives_match_differences():
    X, y, g = _data(5)
    P = Panels(X, y, g)
    b = np.array([0.3, -0.2])
    _, grad, H = P.loglik(b)
    h = 1e-6
    num_g = [(P.loglik(b + h * e, False)[0] - P.loglik(b - h * e, False)[0]) / (2 * h)
             for e in np.eye(2)]
    num_H = [(P.loglik(b + h * e)[1] - P.loglik(b - h * e)[1]) / (2 * h) for e in np.eye(2)]
    assert np.allclose(grad, num_g, atol=1e-6)
    assert np.allclose(H, num_H, atol=1e-6)


def test_long_panels_do_not_overflow():
    """200 rows and 100 positives in one panel: C(200, 100) ~ 9e58 times exp(η) sums."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 1)) * 5
    y = np.r_[np.ones(100), np.zeros(100), np.ones(100), np.zeros(100)]
    g = np.repeat([0, 1], 200)
    fit = fit_clogit(X, y, g)
    assert np.isfinite(fit.ll) and fit.converged


def test_fit_matches_statsmodels():
    from statsmodels.discrete.conditional_models import ConditionalLogit
    X, y, g = _data()
    fit = fit_clogit(X, y, g)
    ref = ConditionalLogit(y, X, groups=g).fit(disp=0)
    assert fit.converged
    assert np.allclose(fit.b, ref.params, atol=1e-4)
    assert fit.ll == pytest.approx(ref.llf, abs=1e-6)
    assert np.allclose(np.sqrt(np.diag(fit.V)), ref.bse, rtol=1e-3)
