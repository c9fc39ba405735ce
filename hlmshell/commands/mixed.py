"""`mixed`: the only bridge between the shell and the numeric core (hlmshell/models).

parse (syntax/mixed_call) → resolve names against the data → ModelSpec → models.fit on the
if/in sample → EstimationResult (posted as the active e()) → display objects
(render/mixed).  `mixed` with no depvar replays the active results.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import ResultError, StataError
from hlmshell.estimates.results import data_signature, from_mixed
from hlmshell.models.crossed import distinct_levels
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.mixed import (EstMetricTable, FixedEffectsTable, FixedRow, GroupInfo,
                                   LRTestLine,
                                   MixedHeader, MixedIterationLog, MixedOutput,
                                   RandomEffectsTable, RERow, RESection, SmallHeader,
                                   note_text)
from hlmshell.syntax.factor import resolver_for
from hlmshell.syntax.mixed_call import MixedCall, MixedOptions, parse_mixed, weight_expressions
from hlmshell.syntax.spec import Args, parse_in_range


@command("mixed", abbrev="mixed", syntax="raw",
         help="multilevel mixed-effects linear regression")
def mixed(session, args):
    """mixed depvar [fe_terms] [if] [in] [|| levelvar: [varlist] [, re_options]] ... [, options]
        fe_terms: variables and factor variables: i.x, c.x, ib#.x, x#z, x##z
        re_options: covariance(identity|independent|exchangeable|unstructured) noconstant
        options: reml mle variance stddev nolog level(#) iterate(#) noheader nofetable noretable
                 estmetric coeflegend
                 dfmethod(residual|repeated|anova|satterthwaite [, eim|oim]|kroger)
                 dftable(default|ci|pvalue) [pw=exp] pwscale(size|effective|gk)
                 emiterate(#) emtolerance(#) emlog tolerance(#) ltolerance(#) nrtolerance(#)
                 difficult technique(nr)
        mixed [, options] alone redisplays the last results
    """
    return run_mixed(session, args, "mixed")


@command("xtmixed", abbrev="xtmixed", syntax="raw",
         help="multilevel mixed-effects linear regression (the old name of mixed)")
def xtmixed(session, args):
    """xtmixed depvar [fe_terms] [if] [in] [|| levelvar: ...] [, options]
        the old name of mixed: the same model and options (ML by default, stata-reference
        1.2); the random-effects table in standard deviations unless `variance` is given;
        e(cmd) is "xtmixed"
    """
    return run_mixed(session, args, "xtmixed")


def run_mixed(session, args, name: str):
    call = parse_mixed(args.body, resolver_for(session.data.names) if session.data.names else None)
    if name == "xtmixed" and "variance" not in call.options.given:
        call.options.stddev = True      # xtmixed's display default (stata-reference 1.7)
    level = call.options.level if call.options.level is not None else \
        float(session.settings.get("level", 95))
    if call.replay:
        result = session.estimates.active
        if result is None or result.cmd != "mixed" or result.macros.get("cmd") != name:
            raise StataError(301, "last estimates not found")
        return replay_output(result, call.options, level)
    if not session.data.names:
        raise StataError(111, "no variables defined")
    if any(lv.factor for lv in call.levels) and call.options.vce:
        # robust.py sums scores over independent top-level groups: crossed effects have none
        # (dfmethod() goes through models/crossed_small.py)
        raise StataError(198, "option vce() not allowed with crossed effects (R.varname)")
    if any(lv.factor for lv in call.levels) and call.options.residuals is not None:
        raise StataError(198, "option residuals() not allowed with crossed effects (R.varname)")
    _resolve_residuals(session, call)
    if call.options.dfmethod == "repeated" and len({lv.groupvar for lv in call.levels}) > 1:
        raise StataError(198, "option dfmethod(repeated) is not available for models with "
                              "more than two levels")
    fit, sample_vars = estimate(session, call)
    if call.weight and call.weight[0] == "fweight" and len(fit.levels) > 1 and \
            (call.options.vce or call.options.dfmethod):
        # the nested routes of robust/smallsample work on rows, not weighted cross-products
        raise StataError(101, "weights not allowed with vce() or dfmethod() in models with "
                              "more than one level")
    inferable = bool(fit.levels) or _structure(fit) is not None
    if (call.options.vce or call.options.dfmethod) and not inferable:
        # every random-effects equation empty: not implemented for linear regression
        opt = "vce()" if call.options.vce else "dfmethod()"
        raise StataError(198, f"option {opt} not allowed with a model without random effects")
    if call.options.vce:
        apply_robust(session, call, fit)
    if call.options.dfmethod:
        from hlmshell.models import ModelError
        from hlmshell.models.smallsample import infer
        try:
            with np.errstate(all="ignore"):
                fit.small = infer(fit, call.options.dfmethod, call.options.dfinfo)
        except ModelError as err:
            raise StataError(err.code, err.message) from None
    sig = data_signature(sample_vars, [session.data.column(v) for v in sample_vars], fit.sample)
    if call.weight:
        fit.weight = call.weight
    fit.pwscale = call.options.pwscale
    result = from_mixed(fit, cmdline=(name + " " + call.text.strip()).strip(),
                        sigvars=sample_vars, datasignature=sig,
                        nolrtest=call.options.nolrtest, cmdname=name,
                        optmetric=call.options.optmetric)
    result.fv_labels = factor_labels(session.data, result)
    session.estimates.post(result)
    notes = [f"note: {name} omitted because of collinearity." for name in fit.dropped]
    if call.levels and not fit.levels and _structure(fit) is None:
        # Stata: every `||` equation is empty (`|| id:, noconstant`): fit by regression
        notes.append(note_text("all random-effects equations are empty; model is linear "
                               "regression", head="Note: ").replace("\n      ", "\n    "))
    out = build_output(result, call.options, level)
    out.notes = notes
    if call.options.log and fit.levels:  # linear regression: no iterations, no log
        out.log = MixedIterationLog(list(fit.iteration_log),
                                    crittype(fit.method, fit.robust is not None),
                                    bool(fit.converged),
                                    em_values=list(fit.summary.em_log) if call.options.emlog
                                    else None, em_banner=em_banner(call))
    if not fit.converged:
        # Stata keeps and shows the unconverged estimates (e(converged)=0, e(rc)=430);
        # the command itself ends with r(430)
        raise ResultError(430, "convergence not achieved", output=out)
    return out


def em_banner(call: MixedCall) -> str | None:
    """The EM heading Stata prints (IterateEM in _xtmixed_estimate.ado, Stata 17's
    " ..." form): none when emiterate(0) skips EM; "Obtaining starting values by EM" when
    the residuals are not independent (or have by()) or the fit is weighted; else
    "Performing EM optimization" (crossed R. effects included: EM runs there too)."""
    o = call.options
    if o.emiterate == 0:
        return None
    rs = o.residuals
    weighted = bool(call.weight) or any(lv.pweight for lv in call.levels)
    if weighted or (rs is not None and (rs.kind != "independent" or rs.by)):
        return "Obtaining starting values by EM ..."
    return "Performing EM optimization ..."


@np.errstate(all="ignore")
def apply_robust(session, call: MixedCall, fit) -> None:
    """vce(robust|cluster v): the sandwich replaces the model VCE in the fit (models/robust)."""
    from hlmshell.models import ModelError
    from hlmshell.models.robust import sandwich
    opts = call.options
    codes = None
    if opts.clustvar:
        col = np.asarray(session.data.column(opts.clustvar))[np.asarray(fit.sample, dtype=bool)]
        _, codes = np.unique(col.astype(str) if col.dtype == object else col, return_inverse=True)
    try:
        rob = sandwich(fit, codes, opts.clustvar or "")
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    fit.V, fit.V_beta, fit.V_theta = rob.V, rob.V_beta, rob.V_theta
    fit._state["vstate"] = rob.vstate
    wald = [j for j, nm in enumerate(fit.fixed_names) if nm != "_cons" and not fit.omitted[j]]
    if wald:
        from scipy import special
        b = np.asarray(fit.beta)[wald]
        fit.chi2 = float(b @ np.linalg.solve(fit.V_beta[np.ix_(wald, wald)], b))
        fit.p = float(special.chdtrc(len(wald), fit.chi2))
    from hlmshell.models.robust import top_name
    fit.robust = {"vce": opts.vce, "clustvar": opts.clustvar or top_name(fit),
                  "n_clust": rob.n_clust}


def _structure(fit):
    """The fit's residual structure (models/residuals.Structure) or None."""
    st = getattr(fit, "_state", None) or {}
    return getattr(st.get("model"), "structure", None)


def _resolve_residuals(session, call: MixedCall) -> None:
    """residuals(): t() and by() as full variable names; options not implemented with a
    residual structure are refused before the fit."""
    from dataclasses import replace
    rs = call.options.residuals
    if rs is None:
        return
    res = resolver_for(session.data.names)
    rs = replace(rs, t=res(rs.t) if rs.t else None, by=res(rs.by) if rs.by else None,
                 group=call.levels[-1].groupvar if call.levels else None)
    if not call.levels and not rs.plain:
        raise StataError(198, f"residuals({rs.kind}) requires a random-effects equation "
                              "(the level of the residual groups)")
    if rs.t and session.data.is_string(rs.t):
        raise StataError(109, "type mismatch")
    call.options.residuals = rs
    if rs.plain:
        return
    if call.weight:     # the structured fit has no weighted route (not checked against Stata)
        raise StataError(198, f"weights not allowed with residuals({rs.kind}"
                              f"{', by()' if rs.by else ''})")


def touse(session, call: MixedCall) -> np.ndarray:
    args = Args()
    if call.in_text is not None:
        args.in_range = parse_in_range(call.in_text, session.data.nobs)
    if call.if_text is not None:
        from hlmshell.syntax.expr import parse_expression
        args.if_exp = parse_expression(call.if_text)
    use = args.touse(session)
    rs = call.options.residuals
    for v in ((rs.t, rs.by) if rs is not None else ()):
        if v:       # observations with a missing t() or by() value are not used
            col = session.data.column(v)
            use = use & (col != "" if col.dtype == object else ~np.isnan(col))
    return use


# numpy's overflow/invalid warnings from degenerate fits must not reach the user's screen:
# the numbers concerned come out missing and are printed "."
@np.errstate(all="ignore")
def estimate(session, call: MixedCall):
    """Fit the model; returns (MixedFit, the variables of e(datasignaturevars))."""
    from hlmshell.models import ModelError, fit
    variables = call.variables()
    for v in variables:
        if session.data.is_string(v) and v != call.depvar and \
                v not in {lv.groupvar for lv in call.levels}:
            raise StataError(109, "type mismatch")
    data = {v: session.data.column(v) for v in variables}
    for text in weight_expressions(call):   # [pw=exp], pweight(exp): columns named by the text
        from hlmshell.dataset.evaluate import evaluate
        from hlmshell.syntax.expr import parse_expression
        values = evaluate(parse_expression(text), session)
        if np.asarray(values).dtype == object:
            raise StataError(109, "type mismatch")
        data[text] = np.broadcast_to(np.asarray(values, dtype=float), (session.data.nobs,)).copy()
    sample = touse(session, call)
    check = session.interrupt_check

    def on_iteration(i, value):  # lets a Break (Ctrl-C) stop a long fit between iterations
        if check is not None:
            check()

    try:
        result = fit(call.model_spec(), data, sample=sample, on_iteration=on_iteration)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    if result.levels and _residual_vanishes(result, data[call.depvar]):
        # y is explained exactly by the fixed and random effects (e.g. constant within
        # groups): the likelihood grows without bound as var(Residual) -> 0
        raise StataError(430, "likelihood evaluates to missing")
    return result, variables


def _residual_vanishes(result, y) -> bool:
    if int(result.levels[-1].g_max) == 1:
        return False  # groups of one: var(Residual) trades off with the intercept (a ridge)
    y = np.asarray(y, dtype=float)[np.asarray(result.sample, dtype=bool)]
    scale = float(np.var(y)) or float(np.mean(y * y))
    sigma2 = float(result.sigma2)
    return bool(scale > 0 and sigma2 <= 1e-8 * scale)


def crittype(method: str, robust: bool = False) -> str:
    if robust:
        return "log pseudolikelihood"
    return "log restricted-likelihood" if method == "REML" else "log likelihood"


# ------------------------------------------------------------------------------ display
def _f(x) -> float:
    return math.nan if x is None else float(x)


def fixed_rows(model, level: float) -> list[FixedRow]:
    if getattr(model, "small", None) is not None:     # dfmethod(): t statistics and DF
        from hlmshell.models.smallsample import t_rows
        rows, dfs = t_rows(model, model.small, level)
        return [FixedRow(**r._asdict(), df=nu) for r, nu in zip(rows, dfs)]
    return [FixedRow(**r._asdict()) for r in model.fe_table(level)]


def re_label(label: str) -> str:
    """`var(ses_centered)` -> `var(ses_ce~d)`: Stata abbreviates each variable name in a
    random-effects label to 8 characters."""
    kind, _, inside = label.partition("(")
    sep = "," if "," in inside else " "
    # R.factor (crossed): the variable after R. is abbreviated (not verified against Stata)
    short = lambda n: "R." + abbrev(n[2:], 8) if n.startswith("R.") else abbrev(n, 8)
    return f"{kind}({sep.join(short(n) for n in inside[:-1].split(sep))})"


def random_table(model, level: float, stddev: bool) -> RandomEffectsTable:
    """The core's sections (one per level, then the residual's) as the renderer's table,
    each level titled as Stata does: the level variable abbreviated to 12 characters."""
    *sections, residual = model.re_table(level, stddev)
    rows = lambda sec: [RERow(**{**r._asdict(), "label": re_label(r.label)}) for r in sec.rows]
    out = [RESection(f"{abbrev(lv.groupvar, 12)}: {lv.vartype}", rows(sec))
           for lv, sec in zip(model.levels, sections)]
    if residual.title:      # residuals(): its own titled section (`Residual: AR(1)`)
        out.append(RESection(residual.title, [RERow(**r._asdict()) for r in residual.rows]))
        return RandomEffectsTable(out, [], level)
    return RandomEffectsTable(out, rows(residual), level)


def identification_notes(model) -> list[str]:
    """Plain-English reasons why some variances cannot be told apart (no Stata equivalent:
    Stata's optimizer just struggles there)."""
    lv = model.levels[-1] if model.levels else None
    if lv is not None and int(lv.g_max) == 1 and "_cons" in lv.effects:
        return [f"Each group of {lv.groupvar} holds a single observation, so the random "
                f"intercept at level {lv.groupvar} is not identified separately from the "
                "residual; how the variance is split between them is arbitrary."]
    return []


def boundary_note(model) -> str | None:
    """The core's plain-English boundary notes as one `Note:` paragraph below the tables."""
    notes = identification_notes(model)
    notes += [n.strip() for n in model.boundary_notes if n and n.strip()]
    if not notes and not model.boundary:
        return None
    if not notes:
        notes = ["The maximum is on the boundary of the parameter space; standard errors "
                 "that are not defined there are shown as \".\"."]
    notes = [n if n.endswith(".") else n + "." for n in notes]
    return note_text(" ".join(notes))


def factor_labels(data, result) -> dict:
    """The value labels of the factor variables named in e(b)'s columns (`1.sector`)."""
    b = result.matrices.get("b")
    out = {}
    for col in (getattr(b, "colnames", None) or []):
        col = col.split(":")[-1]
        for part in col.split("#"):
            name = part.partition(".")[2]
            if "." in part and name in data.vars and name not in out:
                var = data.vars[name]
                mapping = data.value_labels.get(var.value_label or "")
                if mapping:
                    out[name] = dict(mapping)
    return out


@np.errstate(all="ignore")
def build_output(result, opts: MixedOptions, level: float) -> MixedOutput:
    """The display of stored `mixed` results (estimation and replay alike; no log)."""
    model = result.model
    s, m = result.scalars, result.macros
    out = MixedOutput()
    if not opts.noheader:
        groups = [GroupInfo(lv.groupvar, int(lv.n_groups), int(lv.g_min), float(lv.g_avg),
                            int(lv.g_max)) for lv in distinct_levels(model.levels)]
        small = getattr(model, "small", None)
        out.header = MixedHeader(m.get("title", ""), int(s["N"]), groups, ll=_f(s["ll"]),
                                 chi2=_f(s.get("F" if small else "chi2")),
                                 df_m=int(s.get("df_m", 0)),
                                 p=_f(s.get("p")),
                                 crittype=crittype(m.get("method", "ML"), "vcetype" in m),
                                 chi2type=m.get("chi2type", "Wald"),
                                 show_groups=not opts.nogroup)
        if small is not None:
            out.header.small = SmallHeader(small.title, _f(s.get("df_min")),
                                           _f(s.get("df_avg")), _f(s.get("df_max")),
                                           _f(s.get("ddf_m")))
    if not opts.nofetable and int(s.get("k_f", 1)) > 0:  # Stata: no table without fixed effects
        small = getattr(model, "small", None)
        out.fixed = FixedEffectsTable(m.get("depvar", ""), fixed_rows(model, level), level,
                                      stat="t" if small is not None else "z",
                                      dftable=opts.dftable if small is not None else "default",
                                      vcetype=m.get("vcetype", ""),
                                      clusters=_clusters_note(s, m),
                                      level_labels=dict(getattr(result, "fv_labels", {}) or {}))
    if opts.estmetric or opts.coeflegend:     # one table of e(b) instead of the two
        out.fixed = estmetric_table(result, model, level, opts.coeflegend)
    elif not opts.noretable:  # linear regression too: the table holds var(Residual) only
        out.random = random_table(model, level, opts.stddev)
        out.random.vcetype = m.get("vcetype", "")
    if not opts.nolrtest and not opts.noretable and "ll_c" in s:  # Stata prints it in the RE table
        out.lrtest = LRTestLine(_f(s["chi2_c"]), int(s["df_c"]), _f(s["p_c"]),
                                chibar=bool(model.lr_chibar))
    note = boundary_note(model)
    if note:
        out.footnotes.append(note)
    if not s.get("converged", 1):
        out.footnotes.append("Warning: convergence not achieved")
    return out


def estmetric_table(result, model, level: float, legend: bool) -> EstMetricTable:
    """e(b) by equation: the fixed effects as in their own table, then each variance
    parameter (lns…, atr…, lnsig_e) with a symmetric normal CI from e(V)."""
    from hlmshell.models.distributions import ndtr, ndtri
    fixed = fixed_rows(model, level)
    b = result.matrices["b"].values[0]
    V = result.matrices["V"].values
    names = result.matrices["b"].colnames
    z = ndtri(1 - (1 - level / 100) / 2)
    eqs = [(result.macros.get("depvar", ""), fixed)]
    for j in range(len(fixed), len(names)):
        eq = names[j].partition(":")[0]
        est, se = float(b[j]), math.sqrt(V[j, j]) if V[j, j] >= 0 else math.nan
        zz = est / se if se > 0 else math.nan
        p = 2 * ndtr(-abs(zz)) if math.isfinite(zz) else math.nan
        eqs.append((eq, [FixedRow("_cons", est, se, zz, p, est - z * se, est + z * se)]))
    return EstMetricTable(result.macros.get("depvar", ""), eqs, level, legend,
                          stat="t" if getattr(model, "small", None) is not None else "z")


def _clusters_note(s, m) -> str:
    if "N_clust" not in s:
        return ""
    return f"(Std. err. adjusted for {fmt(s['N_clust'], '%12.0fc').strip()} clusters in " \
           f"{m.get('clustvar', '')})"


def replay_output(result, opts: MixedOptions | None = None, level: float = 95) -> MixedOutput:
    """`mixed` / `estimates replay` after `mixed`: the tables again, without the log."""
    return build_output(result, opts or MixedOptions(), level)
