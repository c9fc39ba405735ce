"""`glm`: generalized linear models ([R] glm) on models/glm_general.py.

parse (syntax/mixed_call with glm's options) → family/link → estimation sample and design
(glm_estimate.build) → Newton on the observed information (`ml`, the default) or IRLS on
the expected one (`irls`) → scale → EstimationResult (estimates/glm_general.py) → header
(render/glm_general.py) and the coefficient table of logit/poisson (render/glm.py).
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import ResultError, StataError

OPTIONS = (("family", "f", "string", False), ("link", "l", "string", False),
           ("offset", "offset", "string", False), ("exposure", "exp", "string", False),
           ("eform", "eform", None, True), ("irls", "irls", None, False),
           ("scale", "scale", "string", False), ("vce", "vce", "string", False),
           ("disp", "disp", "string", False), ("asis", "asis", None, False))
ALLOWED = {"nolog", "log", "level", "iterate", "noheader", "ml"}
# family words: (full, minimum abbreviation), as glm.ado's MapFam (unknown words would
# name a user-written family program there)
_FAMILIES = (("gaussian", "gau"), ("normal", "n"), ("binomial", "b"), ("bernoulli", "b"),
             ("poisson", "p"), ("gamma", "gam"), ("igaussian", "ig"), ("inormal", "in"),
             ("ivg", "ivg"), ("nbinomial", "nb"))
# links, as MapLink: checked in this order (`log` exactly; `l`, `lo` are logit)
_LINKS = (("identity", "i"), ("reciprocal", "r"), ("log", "log!"), ("power", "pow"),
          ("opower", "opo"), ("logit", "l"), ("nbinomial", "nb"), ("logc", "logc!"),
          ("loglog", "logl"), ("cloglog", "c"), ("probit", "p"))
# family × link pairs glm.ado calls nonstandard: fitted, but a failure is reported as
# r(459) "data not suitable for nonstandard family-link combination"
_BINARYISH = {"logit", "nbinomial", "logc", "loglog", "cloglog", "probit", "opower"}


def nonstandard(family: str, link: str) -> bool:
    if family in ("gaussian", "poisson", "gamma", "igaussian"):
        return link in _BINARYISH
    if family in ("bernoulli", "binomial"):
        return link == "nbinomial"
    if family == "nbinomial":
        return link in _BINARYISH - {"nbinomial"}
    return False


def _match(word: str, table):
    w = word.lower()
    for full, short in table:
        if short.endswith("!"):
            if w == full:
                return full
        elif w and full.startswith(w) and len(w) >= len(short):
            return full
    return None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_family(text: str | None, session):
    """family(...) → (name, binomial trials: 1, a number or a variable; nbinomial k)."""
    if not text or not text.strip():
        return "gaussian", 1.0, 1.0
    words = text.split()
    name = _match(words[0], _FAMILIES)
    if name is None:    # glm.ado would run a program of that name
        raise StataError(199, f"command {words[0]} is unrecognized")
    name = {"normal": "gaussian", "inormal": "igaussian", "ivg": "igaussian",
            "bernoulli": "binomial"}.get(name, name)
    arg = words[1:]
    if len(arg) > 1 or (arg and name not in ("binomial", "nbinomial")):
        raise StataError(198, f"family({text.strip()}) invalid")
    if name == "nbinomial":
        if not arg:
            return name, 1.0, 1.0
        if arg[0].lower() == "ml":
            raise StataError(198, "option family(nbinomial ml) not allowed")
        k = _number(arg[0])
        if k is None:
            raise StataError(7, f"'{arg[0]}' found where number expected")
        if not k > 0:
            raise StataError(198, f"{arg[0]} in family(nbinomial {arg[0]}) invalid")
        return name, 1.0, k
    if name == "binomial" and arg:
        k = _number(arg[0])
        if k is not None:
            if not 1 <= k < 8.988e307:     # a noninteger gets a note (check_outcome)
                raise StataError(198, f"{arg[0]} in family(binomial {arg[0]}) invalid")
            return ("bernoulli" if k == 1 else "binomial"), k, 1.0
        from hlmshell.syntax.factor import resolver_for
        var = resolver_for(session.data.names)(arg[0])
        if session.data.is_string(var):
            raise StataError(109, "type mismatch")
        return "binomial", var, 1.0
    return ("bernoulli" if name == "binomial" else name), 1.0, 1.0


def parse_link(text: str | None, family: str):
    """link(...) → (name, argument); the family's default link without it."""
    from hlmshell.models.glm_general import CANONICAL
    if not text or not text.strip():
        return CANONICAL[family]
    words = text.split()
    if len(words) > 2:
        raise StataError(198, f"link({text.strip()}) invalid")
    name = _match(words[0], _LINKS)
    if name is None:    # glm.ado would run a program of that name
        raise StataError(199, f"command {words[0]} is unrecognized")
    if name in ("power", "opower"):
        a = _number(words[1]) if len(words) == 2 else None
        if a is None:
            raise StataError(198, f"invalid # in link({name} #)")
        if name == "power" and a == 1:
            return "identity", None
        if name == "power" and a == 0:
            return "log", None
        if name == "opower" and a == 0:
            return "logit", None
        return name, a
    if len(words) > 1:
        raise StataError(198, f"link({text.strip()}) invalid")
    if name == "reciprocal":
        return "power", -1.0
    return name, None


def parse_scale(text: str | None):
    """scale(x2 | dev | #) → ("x2"|"dev"|"value", value); None for the family's default."""
    if text is None:
        return None
    t = text.strip()
    if t == "x2":
        return ("x2", None)
    if t == "dev":
        return ("dev", None)
    v = _number(t)
    if v is None:
        raise StataError(198, "invalid scale()")
    if not v > 0:
        raise StataError(198, "scale(#) must be positive")
    return ("value", v)


def check_outcome(y, family, n, depvar, trials) -> list[str]:
    """glm.ado's glim_v# checks of the outcome (r(499)) and its notes on noninteger
    values. Gamma has none there; y <= 0 is refused here (its deviance has ln y)."""
    notes = []
    if family in ("bernoulli", "binomial"):
        if isinstance(trials, str) and np.any(n <= 0):
            raise StataError(499, f"{trials} has nonpositive values")
        if isinstance(trials, str) and np.any(n != np.floor(n)):
            notes.append(f"note: {trials} has noninteger values")
        elif not isinstance(trials, str) and float(trials) != int(float(trials)):
            notes.append(f"note: {_num_text(trials)} is a noninteger")
    if family in ("bernoulli", "binomial", "poisson", "nbinomial", "igaussian") and \
            np.any(y < 0):
        raise StataError(499, f"dependent variable {depvar} has negative values")
    if family in ("bernoulli", "binomial") and np.any(y > n):
        m = trials if isinstance(trials, str) else _num_text(trials)
        raise StataError(499, f"{depvar} > {m} in some cases")
    if family in ("bernoulli", "binomial", "poisson", "nbinomial") and \
            np.any(y != np.floor(y)):
        notes.append(f"note: {depvar} has noninteger values")
    if family == "gamma" and np.any(y <= 0):            # unconfirmed wording
        raise StataError(459, f"{depvar} must be greater than zero")
    if family == "igaussian" and np.any(y == 0):         # unconfirmed wording
        raise StataError(459, f"{depvar} must be greater than zero")
    return notes


def _num_text(x) -> str:
    from hlmshell.render.formats import fmt
    return fmt(float(x), "%9.0g").strip()


def estimate(session, call):
    from hlmshell.commands.glm_cmds import parse_vce
    from hlmshell.commands.glm_estimate import build, offset_column, sandwich
    from hlmshell.estimates.glm_general import glm_general_result
    from hlmshell.estimates.results import data_signature
    from hlmshell.models import ModelError
    from hlmshell.models.glm_general import SCALED, Family, Link, fit
    from hlmshell.syntax.factor import resolver_for
    family, trials, k = parse_family(call.extra.get("family"), session)
    link, larg = parse_link(call.extra.get("link"), family)
    # the header shows power/opower/nbinomial-link arguments as typed (glim_l04, l11, l12)
    fwords = (call.extra.get("family") or "").split()
    lwords = (call.extra.get("link") or "").split()
    argtext = lwords[1] if link in ("power", "opower") and len(lwords) == 2 else None
    if link == "nbinomial":
        larg = k        # the link's k is the family's (1 outside family(nbinomial))
        argtext = fwords[1] if family == "nbinomial" and len(fwords) == 2 else "1"
    scale = parse_scale(call.extra.get("scale"))
    if call.extra.get("disp") is not None:
        raise StataError(198, "option disp() not allowed")
    irls = bool(call.extra.get("irls"))
    if irls and "ml" in call.options.given:
        raise StataError(198, "ml and irls options may not be combined")
    if not call.fixed and not call.constant:
        raise StataError(100, "independent variables required with noconstant option")
    resolve = resolver_for(session.data.names)
    vtext = (call.extra.get("vce") or "").strip().lower()
    info = None
    if vtext in ("oim", "eim"):        # the information inverted: ml OIM, irls EIM by default
        info, vtext = vtext, ""
    vce, clustvar = parse_vce(vtext or None, resolve)
    if scale is not None:
        if vce != "oim":
            raise StataError(198, "cannot use scale() with alternate variances")
        if scale[0] == "dev" and not irls:
            raise StataError(198, "option scale(dev) allowed only with option irls")
    offset, offname = offset_column(session, call)
    if session.data.is_string(call.depvar):
        raise StataError(109, "type mismatch")
    y_all = np.asarray(session.data.column(call.depvar), dtype=float)
    n_all = None
    if isinstance(trials, str):
        n_all = np.asarray(session.data.column(trials), dtype=float)
    clus = clus_nan = None
    if clustvar:
        clus = np.asarray(session.data.column(clustvar))
        miss = np.array([v == "" for v in clus]) if clus.dtype == object else \
            np.isnan(clus.astype(float))
        clus_nan = np.where(miss, np.nan, 0.0)
    design, variables = build(session, call, y_all, (offset, clus_nan, n_all))
    if isinstance(trials, str) and trials not in variables:
        variables = variables + [trials]
    y, X = design.y, design.X
    if len(y) == 0:
        raise StataError(2000, "no observations")
    if len(y) == 1:
        raise StataError(2001, "insufficient observations")
    n = n_all[design.rows] if n_all is not None else trials
    notes = check_outcome(y, family, n, call.depvar, trials)
    asis = bool(call.extra.get("asis"))
    if asis and family != "bernoulli":
        raise StataError(198, "option asis not allowed; option asis is only allowed with "
                              "family(binomial) with a denominator of 1")
    if family == "bernoulli" and not asis and np.all((y == 0) | (y == 1)):
        # a 0/1 outcome goes through logit's checks first (glm.ado: _rmcoll, logit)
        from hlmshell.commands.glm_cmds import outcome_varies, separation
        from hlmshell.commands.glm_estimate import drop_perfect_predictors
        names0 = list(design.fixed_names)
        separation(X, names0, design.omitted, y)
        notes += drop_perfect_predictors(design)
        y, X = design.y, design.X
        outcome_varies(y)
        separation(X, names0, design.omitted, y)
    off = offset[design.rows] if offset is not None else None
    fam, lnk = Family(family, n, k), Link(link, larg)
    nobs = len(y)
    keep = list(design.keep)
    df = nobs - len(keep)
    maxiter = call.options.iterate if call.options.iterate is not None else 300
    check = session.interrupt_check

    # the Gaussian likelihood's variance: scale(#) when given, else the ML deviance/N
    sig2 = scale[1] if scale is not None and scale[0] == "value" else None

    def ll_total(mu):
        dev = float(np.sum(fam.deviance(y, mu)))
        return float(np.sum(fam.loglik(y, mu, dev, nobs, sig2)))

    odd = nonstandard(family, link)
    try:
        with np.errstate(all="ignore"):
            res = fit(X, y, fam, lnk, off, "irls" if irls else "ml", maxiter,
                      on_iteration=(lambda i, v: check()) if check else None,
                      ll_of=None if irls else ll_total, info=info)
    except ModelError as err:
        if odd:
            raise StataError(459, "data not suitable for nonstandard family-link "
                                  "combination") from None
        raise StataError(err.code, err.message) from None
    if odd and not res.converged:
        raise StataError(459, "data not suitable for nonstandard family-link combination")
    # the scale: x2 by default for the families with one, 1 for the others
    how = scale or (("x2", None) if family in SCALED else ("one", None))
    if how[0] == "x2":
        phi = res.pearson / df if df > 0 else math.nan
    elif how[0] == "dev":
        phi = res.deviance / df if df > 0 else math.nan
    elif how[0] == "value":
        phi = how[1]
    else:
        phi = 1.0
    with np.errstate(all="ignore"):
        ll = ll_total(res.mu)
    V, n_clust = sandwich(res.V1, res.scores, vce, clus if clustvar else None, design.rows)
    if vce == "oim":
        V = V * phi
    names = list(design.fixed_names)
    kk = len(names)
    b_full, V_full = np.zeros(kk), np.zeros((kk, kk))
    b_full[keep] = res.b
    V_full[np.ix_(keep, keep)] = V
    sig = data_signature(variables, [session.data.column(v) for v in variables], design.sample)
    result = glm_general_result(
        fam=fam, lnk=lnk, trials=trials, depvar=call.depvar, names=names,
        omitted=np.asarray(design.omitted), b=b_full, V=V_full, fitres=res, ll=ll, phi=phi,
        scale=how, nobs=nobs, df=df, irls=irls, info=info, vce=vce, clustvar=clustvar,
        n_clust=n_clust,
        offset=offname, cmdline=f"glm {call.text.strip()}".strip(), sample=design.sample,
        sigvars=variables, datasignature=sig, has_cons=design.has_cons,
        dropped=design.dropped, binary=bool(np.all((y == 0) | (y == 1))), argtext=argtext)
    return result, res, notes


def output(result, level: float, eform: bool, log: bool = True, noheader: bool = False):
    from hlmshell.commands.glm_cmds import fixed_rows
    from hlmshell.render.glm import CoefTable, GLMLog, GLMOutput
    from hlmshell.render.glm_general import GLMLongHeader
    s, m, model = result.scalars, result.macros, result.model
    irls = m["opt"] == "irls"
    out = GLMOutput()
    if log:     # irls: `Iteration 1:   deviance = %9.0g`, from 1 (glm.ado's own loop)
        out.log = GLMLog([(None, [(f"Iteration {i}", v) for i, v in enumerate(model.log)
                                  if not (irls and i == 0)])],
                         "deviance" if irls else "log likelihood",
                         bool(s.get("converged", 1)), number="%9.0g" if irls else "%10.0g")
    if not noheader:
        crit = m.get("crittype", "log likelihood")
        out.header = GLMLongHeader(
            int(s["N"]), int(s["df"]), s["phi"], s["deviance"], s["deviance_p"],
            m["varfuncf"], m["varfunct"], m["linkf"], m["linkt"], s.get("aic"), s["bic"],
            s.get("ll"), opt1=m["opt1"], opt2=m["opt2"], crittype=crit[:1].upper() + crit[1:])
    if m.get("clustvar"):
        text = f"(Std. err. adjusted for {int(s['N_clust']):,} clusters in {m['clustvar']})"
        out.table_notes_before = [text.rjust(78)]
    title = "Coefficient"
    if eform:
        title = model.eform_title
    b = result.matrices["b"].values.ravel()
    V = result.matrices["V"].values
    rows = fixed_rows(model.names, model.omitted, b, V, level, transform=eform)
    out.table = CoefTable(m["depvar"], rows, level, title, m.get("vcetype", "OIM"))
    if m.get("msg"):
        out.table_notes.append(f"(Standard errors scaled using {m['msg']}.)")
    if m.get("msg2") and not eform:
        out.table_notes.append(f"{m['msg2']}.")
    return out


@command("glm", abbrev="glm", syntax="raw", help="generalized linear models")
def glm(session, args):
    """glm depvar [indepvars] [if] [in] [, family(familyname) link(linkname) noconstant exposure(varname) offset(varname) irls ml scale(x2|dev|#) vce(oim|robust|cluster clustvar) eform level(#) iterate(#) nolog noheader]
        familyname: gaussian | igaussian | binomial [#|varname] | poisson | nbinomial [#] | gamma
        linkname: identity | log | logit | probit | cloglog | power # | opower # | nbinomial | loglog | logc
    """
    from hlmshell.commands.glm_cmds import single_equation
    call, level, replayed = single_equation(session, args.body, "glm", OPTIONS, ALLOWED)
    eform = bool(call.extra.get("eform"))
    if replayed is not None:
        return output(replayed, level, eform, log=False)
    result, res, notes = estimate(session, call)
    session.estimates.post(result)
    out = output(result, level, eform, log=call.options.log, noheader=call.options.noheader)
    out.notes = notes + [f"note: {nm} omitted because of collinearity."
                         for nm in result.model.dropped]
    if not res.converged:
        raise ResultError(430, "convergence not achieved", output=out)
    return out
