"""`predict` after xtlogit/xtprobit/xtcloglog/xtpoisson, re ([XT] postestimation):
xb (the default; with the offset), stdp, pu0 (probability with u_i = 0), pr (probability
marginal over u_i ~ N(0, sigma_u^2)); xtpoisson: nu0 (events with u_i = 0: exp(xb +
offset)) and iru0 (exp(xb)); after xtlogit, fe (e(cmd) clogit) pc1 (the default), pu0, xb
and stdp. Registered in postest/predict.py's PREDICTORS (and DEFAULTS for pc1).
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.errors import StataError
from hlmshell.postest.predict import DEFAULTS, PREDICTORS, _stdp, xb_values

# non-adaptive Gauss–Hermite on a smooth bounded integrand: 40 nodes are exact to ~1e-12
PR_POINTS = 40


def _offset(session, result) -> np.ndarray | float:
    name = getattr(result.model, "offset_var", "") or ""
    if not name:
        return 0.0
    var = name[3:-1] if name.startswith("ln(") else name
    if var not in session.data.names:
        raise StataError(111, f"variable {var} not found")
    x = np.asarray(session.data.column(var), dtype=float)
    with np.errstate(all="ignore"):
        return np.log(x) if name.startswith("ln(") else x


def _xb(session, result) -> np.ndarray:
    return xb_values(session, result)[0] + _offset(session, result)


def cdf(link: str, eta):
    from scipy.special import expit, ndtr
    if link == "logit":
        return expit(eta)
    if link == "probit":
        return ndtr(eta)
    return -np.expm1(-np.exp(eta))       # cloglog


def marginal_pr(link: str, eta: np.ndarray, sigma_u: float) -> np.ndarray:
    """∫ F(eta + u) φ(u; 0, sigma_u^2) du: probit in closed form, else Gauss–Hermite."""
    from scipy.special import ndtr
    if link == "probit":
        return ndtr(eta / math.sqrt(1 + sigma_u ** 2))
    t, w = np.polynomial.hermite.hermgauss(PR_POINTS)
    out = np.zeros_like(eta, dtype=float)
    for tk, wk in zip(t, w):            # u = sqrt(2) sigma t; weights / sqrt(pi)
        out += wk * cdf(link, eta + math.sqrt(2) * sigma_u * tk)
    return out / math.sqrt(math.pi)


def _stat(stat: str):
    def compute(session, result):
        link = result.model.link
        if stat == "xb":
            return _xb(session, result), "Linear prediction", False
        if stat == "stdp":
            return _stdp(session, result), "S.E. of the linear prediction", False
        if stat == "pu0":
            return cdf(link, _xb(session, result)), "Pr(" + result.macros["depvar"] + \
                "=1 | u_i=0)", False
        if stat == "pr":
            return marginal_pr(link, _xb(session, result), result.scalars["sigma_u"]), \
                "Pr(" + result.macros["depvar"] + "=1)", False
        if stat == "nu0":
            return np.exp(_xb(session, result)), "Predicted number of events (u_i=0)", False
        if stat == "iru0":
            return np.exp(xb_values(session, result)[0]), "Predicted incidence rate (u_i=0)", \
                False
        raise StataError(198, f"option {stat} not allowed")
    return compute


def _pc1(session, result):
    """exp(xb) / Σ exp(xb) over the rows of the same panel (clogit_p's pc1): the
    probability of a positive outcome given one positive outcome in the panel."""
    xb = _xb(session, result)
    panel = result.model.panel
    if panel not in session.data.names:
        raise StataError(111, f"variable {panel} not found")
    col = np.asarray(session.data.column(panel), dtype=float)
    ok = ~np.isnan(xb) & ~np.isnan(col)
    out = np.full(len(xb), np.nan)
    if ok.any():
        _, g = np.unique(col[ok], return_inverse=True)
        e = xb[ok]
        top = np.full(g.max() + 1, -np.inf)
        np.maximum.at(top, g, e)
        w = np.exp(e - top[g])
        out[ok] = w / np.bincount(g, weights=w)[g]
    return out, "Pr(" + result.macros["depvar"] + "=1 | one positive outcome)", False


def _fe_stat(stat: str):
    inner = _stat(stat)

    def compute(session, result):
        if stat == "pc1":
            return _pc1(session, result)
        return inner(session, result)
    return compute


PREDICTORS["clogit"] = {s: _fe_stat(s) for s in ("pc1", "pu0", "xb", "stdp")}
DEFAULTS["clogit"] = ("pc1", "(option pc1 assumed; probability of success given one "
                             "success within group)")

for _cmd in ("xtlogit", "xtprobit", "xtcloglog"):
    PREDICTORS[_cmd] = {s: _stat(s) for s in ("xb", "stdp", "pu0", "pr")}
for _cmd in ("xtpoisson", "xtnbreg"):
    PREDICTORS[_cmd] = {s: _stat(s) for s in ("xb", "stdp", "nu0", "iru0")}
