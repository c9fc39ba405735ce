"""e() of `glm` and the model object its postestimation (predict, estat, replay) reads.

The variance/link descriptions are Stata's header strings (`u*(1-u)` [Bernoulli], `ln(u)`
[Log]; with n binomial trials u becomes u/n). e(varfunc)/e(link) hold the names of Stata's
glim_v#/glim_l# programs, numbered as glm.ado's MapFam/MapLink.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix

# (V(u) text, title, glim_v number); the gamma, inverse Gaussian and negative binomial
# texts are unconfirmed
_VAR = {"gaussian": ("1", "Gaussian", 1), "bernoulli": ("u*(1-u)", "Bernoulli", 2),
        "binomial": ("u*(1-u/{n})", "Binomial", 2), "poisson": ("u", "Poisson", 3),
        "gamma": ("u^2", "Gamma", 4), "igaussian": ("u^3", "Inverse Gaussian", 5),
        "nbinomial": ("u+({k})u^2", "Neg. Binomial", 6)}
# canonical family-link pairs (glm.ado's e(canonical)): robust after irls is "Semirobust"
# elsewhere
CANONICAL_PAIRS = {("gaussian", "identity"), ("bernoulli", "logit"), ("binomial", "logit"),
                   ("poisson", "log"), ("nbinomial", "nbinomial"), ("gamma", "power:-1"),
                   ("igaussian", "power:-2")}


def _num(x) -> str:
    from hlmshell.render.formats import fmt
    return fmt(float(x), "%9.0g").strip()


def link_text(link: str, arg, n: str, argtext: str | None = None) -> tuple[str, str, int]:
    """(g(u) text, [title], glim_l number) as glim_l01..12 set them; u stands for u/n with
    binomial trials; power/opower/nbinomial arguments as typed (`argtext`)."""
    u = "u" if n == "1" else f"u/{n}"
    a = argtext if argtext is not None else (_num(arg) if arg is not None else "1")
    if link == "identity":
        return u, "Identity", 1
    if link == "logit":
        return ("ln(u/(1-u))" if n == "1" else f"ln(u/({n}-u))"), "Logit", 2
    if link == "log":
        return f"ln({u})", "Log", 3
    if link == "nbinomial":
        return f"ln(u/(u+(1/{a})))", "Neg. Binomial", 4
    if link == "logc":
        return f"ln(1-{u})", "Log complement", 5
    if link == "loglog":
        return f"-ln(-ln({u}))", "Log-log", 6
    if link == "cloglog":
        return f"ln(-ln(1-{u}))", "Complementary log-log", 7
    if link == "probit":
        return f"invnorm({u})", "Probit", 8
    if link == "power":
        if arg == -1:
            return ("1/u" if n == "1" else f"{n}/u"), "Reciprocal", 9
        if arg == -2:
            return "1/(u^2)", "Power(-2)", 10
        return (f"u^({a})" if n == "1" else f"(u/{n})^({a})"), "Power", 11
    odds = "u/(1-u)" if n == "1" else f"u/({n}-u)"
    return f"(({odds})^({a})-1)/({a})", "Odds power", 12


def eform_title(family: str, link: str) -> str:
    """The eform column title, as glm.ado's Eform: IRR for a log-link Poisson or negative
    binomial; odds, risk and health ratios for a binomial with the logit, log and log
    complement links; exp(b) otherwise."""
    if family in ("poisson", "nbinomial"):
        return "IRR" if link == "log" else "exp(b)"
    if family in ("bernoulli", "binomial"):
        return {"logit": "Odds ratio", "log": "Risk ratio", "logc": "Hlth ratio"}.get(
            link, "exp(b)")
    return "exp(b)"


@dataclass
class GLMGeneralModel:
    """What predict needs after glm."""
    family: str
    link: str
    link_arg: float | None
    trials: object              # 1, a number, or a variable name
    k: float
    depvar: str
    names: list
    omitted: np.ndarray
    b: np.ndarray
    V: np.ndarray
    offset: str = ""
    has_cons: bool = True
    log: list = field(default_factory=list)
    sample: np.ndarray | None = None
    levels: tuple = ()
    dropped: list = field(default_factory=list)
    eform_title: str = "exp(b)"
    estat_allowed = ("ic", "summarize", "vce")

    def replay(self, result, level: float = 95):
        from hlmshell.commands.glm_general import output
        return output(result, level, False, log=False)


def glm_general_result(*, fam, lnk, trials, depvar, names, omitted, b, V, fitres, ll, phi,
                       scale, nobs, df, irls, info, vce, clustvar, n_clust, offset, cmdline,
                       sample, sigvars, datasignature, has_cons, dropped=(), binary=True,
                       argtext=None):
    from hlmshell.commands.glm_estimate import wald
    rank = int(np.sum(~omitted))
    chi2, df_m, p = wald(b, V, names, omitted)
    dev, pear = fitres.deviance, fitres.pearson
    n_text = "1" if fam.name != "binomial" else (trials if isinstance(trials, str)
                                                  else _num(trials))
    vf, vt, vnum = _VAR[fam.name]
    if fam.name == "bernoulli" and not binary:    # glim_v2: fractional y is "Binomial"
        vf, vt = _VAR["binomial"][:2]
    vf = vf.format(n=n_text, k=_num(round(fam.k, 4)))
    lf, lt, lnum = link_text(lnk.name, lnk.arg, n_text, argtext)
    disp = lambda x: x / df if df > 0 else math.nan  # noqa: E731
    per_phi = lambda x: x / phi if phi else math.nan  # noqa: E731  (an exact fit: phi = 0)
    s: dict = {"rank": rank, "N": nobs, "ic": fitres.iterations, "k": len(names), "k_eq": 1,
               "k_eq_model": 0, "k_dv": 1, "df_m": rank - int(has_cons), "df": df,
               "phi": phi}
    if not irls:    # glm.ado posts no likelihood after irls (its criterion is the deviance)
        s.update({"aic": (-2 * ll + 2 * rank) / nobs, "ll": ll})
    s.update({"bic": dev - df * math.log(nobs), "chi2": chi2, "p": p, "deviance": dev,
              "deviance_s": per_phi(dev), "deviance_p": pear, "deviance_ps": per_phi(pear),
              "dispers": disp(dev), "dispers_s": per_phi(disp(dev)), "dispers_p": disp(pear),
              "dispers_ps": per_phi(disp(pear)), "nbml": 0, "vf": 1})
    if lnk.name in ("identity", "logit", "log", "power", "opower"):
        s["power"] = {"identity": 1.0, "logit": 0.0, "log": 0.0}.get(lnk.name, lnk.arg)
    s.update({"converged": int(bool(fitres.converged)), "rc": 0 if fitres.converged else 430})
    if irls:
        s["disp"] = 1.0
    if n_clust is not None:
        s["N_clust"] = n_clust
    m: dict = {"cmdline": cmdline, "cmd": "glm", "predict": "glim_p", "title":
               "Generalized linear models", "depvar": depvar,
               "varfunc": f"glim_v{vnum}", "varfunct": vt, "varfuncf": vf,
               "link": f"glim_l{lnum:02d}", "linkt": lt, "linkf": lf,
               "m": n_text, "chi2type": "Wald", "crittype": "deviance" if irls else
               ("log pseudolikelihood" if vce != "oim" else "log likelihood")}
    if offset:
        m["offset"] = offset
    if clustvar:
        m["clustvar"] = clustvar
    robust = vce != "oim"
    info = info or ("eim" if irls else "oim")
    key = (fam.name, lnk.name if lnk.name != "power" else f"power:{lnk.arg:g}")
    m["vce"] = vce if robust else info
    if robust:
        m["vcetype"] = "Semirobust" if irls and key not in CANONICAL_PAIRS else "Robust"
    else:
        m["vcetype"] = info.upper()
    m.update({"opt": "irls" if irls else "ml",
              "opt1": ("MQL Fisher scoring" if info == "eim" else "MQL Newton-Raphson")
              if irls else "ML",
              "opt2": ("(IRLS EIM)" if info == "eim" else "(IRLS OIM)") if irls else "",
              "which": "max", "technique": "nr", "properties": "b V",
              "datasignaturevars": " ".join(sigvars), "datasignature": datasignature})
    scale1 = fam.name not in ("gaussian", "gamma", "igaussian")
    if not robust and scale[0] != "one":
        if scale[0] == "x2" and scale1:
            m["msg"] = "square root of Pearson X2-based dispersion"
        elif scale[0] == "dev":
            m["msg"] = "square root of deviance-based dispersion"
        elif scale[0] == "value" and (not scale1 or scale[1] != 1):
            m["msg"] = f"dispersion equal to square root of {_num(scale[1])}"
    if fam.name in ("bernoulli", "binomial") and lnk.name == "identity":
        m["msg2"] = "Coefficients are the risk differences"
    cols = [f"{depvar}:{nm}" for nm in names]
    mats = {"b": StataMatrix(np.asarray(b, float).reshape(1, -1), ["y1"], cols),
            "V": StataMatrix(np.asarray(V, float), list(cols), list(cols), symmetric=True)}
    model = GLMGeneralModel(fam.name, lnk.name, lnk.arg, trials, fam.k, depvar, list(names),
                            np.asarray(omitted, bool), np.asarray(b, float),
                            np.asarray(V, float), offset, has_cons, list(fitres.log),
                            np.asarray(sample, bool), dropped=list(dropped),
                            eform_title=eform_title(fam.name, lnk.name))
    # margins differentiates the inverse link of the mean per trial: not for n trials
    margins_link = lnk.name if fam.name != "binomial" and lnk.name in (
        "identity", "logit", "probit", "cloglog", "log") else f"glm {lnk.name}"
    return EstimationResult(cmd="glm", scalars=s, macros=m, matrices=mats,
                            sample=np.asarray(sample, dtype=bool), model=model,
                            link=margins_link)
