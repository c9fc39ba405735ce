"""Estimation glue shared by logit/probit/poisson (glm_cmds.py) and the me* commands
(me_cmds.py): the estimation sample, the design, the offset, and the display objects of a
single-level fit. No commands are registered here.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.errors import StataError
from hlmshell.render.glm import CoefTable, GLMHeader, GLMLog, GLMOutput


def offset_column(session, call, resolve=None) -> tuple[np.ndarray | None, str]:
    """offset(varname) or exposure(varname) → (offset values over all rows, e(offset))."""
    off, exp = call.extra.get("offset"), call.extra.get("exposure")
    if off and exp:
        raise StataError(198, "only one of offset() or exposure() can be specified")
    text = off or exp
    if not text:
        return None, ""
    from hlmshell.syntax.factor import resolver_for
    name = resolver_for(session.data.names)(text.strip())
    if session.data.is_string(name):
        raise StataError(109, "type mismatch")
    x = np.asarray(session.data.column(name), dtype=float)
    if exp:
        if np.any(x[~np.isnan(x)] <= 0):
            raise StataError(459, "exposure() must be greater than zero")
        return np.log(x), f"ln({name})"
    return x, name


def build(session, call, depvar_values, extra_missing=()):
    """(design, y over the sample, sample variables) for the call's fixed part and levels.
    `depvar_values` replaces the depvar column (e.g. 0/1 recoded); rows where any of
    `extra_missing` is NaN leave the sample."""
    from hlmshell.commands.mixed import touse
    from hlmshell.models import ModelError
    from hlmshell.models.design import build_design
    variables = call.variables()
    for v in variables:
        if session.data.is_string(v) and v not in {lv.groupvar for lv in call.levels}:
            raise StataError(109, "type mismatch")
    data = {v: session.data.column(v) for v in variables}
    data[call.depvar] = depvar_values
    sample = touse(session, call)
    for col in extra_missing:
        if col is not None:
            sample = sample & ~np.isnan(col)
    try:
        design = build_design(call.model_spec(), data, sample)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    return design, variables


def wald(b, V, names, omitted) -> tuple[float, int, float]:
    """Wald chi2 that every estimable coefficient but _cons is zero."""
    from scipy.special import chdtrc
    idx = [j for j, nm in enumerate(names) if not omitted[j] and nm != "_cons"]
    if not idx:
        return math.nan, 0, math.nan
    bb, VV = np.asarray(b)[idx], np.asarray(V)[np.ix_(idx, idx)]
    try:
        chi2 = float(bb @ np.linalg.solve(VV, bb))
    except np.linalg.LinAlgError:
        return math.nan, len(idx), math.nan
    return chi2, len(idx), float(chdtrc(len(idx), chi2))


def estimate_glm(session, call, name):
    """Fit logit/probit/poisson; returns (EstimationResult, GLMFit)."""
    from hlmshell.commands.glm_cmds import (FAMILY, binary_outcome, outcome_varies,
                                            parse_vce, separation)
    from hlmshell.estimates.glm import glm_result
    from hlmshell.estimates.results import data_signature
    from hlmshell.models.glm import constant_only, fit_glm
    from hlmshell.syntax.factor import resolver_for
    family, link = FAMILY[name]
    resolve = resolver_for(session.data.names)
    vce, clustvar = parse_vce(call.extra.get("vce"), resolve)
    offset, offname = offset_column(session, call)
    yraw = np.asarray(session.data.column(call.depvar), dtype=float) \
        if not session.data.is_string(call.depvar) else None
    if yraw is None:
        raise StataError(109, "type mismatch")
    y_all = binary_outcome(yraw, call.depvar) if family == "bernoulli" else yraw
    clus = None
    if clustvar:
        clus = np.asarray(session.data.column(clustvar))
        clus_missing = np.array([v == "" for v in clus]) if clus.dtype == object else \
            np.isnan(clus.astype(float))
        clus_nan = np.where(clus_missing, np.nan, 0.0)
    design, variables = build(session, call, y_all,
                              (offset, clus_nan if clustvar else None))
    y = design.y
    if family == "bernoulli":
        outcome_varies(y)
    elif np.any(y < 0):
        raise StataError(459, f"{call.depvar} must be greater than or equal to zero")
    X = design.X
    off = offset[design.rows] if offset is not None else None
    names = list(design.fixed_names)
    perfect = []
    if family == "bernoulli" and not call.extra.get("asis"):
        separation(X, names, design.omitted, y)   # complete separation first: r(2000)
        perfect = drop_perfect_predictors(design)
        y, X = design.y, design.X
        off = offset[design.rows] if offset is not None else None
        outcome_varies(y)
        separation(X, names, design.omitted, y)
    maxiter = call.options.iterate if call.options.iterate is not None else 300
    keep = list(design.keep)
    b0 = np.zeros(len(keep))
    if design.has_cons:
        b0[[names[j] for j in keep].index("_cons")] = constant_only(y, family, link, 1.0, off)
    check = session.interrupt_check
    with np.errstate(all="ignore"):
        fit = fit_glm(X, y, family, link, 1.0, off, b0=b0, maxiter=maxiter,
                      on_iteration=(lambda i, v: check()) if check else None)
    ll_0 = fit.log[0]
    if not design.has_cons:   # Stata's ll_0 without a constant: all coefficients zero
        ll_0 = float(fit_glm(X[:, :0], y, family, link, 1.0, off, maxiter=0).ll)
    V, n_clust = sandwich(fit.V, fit.scores, vce, clus if clustvar else None, design.rows)
    k = len(names)
    b_full = np.zeros(k)
    V_full = np.zeros((k, k))
    b_full[keep] = fit.b
    V_full[np.ix_(keep, keep)] = V
    sig = data_signature(variables, [session.data.column(v) for v in variables], design.sample)
    result = glm_result(
        name=name, family=family, link=link, depvar=call.depvar, names=names,
        omitted=np.asarray(design.omitted), b=b_full, V=V_full, ll=fit.ll, ll_0=ll_0,
        n=len(y), iterations=len(fit.log) - 1, converged=fit.converged,
        vce=vce, clustvar=clustvar, n_clust=n_clust, offset=offname,
        cmdline=f"{name} {call.text.strip()}".strip(), sample=design.sample,
        sigvars=variables, datasignature=sig, has_cons=design.has_cons, log=fit.log,
        dropped=design.dropped)
    result.model.perfect = perfect
    return result, fit


def drop_perfect_predictors(design) -> list[str]:
    """Omit the indicators that predict the outcome perfectly and leave their rows out of
    the sample (models.glm.perfect_predictors); returns Stata's notes. Changes `design`."""
    from hlmshell.models.glm import perfect_predictors
    names = design.fixed_names
    candidates = [j for j in design.keep if names[j] != "_cons"]
    rows, found = perfect_predictors(design.X_all, design.y_all, design.rows, candidates)
    if not found:
        return []
    omitted = np.array(design.omitted, dtype=bool)
    sample = np.zeros_like(design.sample)
    sample[rows] = True
    notes = []
    for j, what, n in found:
        omitted[j] = True
        notes.append(f"note: {names[j]} != 0 predicts {what} perfectly;\n"
                     f"      {names[j]} omitted and {n:,} obs not used.")
    design.omitted, design.rows, design.sample = omitted, rows, sample
    design.keep = np.array([j for j in design.keep if not omitted[j]], dtype=int)
    return notes


def glm_output(result, level: float, eform: bool, log: bool = True,
               noheader: bool = False) -> GLMOutput:
    from hlmshell.commands.glm_cmds import fixed_rows, vce_title
    s, m, model = result.scalars, result.macros, result.model
    robust = m.get("vcetype") == "Robust"
    crit = "log pseudolikelihood" if robust else "log likelihood"
    out = GLMOutput()
    if log:
        out.log = GLMLog([(None, [(f"Iteration {i}", v) for i, v in enumerate(model.log)])],
                         crit, bool(s.get("converged", 1)))
    if not noheader:
        out.header = GLMHeader(m["title"], int(s["N"]), int(s["df_m"]), s["chi2"], s["p"],
                               s["ll"], s.get("r2_p", math.nan), m.get("chi2type", "LR"),
                               crit[:1].upper() + crit[1:])
    if m.get("clustvar"):
        text = f"(Std. err. adjusted for {int(s['N_clust']):,} clusters in {m['clustvar']})"
        out.table_notes_before = [text.rjust(78)]
    title = "Coefficient"
    if eform:
        title = "Odds ratio" if result.cmd in ("logit", "logistic") else "IRR"
    b = result.matrices["b"].values.ravel()
    V = result.matrices["V"].values
    rows = fixed_rows(model.names, model.omitted, b, V, level, transform=eform)
    out.table = CoefTable(m["depvar"], rows, level, title, vce_title(m.get("vce", "oim")))
    if eform and model.has_cons:
        what = "odds" if result.cmd in ("logit", "logistic") else "incidence rate"
        out.table_notes.append(f"Note: _cons estimates baseline {what}.")
    return out


def sandwich(V, scores, vce: str, clus, rows):
    """(VCE, number of clusters): vce(robust|cluster)'s sandwich over the estimation rows,
    or (V, None) for oim; shared by logit & co., glm and nbreg."""
    if vce == "oim":
        return V, None
    from hlmshell.models import ModelError
    from hlmshell.models.glm import robust_vce
    cl = clus[rows] if clus is not None else None
    try:
        V = robust_vce(V, scores, cl)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    return V, (len(np.unique(cl)) if cl is not None else None)

