"""The e() sets of logit/probit/poisson (glm_result) and of the me* commands (me_result),
in the order Stata's `ereturn list` prints them, and the model objects postestimation
(predict, estat) reads.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix

PREDICT = {"logit": "logit_p", "logistic": "logistic_p", "probit": "probit_p", "poisson": "poisson_p"}


@dataclass
class GLMModel:
    """What predict needs after logit/probit/poisson."""
    family: str
    link: str
    depvar: str
    names: list                 # fixed columns, Stata's names (for models.xb.design_from_names)
    omitted: np.ndarray
    b: np.ndarray
    V: np.ndarray
    offset: str = ""            # e(offset): "" or a variable or "ln(var)"
    has_cons: bool = True
    log: list = field(default_factory=list)
    sample: np.ndarray | None = None
    levels: tuple = ()          # no random effects (estat's checks read this)
    dropped: list = field(default_factory=list)   # collinear columns (the fit's notes)
    perfect: list = field(default_factory=list)   # notes on perfect predictors omitted
    @property
    def estat_allowed(self):
        """The estat subcommands valid after logit/logistic/probit/poisson."""
        if self.family == "bernoulli":
            return ("ic", "summarize", "vce", "classification")
        return ("ic", "summarize", "vce")

    def replay(self, result, level: float = 95):
        """The command's table again (estimates replay)."""
        from hlmshell.commands.glm_estimate import glm_output
        return glm_output(result, level, False, log=False)


def ml_macros(m: dict, offset, clustvar, vce, depvar, sigvars, datasignature) -> None:
    """e()'s macros after the title that every ml-fitted single-equation model posts, in
    Stata's order (logit & co., nbreg)."""
    if offset:
        m["offset"] = offset
    if clustvar:
        m["clustvar"] = clustvar
    m.update({"opt": "moptimize", "vce": vce})
    if vce != "oim":
        m["vcetype"] = "Robust"
    m.update({"ml_method": "d2", "technique": "nr", "which": "max", "depvar": depvar,
              "datasignaturevars": " ".join(sigvars), "datasignature": datasignature,
              "properties": "b V"})


def _chi2_p(chi2: float, df: int) -> float:
    from scipy.special import chdtrc
    return float(chdtrc(df, chi2)) if df > 0 and np.isfinite(chi2) else math.nan


def glm_result(*, name, family, link, depvar, names, omitted, b, V, ll, ll_0, n, iterations,
               converged, vce, clustvar, n_clust, offset, cmdline, sample, sigvars,
               datasignature, has_cons, log, dropped=()) -> EstimationResult:
    from hlmshell.commands.glm_estimate import wald
    rank = int(np.sum(~omitted))
    df_m = rank - int(has_cons)
    if vce == "oim":
        chi2, chi2type = 2.0 * (ll - ll_0), "LR"
        p = _chi2_p(chi2, df_m)
    else:
        chi2, df_m, p = wald(b, V, names, omitted)
        chi2type = "Wald"
    s: dict = {"rank": rank, "N": n, "ic": iterations, "k": len(names), "k_eq": 1,
               "k_dv": 1, "converged": int(bool(converged)), "rc": 0 if converged else 430,
               "ll": ll, "k_eq_model": 1, "ll_0": ll_0, "df_m": df_m, "chi2": chi2, "p": p}
    if n_clust is not None:
        s["N_clust"] = n_clust
    s["r2_p"] = 1.0 - ll / ll_0 if ll_0 else math.nan
    m: dict = {"cmdline": cmdline, "cmd": name, "estat_cmd": f"{name}_estat",
               "predict": PREDICT[name], "title": {"logit": "Logistic regression",
                                                   "logistic": "Logistic regression",
                                                   "probit": "Probit regression",
                                                   "poisson": "Poisson regression"}[name],
               "chi2type": chi2type}
    ml_macros(m, offset, clustvar, vce, depvar, sigvars, datasignature)
    cols = [f"{depvar}:{nm}" for nm in names]
    mats = {"b": StataMatrix(np.asarray(b, float).reshape(1, -1), ["y1"], cols),
            "V": StataMatrix(np.asarray(V, float), list(cols), list(cols), symmetric=True)}
    model = GLMModel(family, link, depvar, list(names), np.asarray(omitted, bool),
                     np.asarray(b, float), np.asarray(V, float), offset, has_cons, list(log),
                     np.asarray(sample, bool), dropped=list(dropped))
    return EstimationResult(cmd=name, scalars=s, macros=m, matrices=mats,
                            sample=np.asarray(sample, dtype=bool), model=model, link=link)
