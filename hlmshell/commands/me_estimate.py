"""Estimation glue of the me* commands (me_cmds.py): outcome checks, the design, the fit
(models/glmm_fit), e() (estimates/me.py) and the display objects (render/glm.py).
No commands are registered here.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.errors import StataError
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.glm import CoefTable, GLMLog, GLMOutput, MEHeader, MELRTest, RERow
from hlmshell.render.mixed import GroupInfo


def _trials(session, text: str | None):
    """binomial(varname|#) → trials over all rows (array) or a number."""
    if text is None:
        return None
    try:
        k = float(text)
    except ValueError:
        from hlmshell.syntax.factor import resolver_for
        name = resolver_for(session.data.names)(text.strip())
        if session.data.is_string(name):
            raise StataError(109, "type mismatch") from None
        return np.asarray(session.data.column(name), dtype=float)
    if k < 1 or k != int(k):
        raise StataError(198, "binomial() must be a positive integer or a variable")
    return float(k)


def _cluster_column(session, clustvar):
    """vce(cluster v): v over all rows and a NaN-where-missing column for the sample."""
    if not clustvar:
        return None, None
    col = np.asarray(session.data.column(clustvar))
    missing = np.array([v == "" for v in col]) if col.dtype == object else \
        np.isnan(col.astype(float))
    return col, np.where(missing, np.nan, 0.0)


def estimate_me(session, call, name, family, link, method, points, vce=("oim", None)):
    from hlmshell.commands.glm_cmds import binary_outcome, outcome_varies
    from hlmshell.commands.glm_estimate import build, offset_column
    from hlmshell.estimates.me import me_result
    from hlmshell.estimates.results import data_signature
    from hlmshell.models import ModelError
    from hlmshell.models.glmm import GLMMData
    from hlmshell.models.glmm_fit import fit_glmm
    from hlmshell.models.quadrature import check_size
    if session.data.is_string(call.depvar):
        raise StataError(109, "type mismatch")
    yraw = np.asarray(session.data.column(call.depvar), dtype=float)
    trials = _trials(session, call.extra.get("binomial")) if family in ("bernoulli", "binomial") \
        else None
    if trials is not None:
        family = "binomial"
    offset, offname = offset_column(session, call)
    y_all = binary_outcome(yraw, call.depvar) if family == "bernoulli" else yraw
    tr_col = trials if isinstance(trials, np.ndarray) else None
    clus, clus_nan = _cluster_column(session, vce[1])
    design, variables = build(session, call, y_all, (offset, tr_col, clus_nan))
    if not design.levels:
        raise StataError(198, "all random-effects equations are empty")
    if design.weights is not None or getattr(design, "pweighted", False):
        # [fw=] and pweight() reach the design but no me* likelihood weighs by them yet:
        # refused rather than ignored
        raise StataError(101, "weights not allowed")
    y = design.y
    rows = design.rows
    n_tr = 1.0
    if family == "bernoulli":
        from hlmshell.commands.glm_cmds import separation
        outcome_varies(y)
        separation(design.X, list(design.fixed_names), design.omitted, y)
    elif family == "binomial":
        n_tr = trials[rows] if isinstance(trials, np.ndarray) else float(trials)
        nn = np.broadcast_to(n_tr, y.shape)
        if np.any(y < 0) or np.any(y > nn) or np.any(y != np.floor(y)) or np.any(nn < 1):
            raise StataError(459, f"{call.depvar} must be an integer between 0 and the "
                                  "number of trials in binomial()")
    elif np.any(y < 0):
        raise StataError(459, f"{call.depvar} must be greater than or equal to zero")
    if len(design.levels) > 1 or design.levels[0].factor:   # several levels: me_multi.py
        if vce[0] != "oim":     # the sandwich is built for two-level fits only
            raise StataError(198, f"option vce({vce[0]}) not allowed with several levels or "
                                  "crossed effects")
        from hlmshell.commands.me_multi import estimate_multi
        return estimate_multi(session, call, name, family, link, method, points, design,
                              variables, y, n_tr, offset, offname)
    lev = design.levels[0]
    q = len(lev.effects)
    try:
        check_size(points, q, len(y))
    except ValueError as err:
        raise StataError(909, f"insufficient memory for the integration grid: {err}; "
                              "use fewer intpoints() or intmethod(laplace)") from None
    data = GLMMData(y, design.X, lev.Z_all[rows], lev.group, lev.n_groups, family, link,
                    n_tr, offset[rows] if offset is not None else None, lev.covariance)
    maxiter = call.options.iterate if call.options.iterate is not None else 300
    check = session.interrupt_check
    try:
        with np.errstate(all="ignore"):
            fit = fit_glmm(data, method, points, maxiter,
                           on_iteration=(lambda i, v: check()) if check else None)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    except np.linalg.LinAlgError:
        raise StataError(430, "likelihood evaluates to missing; the Hessian is singular") \
            from None
    if not np.isfinite(fit.ll):
        raise StataError(430, "likelihood evaluates to missing")
    robust = None
    if vce[0] != "oim":
        robust = _robust(fit, lev, clus[rows] if clus is not None else None, vce[1])
    sig = data_signature(variables, [session.data.column(v) for v in variables], design.sample)
    result = me_result(name=name, family=family, link=link, fit=fit, design=design,
                       method=method, points=points, offname=offname, offset=offset,
                       trials=call.extra.get("binomial"), sigvars=variables,
                       datasignature=sig, cmdline=f"{name} {call.text.strip()}".strip(),
                       nolrtest=call.options.nolrtest or robust is not None)
    if robust is not None:
        result.scalars["N_clust"] = robust
        result.macros.update({"vce": vce[0], "vcetype": "Robust",
                              "clustvar": vce[1] or lev.groupvar})
    return result, fit


def _robust(fit, lev, codes, clustvar):
    """vce(robust | cluster v): the sandwich (models/glmm_robust) replaces fit.V; returns
    the number of clusters."""
    from hlmshell.models import ModelError
    from hlmshell.models.glmm_robust import cluster_owner, sandwich
    if codes is not None:
        _, codes = np.unique(codes.astype(str) if codes.dtype == object else codes,
                             return_inverse=True)
    try:
        owner = cluster_owner(lev.group, lev.n_groups, codes, clustvar or lev.groupvar)
        with np.errstate(all="ignore"):
            fit.V, n_clust = sandwich(fit, owner, clustvar or lev.groupvar)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    return n_clust


# meglm's Family:/Link: words (_me_display.ado: proper() for these three, "negative
# binomial", binomial as is; cloglog spelled out)
FAMILY_TITLE = {"bernoulli": "Bernoulli", "binomial": "binomial", "poisson": "Poisson",
                "nbinomial": "negative binomial"}
LINK_TITLE = {"cloglog": "complementary log-log"}


def header_lines(m) -> list[str]:
    """Header lines after the title (and meglm's Family/Link), in _me_display.ado's order:
    the binomial trials (a variable's name, abbreviated to 12, or the number), then the
    negative binomial's overdispersion."""
    out = []
    trials = m.get("binomial")
    if trials:
        try:
            out.append(f"Binomial trials: {fmt(float(trials), '%9.0g').strip()}")
        except ValueError:
            out.append(f"Binomial variable: {abbrev(trials, 12)}")
    if m.get("family") == "nbinomial":
        out.append(f"Overdispersion: {m.get('dispersion', 'mean')}")
    return out


def _re_rows(model, b, V, level, tag):
    """The rows of the random-effects parameters of the level whose names end `[tag])`."""
    from scipy.special import ndtri
    z = float(ndtri(0.5 + level / 200))
    out = []
    for j, nm in zip(model.re_index, model.re_names):
        if f"[{tag}]" not in nm:
            continue
        est, se = float(b[j]), math.sqrt(max(float(V[j, j]), 0.0))
        label = nm.replace(f"[{tag}]", "")
        if label.startswith("var(") and est > 0 and se > 0:
            r = z * se / est            # the CI of ln(var), back-transformed
            lo, hi = (est * math.exp(-r), est * math.exp(r)) if r < 700 else (0.0, math.nan)
        else:
            lo, hi = est - z * se, est + z * se
        out.append(RERow(_re_label(label), est, se, lo, hi))
    return out


def _re_label(label: str) -> str:
    """A label of the 13-character column: what is inside the parentheses is abbreviated as
    one name (`var(ses_centered)` -> `var(ses_ce~d)`, `cov(visit,_cons)` -> `cov(visit,~s)`)."""
    if len(label) <= 13:
        return label
    kind, _, inside = label.partition("(")
    return f"{kind}({abbrev(inside[:-1], 13 - len(kind) - 2)})"


def me_output(result, opts, level, eform, log=True) -> GLMOutput:
    from hlmshell.commands.glm_cmds import fixed_rows
    s, m, model = result.scalars, result.macros, result.model
    b = result.matrices["b"].values.ravel()
    V = result.matrices["V"].values
    out = GLMOutput()
    robust = m.get("vcetype") == "Robust"
    crit = "log pseudolikelihood" if robust else "log likelihood"
    if log:
        out.log = GLMLog([("Fitting fixed-effects model:",
                           [(f"Iteration {i}", v) for i, v in enumerate(model.glm_log)]),
                          ("Refining starting values:", [("Grid node 0", model.grid_ll)]),
                          ("Fitting full model:",
                           [(f"Iteration {i}", v) for i, v in enumerate(model.log)])],
                         crit, bool(s.get("converged", 1)))
    if not opts.noheader:
        groups = [GroupInfo(lv.groupvar, lv.n_groups, lv.g_min, lv.g_avg, lv.g_max)
                  for i, lv in enumerate(model.levels)
                  if i == 0 or model.levels[i - 1].groupvar != lv.groupvar]
        out.header = MEHeader(m["title"], int(s["N"]), groups, m["intmethod"],
                              int(s["n_quad"]), int(s["df_m"]), s["chi2"], s["p"], s["ll"],
                              show_groups=not opts.nogroup,
                              crittype=crit[:1].upper() + crit[1:])
        if m["cmd2"] == "meglm":
            out.header.family_link = (FAMILY_TITLE[m["family"]],
                                      LINK_TITLE.get(m["link"], m["link"]))
        out.header.extra_lines = header_lines(m)
    title = "Coefficient"
    if eform:
        title = "Odds ratio" if model.link == "logit" and model.family in ("bernoulli", "binomial") \
            else ("IRR" if model.link == "log" else "exp(b)")
    k = len(model.names)
    rows = fixed_rows(model.names, model.omitted, b[:k], V[:k, :k], level, transform=eform)
    extra = []
    if model.family == "nbinomial":
        from scipy.special import ndtri
        j = model.lnalpha_index
        z = float(ndtri(0.5 + level / 200))
        est, se = float(b[j]), math.sqrt(max(float(V[j, j]), 0.0))
        extra = [RERow("/lnalpha ", est, se, est - z * se, est + z * se)]
    labels = getattr(model, "labels", None) or [model.levels[0].groupvar]
    sections = [(abbrev(lab, 12), _re_rows(model, b, V, level, lab)) for lab in labels] \
        if not opts.noretable else []
    if robust:
        text = f"(Std. err. adjusted for {int(s['N_clust']):,} clusters in {m['clustvar']})"
        out.table_notes_before = [text.rjust(78)]
    out.table = CoefTable(m["depvar"], rows if not opts.nofetable else [], level, title,
                          "Robust" if robust else "", extra, sections)
    if eform:
        word = {"Odds ratio": "odds ratios", "IRR": "incidence-rate ratios"}.get(title, title)
        out.table_notes.append(f"Note: Estimates are transformed only in the first equation "
                               f"to {word}.")
        if model.has_cons:
            what = "odds" if title == "Odds ratio" else "incidence rate"
            out.table_notes.append(f"Note: _cons estimates baseline {what} (conditional on "
                                   "zero random effects).")
    if "chi2_c" in s and not opts.nolrtest and s.get("converged", 1):   # as _me_display
        out.lrtest = MELRTest(m["model"], s["chi2_c"], int(s["df_c"]), s["p_c"],
                              int(s["df_c"]) == 1)
    if not s.get("converged", 1):
        out.footnotes.append("Warning: convergence not achieved")
        if getattr(model.fit, "diverged", False):
            from hlmshell.render.mixed import note_text
            out.footnotes.append(note_text(
                "The estimates run off to infinity: the outcome is (almost) perfectly "
                "predicted within some groups or by the covariates, so the likelihood has no "
                "maximum. The iterations were stopped; the values shown are not estimates."))
    return out
