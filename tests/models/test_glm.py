"""models/glm.py and families.py: single-level logit/probit/poisson/cloglog by Newton.

References: statsmodels (an independent implementation) on the handout data; the family
derivatives against central differences. Tolerances are stated per test."""
from __future__ import annotations

import numpy as np
import pytest

from hlmshell.models.families import loglik
from hlmshell.models.glm import fit_glm, robust_vce


@pytest.mark.parametrize("family,link,alpha", [
    ("bernoulli", "logit", None), ("bernoulli", "probit", None), ("bernoulli", "cloglog", None),
    ("poisson", "log", None), ("nbinomial", "log", 0.7)])
def test_derivatives_match_central_differences(family, link, alpha):
    y = np.array([0, 1, 1, 0, 3.0]) if family != "bernoulli" else np.array([0, 1, 1, 0, 1.0])
    eta = np.array([-4.0, 0.3, 2.0, -0.5, 6.0])
    h = 1e-6
    l, d1, d2 = loglik(family, link, y, eta, 1.0, alpha)
    lp, d1p, _ = loglik(family, link, y, eta + h, 1.0, alpha)
    lm, d1m, _ = loglik(family, link, y, eta - h, 1.0, alpha)
    assert np.allclose((lp - lm) / (2 * h), d1, atol=1e-7)      # tol: difference error
    assert np.allclose((d1p - d1m) / (2 * h), d2, atol=1e-7)


def _design(hsb):
    y = (hsb["mathach"] > 15).astype(float)
    X = np.column_stack([hsb["ses"], (hsb["sector"] == 1).astype(float), np.ones(len(y))])
    return y, X


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
def test_binary_matches_statsmodels(hsb, link):
    import statsmodels.api as sm
    y, X = _design(hsb)
    fit = fit_glm(X, y, "bernoulli", link)
    links = {"logit": sm.families.links.Logit(), "probit": sm.families.links.Probit(),
             "cloglog": sm.families.links.CLogLog()}
    ref = sm.GLM(y, X, family=sm.families.Binomial(link=links[link])).fit(tol=1e-12)
    assert fit.converged
    assert np.allclose(fit.b, ref.params, rtol=0, atol=1e-7)    # same optimum
    assert fit.ll == pytest.approx(ref.llf, abs=1e-6)
    if link == "logit":   # canonical link: observed = expected information
        assert np.allclose(np.sqrt(np.diag(fit.V)), ref.bse, rtol=1e-6)


def test_poisson_with_offset_and_cluster_vce(hsb):
    import statsmodels.api as sm
    y = np.maximum(0, np.round(hsb["mathach"] / 4))
    X = np.column_stack([hsb["ses"], np.ones(len(y))])
    off = np.log(hsb["size"] / 1000)
    fit = fit_glm(X, y, "poisson", "log", offset=off)
    ref = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(tol=1e-12)
    assert np.allclose(fit.b, ref.params, atol=1e-7)
    assert fit.ll == pytest.approx(ref.llf, abs=1e-6)
    # Stata's cluster VCE: G/(G-1) times the uncorrected sandwich
    _, groups = np.unique(hsb["id"], return_inverse=True)
    V = robust_vce(fit.V, fit.scores, groups)
    refc = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(
        tol=1e-12, cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    G = groups.max() + 1
    assert np.allclose(V, refc.cov_params() * G / (G - 1), rtol=1e-5)
