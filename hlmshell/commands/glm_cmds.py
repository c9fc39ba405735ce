"""`logit`, `probit`, `poisson`: single-level GLMs by maximum likelihood.

parse (syntax/mixed_call with the commands' own options; no `||`) → estimation sample →
models.design for X (factor variables, Stata's column names) → models.glm.fit_glm →
EstimationResult (estimates/glm.py) → display objects (render/glm.py).
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import ResultError, StataError
from hlmshell.render.mixed import FixedRow

TITLES = {"logit": "Logistic regression", "logistic": "Logistic regression",
          "probit": "Probit regression", "poisson": "Poisson regression"}
FAMILY = {"logit": ("bernoulli", "logit"), "logistic": ("bernoulli", "logit"),
          "probit": ("bernoulli", "probit"), "poisson": ("poisson", "log")}
# options beyond mixed_call's: (name, minimum abbreviation, argument, allowed on replay)
OPTIONS = {
    "logit": (("offset", "offset", "string", False), ("or", "or", None, True),
              ("vce", "vce", "string", False), ("asis", "asis", None, False)),
    "logistic": (("offset", "offset", "string", False), ("coef", "coef", None, True),
                 ("vce", "vce", "string", False), ("asis", "asis", None, False)),
    "probit": (("offset", "offset", "string", False), ("vce", "vce", "string", False),
               ("asis", "asis", None, False)),
    "poisson": (("offset", "offset", "string", False), ("exposure", "exp", "string", False),
                ("irr", "irr", None, True), ("vce", "vce", "string", False)),
}
# mixed_call's own options that these commands take; any other is refused
ALLOWED = {"nolog", "log", "level", "iterate", "noheader"}


def parse_call(session, body: str, name: str, extra):
    from hlmshell.syntax.factor import resolver_for
    from hlmshell.syntax.mixed_call import parse_mixed
    resolve = resolver_for(session.data.names) if session.data.names else None
    return parse_mixed(body, resolve, extra)


def single_equation(session, body: str, name: str, extra, allowed):
    """The shared start of logit/probit/poisson/logistic/glm/nbreg: the parsed call, the
    confidence level, and the active result when the command only replays it (else None)."""
    call = parse_call(session, body, name, extra)
    if call.levels:
        raise StataError(198, "invalid syntax")
    refuse_options(call, allowed)
    if call.weight:     # not implemented: the fit would weigh nothing (it used to, silently)
        raise StataError(101, "weights not allowed")
    level = call.options.level if call.options.level is not None else \
        float(session.settings.get("level", 95))
    if call.replay:
        result = session.estimates.active
        if result is None or result.cmd != name:
            raise StataError(301, "last estimates not found")
        return call, level, result
    if not session.data.names:
        raise StataError(111, "no variables defined")
    return call, level, None


def refuse_options(call, allowed) -> None:
    from hlmshell.syntax.mixed_call import option_label
    for opt in call.options.given:
        if opt not in allowed and opt not in call.extra:
            raise StataError(198, f"option {option_label(opt)} not allowed")


def parse_vce(text: str | None, resolve) -> tuple[str, str | None]:
    """vce(oim | robust | cluster clustvar) → (kind, clustvar)."""
    if text is None:
        return "oim", None
    words = text.split()
    if not words:
        raise StataError(198, "vcetype  not allowed")
    w = words[0].lower()
    if "oim".startswith(w) and len(words) == 1 and w:
        return "oim", None
    if len(w) >= 1 and "robust".startswith(w) and len(words) == 1:
        return "robust", None
    if len(w) >= 2 and "cluster".startswith(w):
        if len(words) != 2:
            raise StataError(198, "invalid vce()")
        return "cluster", resolve(words[1]) if resolve else words[1]
    raise StataError(198, f"vcetype {words[0]} not allowed")


def binary_outcome(y: np.ndarray, depvar: str) -> np.ndarray:
    """Stata's rule for logit/probit/melogit: 0 is failure, any other nonmissing value success."""
    out = np.where(np.isnan(y), np.nan, (y != 0).astype(float))
    return out


def outcome_varies(y: np.ndarray) -> None:
    if len(y) and (np.all(y == 0) or np.all(y != 0)):
        raise StataError(2000, "outcome does not vary; remember:\n"
                               "                                  0 = negative outcome,\n"
                               "        all other nonmissing values = positive outcome")


def separation(X, names, omitted, y) -> None:
    """Complete separation by one covariate (Stata: `outcome = x > c predicts data
    perfectly`, r(2000)); separation by a combination shows up as non-convergence."""
    from hlmshell.render.formats import fmt
    keep = np.flatnonzero(~np.asarray(omitted, dtype=bool))
    for k, j in enumerate(keep):
        if names[j] == "_cons":
            continue
        x = X[:, k]
        x0, x1 = x[y == 0], x[y == 1]
        if not len(x0) or not len(x1):
            continue
        if x0.max() < x1.min():
            c = fmt(float(x0.max()), "%9.0g").strip()
            raise StataError(2000, f"outcome = {names[j]} > {c} predicts data perfectly")
        if x1.max() < x0.min():
            c = fmt(float(x1.max()), "%9.0g").strip()
            raise StataError(2000, f"outcome = {names[j]} <= {c} predicts data perfectly")


def fixed_rows(names, omitted, b, V, level, transform=None) -> list[FixedRow]:
    from scipy.special import ndtr, ndtri
    z = float(ndtri(0.5 + level / 200))
    rows = []
    for j, nm in enumerate(names):
        if omitted[j]:
            rows.append(FixedRow(nm, 0.0, math.nan, math.nan, math.nan, math.nan, math.nan,
                                 omitted="b." not in nm, base="b." in nm))
            continue
        est, se = float(b[j]), math.sqrt(max(float(V[j, j]), 0.0))
        zz = est / se if se > 0 else math.nan
        p = float(2 * ndtr(-abs(zz))) if se > 0 else math.nan
        lo, hi = est - z * se, est + z * se
        if transform:  # odds ratios / IRRs: exp(b), se by the delta method, exp of the CI
            with np.errstate(over="ignore"):
                e, elo, ehi = np.exp([est, lo, hi])
            est, se, lo, hi = float(e), float(e * se), float(elo), float(ehi)
        rows.append(FixedRow(nm, est, se, zz, p, lo, hi))
    return rows


def vce_title(kind: str) -> str:
    return "Robust" if kind in ("robust", "cluster") else ""


def _single(session, args, name):
    from hlmshell.commands.glm_estimate import estimate_glm, glm_output
    call, level, replayed = single_equation(session, args.body, name, OPTIONS[name], ALLOWED)
    eform = bool(call.extra.get("or") or call.extra.get("irr"))
    if name == "logistic":        # logit reported as odds ratios; `coef` shows logit's table
        eform = not call.extra.get("coef")
    if replayed is not None:
        return glm_output(replayed, level, eform, log=False)
    result, fit = estimate_glm(session, call, name)
    session.estimates.post(result)
    # logistic runs logit quietly: no iteration log (unless `log` is asked for)
    show_log = call.options.log if name != "logistic" else "log" in call.options.given
    out = glm_output(result, level, eform, log=show_log, noheader=call.options.noheader)
    out.notes = [f"note: {nm} omitted because of collinearity." for nm in result.model.dropped]
    out.notes += result.model.perfect
    if not fit.converged:
        raise ResultError(430, "convergence not achieved", output=out)
    return out


@command("logit", abbrev="logit", syntax="raw", help="logistic regression, reporting coefficients")
def logit(session, args):
    """logit depvar [indepvars] [if] [in] [, noconstant offset(varname) or vce(vcetype) level(#) nolog iterate(#)]
        vcetype: oim, robust, cluster clustvar
    """
    return _single(session, args, "logit")


@command("logistic", abbrev="logistic", syntax="raw",
         help="logistic regression, reporting odds ratios")
def logistic(session, args):
    """logistic depvar [indepvars] [if] [in] [, noconstant offset(varname) coef vce(vcetype) level(#) log iterate(#)]
        vcetype: oim, robust, cluster clustvar
    """
    return _single(session, args, "logistic")


@command("probit", abbrev="probit", syntax="raw", help="probit regression")
def probit(session, args):
    """probit depvar [indepvars] [if] [in] [, noconstant offset(varname) vce(vcetype) level(#) nolog iterate(#)]"""
    return _single(session, args, "probit")


@command("poisson", abbrev="poisson", syntax="raw", help="Poisson regression")
def poisson(session, args):
    """poisson depvar [indepvars] [if] [in] [, noconstant exposure(varname) offset(varname) irr vce(vcetype) level(#) nolog iterate(#)]"""
    return _single(session, args, "poisson")

