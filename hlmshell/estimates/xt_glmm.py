"""e() after xtlogit, xtprobit, xtcloglog, xtpoisson and xtnbreg, re (as xtlogit.ado /
xtpoisson.ado / xtnbreg.ado post them), and XtModel: what predict and replay read.

e(b): `depvar:` coefficients (base and omitted columns as zeros), then `/:lnsig2u` (the log
of the random-intercept variance), for xtpoisson's gamma model `/:lnalpha`, for xtnbreg's
beta model `/:ln_r /:ln_s`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix

# command -> (family, link, title, what rho's denominator adds to sigma_u^2)
MODELS = {
    "xtlogit": ("bernoulli", "logit", "Random-effects logistic regression", math.pi ** 2 / 3),
    "xtprobit": ("bernoulli", "probit", "Random-effects probit regression", 1.0),
    "xtcloglog": ("bernoulli", "cloglog", "Random-effects complementary log-log model",
                  math.pi ** 2 / 6),
    "xtpoisson": ("poisson", "log", "Random-effects Poisson regression", None),
    "xtnbreg": ("nbinomial", "log", "Random-effects negative binomial regression", None),
}


@dataclass
class XtModel:
    cmd: str
    family: str
    link: str
    distrib: str              # Gaussian | Gamma | Beta (xtnbreg)
    names: list               # fixed columns (Stata names, without the equation)
    omitted: np.ndarray
    has_cons: bool
    offset_var: str           # the offset variable ('' none); exposure: its log is the offset
    exposure: bool
    log: list
    glm_log: list
    notes: list
    sample: np.ndarray
    # margins' default after these (pr, marginal over u_i) is not built: xb only
    margins_xb_only: bool = True


AUX = {"Gamma": ["lnalpha"], "Beta": ["ln_r", "ln_s"], "Gaussian": ["lnsig2u"]}


def post(*, cmd, depvar, panel, timevar, names, omitted, b_fixed, V_fixed, aux, V_aux,
         cov_fixed_aux, ll, ll_c, n, groups, distrib, intmethod, points, offname,
         converged, iterations, chi2, df_m, p, cmdline, sample, model) -> EstimationResult:
    """b_fixed/V_fixed over every design column; aux = the ancillary parameters (ln
    sigma_u^2; ln alpha; ln r, ln s) with their VCE block and covariances with the fixed
    part (k x len(aux))."""
    k = len(names)
    aux = np.atleast_1d(np.asarray(aux, dtype=float))
    na = len(aux)
    cols = [f"{depvar}:{nm}" for nm in names] + [f"/:{a}" for a in AUX[distrib]]
    b = np.r_[b_fixed, aux]
    V = np.zeros((k + na, k + na))
    V[:k, :k] = V_fixed
    V[k:, k:] = V_aux
    V[:k, k:] = cov_fixed_aux
    V[k:, :k] = np.asarray(cov_fixed_aux).T
    sizes = np.asarray(groups)
    rank = int(np.sum(~np.asarray(omitted, dtype=bool))) + na
    s: dict = {"N": int(n), "N_g": int(len(sizes)), "k": k + na, "k_aux": na, "k_eq": 1 + na,
               "k_dv": 1, "df_m": int(df_m), "ll": float(ll), "ll_c": float(ll_c),
               "chi2": float(chi2), "chi2_c": 0.0, "p": float(p)}
    ex = lambda x: math.exp(x) if x < 709 else math.inf    # ran off: no OverflowError
    if distrib == "Gamma":
        s["alpha"] = ex(aux[0])
    elif distrib == "Beta":
        s["r"], s["s"] = ex(aux[0]), ex(aux[1])
    else:
        s["sigma_u"] = ex(0.5 * aux[0])
        extra = MODELS[cmd][3]
        if extra is not None:        # xtpoisson, normal reports no rho
            s["rho"] = s["sigma_u"] ** 2 / (s["sigma_u"] ** 2 + extra)
        s["n_quad"] = int(points)
    # xtlogit.ado: no test once ln sigma_u^2 is at its floor; xtpoisson.ado: 0 if ll < ll_c
    s["chi2_c"] = 0.0 if (distrib == "Gaussian" and aux[0] <= -14) else \
        max(2 * (ll - ll_c), 0.0)
    s["g_min"], s["g_avg"], s["g_max"] = int(sizes.min()), float(sizes.mean()), int(sizes.max())
    s["rank"] = rank
    s["ic"] = int(iterations)
    s["rc"] = 0 if converged else 430
    s["converged"] = int(bool(converged))
    m: dict = {"cmdline": cmdline, "cmd": cmd, "depvar": depvar, "ivar": panel}
    if timevar:
        m["tvar"] = timevar
    m.update(title=MODELS[cmd][2], model="re", distrib=distrib, offset=offname,
             chi2type="Wald", chi2_ct="LR", vce="oim", opt="ml", which="max",
             ml_method="d2", technique="nr", crittype="log likelihood",
             properties="b V",
             predict="xtnbreg_refe_p" if cmd == "xtnbreg" else f"{cmd}_re_p")
    if intmethod:
        m["intmethod"] = intmethod
    if cmd not in ("xtpoisson", "xtnbreg"):
        m["marginsdefault"] = "predict(pr)"
    result = EstimationResult(cmd=cmd, scalars=s, macros=m, matrices={
        "b": StataMatrix(b.reshape(1, -1), ["y1"], cols),
        "V": StataMatrix(V, list(cols), list(cols), symmetric=True)},
        sample=np.asarray(sample, dtype=bool).copy())
    result.model = model
    return result
