"""`xtlogit, fe`: the conditional fixed-effects logit on the xtset panels (xtlogit.ado runs
clogit with group(panelvar)): models/clogit.fit_clogit, e() as clogit posts it with
e(cmd) = "clogit" and e(cmd2) = "xtlogit", the _crcphdr header with the LR test against
β = 0. Notes as clogit.ado prints them: multiple positive outcomes, panels dropped for
all positive or all negative outcomes, regressors without within-panel variance.
No command registers here (commands/xt_glmm.py dispatches).
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands import est_common as ec
from hlmshell.errors import StataError
from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix
from hlmshell.render.xt_glmm import XtHeader, XtOutput, XtTable

TITLE = "Conditional fixed-effects logistic regression"


class FeModel:
    """What predict (xtlogit_fe_p: pc1, pu0, xb, stdp) and replay read."""
    link = "logit"
    margins_xb_only = False

    def __init__(self, names, omitted, offset_var, log, notes, sample, panel):
        self.names, self.omitted, self.offset_var = names, omitted, offset_var
        self.log, self.notes, self.sample, self.panel = log, notes, sample, panel
        self.has_cons = False


def estimate_fe(session, args, setting, design_of, offset_of):
    from hlmshell.commands.glm_cmds import binary_outcome, outcome_varies
    from hlmshell.models.clogit import fit_clogit
    opts = args.options
    for o in ("intmethod", "intpoints", "quad"):
        if opts.get(o) is not None:
            raise StataError(198, f"option {o}() not allowed")
    if opts.get("noconstant"):
        raise StataError(198, "option noconstant not allowed")
    panel = setting["panelvar"]
    depvar, terms = ec.parse_varlist(session, args.anything)
    if not terms:
        raise StataError(102, "too few variables specified")
    sample = args.touse(session) & ec.cluster_ok(session, panel)
    offset, offname = offset_of(session, opts, sample)
    if offset is not None:
        sample = sample & ~np.isnan(offset)
    yraw = np.asarray(session.data.column(depvar), dtype=float)
    # with a constant, as xtlogit.ado's _rmcoll: factor bases and collinearity as usual
    design = design_of(session, depvar, terms, True, binary_outcome(yraw, depvar), sample)
    notes = ec.collinear_notes(design)
    if len(design.rows) == 0:
        raise StataError(2000, "no observations")
    outcome_varies(design.y)
    rows = design.rows
    g = ec.cluster_codes(session, panel, rows)
    y = design.y
    m, n = np.bincount(g, weights=y), np.bincount(g)
    if np.any(m > 1):
        notes.append("note: multiple positive outcomes within groups encountered.")
    both = (m > 0) & (m < n)
    if not both.all():
        ng, no = int(np.sum(~both)), int(np.sum(n[~both]))
        notes.append(f"note: {ng:,} group{'s' if ng > 1 else ''} ({no:,} obs) dropped because "
                     "of all positive or\n      all negative outcomes.")
    keep_rows = both[g]
    if not keep_rows.any():
        raise StataError(2000, "no observations")
    rows, g = rows[keep_rows], g[keep_rows]
    g = np.unique(g, return_inverse=True)[1].ravel()
    sample_out = np.zeros_like(design.sample)
    sample_out[rows] = True
    names_all = list(design.fixed_names)
    cols = [j for j in range(len(names_all)) if names_all[j] != "_cons"]
    names = [names_all[j] for j in cols]
    omitted = np.array([bool(design.omitted[j]) for j in cols])
    Xall = design.X_all[rows][:, cols]
    for i, nm in enumerate(names):
        if omitted[i]:
            continue
        x = Xall[:, i]
        lo = np.full(g.max() + 1, np.inf)
        hi = np.full(g.max() + 1, -np.inf)
        np.minimum.at(lo, g, x)
        np.maximum.at(hi, g, x)
        if np.all(lo == hi):
            notes.append(f"note: {nm} omitted because of no within-group variance.")
            omitted[i] = True
            names[i] = _omit(nm)
    keep = np.flatnonzero(~omitted)
    X = Xall[:, keep]
    off = offset[rows] if offset is not None else None
    yk = design.y_all[rows]
    maxiter = opts.get("iterate", 300)
    if maxiter < 0:
        raise StataError(198, "iterate() must be a nonnegative integer")
    check = session.interrupt_check
    with np.errstate(all="ignore"):
        fit = fit_clogit(X, yk, g, off, maxiter=maxiter,
                         on_iteration=(lambda i, v: check()) if check else None)
    if not np.isfinite(fit.ll):
        raise StataError(430, "likelihood evaluates to missing")
    k = len(names)
    b = np.zeros(k)
    V = np.zeros((k, k))
    b[keep] = fit.b
    V[np.ix_(keep, keep)] = fit.V
    sizes = np.bincount(g)
    df_m = len(keep)
    chi2 = 2 * (fit.ll - fit.ll_0)
    from scipy.special import chdtrc
    s = {"N": int(len(rows)), "N_drop": int(np.sum(n[~both])),
         "N_group_drop": int(np.sum(~both)), "N_g": int(len(sizes)), "k": k, "k_eq": 1,
         "k_dv": 1, "df_m": df_m, "ll": float(fit.ll), "ll_0": float(fit.ll_0),
         "chi2": float(chi2), "r2_p": float(1 - fit.ll / fit.ll_0) if fit.ll_0 else math.nan,
         "p": float(chdtrc(df_m, chi2)) if df_m else math.nan, "rank": df_m,
         "g_min": int(sizes.min()), "g_avg": float(sizes.mean()), "g_max": int(sizes.max()),
         "ic": int(fit.iterations), "rc": 0 if fit.converged else 430,
         "converged": int(bool(fit.converged))}
    mac = {"cmdline": f"xtlogit {args.body.strip()}", "cmd": "clogit", "cmd2": "xtlogit",
           "depvar": depvar, "group": panel, "ivar": panel, "model": "fe", "title": TITLE,
           "chi2type": "LR", "vce": "oim", "offset": offname,
           "multiple": "multiple" if np.any(m > 1) else "", "crittype": "log likelihood",
           "properties": "b V", "predict": "xtlogit_fe_p"}
    cn = [f"{depvar}:{nm}" for nm in names]
    result = EstimationResult(cmd="clogit", scalars=s, macros=mac, matrices={
        "b": StataMatrix(b.reshape(1, -1), ["y1"], cn),
        "V": StataMatrix(V, list(cn), list(cn), symmetric=True)}, sample=sample_out,
        link="logit")
    result.model = FeModel([nm for nm in names], omitted, offname, list(fit.log), notes,
                           sample_out, panel)
    return result


def _omit(name: str) -> str:
    from hlmshell.models.panel import omit_name
    return omit_name(name)


def output_fe(result, level: float, eform: bool, log: bool = True) -> XtOutput:
    from hlmshell.commands.glm_cmds import fixed_rows
    from hlmshell.render.glm import CoefTable, GLMLog
    s, m, model = result.scalars, result.macros, result.model
    b = result.matrices["b"].values.ravel()
    V = result.matrices["V"].values
    out = XtOutput()
    if log:
        out.log = GLMLog([(None, [(f"Iteration {i}", v) for i, v in enumerate(model.log)])],
                         "log likelihood", bool(s.get("converged", 1)))
    out.header = XtHeader(TITLE, int(s["N"]), m["ivar"], int(s["N_g"]), int(s["g_min"]),
                          s["g_avg"], int(s["g_max"]), None, None, 0, int(s["df_m"]),
                          s["chi2"], s["p"], s["ll"], chi2type="LR")
    rows = fixed_rows(model.names, model.omitted, b, V, level, transform=eform)
    out.table = XtTable(CoefTable(m["depvar"], rows, level,
                                  "Odds ratio" if eform else "Coefficient", "", [], []))
    if not s.get("converged", 1):
        out.footnotes.append("Warning: convergence not achieved")
    return out
