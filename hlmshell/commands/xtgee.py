"""`xtgee`: population-averaged panel models by GEE ([XT] xtgee), and the `pa` models of
xtreg/xtlogit/xtprobit/xtpoisson, which run the same fit with their family and link.

parse (syntax/mixed_call with xtgee's options; words and abbreviations as xtgee.ado's
GetName/GetCorr) → panel (and time) variables → design (glm_estimate.build) sorted by panel
and time → glm start values (independence) → models/gee.fit_gee → e() (estimates/xtgee.py)
→ render/xtgee.py.

Built: families gaussian, binomial [#|varname], poisson; links identity, log, logit, probit,
cloglog; corr independent, exchangeable, ar 1, unstructured. Refused with r(198) `option ...
not allowed`: the other families (gamma, igaussian, nbinomial), power/opower/reciprocal/
nbinomial links, corr ar #>1, stationary, nonstationary, fixed; force, scale(), from(),
weights (r(101)).
"""
from __future__ import annotations

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import ResultError, StataError

OPTIONS = (("family", "f", "string", False), ("link", "l", "string", False),
           ("corr", "c", "string", False), ("vce", "vce", "string", False),
           ("i", "i", "string", False), ("t", "t", "string", False),
           ("offset", "off", "string", False), ("exposure", "exp", "string", False),
           ("eform", "ef", None, True), ("nmp", "nmp", None, False), ("rgf", "rgf", None, False),
           ("tolerance", "tol", "string", False), ("robust", "r", None, False))
ALLOWED = {"nolog", "log", "level", "iterate"}
# GetName's words: (full, minimum length)
_FAMILIES = (("gaussian", 3, "gaussian"), ("normal", 3, "gaussian"), ("igaussian", 2, None),
             ("poisson", 1, "poisson"), ("nbinomial", 2, None), ("binomial", 1, "binomial"),
             ("gamma", 3, None))
_LINKS = (("identity", 1, "identity"), ("log", 3, "log"), ("logit", 4, "logit"),
          ("power", 3, None), ("opower", 3, None), ("cloglog", 2, "cloglog"),
          ("probit", 1, "probit"), ("nbinomial", 2, None), ("reciprocal", 3, None))
_CORRS = (("independent", 3, "independent"), ("arm", 2, "ar"), ("exchangeable", 3, "exchangeable"),
          ("statm", 3, None), ("stationary", 3, None), ("nonstationary", 3, None),
          ("unstructured", 3, "unstructured"), ("fixed", 3, None))
CANON = {"gaussian": "identity", "binomial": "logit", "poisson": "log"}
# checkfam: links each family accepts (others: "unsupported family-link combination")
_FAMILY_LINKS = {"gaussian": {"identity", "log"}, "poisson": {"identity", "log"},
                 "binomial": {"identity", "log", "logit", "probit", "cloglog"}}
FAMILY_WORD = {"gaussian": "Gaussian", "binomial": "binomial", "poisson": "Poisson"}


def _word(text: str, table, what: str, opt: str, typed: str):
    w = text.lower()
    for full, n, ours in table:
        if full[:max(len(w), n)] == w:
            if ours is None:
                raise StataError(198, f"option {opt}({typed}) not allowed")
            return ours
    raise StataError(198, f"unknown {what} {text} in option {opt}()")


def parse_family(text: str | None, session):
    """→ (family, trials: 1.0, a number or a variable name)."""
    words = (text or "").split()
    if not words:
        return "gaussian", 1.0
    fam = _word(words[0], _FAMILIES, "family", "family", text.strip())
    if len(words) > 2 or (len(words) == 2 and fam != "binomial"):
        raise StataError(198, f"option family({fam}) does not allow a parameter"
                         if fam != "binomial" else f"option family({text.strip()}) invalid")
    if len(words) == 2:
        try:
            k = float(words[1])
        except ValueError:
            from hlmshell.syntax.factor import resolver_for
            try:
                var = resolver_for(session.data.names)(words[1])
            except StataError:
                raise StataError(198, "option family(binomial) requires a positive number "
                                      "or variable name") from None
            if session.data.is_string(var):
                raise StataError(109, "type mismatch")
            return fam, var
        if not k > 0:
            raise StataError(198, "option family(binomial) requires a positive number or "
                                  "variable name")
        return fam, k
    return fam, 1.0


def parse_link(text: str | None, family: str) -> str:
    words = (text or "").split()
    if not words:
        return CANON[family]
    if len(words) > 1:
        raise StataError(198, f"option link({text.strip()}) not allowed")
    link = _word(words[0], _LINKS, "link", "link", text.strip())
    if link not in _FAMILY_LINKS[family]:
        raise StataError(198, "unsupported family-link combination")
    return link


def parse_corr(text: str | None) -> str:
    """GetCorr: `ar1` is `ar 1`; exchangeable by default."""
    t = (text or "").strip()
    if not t:
        return "exchangeable"
    words = t.split()
    if len(words) == 1:          # ReTok: trailing digits become the lag
        head = words[0].rstrip("0123456789")
        if head != words[0] and head:
            words = [head, words[0][len(head):]]
    corr = _word(words[0], _CORRS, "correlation structure", "corr", t)
    rest = words[1:]
    if corr == "ar":
        if len(rest) > 1 or (rest and not rest[0].isdigit()) or (rest and int(rest[0]) < 1):
            raise StataError(198, f"option corr({t}) invalid")
        if rest and int(rest[0]) != 1:
            raise StataError(198, f"option corr({t}) not allowed")
    elif rest:
        raise StataError(198, f"option corr({t}) invalid")
    return corr


def _vce(call) -> str:
    text = (call.extra.get("vce") or "").strip().lower()
    if call.extra.get("robust"):
        if text and not "robust".startswith(text):
            raise StataError(198, "options robust and vce() may not be combined")
        return "robust"
    if not text or "conventional".startswith(text) and len(text) >= 4:
        return "conventional"
    if "robust".startswith(text):
        return "robust"
    raise StataError(198, f"vcetype {text} not allowed")


def _panel(session, call, corr):
    from hlmshell.commands.xt import NOT_SET
    from hlmshell.syntax.factor import resolver_for
    s = session.data.xtset or {}
    ivar, tvar = s.get("panelvar"), s.get("timevar")
    resolve = resolver_for(session.data.names)
    for opt in ("i", "t"):
        given = call.extra.get(opt)
        if given:
            name = resolve(given.strip())
            have = ivar if opt == "i" else tvar
            if have and have != name and ivar in session.data.names:
                raise StataError(198, "time and panel variables previously xtset -- may not "
                                      "be changed by\noptions t() and i() -- use command "
                                      "xtset to change them")
            if opt == "i":
                ivar = name
            else:
                tvar = name
    if not ivar or ivar not in session.data.names:
        raise StataError(459, NOT_SET)
    if corr in ("ar", "unstructured"):
        if not tvar or tvar not in session.data.names:
            raise StataError(459, "time variable not set, use xtset panelvar timevar ...")
    else:
        tvar = None
    delta = float(s.get("delta") or 1) if s else 1.0
    return ivar, tvar, delta


def estimate(session, call, cmd: str = "xtgee", family_text=None, link_text=None):
    from hlmshell.commands.glm_estimate import build, offset_column
    from hlmshell.estimates.xtgee import post
    from hlmshell.models import ModelError
    from hlmshell.models.gee import fit_gee
    from hlmshell.models.glm_general import Family, Link, fit
    family, trials = parse_family(family_text if family_text is not None
                                  else call.extra.get("family"), session)
    link = parse_link(link_text if link_text is not None else call.extra.get("link"), family)
    corr = parse_corr(call.extra.get("corr"))
    vce = _vce(call)
    nmp, rgf = bool(call.extra.get("nmp")), bool(call.extra.get("rgf"))
    if rgf and vce != "robust":
        raise StataError(198, "option rgf may only be specified with option vce(robust)")
    if rgf and family != "gaussian":
        raise StataError(198, "option rgf may only be specified with option family(gaussian)")
    tol = 1e-6
    if call.extra.get("tolerance") is not None:
        try:
            tol = float(call.extra["tolerance"])
        except ValueError:
            raise StataError(198, "option tolerance() incorrectly specified") from None
        if not tol > 0:
            raise StataError(198, "tolerance() must be positive")
    maxiter = call.options.iterate if call.options.iterate is not None else 100
    if maxiter < 0:
        raise StataError(198, "iterate() must be nonnegative")
    if not call.fixed and not call.constant:
        raise StataError(102, "too few variables specified")
    ivar, tvar, delta = _panel(session, call, corr)
    if session.data.is_string(call.depvar):
        raise StataError(109, "type mismatch")
    offset, offname = offset_column(session, call)
    y_all = np.asarray(session.data.column(call.depvar), dtype=float)
    pcol = session.data.column(ivar)
    if session.data.is_string(ivar):
        raise StataError(109, "type mismatch")
    pcol = np.asarray(pcol, dtype=float)
    tcol = np.asarray(session.data.column(tvar), dtype=float) if tvar else None
    n_all = None
    if isinstance(trials, str):
        n_all = np.asarray(session.data.column(trials), dtype=float)
    design, variables = build(session, call, y_all, (offset, pcol, tcol, n_all))
    notes = []
    y = design.y
    if len(y) <= 1:
        raise StataError(2001, "insufficient observations")
    n = n_all[design.rows] if n_all is not None else float(trials)
    if family == "binomial":
        if isinstance(trials, str) and np.any(n <= 0):
            raise StataError(499, f"variable {trials} has nonpositive values")
        if np.any(y > n) or np.any(y < 0):
            what = trials if isinstance(trials, str) else "1" if n == 1 else \
                f"{float(trials):g}"
            raise StataError(499, f"variable {call.depvar} > {what} in some cases")
    if family == "poisson" and np.any(y < 0):
        raise StataError(459, f"{call.depvar} must be greater than or equal to zero")
    bernoulli = family == "binomial" and not isinstance(trials, str) and trials == 1
    if bernoulli and np.all((y == 0) | (y == 1)) and not call.extra.get("asis"):
        # _rmcoll ..., logit: perfect predictors leave, as logit's
        from hlmshell.commands.glm_cmds import outcome_varies, separation
        from hlmshell.commands.glm_estimate import drop_perfect_predictors
        outcome_varies(y)
        separation(design.X, list(design.fixed_names), design.omitted, y)
        notes += drop_perfect_predictors(design)
    rows = design.rows
    panel, time = pcol[rows], (tcol[rows] if tcol is not None else np.zeros(len(rows)))
    order = np.lexsort((time, panel))
    rows = rows[order]
    panel, time = panel[order], time[order]
    if tcol is not None:
        rows, panel, time, note = _time_rules(design, rows, panel, time, corr, delta)
        notes += note
    pos = None
    if corr == "unstructured":
        pos = np.unique(time, return_inverse=True)[1]
    elif corr == "ar":
        first = np.r_[True, panel[1:] != panel[:-1]]
        t0 = np.maximum.accumulate(np.where(first, np.arange(len(panel)), 0))
        pos = np.rint((time - time[t0]) / delta).astype(int)
    keep = list(design.keep)
    X = design.X_all[np.ix_(rows, keep)]
    y = design.y_all[rows]
    off = offset[rows] if offset is not None else None
    nn = n_all[rows] if n_all is not None else float(trials)
    fam = Family("binomial" if family == "binomial" and not bernoulli else
                 "bernoulli" if family == "binomial" else family, nn)
    lnk = Link(link)
    p = len(keep)
    if p >= len(y):
        raise StataError(2001, "insufficient observations")
    check = session.interrupt_check
    try:
        with np.errstate(all="ignore"):
            start = fit(X, y, fam, lnk, off, "irls", 100)
            res = fit_gee(X, y, panel, fam, lnk, corr, start.b, off, pos, nmp, tol, maxiter,
                          on_iteration=(lambda i, v: check()) if check else None)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    G = len(np.unique(panel))
    if vce == "robust" and G == 1:
        raise StataError(198, "cannot specify option vce(robust) with only one panel")
    return post(session=session, call=call, cmd=cmd, design=design, rows=rows, panel=panel,
                res=res, fam=fam, family=family, trials=trials, link=link, corr=corr,
                vce=vce, nmp=nmp, rgf=rgf, tol=tol, ivar=ivar, tvar=tvar, offname=offname,
                variables=variables, X=X, y=y, notes=notes)


def _time_rules(design, rows, panel, time, corr, delta):
    """ar: equally spaced times within panels (no `force`), and panels of one observation
    leave with xtgee's note (KeepMin). Changes design.rows/sample."""
    notes = []
    same = panel[1:] == panel[:-1]
    if np.any(same & (time[1:] == time[:-1])):
        raise StataError(451, "repeated time values within panel")
    if corr == "ar":
        gaps = same & (np.abs(time[1:] - time[:-1] - delta) > 1e-9 * max(1.0, abs(delta)))
        if gaps.any():          # wording unconfirmed (xtgee.ado's KeepMode is not public)
            raise StataError(459, "observations are not equally spaced in time within panels")
        _, start, size = np.unique(panel, return_index=True, return_counts=True)
        small = size < 2
        if small.any():
            drop = np.isin(panel, np.unique(panel)[small])
            notes.append("note: some groups have fewer than 2 observations\n"
                         "      not possible to estimate correlations for those groups\n"
                         f"      {int(small.sum())} groups omitted from estimation")
            rows, panel, time = rows[~drop], panel[~drop], time[~drop]
            sample = np.zeros_like(design.sample)
            sample[rows] = True
            design.sample = sample
            if len(rows) <= 1:
                raise StataError(2001, "insufficient observations")
    design.rows = np.sort(rows)
    return rows, panel, time, notes


def output(result, level: float, eform: bool, log: bool = True):
    from hlmshell.commands.glm_cmds import fixed_rows
    from hlmshell.render.glm import CoefTable
    from hlmshell.render.xtgee import GEEHeader, GEEOutput
    s, m, model = result.scalars, result.macros, result.model
    out = GEEOutput(log=list(model.log) if log else None, resets=list(model.resets))
    indep = None
    if m["corr"] == "independent":
        indep = (s["df_pear"], s["chi2_dev"], s["deviance"], s["chi2_dis"], s["dispers"])
    out.header = GEEHeader(int(s["N"]), m["ivar"], m.get("tvar", ""), int(s["N_g"]),
                           m["family"], m["link"], m["corr"], int(s["g_min"]), s["g_avg"],
                           int(s["g_max"]), int(s["df_m"]), s["chi2"], s["p"], s["phi"], indep)
    title = "Coefficient"
    if eform:
        title = ("IRR" if m["family"] == "Poisson" and m["link"] not in ("logit", "probit")
                 else "Odds ratio" if m["link"] == "logit" else "exp(b)")
    b = result.matrices["b"].values.ravel()
    V = result.matrices["V"].values
    rows = fixed_rows(model.names, model.omitted, b, V, level, transform=eform)
    out.table = CoefTable(m["depvar"], rows, level, title, m.get("vcetype", ""))
    return out


def run(session, args, cmd="xtgee", family=None, link=None, eform_words=("eform",),
        options=OPTIONS, allowed=ALLOWED):
    from hlmshell.commands.glm_cmds import single_equation
    call, level, replayed = single_equation(session, args.body, cmd, options, allowed)
    eform = any(call.extra.get(w) for w in eform_words)
    if replayed is None and call.replay:
        raise StataError(301, "last estimates not found")
    if replayed is not None:
        return output(replayed, level, eform, log=False)
    result = estimate(session, call, cmd, family, link)
    session.estimates.post(result)
    out = output(result, level, eform, log=call.options.log)
    out.notes = result.model.notes
    if not result.model.converged:
        if result.model.reset is not None:
            out.table_notes.append("exchangeable working correlation matrix not positive "
                                   "definite")
        raise ResultError(430, "convergence not achieved", output=out)
    return out


@command("xtgee", abbrev="xtgee", syntax="raw",
         help="population-averaged panel-data models by GEE")
def xtgee(session, args):
    """xtgee depvar [indepvars] [if] [in] [, family(family) link(link) corr(correlation) vce(conventional|robust) nmp rgf exposure(varname) offset(varname) noconstant eform level(#) iterate(#) tolerance(#) nolog i(varname) t(varname)]
        family: gaussian | binomial [#|varname] | poisson
        link: identity | log | logit | probit | cloglog
        correlation: exchangeable | independent | ar 1 | unstructured
    """
    return run(session, args)



from hlmshell.postest import predict_xtgee  # noqa: E402,F401  (registers predict's statistics)


# ------------------------------------------------------------------ the pa models
# command -> (family, link, its eform options); xtnbreg, pa (nbinomial) is not built
PA = {"xtreg": ("gaussian", "identity", ()), "xtlogit": ("binomial", "logit", ("or",)),
      "xtprobit": ("binomial", "probit", ()), "xtcloglog": ("binomial", "cloglog", ("eform",)),
      "xtpoisson": ("poisson", "log", ("irr", "eform"))}
_PA_BASE = tuple(o for o in OPTIONS if o[0] not in ("family", "link", "eform", "i", "t")) + \
    (("pa", "pa", None, False),)
# the options only `pa` takes, as the commands' syntax specs name them
PA_ONLY = ("corr", "nmp", "rgf", "tolerance")


def run_pa(session, args, name):
    """`xtreg/xtlogit/xtprobit/xtcloglog/xtpoisson ..., pa`: xtgee with the command's family
    and link; e(cmd) xtgee, e(cmd2) the command (as Stata posts them)."""
    family, link, eforms = PA[name]
    extra = _PA_BASE + tuple((w, w if w != "eform" else "ef", None, True) for w in eforms)
    if name != "xtpoisson":
        extra = tuple(o for o in extra if o[0] != "exposure")
    return run(session, args, name, family, link, eforms, extra, ALLOWED)


def replay_pa(session, args, name, level):
    """`xtlogit` alone after `xtlogit, pa`: the xtgee result, if it came from `name`."""
    result = session.estimates.active
    if result is None or result.cmd != "xtgee" or result.macros.get("cmd2") != name:
        return None
    eform = any(args.options.get(w) for w in PA[name][2])
    return output(result, level, eform, log=False)


def refuse_pa_only(opts) -> None:
    for o in PA_ONLY:
        if opts.get(o):
            raise StataError(198, f"option {o}{'()' if o in ('corr', 'tolerance') else ''} "
                                  "not allowed")
    if opts.get("vce") is not None:
        raise StataError(198, "option vce() not allowed")
