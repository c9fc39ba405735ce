"""margins after the me* commands: Stata predicts the mean marginally with respect to the
random effects unless predict(fixedonly) (conditional(fixedonly)) is asked for; the
empirical Bayes predictions (ebmeans, ebmodes) are not allowed with margins
("Expression: Marginal predicted mean, predict()", as Stata 17+ logs of me* models show).

For a random intercept u ~ N(0, σ²) the marginal mean is a function of the linear
predictor alone, h_m(η) = E[h(η + u)] = Σ_k w_k h(η + σ t_k) (Gauss–Hermite with the
estimation's number of points, predict's default), so postest/margins.compute runs
unchanged with (h_m, h_m', h_m'') as its inverse link; the margins' derivatives in σ² (which compute does not see) are added to its Jacobian by
central differences, and V is rebuilt from the whole e(V). Random slopes (the mean then
depends on each row's z) and binomial trials are refused.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.errors import StataError

WORDS = {"": "marginal", "mu": "marginal", "pr": "marginal", "n": "marginal",
         "marginal": "marginal", "mu marginal": "marginal", "pr marginal": "marginal",
         "fixedonly": "fixedonly", "mu fixedonly": "fixedonly", "pr fixedonly": "fixedonly",
         "conditional(fixedonly)": "fixedonly", "mu conditional(fixedonly)": "fixedonly",
         "xb": "xb", "eta": "xb"}      # eta marginal over u is the linear prediction


def is_me(result) -> bool:
    return hasattr(result.model, "re_index") and hasattr(result.model, "fit")


def prediction_kind(pred: str | None) -> str:
    """predict() text after me* → 'marginal' | 'fixedonly' | 'xb'."""
    p = " ".join((pred or "").lower().split())
    if p in WORDS:
        return WORDS[p]
    if "ebmeans" in p or "ebmodes" in p:
        raise StataError(198, "options conditional(ebmeans) and conditional(ebmodes) are "
                              "not allowed with margins")
    raise StataError(198, f"option {p} not allowed")


def marginal_link(result, var: float | None = None):
    """(h_m, h_m', h_m'') of the random-intercept model in `result` (variance `var`, e(b)'s
    by default)."""
    from hlmshell.models.quadrature import _rule
    from hlmshell.postest.margins import link_functions
    model = result.model
    lv = model.levels[0]
    if lv.effects != ["_cons"]:
        raise StataError(198, "margins after a model with random coefficients: the "
                              "marginal mean depends on each observation's random-effects "
                              "covariates and is not available; use predict(fixedonly) or "
                              "predict(xb)")
    if model.family == "binomial":
        raise StataError(198, "margins after a binomial model with trials is not available; "
                              "use predict(fixedonly) or predict(xb)")
    from hlmshell.postest.predict_me import default_points
    if var is None:
        var = float(model.b[model.re_index[0]])
    t, lw = _rule(default_points(model))
    w = np.exp(lw)
    nodes = math.sqrt(max(var, 0.0)) * t
    g, d1, d2 = link_functions(model.link)

    def expect(f):
        def out(e):
            e = np.asarray(e, dtype=float)
            return sum(wk * f(e + tk) for wk, tk in zip(w, nodes))
        return out
    return expect(g), expect(d1), expect(d2)


def add_variance_terms(result, res, run) -> None:
    """res (MarginsResult) gets d margins / d var(_cons) in J and V from all of e(V);
    run(link) recomputes the margins with another inverse link."""
    model = result.model
    j = model.re_index[0]
    var = float(model.b[j])
    h = 1e-5 * max(var, 1e-3)
    up = run(marginal_link(result, var + h)).b
    down = run(marginal_link(result, max(var - h, 0.0))).b
    res.J[:, j] = (up - down) / ((var + h) - max(var - h, 0.0))
    V = np.asarray(result.matrices["V"].values, dtype=float)
    Vb = np.where(np.isfinite(V), V, 0.0)
    res.V = res.J @ Vb @ res.J.T
