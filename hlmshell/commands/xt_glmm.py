"""`xtlogit`, `xtprobit`, `xtcloglog`, `xtpoisson` with `re` ([XT]): random-intercept GLMs
on the panel variable of `xtset`.

Binary models and `xtpoisson, normal`: u_i ~ N(0, sigma_u^2), the likelihood integrated by
models/glmm_fit (mean-variance adaptive Gauss–Hermite, 12 points by default, as Stata's xt
commands), reported as Stata does: e(b) ends in /lnsig2u = ln sigma_u^2, the table adds
sigma_u and rho. `xtpoisson` (gamma effects, the default): the closed-form likelihood of
models/xt_gamma, e(b) ends in /lnalpha. The comparison model (pooled logit/probit/cloglog/
Poisson) gives e(ll_c) and the chibar2(01) test. fe and pa are refused.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands import est_common as ec
from hlmshell.commands.registry import command
from hlmshell.errors import ResultError, StataError
from hlmshell.render.xt_glmm import RERow, XtHeader, XtOutput, XtTable, lr_line

_COMMON = ("[anything] [if] [in] [, RE FE PA INTMethod(string) INTPoints(integer) "
           "Quad(integer) NOCONstant OFFset(string) Level(real) NOLOg LOg ITERate(integer) "
           "CORr(string) VCE(string) Robust NMP RGF TOLerance(string)")   # the last: pa only
SYNTAX = {"xtlogit": _COMMON + " OR]", "xtprobit": _COMMON + "]",
          "xtcloglog": _COMMON + " EForm]",
          "xtpoisson": _COMMON + " IRr EForm NORMal GAUSSian Exposure(string)]",
          "xtnbreg": _COMMON + " IRr EForm Exposure(string)]"}
METHODS = (("mvaghermite", 2), ("aghermite", 3), ("ghermite", 2))
# Stata's method name -> models/glmm's
CORE_METHOD = {"mvaghermite": "mvaghermite", "aghermite": "mcaghermite", "ghermite": "ghermite"}


def _intmethod(text: str | None) -> str:
    if text is None:
        return "mvaghermite"
    w = text.strip().lower()
    for name, least in METHODS:
        if len(w) >= least and name.startswith(w):
            return name
    raise StataError(198, f"intmethod() invalid -- {text.strip()} not allowed")


def _points(opts) -> int:
    ip, q = opts.get("intpoints"), opts.get("quad")
    if ip is not None and q is not None and ip != 12 and q != 12:
        raise StataError(198, "intpoints() and quad() may not be specified together")
    k = ip if ip is not None and ip != 12 else (q if q is not None else 12)
    if not 4 <= k <= 195:
        raise StataError(198, "number of quadrature points must be between 4 and 195")
    return int(k)


def _model_choice(opts, name) -> str:
    chosen = [m for m in ("re", "fe", "pa") if opts.get(m)]
    if len(chosen) > 1:
        raise StataError(198, "Choose only one of fe, re, and pa")
    if chosen and chosen[0] != "re" and not (chosen[0] == "fe" and name == "xtlogit"):
        raise StataError(198, f"option {chosen[0]} not allowed")
    return chosen[0] if chosen else "re"


def _level(session, opts) -> float:
    level = opts.get("level", float(session.settings.get("level", 95)))
    if not 10 <= level <= 99.99:
        raise StataError(198, "level() must be between 10 and 99.99 inclusive")
    return float(level)


def _eform(name, opts) -> bool:
    return bool(opts.get("or") or opts.get("irr") or opts.get("eform"))


def _run(session, args, name):
    from hlmshell.commands import xtgee as gee
    opts = args.options
    level = _level(session, opts)
    if opts.get("pa") and name in gee.PA and not opts.get("re") and not opts.get("fe"):
        return gee.run_pa(session, args, name)
    if not args.anything.strip():
        if args.if_exp is not None or args.in_range is not None:
            raise StataError(100, "varlist required")
        replayed = gee.replay_pa(session, args, name, level)
        if replayed is not None:
            return replayed
        result = session.estimates.active
        if result is not None and result.cmd == "clogit" and \
                result.macros.get("cmd2") == name:
            from hlmshell.commands.xt_fe import output_fe
            return output_fe(result, level, _eform(name, opts), log=False)
        if result is None or result.cmd != name:
            raise StataError(301, "last estimates not found")
        return output(result, level, _eform(name, opts), log=False)
    model = _model_choice(opts, name)
    gee.refuse_pa_only(opts)
    if opts.get("robust"):
        raise StataError(198, "option robust not allowed")
    setting = _panel(session)
    if model == "fe":
        from hlmshell.commands.xt_fe import estimate_fe, output_fe
        result = estimate_fe(session, args, setting, _design, _offset)
        session.estimates.post(result)
        out = output_fe(result, level, _eform(name, opts), log=not opts.get("nolog"))
        out.notes = list(result.model.notes)
        if not result.scalars["converged"]:
            raise ResultError(430, "convergence not achieved", output=out)
        return out
    gaussian = name not in ("xtpoisson", "xtnbreg") or \
        bool(opts.get("normal") or opts.get("gaussian"))
    if not gaussian:
        for o in ("intmethod", "intpoints", "quad"):
            if opts.get(o) is not None:
                raise StataError(198, f"option {o}() requires option normal"
                                 if name == "xtpoisson" else f"option {o}() not allowed")
    method = _intmethod(opts.get("intmethod")) if gaussian else None
    points = _points(opts) if gaussian else 0
    from hlmshell.estimates.xt_glmm import MODELS
    family, link = MODELS[name][:2]
    result = estimate(session, args, name, family, link, setting, method, points)
    session.estimates.post(result)
    out = output(result, level, _eform(name, opts), log=not opts.get("nolog"))
    out.notes = list(result.model.notes)
    if not result.scalars["converged"]:
        raise ResultError(430, "convergence not achieved", output=out)
    return out


def _panel(session):
    from hlmshell.commands.xt import panel_setting
    setting = panel_setting(session)
    if session.data.is_string(setting["panelvar"]):
        raise StataError(109, "type mismatch")
    return setting


def _offset(session, opts, rows_all):
    """offset(varname) / exposure(varname) → (values over all rows or None, e(offset))."""
    off, exp = opts.get("offset"), opts.get("exposure")
    if off and exp:
        raise StataError(198, "only one of offset() or exposure() can be specified")
    text = off or exp
    if not text:
        return None, ""
    from hlmshell.dataset.varlist import unabbreviate
    words = text.split()
    if len(words) != 1:
        raise StataError(103, "too many variables specified")
    var = unabbreviate(words[0], session.data.names)
    if session.data.is_string(var):
        raise StataError(109, "type mismatch")
    x = np.asarray(session.data.column(var), dtype=float)
    if exp:
        if np.any(x[rows_all & ~np.isnan(x)] <= 0):
            raise StataError(459, "exposure() must be greater than zero")
        with np.errstate(all="ignore"):
            return np.log(x), f"ln({var})"
    return x, var


def _design(session, depvar, terms, constant, y_all, sample):
    from hlmshell.models import ModelError
    from hlmshell.models.design import build_design
    from hlmshell.models.spec import ModelSpec
    names = [depvar] + [f.var for t in terms for f in t.factors]
    data = {v: session.data.column(v) for v in dict.fromkeys(names)}
    data[depvar] = y_all
    try:
        return build_design(ModelSpec(depvar, tuple(terms), (), constant), data, sample=sample)
    except ModelError as err:
        raise StataError(err.code, err.message) from None


def estimate(session, args, name, family, link, setting, method, points):
    from hlmshell.commands.glm_cmds import binary_outcome, outcome_varies, separation
    from hlmshell.commands.glm_estimate import drop_perfect_predictors
    from hlmshell.estimates.xt_glmm import XtModel, post
    opts = args.options
    panel = setting["panelvar"]
    depvar, terms = ec.parse_varlist(session, args.anything)
    constant = not opts.get("noconstant")
    if not constant and not terms:
        raise StataError(102, "independent variables required with noconstant option")
    sample = args.touse(session) & ec.cluster_ok(session, panel)
    offset, offname = _offset(session, opts, sample)
    if offset is not None:
        sample = sample & ~np.isnan(offset)
    yraw = np.asarray(session.data.column(depvar), dtype=float)
    y_all = binary_outcome(yraw, depvar) if family == "bernoulli" else yraw
    design = _design(session, depvar, terms, constant, y_all, sample)
    notes = ec.collinear_notes(design)
    if len(design.rows) == 0:
        raise StataError(2000, "no observations")
    if family == "bernoulli":
        names = list(design.fixed_names)
        outcome_varies(design.y)
        separation(design.X, names, design.omitted, design.y)
        notes += drop_perfect_predictors(design)
        outcome_varies(design.y)
        separation(design.X, names, design.omitted, design.y)
    else:
        if len(design.rows) == 1:
            raise StataError(2001, "insufficient observations")
        if np.any(design.y < 0):
            raise StataError(459, f"{depvar} must be greater than or equal to zero")
        if np.any(design.y != np.floor(design.y)):
            notes.append("note: you are responsible for interpretation of non-count dep. "
                         "variable")
    rows = design.rows
    y, X = design.y, design.X
    if method and points > len(y):
        raise StataError(198, "number of quadrature points must be less than or equal to "
                              "number of obs")
    off = offset[rows] if offset is not None else None
    g = ec.cluster_codes(session, panel, rows)
    sizes = np.bincount(g)
    maxiter = opts.get("iterate", 300)
    if maxiter < 0:
        raise StataError(198, "iterate() must be a nonnegative integer")
    check = session.interrupt_check
    on_it = (lambda i, v: check()) if check else None
    keep = np.asarray(design.keep, dtype=int)
    k = len(design.fixed_names)
    with np.errstate(all="ignore"):
        if method:
            fit = _fit_normal(X, y, g, len(sizes), family, link, off, method, points,
                              maxiter, on_it)
        elif name == "xtnbreg":
            fit = _fit_beta(X, y, g, off, maxiter, on_it)
        else:
            fit = _fit_gamma(X, y, g, off, maxiter, on_it, design.has_cons,
                             [design.fixed_names[j] for j in keep])
    b_int, V_int, ll, ll_c, converged, iters, log, glm_log = fit
    kk = len(keep)
    if not np.isfinite(ll):
        raise StataError(430, "likelihood evaluates to missing")
    b_fixed = np.zeros(k)
    V_fixed = np.zeros((k, k))
    b_fixed[keep] = b_int[:kk]
    V_fixed[np.ix_(keep, keep)] = V_int[:kk, :kk]
    cov_aux = np.zeros((k, len(b_int) - kk))
    cov_aux[keep] = V_int[:kk, kk:]
    distrib = "Gaussian" if method else ("Beta" if name == "xtnbreg" else "Gamma")
    from hlmshell.commands.glm_estimate import wald
    chi2, df_m, p = wald(b_fixed, V_fixed, list(design.fixed_names), np.asarray(design.omitted))
    model = XtModel(cmd=name, family=family, link=link,
                    distrib=distrib,
                    names=list(design.fixed_names), omitted=np.asarray(design.omitted).copy(),
                    has_cons=bool(design.has_cons), offset_var=offname,
                    exposure=bool(opts.get("exposure")), log=log, glm_log=glm_log,
                    notes=notes, sample=design.sample)
    return post(cmd=name, depvar=depvar, panel=panel, timevar=setting.get("timevar"),
                names=list(design.fixed_names), omitted=design.omitted, b_fixed=b_fixed,
                V_fixed=V_fixed, aux=b_int[kk:], V_aux=V_int[kk:, kk:],
                cov_fixed_aux=cov_aux, ll=ll, ll_c=ll_c, n=len(y), groups=sizes,
                distrib=model.distrib, intmethod=method, points=points, offname=offname,
                converged=converged, iterations=iters, chi2=chi2, df_m=df_m, p=p,
                cmdline=f"{name} {args.body.strip()}", sample=design.sample, model=model)


def _fit_normal(X, y, g, G, family, link, off, method, points, maxiter, on_it):
    """Gaussian random intercept by quadrature; returns the fit in Stata's metric: (β,
    ln sigma_u^2) and its VCE (the delta method from (β, sigma_u^2))."""
    from hlmshell.models import ModelError
    from hlmshell.models.glmm import GLMMData
    from hlmshell.models.glmm_fit import fit_glmm
    data = GLMMData(y, X, np.ones((len(y), 1)), g, G, family, link, 1.0, off, "identity")
    try:
        fit = fit_glmm(data, CORE_METHOD[method], points, maxiter, on_iteration=on_it)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    except np.linalg.LinAlgError:
        raise StataError(430, "likelihood evaluates to missing; the Hessian is singular") \
            from None
    kk = X.shape[1]
    b = np.asarray(fit.b, dtype=float).copy()
    var = b[kk]
    J = np.eye(len(b))
    J[kk, kk] = 1.0 / var if var > 0 else math.nan     # d ln v / d v
    b[kk] = math.log(var) if var > 0 else -math.inf
    V = J @ np.asarray(fit.V, dtype=float) @ J.T
    return b, V, float(fit.ll), float(fit.ll_c), bool(fit.converged), int(fit.iterations), \
        list(fit.log), list(fit.glm_log)


def _fit_beta(X, y, g, off, maxiter, on_it):
    """xtnbreg, re: the comparison model is the pooled constant-dispersion negative
    binomial (xtnbreg.ado's nbreg, dispersion(constant)), also the start for β."""
    from hlmshell.models.glm import fit_glm
    from hlmshell.models.xt_nbreg import fit_beta_nb, fit_nb1
    pois = fit_glm(X, y, "poisson", "log", 1.0, off, maxiter=300)
    pooled = fit_nb1(X, y, off, beta0=pois.b)
    fit = fit_beta_nb(X, y, g, off, beta0=pooled.b[:-1], maxiter=maxiter, on_iteration=on_it)
    return fit.b, fit.V, fit.ll, float(pooled.ll), fit.converged, fit.iterations, fit.log, \
        list(pooled.log)


def _fit_gamma(X, y, g, off, maxiter, on_it, has_cons, names):
    from hlmshell.models.glm import constant_only, fit_glm
    from hlmshell.models.xt_gamma import fit_gamma
    b0 = np.zeros(X.shape[1])
    if has_cons and "_cons" in names:      # the pooled log starts from the constant-only fit
        b0[names.index("_cons")] = constant_only(y, "poisson", "log", 1.0, off)
    pooled = fit_glm(X, y, "poisson", "log", 1.0, off, b0=b0, maxiter=300)
    fit = fit_gamma(X, y, g, off, beta0=pooled.b, lnalpha0=0.0, maxiter=maxiter,
                    on_iteration=on_it)
    return fit.b, fit.V, fit.ll, float(pooled.ll), fit.converged, fit.iterations, fit.log, \
        list(pooled.log)


# ------------------------------------------------------------------------------ display
def output(result, level: float, eform: bool, log: bool = True) -> XtOutput:
    from scipy.special import ndtri
    from hlmshell.commands.glm_cmds import fixed_rows
    from hlmshell.render.glm import CoefTable, GLMLog
    s, m, model = result.scalars, result.macros, result.model
    b = result.matrices["b"].values.ravel()
    V = result.matrices["V"].values
    k = len(model.names)
    out = XtOutput()
    if log:
        first = {"Gamma": "Fitting Poisson model:",
                 "Beta": "Fitting negative binomial (constant dispersion) model:"}.get(
            model.distrib, "Fitting comparison model:")
        out.log = GLMLog([(first, [(f"Iteration {i}", v) for i, v in enumerate(model.glm_log)]),
                          ("Fitting full model:",
                           [(f"Iteration {i}", v) for i, v in enumerate(model.log)])],
                         "log likelihood", bool(s.get("converged", 1)))
    out.header = XtHeader(m["title"], int(s["N"]), m["ivar"], int(s["N_g"]), int(s["g_min"]),
                          s["g_avg"], int(s["g_max"]), m["distrib"], m.get("intmethod"),
                          int(s.get("n_quad", 0)), int(s["df_m"]), s["chi2"], s["p"], s["ll"])
    title = "Coefficient"
    if eform:
        title = "Odds ratio" if result.cmd == "xtlogit" else \
            ("IRR" if result.cmd in ("xtpoisson", "xtnbreg") else "exp(b)")
    rows = fixed_rows(model.names, model.omitted, b[:k], V[:k, :k], level, transform=eform)
    z = float(ndtri(0.5 + level / 200))
    est = float(b[k])
    se = math.sqrt(V[k, k]) if V[k, k] >= 0 else math.nan
    lo, hi = est - z * se, est + z * se
    if model.distrib == "Beta":
        aux, trans = [], []
        for j, nm in ((k, "ln_r"), (k + 1, "ln_s")):
            e_ = float(b[j])
            se_ = math.sqrt(V[j, j]) if V[j, j] >= 0 else math.nan
            lo_, hi_ = e_ - z * se_, e_ + z * se_
            aux.append(RERow(f"/{nm} ", e_, se_, lo_, hi_))
            trans.append(RERow(f"{nm[-1]} ", _exp(e_), _exp(e_) * se_, _exp(lo_), _exp(hi_)))
        what = "vs. pooled"
    elif model.distrib == "Gamma":
        aux = [RERow("/lnalpha ", est, se, lo, hi)]
        f = _exp
        trans = [RERow("alpha ", f(est), f(est) * se, f(lo), f(hi))]
        what = "alpha"
    else:
        aux = [RERow("/lnsig2u ", est, se, lo, hi)]
        su = lambda x: _exp(0.5 * x)
        trans = [RERow("sigma_u ", su(est), 0.5 * su(est) * se, su(lo), su(hi))]
        c = {"xtlogit": math.pi ** 2 / 3, "xtprobit": 1.0,
             "xtcloglog": math.pi ** 2 / 6}.get(result.cmd)
        if c is not None:
            def r(x):       # rho = e^x / (c + e^x); its derivative is rho (1 - rho)
                with np.errstate(all="ignore"):
                    return float(1.0 / (1.0 + c * np.exp(-x)))
            rho = r(est)
            trans.append(RERow("rho ", rho, rho * (1 - rho) * se, r(lo), r(hi)))
            what = "rho"
        else:
            what = "sigma_u"
    table = CoefTable(m["depvar"], rows, level, title, "", aux, [])
    out.table = XtTable(table, trans)
    if eform and model.has_cons:
        what_cons = {"Odds ratio": "odds", "IRR": "incidence rate"}.get(title)
        if what_cons:
            out.table_notes.append(f"Note: _cons estimates baseline {what_cons} "
                                   "(conditional on zero random effects).")
    if "ll_c" in s:
        p = 1.0 if s["chi2_c"] == 0 else 0.5 * _chi2_sf1(s["chi2_c"])
        out.lrtest = lr_line(what if what == "vs. pooled" else f"of {what}=0", s["chi2_c"], p)
    if not s.get("converged", 1):
        out.footnotes.append("Warning: convergence not achieved")
    return out


def _exp(x: float) -> float:
    """exp that runs off to inf (shown as missing) instead of raising, for estimates
    that ran off to a boundary."""
    return math.exp(x) if x < 709 else math.inf


def _chi2_sf1(x: float) -> float:
    from scipy.special import chdtrc
    return float(chdtrc(1, x))


def _register(name, help_text, doc):
    def handler(session, args):
        return _run(session, args, name)
    handler.__doc__ = doc
    handler.__name__ = name
    command(name, abbrev=name, syntax=SYNTAX[name], help=help_text)(handler)
    ec.REPLAY[name] = lambda result: output(result, 95, False, log=False)
    if name == "xtlogit":
        from hlmshell.commands.xt_fe import output_fe
        ec.REPLAY["clogit"] = lambda result: output_fe(result, 95, False, log=False)
    return handler


_OPTS = ("intmethod(mvaghermite|aghermite|ghermite) intpoints(#) noconstant offset(varname) "
         "level(#) nolog iterate(#)\n")
xtlogit = _register("xtlogit", "random-effects and conditional fixed-effects logit models",
                    "xtlogit depvar [indepvars] [if] [in] [, re | fe  or options]\n"
                    "        fe: the conditional logit (no intmethod(), intpoints())\n"
                    "        options: " + _OPTS)
xtprobit = _register("xtprobit", "random-effects probit models",
                     "xtprobit depvar [indepvars] [if] [in] [, re options]\n"
                     "        options: " + _OPTS)
xtcloglog = _register("xtcloglog", "random-effects complementary log-log models",
                      "xtcloglog depvar [indepvars] [if] [in] [, re eform options]\n"
                      "        options: " + _OPTS)
xtnbreg = _register(
    "xtnbreg", "random-effects negative binomial models",
    "xtnbreg depvar [indepvars] [if] [in] [, re irr exposure(varname) options]\n"
    "        beta-distributed random effects (Hausman, Hall and Griliches)\n"
    "        options: noconstant offset(varname) level(#) nolog iterate(#)\n")
xtpoisson = _register(
    "xtpoisson", "random-effects Poisson models",
    "xtpoisson depvar [indepvars] [if] [in] [, re irr exposure(varname) normal options]\n"
    "        gamma random effects by default; normal: Gaussian effects by quadrature\n"
    "        options: " + _OPTS)

from hlmshell.postest import predict_xt  # noqa: E402,F401  (registers predict's statistics)
