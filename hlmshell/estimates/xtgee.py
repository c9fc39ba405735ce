"""e() of xtgee (and of xtreg/xtlogit/xtprobit/xtpoisson, pa: e(cmd) xtgee, e(cmd2) the
command) and the model object predict, estat wcorrelation and replay read.

Names as xtgee.ado's SaveMac/FixScale: e(phi) the scale (Pearson X2/(N - nmp*p) for the
Gaussian family, 1 for binomial and Poisson), e(deviance)/e(dispers) the deviance and its
dispersion, e(chi2_dev)/e(chi2_dis) the Pearson X2 and its dispersion, e(df_pear) their
divisor, e(tol) the tolerance asked for, e(dif) the last mreldif, e(R) the working
correlation, e(V_modelbased) with vce(robust).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hlmshell.estimates.results import EstimationResult, data_signature
from hlmshell.matrix import StataMatrix

CORR_WORD = {"exchangeable": "exchangeable", "independent": "independent", "ar": "AR(1)",
             "unstructured": "unstructured"}


@dataclass
class GEEModel:
    names: list
    omitted: np.ndarray
    log: list
    converged: bool
    reset: float | None
    resets: list
    link: str
    family: str
    offset_var: str = ""
    trials: object = 1.0
    notes: list = field(default_factory=list)
    estat_allowed = ("vce", "summarize", "wcorrelation")

    def replay(self, result):
        from hlmshell.commands.xtgee import output
        return output(result, 95, False, log=False)


def post(*, session, call, cmd, design, rows, panel, res, fam, family, trials, link, corr,
         vce, nmp, rgf, tol, ivar, tvar, offname, variables, X, y, notes) -> EstimationResult:
    from scipy.special import chdtrc
    N, p = len(y), X.shape[1]
    dof = N - (p if nmp else 0)
    _, sizes = np.unique(panel, return_counts=True)
    G = len(sizes)
    V_mu, _ = fam.variance(res.mu)
    pearson = float(np.sum((y - res.mu) ** 2 / V_mu))
    deviance = float(np.sum(fam.deviance(y, res.mu)))
    phi = pearson / dof if family == "gaussian" else 1.0
    Vc = phi * res.V1
    if vce == "robust":
        factor = G / (G - 1)
        if rgf:
            factor *= (N - 1) / (N - p)
        V = factor * res.V1 @ res.meat @ res.V1
        V = (V + V.T) / 2
    else:
        V = Vc
    names = list(design.fixed_names)
    keep = list(design.keep)
    k = len(names)
    b_full, V_full, Vc_full = np.zeros(k), np.zeros((k, k)), np.zeros((k, k))
    b_full[keep] = res.b
    V_full[np.ix_(keep, keep)] = V
    Vc_full[np.ix_(keep, keep)] = Vc
    idx = [j for j in keep if names[j] != "_cons"]
    chi2, df_m, pval = float("nan"), len(idx), float("nan")
    if idx:
        bb, VV = b_full[idx], V_full[np.ix_(idx, idx)]
        try:
            chi2 = float(bb @ np.linalg.solve(VV, bb))
            pval = float(chdtrc(df_m, chi2))
        except np.linalg.LinAlgError:
            pass
    canonical = link == {"gaussian": "identity", "binomial": "logit", "poisson": "log"}[family]
    s = {"N": N, "N_g": G, "df_m": df_m, "chi2": chi2, "p": pval, "df_pear": dof,
         "chi2_dev": pearson, "chi2_dis": pearson / dof, "deviance": deviance,
         "dispers": deviance / dof, "phi": phi, "g_max": int(sizes.max()),
         "g_min": int(sizes.min()), "g_avg": float(N / G), "tol": tol, "dif": res.dif,
         "rank": len(keep), "rc": 0 if res.converged else 430}
    fam_word = {"gaussian": "Gaussian", "binomial": "binomial", "poisson": "Poisson"}[family]
    m = {"cmdline": f"{cmd} {call.text.strip()}".strip(), "cmd": "xtgee"}
    if cmd != "xtgee":
        m["cmd2"] = cmd
    m.update(depvar=call.depvar, ivar=ivar)
    if tvar:
        m["tvar"] = tvar
    m.update(model="pa", family=fam_word, link=link, corr=CORR_WORD[corr],
             scale="x2" if family == "gaussian" else "1", chi2type="Wald", vce=vce)
    if vce == "robust":
        m["vcetype"] = "Robust" if canonical else "Semirobust"
    if nmp:
        m["nmp"] = "nmp"
    if rgf:
        m["rgf"] = "rgf"
    m["offset"] = offname
    if isinstance(trials, str) or trials != 1:
        m["denom"] = trials if isinstance(trials, str) else f"{float(trials):g}"
    m.update(properties="b V", predict="xtgee_p", estat_cmd="xtgee_estat",
             marginsnotok="SCore STDP")
    sig = data_signature(variables, [session.data.column(v) for v in variables], design.sample)
    m["datasignature"] = sig
    cols = names
    T = res.R.shape[0]
    rn = [f"r{j + 1}" for j in range(T)]
    cn = [f"c{j + 1}" for j in range(T)]
    mats = {"b": StataMatrix(b_full.reshape(1, -1), ["y1"], cols),
            "V": StataMatrix(V_full, list(cols), list(cols), symmetric=True),
            "R": StataMatrix(res.R.copy(), rn, cn, symmetric=True)}
    if vce == "robust":
        mats["V_modelbased"] = StataMatrix(Vc_full, list(cols), list(cols), symmetric=True)
    result = EstimationResult(cmd="xtgee", scalars=s, macros=m, matrices=mats,
                              sample=np.asarray(design.sample, dtype=bool).copy())
    # margins/predict's default: mu = n g^-1(xb) — only a generic link when n = 1
    result.link = link if not m.get("denom") else "identity"
    result.model = GEEModel(names, np.asarray(design.omitted), list(res.log), res.converged,
                            res.reset, list(res.resets), link, family, offname, trials,
                            list(notes))
    return result
