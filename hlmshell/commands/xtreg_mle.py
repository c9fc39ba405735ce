"""`xtreg, mle`: the random-intercept model by maximum likelihood ([XT] xtreg), fitted by
the linear mixed-model core (models/lmm.py) as `mixed depvar indepvars || panelvar:` is.

e(b) is Stata's: `depvar:` coefficients, then `/:sigma_u` and `/:sigma_e`; the model
test is the LR test against the constant-only random-intercept model; the footer is the
LR test of sigma_u = 0 (chibar2(01)).
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands import est_common as ec
from hlmshell.errors import StataError
from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix
from hlmshell.render.coef import CoefTable
from hlmshell.render.formats import fmt
from hlmshell.render.xt import XtregHeader, XtregOutput

WIDTH = 78


def _fit(session, depvar, terms, panel, sample):
    from hlmshell.models import ModelError, fit
    from hlmshell.models.spec import ModelSpec, RandomLevel
    names = [depvar, panel] + [f.var for t in terms for f in t.factors]
    data = {v: session.data.column(v) for v in dict.fromkeys(names)}
    spec = ModelSpec(depvar, tuple(terms), (RandomLevel(panel),), True, "ML")
    try:
        return fit(spec, data, sample=sample)
    except ModelError as err:
        raise StataError(err.code, err.message) from None


@np.errstate(all="ignore")
def estimate_mle(session, args, setting) -> EstimationResult:
    from scipy import stats
    opts = args.options
    if opts.get("vce") or opts.get("robust"):
        raise StataError(198, "option vce() not allowed with mle")
    panel = setting["panelvar"]
    depvar, terms = ec.parse_varlist(session, args.anything)
    sample = args.touse(session) & ec.cluster_ok(session, panel)
    full = _fit(session, depvar, terms, panel, sample)
    if not full.levels:
        raise StataError(459, "model is linear regression; no random effects")
    null = _fit(session, depvar, [], panel, np.asarray(full.sample, dtype=bool)) \
        if full.df_m else full
    k = len(full.fixed_names)
    b_fixed = np.asarray(full.b[:k], dtype=float)
    V_fixed = np.asarray(full.V, dtype=float)[:k, :k]
    lns_u, lns_e = float(full.b[k]), float(full.b[-1])
    Vt = np.asarray(full.V, dtype=float)[np.ix_([k, len(full.b) - 1], [k, len(full.b) - 1])]
    su, se_ = math.exp(lns_u), math.exp(lns_e)
    # sigma = exp(ln sigma): the delta method gives V(sigma) = diag(sigma) V(ln sigma) diag(sigma)
    J = np.diag([su, se_])
    Vs = J @ Vt @ J
    names = [f"{depvar}:{n}" for n in full.fixed_names] + ["/:sigma_u", "/:sigma_e"]
    b = np.concatenate([b_fixed, [su, se_]])
    V = np.zeros((k + 2, k + 2))
    V[:k, :k] = V_fixed
    V[k:, k:] = Vs
    s: dict = {"N": int(full.n), "N_g": int(full.levels[0].n_groups),
               "g_min": int(full.levels[0].g_min), "g_avg": float(full.levels[0].g_avg),
               "g_max": int(full.levels[0].g_max), "rank": int(full.rank),
               "df_m": int(full.df_m), "ll": float(full.ll), "ll_0": float(null.ll)}
    s["chi2"] = 2 * (s["ll"] - s["ll_0"]) if full.df_m else math.nan
    s["p"] = float(stats.chi2.sf(s["chi2"], full.df_m)) if full.df_m else math.nan
    s["ll_c"] = float(full.ll_c)
    s["chi2_c"] = max(2 * (s["ll"] - s["ll_c"]), 0.0)
    s["p_c"] = 0.5 * float(stats.chi2.sf(s["chi2_c"], 1)) if s["chi2_c"] > 0 else 1.0
    s["sigma_u"], s["sigma_e"] = su, se_
    s["rho"] = su ** 2 / (su ** 2 + se_ ** 2)
    s["converged"] = int(bool(full.converged))
    m = {"cmdline": f"xtreg {args.body.strip()}", "title": "Random-effects ML regression",
         "model": "ml", "ivar": panel}
    if setting.get("timevar"):
        m["tvar"] = setting["timevar"]
    m.update(chi2type="LR", vce="oim", depvar=depvar, distrib="Gaussian",
             crittype="log likelihood", predict="xtrefe_p", properties="b V", cmd="xtreg")
    m["model"] = "mle"
    result = EstimationResult(cmd="xtreg", scalars=s, macros=m, matrices={
        "b": StataMatrix(b.reshape(1, -1), ["y1"], names),
        "V": StataMatrix(V, list(names), list(names), symmetric=True)},
        sample=np.asarray(full.sample, dtype=bool).copy())
    result.model = MleModel(full, [f"note: {n} omitted because of collinearity."
                                   for n in full.dropped])
    if not full.converged:
        raise StataError(430, "convergence not achieved")
    return result


class MleModel:
    def __init__(self, fit, notes):
        self.fit, self.notes, self.sample = fit, notes, fit.sample


def _param_line(name: str, est: float, se: float, lo: float, hi: float) -> str:
    g = lambda x: fmt(x, "%9.0g")
    return f"{name:>12} |  {g(est)}  {g(se)}{' ' * 21}{g(lo)}   {g(hi)}"


@np.errstate(all="ignore")
def output_mle(result, level: float) -> XtregOutput:
    from scipy import stats
    from hlmshell.commands.regress import coef_rows
    s, m = result.scalars, result.macros
    header = XtregHeader(m["title"], s["N"], m["ivar"], s["N_g"], s["g_min"], s["g_avg"],
                         s["g_max"], test_label=f"LR chi2({s['df_m']})", test_value=s["chi2"],
                         p_label="Prob > chi2", p_value=s["p"],
                         left_note=f"Log likelihood  = {fmt(s['ll'], '%10.0g').strip()}",
                         re_line="Random effects u_i ~ Gaussian")
    b = result.matrices["b"]
    k = len(b.colnames) - 2
    sub = EstimationResult(cmd="xtreg", scalars={}, macros={}, matrices={
        "b": StataMatrix(b.values[:, :k], ["y1"], b.colnames[:k]),
        "V": StataMatrix(result.matrices["V"].values[:k, :k], b.colnames[:k], b.colnames[:k])})
    rows = coef_rows(sub, level, None)
    z = stats.norm.ppf(0.5 + level / 200)
    V = result.matrices["V"].values
    extra = []
    for name, j in (("/sigma_u", k), ("/sigma_e", k + 1)):
        est, se = float(b.values[0, j]), math.sqrt(V[j, j])
        # interval on the log scale, as Stata's /sigma rows
        extra.append(_param_line(name, est, se, est * math.exp(-z * se / est),
                                 est * math.exp(z * se / est)))
    su, se_ = float(b.values[0, k]), float(b.values[0, k + 1])
    rho = s["rho"]
    # rho = su^2 / (su^2 + se^2): delta method from V(sigma_u, sigma_e); interval from the
    # sigma interval ends (Stata's xtreg_ml.ado: rho at the bounds of sigma_u)
    grad = np.array([2 * su * se_ ** 2, -2 * se_ * su ** 2]) / (su ** 2 + se_ ** 2) ** 2
    rse = math.sqrt(grad @ V[k:, k:] @ grad)
    ulo, uhi = su * math.exp(-z * math.sqrt(V[k, k]) / su), su * math.exp(z * math.sqrt(V[k, k]) / su)
    extra.append(_param_line("rho", rho, rse, ulo ** 2 / (ulo ** 2 + se_ ** 2),
                             uhi ** 2 / (uhi ** 2 + se_ ** 2)))
    table = CoefTable(m["depvar"], rows, level, "z", extra=extra)
    left = f"LR test of sigma_u=0: chibar2(01) = {fmt(s['chi2_c'], '%8.2f').strip()}"
    right = f"Prob >= chibar2 = {fmt(s['p_c'], '%5.3f')}"
    return XtregOutput(header=header, table=table, footer=[left + right.rjust(WIDTH - len(left))])
