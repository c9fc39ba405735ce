"""`nbreg`: negative binomial regression, mean dispersion ([R] nbreg) on models/nbreg.py.

As Stata: a Poisson fit (the comparison model of the LR test of alpha = 0 and the start of
the full model), the constant-only model (ll_0 of the LR chi2), then the full model;
/lnalpha below the coefficients and alpha below it; `LR test of alpha=0: chibar2(01)`.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import ResultError, StataError

OPTIONS = (("offset", "offset", "string", False), ("exposure", "exp", "string", False),
           ("irr", "irr", None, True), ("vce", "vce", "string", False),
           ("dispersion", "d", "string", False))
ALLOWED = {"nolog", "log", "level", "iterate", "noheader", "nolrtest"}


def _estimate(session, call):
    from hlmshell.commands.glm_cmds import parse_vce
    from hlmshell.commands.glm_estimate import build, offset_column
    from hlmshell.estimates.nbreg import nbreg_result
    from hlmshell.estimates.results import data_signature
    from hlmshell.models import ModelError
    from hlmshell.commands.glm_estimate import sandwich
    from hlmshell.models.glm import fit_glm
    from hlmshell.models.nbreg import fit_nb2, moment_lnalpha
    from hlmshell.syntax.factor import resolver_for
    disp = call.extra.get("dispersion")
    if disp is not None:
        w = disp.strip().lower()
        if w and "constant".startswith(w):
            raise StataError(198, "option dispersion(constant) not allowed")
        if not (w and "mean".startswith(w)):
            raise StataError(198, f"dispersion({disp}) not allowed")
    vce, clustvar = parse_vce(call.extra.get("vce"), resolver_for(session.data.names))
    offset, offname = offset_column(session, call)
    if session.data.is_string(call.depvar):
        raise StataError(109, "type mismatch")
    y_all = np.asarray(session.data.column(call.depvar), dtype=float)
    clus = clus_nan = None
    if clustvar:
        clus = np.asarray(session.data.column(clustvar))
        miss = np.array([v == "" for v in clus]) if clus.dtype == object else \
            np.isnan(clus.astype(float))
        clus_nan = np.where(miss, np.nan, 0.0)
    design, variables = build(session, call, y_all, (offset, clus_nan))
    y, X = design.y, design.X
    if len(y) == 0:
        raise StataError(2000, "no observations")
    if np.any(y < 0):
        raise StataError(459, f"{call.depvar} must be greater than or equal to zero")
    off = offset[design.rows] if offset is not None else None
    maxiter = call.options.iterate if call.options.iterate is not None else 300
    check = session.interrupt_check
    hook = (lambda i, v: check()) if check else None
    keep = list(design.keep)
    try:
        with np.errstate(all="ignore"):
            pois = fit_glm(X, y, "poisson", "log", 1.0, off, maxiter=maxiter, on_iteration=hook)
            ones = np.ones((len(y), 1))
            c0 = math.log(max(float(np.mean(y)), 1e-10)) if off is None else \
                float(fit_glm(ones, y, "poisson", "log", 1.0, off).b[0])
            mu0 = np.exp(c0 + (np.zeros(len(y)) if off is None else off))
            const = fit_nb2(ones, y, off, [c0], moment_lnalpha(y, mu0), maxiter, on_iteration=hook)
            full = fit_nb2(X, y, off, pois.b, float(const.b[-1]), maxiter, on_iteration=hook)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    V, n_clust = sandwich(full.V, full.scores, vce, clus if clustvar else None, design.rows)
    names = list(design.fixed_names)
    kk = len(names)
    idx = keep + [kk]
    b_full, V_full = np.zeros(kk + 1), np.zeros((kk + 1, kk + 1))
    b_full[idx] = full.b
    V_full[np.ix_(idx, idx)] = V
    sig = data_signature(variables, [session.data.column(v) for v in variables], design.sample)
    result = nbreg_result(
        depvar=call.depvar, names=names, omitted=np.asarray(design.omitted), b=b_full,
        V=V_full, ll=full.ll, ll_0=const.ll, ll_c=pois.ll, n=len(y),
        iterations=len(full.log) - 1, converged=full.converged, vce=vce, clustvar=clustvar,
        n_clust=n_clust, offset=offname, cmdline=f"nbreg {call.text.strip()}".strip(),
        sample=design.sample, sigvars=variables, datasignature=sig,
        has_cons=design.has_cons, logs=(pois.log, const.log, full.log),
        dropped=design.dropped)
    return result, full.converged and pois.converged and const.converged


def nbreg_output(result, level: float, irr: bool, log: bool = True, noheader: bool = False,
                 lrtest: bool = True):
    from hlmshell.commands.glm_cmds import fixed_rows, vce_title
    from hlmshell.render.glm import CoefTable, GLMLog, GLMOutput, RERow
    from hlmshell.render.glm import GLMHeader
    from hlmshell.render.glm_general import AlphaLRTest, NBTable
    from scipy.special import ndtri
    s, m, model = result.scalars, result.macros, result.model
    robust = m.get("vcetype") == "Robust"
    crit = "log pseudolikelihood" if robust else "log likelihood"
    out = GLMOutput()
    if log:
        heads = ("Fitting Poisson model:", "Fitting constant-only model:", "Fitting full model:")
        out.log = GLMLog([(h, [(f"Iteration {i}", v) for i, v in enumerate(lg)])
                          for h, lg in zip(heads, model.logs)], crit,
                         bool(s.get("converged", 1)))
    if not noheader:
        out.header = GLMHeader(m["title"], int(s["N"]), int(s["df_m"]), s["chi2"], s["p"],
                               s["ll"], s["r2_p"], m.get("chi2type", "LR"),
                               crit[:1].upper() + crit[1:], dispersion="mean")
    if m.get("clustvar"):
        text = f"(Std. err. adjusted for {int(s['N_clust']):,} clusters in {m['clustvar']})"
        out.table_notes_before = [text.rjust(78)]
    b = result.matrices["b"].values.ravel()
    V = result.matrices["V"].values
    k = len(model.names)
    rows = fixed_rows(model.names, model.omitted, b[:k], V[:k, :k], level, transform=irr)
    z = float(ndtri(0.5 + level / 200))
    lna, se = float(b[k]), math.sqrt(max(float(V[k, k]), 0.0))
    lo, hi = lna - z * se, lna + z * se
    ex = lambda v: math.exp(v) if v < 709 else math.inf   # noqa: E731  (alpha run off: ".")
    alpha = RERow("alpha ", ex(lna), ex(lna) * se, ex(lo), ex(hi))
    table = CoefTable(m["depvar"], rows, level, "IRR" if irr else "Coefficient",
                      vce_title(m.get("vce", "oim")), extra=[RERow("/lnalpha ", lna, se, lo, hi)])
    out.table = NBTable(table, alpha)
    if irr:   # unconfirmed: Stata 16+'s first-equation note
        out.table_notes.append("Note: Estimates are transformed only in the first equation "
                               "to incidence-rate ratios.")
        if model.has_cons:
            out.table_notes.append("Note: _cons estimates baseline incidence rate.")
    if not robust and lrtest:
        from hlmshell.estimates.nbreg import chibar_p
        out.lrtest = AlphaLRTest(s["chi2_c"], chibar_p(s["chi2_c"]))
    return out


@command("nbreg", abbrev="nbreg", syntax="raw", help="negative binomial regression")
def nbreg(session, args):
    """nbreg depvar [indepvars] [if] [in] [, noconstant exposure(varname) offset(varname) irr dispersion(mean) vce(vcetype) level(#) nolrtest nolog iterate(#)]
        vcetype: oim, robust, cluster clustvar
    """
    from hlmshell.commands.glm_cmds import single_equation
    call, level, replayed = single_equation(session, args.body, "nbreg", OPTIONS, ALLOWED)
    irr = bool(call.extra.get("irr"))
    if replayed is not None:
        return nbreg_output(replayed, level, irr, log=False,
                            lrtest="nolrtest" not in call.options.given)
    result, converged = _estimate(session, call)
    session.estimates.post(result)
    out = nbreg_output(result, level, irr, log=call.options.log,
                       noheader=call.options.noheader,
                       lrtest="nolrtest" not in call.options.given)
    out.notes = [f"note: {nm} omitted because of collinearity." for nm in result.model.dropped]
    if not converged:
        raise ResultError(430, "convergence not achieved", output=out)
    return out
