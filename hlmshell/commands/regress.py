"""`regress`: linear regression by least squares ([R] regress).

parse (depvar + factor-variable terms, weights, vce) → models/design.py (names, collinear
columns, sample) → models/ols.py → e() as Stata posts it → render/regress.py.
`regress` alone redisplays the active regress results.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands import est_common as ec
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.estimates.results import EstimationResult
from hlmshell.render.coef import CoefTable
from hlmshell.render.mixed import FixedRow, parse_column
from hlmshell.render.regress import AnovaHeader, RegressOutput, RobustHeader

VCETYPE = {"robust": "Robust", "cluster": "Robust", "hc2": "Robust HC2", "hc3": "Robust HC3"}


@command("regress", abbrev="reg",
         syntax="[anything] [if] [in] [weight] [, noConstant vce(string) Robust "
                "Level(real) Beta noHeader]",
         help="linear regression")
def regress(session, args):
    """regress depvar [indepvars] [if] [in] [weight] [, options]
        indepvars: variables and factor variables: i.x, c.x, ib#.x, x#z, x##z
        weight: fweight aweight pweight iweight
        options: noconstant vce(ols|robust|cluster clustvar|hc2|hc3) level(#) beta noheader
        regress [, level(#) beta noheader] alone redisplays the last results
    """
    opts = args.options
    level = _level(session, opts)
    if not args.anything.strip():
        if args.weight or args.if_exp is not None or args.in_range is not None:
            raise StataError(100, "varlist required")
        result = session.estimates.require()
        if result.cmd not in ("regress", "anova"):    # anova's underlying regression
            raise StataError(301, "last estimates not found")
        bad = set(opts) - {"level", "beta", "noheader"}
        if bad:
            raise StataError(198, f"option {sorted(bad)[0]} not allowed")
        return output(result, level, bool(opts.get("beta")), bool(opts.get("noheader")))
    if not session.data.names:
        raise StataError(111, "no variables defined")
    result = estimate(session, args)
    session.estimates.post(result)
    out = output(result, level, bool(opts.get("beta")), bool(opts.get("noheader")))
    out.notes = result.model.notes + out.notes
    return out


def _level(session, opts) -> float:
    level = opts.get("level", float(session.settings.get("level", 95)))
    if not 10 <= level <= 99.99:
        raise StataError(198, "level() must be between 10 and 99.99 inclusive")
    return level


class RegressModel:
    """What postestimation needs beyond e(): the design and the fit (sample rows only)."""

    def __init__(self, design, fit, weights, wtype, notes):
        self.design, self.fit, self.weights, self.wtype = design, fit, weights, wtype
        self.notes = notes
        self.sample = design.sample
        self.weights_raw_sum = None if weights is None else float(weights.sum())


@np.errstate(all="ignore")
def estimate(session, args) -> EstimationResult:
    from hlmshell.models.ols import fit_ols
    opts = args.options
    depvar, terms = ec.parse_varlist(session, args.anything)
    vce, clustvar = ec.parse_vce(opts.get("vce"), session)
    if opts.get("robust"):
        if "vce" in opts:
            raise StataError(198, "options robust and vce() may not be combined")
        vce = "robust"
    wtype, w, wexp = ec.weights(session, args)
    if wtype == "pweight" and vce == "ols":
        vce = "robust"
    if wtype is not None and vce in ("hc2", "hc3"):
        raise StataError(198, f"vce({vce}) not allowed with weights")
    if opts.get("beta") and vce == "cluster":
        raise StataError(198, "beta may not be specified with vce(cluster)")
    sample = args.touse(session)
    if w is not None:
        ec.check_weights(wtype, w[sample])   # negative weights are an error, zeros drop out
        sample &= ec.weight_sample(wtype, w)
    if clustvar:
        sample &= ec.cluster_ok(session, clustvar)
    constant = not opts.get("noconstant")
    design = ec.build(session, depvar, terms, constant, sample)
    rows = design.rows
    y, X = design.y, design.X
    wr = None if w is None else w[rows]
    clusters = ec.cluster_codes(session, clustvar, rows) if clustvar else None
    if X.shape[1] == 0:
        raise StataError(102, "too few variables specified")
    fit = fit_ols(y, X, constant=constant, weights=wr, wtype=wtype, vce=vce, clusters=clusters)
    if fit.N - fit.rank <= 0 and vce != "ols" or fit.N < 1:
        raise StataError(2001, "insufficient observations")
    b, V = ec.full_b_V(design, fit.b, fit.V)
    result = post(session, args, depvar, design, fit, b, V, vce, clustvar, wtype, wexp, terms)
    result.model = RegressModel(design, fit, wr, wtype, ec.collinear_notes(design))
    return result


def post(session, args, depvar, design, fit, b, V, vce, clustvar, wtype, wexp,
         terms) -> EstimationResult:
    """e() in the order Stata 17's `ereturn list` shows after regress."""
    s: dict = {"N": int(fit.N) if float(fit.N).is_integer() else fit.N,
               "df_m": int(fit.df_m), "df_r": fit.df_r}
    s["F"] = fit.F
    s["r2"] = fit.r2
    s["rmse"] = fit.rmse
    s["mss"] = fit.mss
    s["rss"] = fit.rss
    s["r2_a"] = fit.r2_a
    s["ll"] = fit.ll
    s["ll_0"] = fit.ll_0
    if fit.n_clust is not None:
        s["N_clust"] = int(fit.n_clust)
    s["rank"] = int(fit.rank)
    if not isinstance(s["df_r"], int) and float(s["df_r"]).is_integer():
        s["df_r"] = int(s["df_r"])
    m: dict = {"cmdline": f"regress {args.body.strip()}", "title": "Linear regression",
               "marginsok": "XB default", "vce": vce if vce != "ols" else "ols"}
    if vce != "ols":
        m["vcetype"] = VCETYPE[vce]
    if clustvar:
        m["clustvar"] = clustvar
    if wtype:
        m["wtype"] = wtype
        m["wexp"] = wexp
    m["depvar"] = depvar
    m["cmd"] = "regress"
    m["properties"] = "b V"
    m["predict"] = "regres_p"
    m["model"] = "ols"
    m["estat_cmd"] = "regress_estat"
    return EstimationResult(cmd="regress", scalars=s, macros=m, matrices={"b": b, "V": V},
                            sample=design.sample.copy())


def coef_rows(result, level: float, df_r: float | None) -> list[FixedRow]:
    """One FixedRow per e(b) column: t (df_r) or z statistics, p-values and intervals."""
    from scipy import stats
    b = result.matrices["b"]
    V = result.matrices["V"].values
    rows = []
    crit = stats.t.ppf(0.5 + level / 200, df_r) if df_r else stats.norm.ppf(0.5 + level / 200)
    for j, name in enumerate(b.colnames):
        short = name.partition(":")[2] if ":" in name else name
        _, _, _, base, mark = parse_column(short)
        coef = float(b.values[0, j])
        se = math.sqrt(V[j, j]) if V[j, j] > 0 else math.nan
        omitted = mark and not base
        if omitted or base:
            rows.append(FixedRow(short, 0.0, math.nan, math.nan, math.nan, math.nan,
                                 math.nan, omitted=bool(omitted), base=bool(base)))
            continue
        stat = coef / se if se > 0 else math.nan
        p = 2 * (stats.t.sf(abs(stat), df_r) if df_r else stats.norm.sf(abs(stat)))
        rows.append(FixedRow(short, coef, se, stat, p, coef - crit * se, coef + crit * se))
    return rows


@np.errstate(all="ignore")
def output(result, level: float, beta: bool, noheader: bool) -> RegressOutput:
    s, m = result.scalars, result.macros
    vce = m.get("vce", "ols")
    out = RegressOutput()
    p = f_pvalue(s["F"], s["df_m"], s["df_r"])
    if not noheader:
        if vce == "ols":
            out.header = AnovaHeader(s["mss"], s["rss"], s["df_m"], s["df_r"], s["N"], s["F"],
                                     p, s["r2"], s["r2_a"], s["rmse"],
                                     constant="_cons" in result.matrices["b"].colnames)
        else:
            out.header = RobustHeader(m["title"], s["N"], s["df_m"], s["df_r"], s["F"], p,
                                      s["r2"], s["rmse"], s.get("N_clust"),
                                      m.get("clustvar", ""))
        if m.get("wtype") in ("aweight", "pweight") and result.model is not None:
            out.notes.append(f"(sum of wgt is {_sum_text(result.model.weights_raw_sum)})")
    rows = coef_rows(result, level, s["df_r"])
    betas = standardized(result, rows) if beta else None
    out.table = CoefTable(m["depvar"], rows, level, "t", m.get("vcetype", ""), beta=betas)
    return out


def f_pvalue(F, df1, df2) -> float:
    from scipy import stats
    if F is None or math.isnan(F) or not df1 or not df2 or df2 <= 0:
        return math.nan
    return float(stats.f.sf(F, df1, df2))


ec.REPLAY["regress"] = lambda result: output(result, 95, False, False)


def _sum_text(x: float) -> str:
    from hlmshell.render.formats import fmt
    return fmt(x, "%12.0gc").strip()


def standardized(result, rows) -> list[float]:
    """Beta = b_j sd(x_j) / sd(y) over the estimation sample (weighted as the fit)."""
    model = result.model
    d = model.design
    X = d.X_all[d.rows]
    y = d.y
    w = model.weights
    if w is None:
        w = np.ones(len(y))

    def sd(v):
        mu = np.average(v, weights=w)
        return math.sqrt(np.average((v - mu) ** 2, weights=w))
    sy = sd(y)
    out = []
    for j, r in enumerate(rows):
        if r.name == "_cons" or r.base or r.omitted:
            out.append(math.nan)
        else:
            out.append(r.coef * sd(X[:, j]) / sy if sy > 0 else math.nan)
    return out
