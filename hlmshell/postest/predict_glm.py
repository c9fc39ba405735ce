"""`predict` after logit/probit/poisson (GLMModel) and after the me* commands (MEModel).

commands/predict.py hands over when `handles(result)`; the fixed part's X is rebuilt from
e(b)'s names for the data in memory (models/xb.design_from_names), so predictions are made
for every observation with the covariates (out of sample too), as Stata's.
"""
from __future__ import annotations

import numpy as np

from hlmshell.errors import StataError
from hlmshell.postest.predict import storage_type

# raw option words -> (full name, minimum abbreviation)
_WORDS = (("pr", "pr"), ("mu", "mu"), ("eta", "eta"), ("n", "n"), ("ir", "ir"),
          ("nooffset", "nooff"), ("fixedonly", "fixed"), ("conditional", "cond"),
          ("ebmeans", "ebmean"), ("ebmodes", "ebmode"), ("marginal", "marg"),
          ("density", "den"), ("distribution", "dist"), ("scores", "sc"),
          ("intpoints", "intp"),
          ("pearson", "pea"), ("deviance", "dev"), ("anscombe", "ans"))
_ME_ONLY = {"marginal", "density", "distribution", "scores", "pearson", "deviance", "anscombe",
            "intpoints"}
_SPEC_KNOWN = {"xb", "stdp", "reffects", "reses"}


def handles(result) -> bool:
    from hlmshell.estimates.glm import GLMModel
    from hlmshell.estimates.me import MEModel
    return isinstance(result.model, (GLMModel, MEModel))


def _options(args, me: bool) -> dict:
    out = {}
    for key, value in args.options.items():
        if key == "reses" and value is not True and me:   # reffects reses(stub*|newvars)
            if not str(value).split():
                raise StataError(198, "option reses() required")
            out["reses_names"] = str(value).split()
            continue
        if key in _SPEC_KNOWN:
            out[key] = value
            continue
        low = key.lower()
        full = next((f for f, m in _WORDS if f.startswith(low) and len(low) >= len(m)), None)
        if full is None or (full in _ME_ONLY and not me):
            shown = f"{key}()" if value is not True else key
            raise StataError(198, f"option {shown} not allowed")
        if full in ("conditional", "intpoints") and value is True:
            raise StataError(198, f"option {full}() required")
        if full == "intpoints":
            try:
                k = float(value)
            except ValueError:
                k = 0.0
            if k != int(k) or not 1 <= k <= 128:
                raise StataError(198, "intpoints() must be an integer between 1 and 128")
            out[full] = int(k)
            continue
        if full != "conditional" and value is not True:
            raise StataError(198, f"option {full}() not allowed")
        out[full] = value
    return out


def _xb(session, model, nooffset: bool) -> np.ndarray:
    from hlmshell.models.xb import design_from_names

    def get(v):
        if session.data.is_string(v):
            raise StataError(109, "type mismatch")
        return session.data.column(v)

    try:
        X = design_from_names(model.names, get, session.data.nobs)
    except KeyError as err:
        raise StataError(111, f"variable {err.args[0]} not found") from None
    xb = X @ np.asarray(model.b[: len(model.names)], dtype=float)
    return xb, X, _offset(session, model) if not nooffset else 0.0


def _offset(session, model):
    text = model.offset
    if not text:
        return 0.0
    if text.startswith("ln("):
        x = np.asarray(session.data.column(text[3:-1]), dtype=float)
        with np.errstate(all="ignore"):
            return np.where(x > 0, np.log(x), np.nan)
    return np.asarray(session.data.column(text), dtype=float)


def predict_glm(session, args, result, new_names, missing_note):
    from hlmshell.estimates.me import MEModel
    from hlmshell.models.families import mean
    model = result.model
    me = isinstance(model, MEModel)
    opts = _options(args, me)
    stats = [s for s in ("pr", "mu", "eta", "n", "ir", "xb", "stdp", "reffects", "reses",
                         "density", "distribution", "pearson", "deviance", "anscombe",
                         "scores") if opts.get(s)]
    if len(stats) > 1:
        raise StataError(198, "only one statistic may be specified")
    count = model.family in ("poisson", "nbinomial")
    default = ("mu" if me else ("n" if count else "pr"))
    stat = stats[0] if stats else default
    allowed = {"pr", "mu", "eta", "xb", "stdp", "reffects", "reses", "density",
               "distribution", "pearson", "deviance", "anscombe", "scores"} if me else \
        ({"n", "ir", "xb", "stdp"} if count else {"pr", "xb", "stdp"})
    if me and stat == "pr" and model.family != "bernoulli":      # meglm_p's rule
        raise StataError(198, f"statistic pr not available with {model.family} family")
    if stat not in allowed:
        raise StataError(198, f"option {stat} not allowed")
    if opts.get("reses_names") and stat != "reffects":
        raise StataError(198, "option reses() requires option reffects")
    cond = "ebmeans"
    if opts.get("fixedonly"):
        cond = "fixedonly"
    if opts.get("ebmodes"):
        cond = "ebmodes"
    if "conditional" in opts:
        word = str(opts["conditional"]).strip().lower()
        cond = next((f for f in ("ebmeans", "ebmodes", "fixedonly") if word and f.startswith(word)),
                    None)
        if cond is None:
            raise StataError(198, f"conditional({opts['conditional']}) invalid")
    marg = bool(opts.get("marginal"))
    if marg:
        if "conditional" in opts or opts.get("ebmodes") or opts.get("fixedonly"):
            raise StataError(198, "options marginal and conditional() may not be combined")
        if stat not in ("mu", "pr", "density", "distribution"):
            raise StataError(198, f"option marginal not allowed with {stat}")
    words = args.anything.split()
    stype = storage_type(session, words)
    if not words:
        raise StataError(100, "varlist required")
    touse = args.touse(session)
    messages = []
    if not stats:
        messages.append({"mu": "(option mu assumed)", "n": "(option n assumed; predicted "
                         "number of events)", "pr": f"(option pr assumed; Pr({model.depvar}))"}
                        [stat])
    if stat == "scores":
        return _scores(session, result, words, stype, touse, new_names, missing_note)
    if stat in ("reffects", "reses"):
        if not me:
            raise StataError(198, f"option {stat} not allowed")
        kind = "ebmodes" if cond == "ebmodes" else "ebmeans"
        lv = model.levels[0]
        cols = model.re_columns() if hasattr(model, "re_columns") else \
            [(e, lv.groupvar) for e in lv.effects]        # all levels (estimates/me_levels)
        jobs = [(stat, new_names(session, words, len(cols)))]
        if opts.get("reses_names"):       # reses() takes the reffects variables' type
            jobs.append(("reses", new_names(session, opts["reses_names"], len(cols))))
            if set(jobs[0][1]) & set(jobs[1][1]):
                raise StataError(110, f"{sorted(set(jobs[0][1]) & set(jobs[1][1]))[0]} "
                                      "already defined")
        what = "means" if kind == "ebmeans" else "modes"
        if stat == "reffects":
            messages.append(f"(calculating posterior {what} of random effects)")
        for which, names in jobs:
            block = model.reffects(kind) if which == "reffects" else model.reses(kind)
            head = f"empirical Bayes' {what} for" if which == "reffects" else \
                f"S.E. of empirical Bayes' {what} for"
            for k, (name, (eff, tag)) in enumerate(zip(names, cols)):
                values = np.where(touse, block[:, k], np.nan)
                session.data.add(name, values, stype, label=f"{head} {eff}[{tag}]")
                note = missing_note(session.data.column(name))
                if note:
                    messages.append(note)
        return "\n".join(messages) or None

    name = new_names(session, words, 1)[0]
    xb, X, off = _xb(session, model, bool(opts.get("nooffset")))
    if stat == "xb":
        values, label = xb, "Linear prediction" + (", fixed portion only" if me else "")
    elif stat == "stdp":
        k = len(model.names)
        V = np.asarray(model.V)[:k, :k]
        values = np.sqrt(np.einsum("ij,jk,ik->i", X, V, X))
        label = "S.E. of the prediction" + (", fixed portion only" if me else "")
    elif marg:
        from hlmshell.postest.predict_me import marginal, outcome
        y = outcome(session, model)
        n = _trials(session, model) if model.family == "binomial" else 1.0
        values = marginal(model, stat, xb + off, y, n, opts.get("intpoints"))
        label = {"density": "Marginal predicted density",
                 "distribution": "Marginal predicted distribution function"}.get(
            stat, f"Marginal Pr({model.depvar})" if model.family == "bernoulli"
            else f"Marginal predicted mean, {model.depvar}")
    else:
        eta = xb + off
        if me and cond != "fixedonly":
            u = model.reffects("ebmodes" if cond == "ebmodes" else "ebmeans")
            eta = eta + np.sum(model.Z_all * u, axis=1)
            based = "posterior means" if cond == "ebmeans" else "posterior modes"
            messages.append(f"(predictions based on fixed effects and {based} of random "
                            "effects)")     # meglm_p prints it for eta too; not for fixedonly
        if stat in ("density", "distribution", "pearson", "deviance", "anscombe"):
            values, label = _at_mean(session, model, stat, eta)
        elif stat == "eta":
            values, label = eta, "Fitted linear predictor"
        elif stat == "ir":
            values, label = np.exp(xb), "Predicted incidence rate"
        elif stat == "n":
            values, label = np.exp(eta), "Predicted number of events"
        else:
            values = mean(model.link, eta)
            if me and stat == "mu" and model.family == "binomial":
                values = values * _trials(session, model)
            label = f"Pr({model.depvar})" if stat == "pr" or model.family == "bernoulli" \
                else f"Predicted mean, {model.depvar}"
            if me and stat == "mu" and count:
                label = f"Predicted mean, {model.depvar}"
    values = np.where(touse, np.asarray(values, dtype=float), np.nan)
    session.data.add(name, values, stype, label=label)
    note = missing_note(session.data.column(name))
    if note:
        messages.append(note)
    return "\n".join(messages) or None


def _at_mean(session, model, stat, eta):
    """Densities, distribution functions and residuals at the conditional mean."""
    from hlmshell.models.families import mean
    from hlmshell.postest.predict_me import LABELS, _alpha, outcome, pmf_cdf, residual
    y = outcome(session, model)
    n = _trials(session, model) if model.family == "binomial" else 1.0
    mu = mean(model.link, eta)
    if stat in ("density", "distribution"):
        dens, cdf = pmf_cdf(model, y, mu, n, _alpha(model))
        return (dens if stat == "density" else cdf), LABELS[stat]
    return residual(model, stat, y, mu, n), LABELS[stat]


def _scores(session, result, words, stype, touse, new_names, missing_note):
    from hlmshell.postest.predict_me import scores
    cols = result.matrices["b"].colnames
    names = new_names(session, words, len(cols))
    S, last = scores(result.model, cols)
    messages = []
    for j, name in enumerate(names):
        values = np.full(session.data.nobs, np.nan)
        values[last] = S[:, j]
        values = np.where(touse, values, np.nan)
        session.data.add(name, values, stype, label=f"score for _b[{cols[j]}]")
        note = missing_note(session.data.column(name))
        if note:
            messages.append(note)
    return "\n".join(messages) or None


def _trials(session, model):
    try:
        return float(model.trials)
    except (TypeError, ValueError):
        return np.asarray(session.data.column(str(model.trials).strip()), dtype=float)
