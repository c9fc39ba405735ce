"""e() of `nbreg` (Stata's names and order) and its model object for predict/replay."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hlmshell.estimates.glm import GLMModel, ml_macros
from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix


@dataclass
class NBModel(GLMModel):
    """predict after nbreg: n, ir, xb, stdp (predict_glm's count statistics)."""
    logs: tuple = ()                      # Poisson, constant-only and full iteration logs
    lnalpha: float = math.nan
    estat_allowed = ("ic", "summarize", "vce")

    def replay(self, result, level: float = 95):
        from hlmshell.commands.nbreg import nbreg_output
        return nbreg_output(result, level, False, log=False)


def nbreg_result(*, depvar, names, omitted, b, V, ll, ll_0, ll_c, n, iterations, converged,
                 vce, clustvar, n_clust, offset, cmdline, sample, sigvars, datasignature,
                 has_cons, logs, dropped=()) -> EstimationResult:
    from scipy.special import chdtrc
    from hlmshell.commands.glm_estimate import wald
    k = len(names)
    rank = int(np.sum(~np.asarray(omitted, bool))) + 1
    df_m = rank - 1 - int(has_cons)
    if vce == "oim":
        chi2, chi2type = 2.0 * (ll - ll_0), "LR"
        p = float(chdtrc(df_m, chi2)) if df_m > 0 else math.nan
    else:
        chi2, df_m, p = wald(b[:k], V[:k, :k], names, omitted)
        chi2type = "Wald"
    chi2_c = max(2.0 * (ll - ll_c), 0.0)
    s: dict = {"rank": rank, "N": n, "ic": iterations, "k": k + 1, "k_eq": 2, "k_dv": 1,
               "converged": int(bool(converged)), "rc": 0 if converged else 430, "ll": ll,
               "k_eq_model": 1, "ll_0": ll_0, "df_m": df_m, "chi2": chi2, "p": p}
    if n_clust is not None:
        s["N_clust"] = n_clust
    s.update({"r2_p": 1.0 - ll / ll_0 if ll_0 else math.nan, "k_aux": 1,
              "alpha": math.exp(float(b[k])), "ll_c": ll_c, "chi2_c": chi2_c})
    m: dict = {"cmdline": cmdline, "cmd": "nbreg", "estat_cmd": "nbreg_estat",
               "predict": "nbreg_p", "title": "Negative binomial regression",
               "dispers": "mean", "chi2type": chi2type, "chi2_ct": "LR"}
    ml_macros(m, offset, clustvar, vce, depvar, sigvars, datasignature)
    cols = [f"{depvar}:{nm}" for nm in names] + ["/:lnalpha"]
    mats = {"b": StataMatrix(np.asarray(b, float).reshape(1, -1), ["y1"], cols),
            "V": StataMatrix(np.asarray(V, float), list(cols), list(cols), symmetric=True)}
    model = NBModel("nbinomial", "log", depvar, list(names), np.asarray(omitted, bool),
                    np.asarray(b, float), np.asarray(V, float), offset, has_cons,
                    list(logs[-1]), np.asarray(sample, bool), dropped=list(dropped),
                    logs=tuple(list(lg) for lg in logs), lnalpha=float(b[k]))
    return EstimationResult(cmd="nbreg", scalars=s, macros=m, matrices=mats,
                            sample=np.asarray(sample, dtype=bool), model=model, link="log")


def chibar_p(chi2_c: float) -> float:
    """The boundary test of alpha = 0: half a chi2(1) above zero, 1 at exactly zero (as
    Stata's LR-test note)."""
    from scipy.special import chdtrc
    return 0.5 * float(chdtrc(1, chi2_c)) if chi2_c != 0 else 1.0
