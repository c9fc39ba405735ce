"""`predict` after xtlogit/xtprobit/xtcloglog/xtpoisson, re ([XT] postestimation):
xb (the default; with the offset), stdp, pu0 (probability with u_i = 0), pr (probability
marginal over u_i ~ N(0, sigma_u^2)); xtpoisson: nu0 (events with u_i = 0: exp(xb +
offset)) and iru0 (exp(xb)). Registered in postest/predict.py's PREDICTORS.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.errors import StataError
from hlmshell.postest.predict import PREDICTORS, _stdp, xb_values

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


for _cmd in ("xtlogit", "xtprobit", "xtcloglog"):
    PREDICTORS[_cmd] = {s: _stat(s) for s in ("xb", "stdp", "pu0", "pr")}
PREDICTORS["xtpoisson"] = {s: _stat(s) for s in ("xb", "stdp", "nu0", "iru0")}
