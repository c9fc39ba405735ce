"""`melogit`, `meprobit`, `mecloglog`, `mepoisson`, `menbreg`, `meglm`: two-level GLMMs.

The random-effects syntax is `mixed`'s (syntax/mixed_call: `|| id: [slopes] [, cov()
noconstant]`); the fit is models/glmm_fit (adaptive Gauss–Hermite quadrature or Laplace);
e() is estimates/glm.me_result; the display reuses render/glm.
"""
from __future__ import annotations

from hlmshell.commands.registry import command
from hlmshell.errors import ResultError, StataError

# command -> (family, link, title, model word of the LR test)
COMMANDS = {
    "melogit": ("bernoulli", "logit", "Mixed-effects logistic regression", "logistic"),
    "meprobit": ("bernoulli", "probit", "Mixed-effects probit regression", "probit"),
    "mecloglog": ("bernoulli", "cloglog", "Mixed-effects cloglog regression", "cloglog"),
    "mepoisson": ("poisson", "log", "Mixed-effects Poisson regression", "Poisson"),
    "menbreg": ("nbinomial", "log", "Mixed-effects nbinomial regression", "nbinomial"),
    "meglm": (None, None, "Mixed-effects GLM", None),
}
_COMMON = (("intmethod", "intm", "string", False), ("intpoints", "intp", "string", False),
           ("offset", "offset", "string", False), ("vce", "vce", "string", False))
OPTIONS = {
    "melogit": _COMMON + (("binomial", "binomial", "string", False), ("or", "or", None, True)),
    "meprobit": _COMMON + (("binomial", "binomial", "string", False),),
    "mecloglog": _COMMON + (("binomial", "binomial", "string", False),),
    "mepoisson": _COMMON + (("exposure", "exp", "string", False), ("irr", "irr", None, True)),
    "menbreg": _COMMON + (("exposure", "exp", "string", False), ("irr", "irr", None, True)),
    "meglm": _COMMON + (("exposure", "exp", "string", False), ("or", "or", None, True),
                        ("irr", "irr", None, True), ("family", "family", "string", False),
                        ("link", "link", "string", False)),
}
ALLOWED = {"nolog", "log", "level", "iterate", "noheader", "nofetable", "noretable",
           "nolrtest", "nogroup"}
INTMETHODS = ("mvaghermite", "mcaghermite", "ghermite", "laplace")
MAX_POINTS = 195


def intmethod(text: str | None) -> str:
    if text is None:
        return "mvaghermite"
    w = text.strip().lower()
    for full in INTMETHODS:
        if len(w) >= 2 and full.startswith(w):
            return full
    raise StataError(198, f"intmethod({text.strip()}) invalid")


def intpoints(text: str | None, method: str) -> int:
    if method == "laplace":
        if text is not None and text.strip() != "1":
            raise StataError(198, "option intpoints() not allowed with intmethod(laplace)")
        return 1
    if text is None:
        return 7
    try:
        k = float(text)
    except ValueError:
        k = -1.0
    if k != int(k) or not 1 <= k <= MAX_POINTS:
        raise StataError(198, f"intpoints() must be an integer between 1 and {MAX_POINTS}")
    return int(k)


def family_link(name: str, extra: dict) -> tuple[str, str]:
    fam, link = COMMANDS[name][:2]
    if name != "meglm":
        return fam, link
    ftext = (extra.get("family") or "gaussian").strip().lower()
    word = ftext.split()[0] if ftext.split() else ""
    if len(word) >= 2 and "bernoulli".startswith(word):
        fam = "bernoulli"
    elif len(word) >= 2 and "binomial".startswith(word):
        rest = ftext.split(None, 1)[1] if len(ftext.split()) > 1 else None
        fam = "binomial" if rest else "bernoulli"   # binomial with one trial
        if rest:
            extra["binomial"] = rest
    elif len(word) >= 3 and "poisson".startswith(word):
        fam = "poisson"
    elif len(word) >= 2 and "nbinomial".startswith(word):
        fam = "nbinomial"
        if len(ftext.split()) > 1 and ftext.split()[1] != "mean":
            raise StataError(198, "family(nbinomial constant) is not supported")
    elif word and "gaussian".startswith(word):
        raise StataError(198, "family(gaussian) is not supported here; fit linear mixed "
                              "models with mixed")
    else:
        raise StataError(198, f"family({ftext}) is not supported")
    links = {"bernoulli": ("logit", "probit", "cloglog"), "binomial": ("logit", "probit", "cloglog"),
             "poisson": ("log",), "nbinomial": ("log",)}[fam]
    ltext = extra.get("link")
    if ltext is None:
        return fam, links[0]
    lw = ltext.strip().lower()
    for full in links:
        if lw and full.startswith(lw):
            return fam, full
    raise StataError(198, f"link({ltext.strip()}) is not allowed with family({fam})")


def _me(session, args, name):
    from hlmshell.commands.glm_cmds import parse_call, refuse_options
    from hlmshell.commands.me_estimate import estimate_me, me_output
    call = parse_call(session, args.body, name, OPTIONS[name])
    refuse_options(call, ALLOWED)
    level = call.options.level if call.options.level is not None else \
        float(session.settings.get("level", 95))
    eform = bool(call.extra.get("or") or call.extra.get("irr"))
    if call.replay:
        result = session.estimates.active
        if result is None or result.macros.get("cmd2", result.cmd) != name:
            raise StataError(301, "last estimates not found")
        return me_output(result, call.options, level, eform, log=False)
    if not session.data.names:
        raise StataError(111, "no variables defined")
    if not call.levels:
        raise StataError(198, "random-effects equation required; for a model without "
                              "random effects use logit, probit or poisson")
    family, link = family_link(name, call.extra)
    method = intmethod(call.extra.get("intmethod"))
    crossed_note = None
    if any(getattr(lv, "factor", None) for lv in call.levels):    # me_multi.py
        if call.extra.get("intmethod") is not None and method != "laplace":
            raise StataError(198, f"intmethod({method}) not allowed with crossed random "
                                  "effects; only intmethod(laplace) is available for them")
        method = "laplace"
        crossed_note = "note: crossed random-effects model specified; option " \
                       "intmethod(laplace) implied."
    points = intpoints(call.extra.get("intpoints"), method)
    if points == 1 and method != "ghermite":
        method = "laplace"
    from hlmshell.commands.glm_cmds import parse_vce
    from hlmshell.syntax.factor import resolver_for
    vce = parse_vce(call.extra.get("vce"), resolver_for(session.data.names))
    result, fit = estimate_me(session, call, name, family, link, method, points, vce)
    session.estimates.post(result)
    out = me_output(result, call.options, level, eform, log=call.options.log)
    out.notes = [f"note: {nm} omitted because of collinearity." for nm in result.model.dropped]
    if crossed_note and call.extra.get("intmethod") is None:
        out.notes.insert(0, crossed_note)
    if not fit.converged:
        raise ResultError(430, "convergence not achieved", output=out)
    return out


@command("melogit", abbrev="melogit", syntax="raw",
         help="multilevel mixed-effects logistic regression")
def melogit(session, args):
    """melogit depvar fe_terms [if] [in] || levelvar: [varlist] [, re_options] [, options]
        re_options: covariance(identity|independent|exchangeable|unstructured) noconstant
        options: binomial(varname|#) offset(varname) or intmethod(mvaghermite|mcaghermite|ghermite|laplace)
                 intpoints(#) vce(oim|robust|cluster clustvar) level(#) nolog iterate(#)
                 nolrtest nogroup
    """
    return _me(session, args, "melogit")


@command("meprobit", abbrev="meprobit", syntax="raw",
         help="multilevel mixed-effects probit regression")
def meprobit(session, args):
    """meprobit depvar fe_terms [if] [in] || levelvar: [varlist] [, re_options] [, options]
        options: binomial(varname|#) offset(varname) intmethod() intpoints(#) vce(vcetype) level(#) nolog
    """
    return _me(session, args, "meprobit")


@command("mecloglog", abbrev="mecloglog", syntax="raw",
         help="multilevel mixed-effects complementary log-log regression")
def mecloglog(session, args):
    """mecloglog depvar fe_terms [if] [in] || levelvar: [varlist] [, re_options] [, options]
        options: binomial(varname|#) offset(varname) intmethod() intpoints(#) vce(vcetype) level(#) nolog
    """
    return _me(session, args, "mecloglog")


@command("mepoisson", abbrev="mepoisson", syntax="raw",
         help="multilevel mixed-effects Poisson regression")
def mepoisson(session, args):
    """mepoisson depvar fe_terms [if] [in] || levelvar: [varlist] [, re_options] [, options]
        options: exposure(varname) offset(varname) irr intmethod() intpoints(#) vce(vcetype) level(#) nolog
    """
    return _me(session, args, "mepoisson")


@command("menbreg", abbrev="menbreg", syntax="raw",
         help="multilevel mixed-effects negative binomial regression")
def menbreg(session, args):
    """menbreg depvar fe_terms [if] [in] || levelvar: [varlist] [, re_options] [, options]
        options: exposure(varname) offset(varname) irr intmethod() intpoints(#) vce(vcetype) level(#) nolog
    """
    return _me(session, args, "menbreg")


@command("meglm", abbrev="meglm", syntax="raw",
         help="multilevel mixed-effects generalized linear models")
def meglm(session, args):
    """meglm depvar fe_terms [if] [in] || levelvar: [varlist] [, re_options] [, options]
        options: family(bernoulli|binomial [varname|#]|poisson|nbinomial) link(logit|probit|cloglog|log)
                 exposure(varname) offset(varname) or irr intmethod() intpoints(#) vce(vcetype) level(#) nolog
    """
    return _me(session, args, "meglm")

