"""`predict [type] newvar(s) [if] [in] [, statistic relevel(levelvar)]` after `mixed`;
after regress and xtreg it dispatches to postest/predict.py (`predict_family`).

Statistics and variable labels: stata-reference.md section 7. New variables are `float`
unless `double` is typed; one variable per random effect for reffects/reses (`stub*` or a
list of names, levels outermost first, effects in table order).
"""
from __future__ import annotations

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.dataset.varlist import check_new_name
from hlmshell.errors import StataError
from hlmshell.postest.predict import storage_type

STATS = ("xb", "stdp", "fitted", "residuals", "rstandard", "reffects", "reses", "scores")
LABELS = {
    "xb": "Linear prediction, fixed portion",
    "stdp": "S.E. of the linear prediction, fixed portion",
    "fitted": "Fitted values: xb + Zu",
    "residuals": "Residuals",
    "rstandard": "Standardized residuals",
}


def _new_names(session, words: list[str], count: int | None) -> list[str]:
    """Expand `stub*` to stub1..stubN and check every name is new and valid."""
    if len(words) == 1 and words[0].endswith("*"):
        stub = words[0][:-1]
        if count is None:
            count = 1
        words = [f"{stub}{k}" for k in range(1, count + 1)]
    elif any("*" in w for w in words):
        raise StataError(198, "invalid syntax")
    if count is not None and len(words) != count:
        code = 102 if len(words) < count else 103
        if count == 1:
            raise StataError(code, "too many variables specified")
        raise StataError(code, f"you must specify {count} new variables")
    names = []
    for w in words:
        names.append(check_new_name(w, session.data.names + names))
    return names


def _missing_note(values: np.ndarray) -> str | None:
    k = int(np.isnan(values).sum())
    if not k:
        return None
    return f"({k:,} missing value{'s' if k != 1 else ''} generated)"


def _add_prediction(session, messages: list, name, values, stype, label) -> None:
    """Add one new variable and queue its `(# missing values generated)` note: every
    predict path of this module ends this way."""
    session.data.add(name, values, stype, label=label)
    note = _missing_note(session.data.column(name))
    if note:
        messages.append(note)


def _scores(session, args, result, words, stype, touse):
    """Parameter-level scores: d ll / d e(b)_j of each top-level group, in e(b)'s metric,
    on the group's last observation (in data order) of the estimation sample; missing on
    the other rows (Stata's mixed postestimation, as we recall the manual)."""
    from hlmshell.models.robust import stata_scores
    model = result.model
    if not model.levels:
        raise StataError(198, "option scores not allowed after linear regression")
    if args.options.get("relevel"):
        raise StataError(198, "option relevel() not allowed with scores")
    cols = result.matrices["b"].colnames
    names = _new_names(session, words, len(cols))
    with np.errstate(all="ignore"):
        S = stata_scores(model)
    d = model._state["design"]
    top = d.levels[0].group                    # per sample row
    rows = np.asarray(d.rows)
    last = np.full(S.shape[0], -1)
    last[top] = rows                           # rows ascend: the last assignment wins
    messages = []
    for j, name in enumerate(names):
        values = np.full(session.data.nobs, np.nan)
        values[last] = S[:, j]
        values = np.where(touse, values, np.nan)
        _add_prediction(session, messages, name, values, stype, f"score for _b[{cols[j]}]")
    return "\n".join(messages) or None


FAMILY_STATS = ("xb", "stdp", "fitted", "residuals", "rstandard", "reffects", "reses", "scores",
                "stdf", "rstudent", "leverage", "hat", "cooksd", "u", "ue", "e", "xbu")


@command("predict", syntax="anything [if] [in] [, XB STDP FITted RESiduals RSTAndard "
                           "REFfects RELEVel(string) SCores STDF RSTUdent LEVerage "
                           "HAT COOKsd U UE E XBU *]",
         help="predictions, residuals and random effects after estimation")
def predict(session, args):
    """predict [type] newvar [if] [in] [, xb | fitted | residuals | rstandard | stdp]
    predict [type] stub* | newvarlist [if] [in], reffects [reses(stub* | newvarlist)]
    predict [type] stub* | newvarlist [if] [in], reses      (the older form)
    predict [type] stub* | newvarlist [if] [in], scores     (ML only)
    """
    result = session.estimates.require()
    from hlmshell.estimates.me import MEModel
    if result.cmd == "mixed" or isinstance(result.model, MEModel):
        # their random-effects designs are per estimation row
        from hlmshell.estimates.esample import in_estimation_order
        with in_estimation_order(session, result):
            return _predict(session, args, result)
    return _predict(session, args, result)


def _predict(session, args, result):
    from hlmshell.estimates.glm_general import GLMGeneralModel
    if isinstance(result.model, GLMGeneralModel):   # glm
        from hlmshell.postest.predict_glm_general import predict_glm_general
        return predict_glm_general(session, args, result, _new_names, _missing_note)
    from hlmshell.postest.predict_glm import handles, predict_glm
    if handles(result):  # logit/probit/poisson and the me* commands
        return predict_glm(session, args, result, _new_names, _missing_note)
    from hlmshell.postest.predict import PREDICTORS
    if result.cmd in PREDICTORS:   # regress, xtreg
        return predict_family(session, args, result)
    other = [k for k in args.options if k not in STATS + ("relevel",)]
    if other:
        raise StataError(198, f"option {other[0]} not allowed")
    model = result.model
    if model is None:
        raise StataError(321, "predict not available after this command")
    # `reses` is a statistic (older form) or, with reffects, reses(newvars) (Stata 14+):
    # the binder passes it through `*` untyped, every other unknown option is refused here
    reses_names = None
    for key in [k for k in args.options if k not in STATS and k != "relevel" or k == "reses"]:
        value = args.options.pop(key)
        if key != "reses":
            raise StataError(198, f"option {key}{'()' if value is not True else ''} not allowed")
        if value is True:
            args.options["reses"] = True
        else:
            reses_names = value.split()
            if not reses_names:
                raise StataError(198, "option reses() required")
    if reses_names is not None and not args.options.get("reffects"):
        raise StataError(198, "option reses() requires option reffects")
    chosen = [s for s in STATS if args.options.get(s)]
    if len(chosen) > 1:
        raise StataError(198, "only one statistic may be specified")
    stat = chosen[0] if chosen else "xb"
    spec = getattr(model, "spec", None)
    if stat == "scores" and any(getattr(lv, "factor", None) for lv in getattr(spec, "levels", ())):
        # the scores need lmm.py's nested caches (crossed.py has the BLUPs and their SEs)
        raise StataError(198, "option scores not allowed after crossed effects (R.varname)")
    if stat == "scores" and (getattr(spec, "pweights", None) or
                             any(getattr(lv, "pweight", None) for lv in getattr(spec, "levels", ()))):
        # robust.stata_scores are the unweighted likelihood's (pweights.py has the others)
        raise StataError(198, "option scores not allowed after estimation with sampling weights")
    if stat == "scores" and model.method == "REML":
        raise StataError(198, "option scores is not available after REML estimation")
    words = args.anything.split()
    stype = storage_type(session, words)
    if not words:
        raise StataError(100, "varlist required")
    sample = np.asarray(model.sample, dtype=bool)
    if sample.shape[0] != session.data.nobs:
        raise StataError(459, f"predict, {stat} requires that the data used in estimation "
                              "be in memory")
    touse = args.touse(session)
    messages = ["(option xb assumed)"] if not chosen else []

    if stat == "scores":
        return _scores(session, args, result, words, stype, touse)

    relevel = args.options.get("relevel")
    level_index = None
    if relevel:
        if stat in ("xb", "stdp", "rstandard", "reffects", "reses"):
            raise StataError(198, f"option relevel() not allowed with {stat}")
        groupvars = [lv.groupvar for lv in model.levels]
        if relevel not in groupvars:
            raise StataError(198, f"{relevel} is not a level variable in the model")
        level_index = groupvars.index(relevel)

    if stat in ("reffects", "reses"):
        effects = [(i, lv.groupvar, e) for i, lv in enumerate(model.levels) for e in lv.effects]
        if not effects:
            raise StataError(459, "model is linear regression; no random effects")
        names = _new_names(session, words, len(effects))
        jobs = [(stat, names)]
        if reses_names is not None:
            se_names = _new_names(session, reses_names, len(effects))
            if set(se_names) & set(names):
                raise StataError(110, f"{sorted(set(se_names) & set(names))[0]} already defined")
            jobs.append(("reses", se_names))
        for kind, targets in jobs:
            columns = []
            for i, lv in enumerate(model.levels):
                block = model.reffects(i) if kind == "reffects" else model.reses(i)
                block = np.asarray(block, dtype=float).reshape(session.data.nobs, -1)
                columns += [block[:, k] for k in range(block.shape[1])]
            what = "BLUP r.e. for" if kind == "reffects" else "BLUP r.e. std. errors for"
            for name, (_, groupvar, effect), values in zip(targets, effects, columns):
                values = np.where(touse, values, np.nan)
                _add_prediction(session, messages, name, values, stype,
                                f"{what} {groupvar}: {effect}")
        return "\n".join(messages) or None

    name = _new_names(session, words, 1)[0]
    if stat in ("fitted", "residuals"):
        values = model.predict(stat, level_index)
    else:
        values = model.predict(stat)
    values = np.asarray(values, dtype=float).ravel()
    mask = touse & sample if stat == "rstandard" else touse
    values = np.where(mask, values, np.nan)
    label = LABELS[stat]
    if relevel and stat == "fitted":
        label += f", level({relevel})"
    _add_prediction(session, messages, name, values, stype, label)
    return "\n".join(messages) or None


def predict_family(session, args, result):
    """predict after regress / xtreg (postest/predict.py computes the statistics)."""
    from hlmshell.postest.predict import PREDICTORS
    from hlmshell.postest.predict import predict_family as compute
    # a family's own statistics (pu0, pr, nu0 after the xt GLMs) pass as they are typed
    stats = FAMILY_STATS + tuple(s for s in PREDICTORS[result.cmd] if s not in FAMILY_STATS)
    other = [k for k in args.options if k not in stats + ("relevel",)]
    if other:
        raise StataError(198, f"option {other[0]} not allowed")
    chosen = [s for s in stats if args.options.get(s)]
    if args.options.get("relevel"):
        raise StataError(198, "option relevel() not allowed")
    if len(chosen) > 1:
        raise StataError(198, "only one statistic may be specified")
    stat = chosen[0] if chosen else None
    if stat == "hat":
        stat = "leverage"
    words = args.anything.split()
    stype = storage_type(session, words)
    if not words:
        raise StataError(100, "varlist required")
    name = _new_names(session, words, 1)[0]
    touse = args.touse(session)
    values, label, in_sample = compute(session, result, stat)
    mask = touse
    if in_sample:
        from hlmshell.estimates.esample import esample
        sample = esample(result, session.data)
        if sample is None:
            raise StataError(459, "data have changed since estimation")
        mask = mask & sample
    values = np.where(mask, values, np.nan)
    from hlmshell.postest.predict import DEFAULTS
    messages = ["(option xb assumed; fitted values)" if result.cmd in ("regress", "anova")
                else DEFAULTS.get(result.cmd, ("xb", "(option xb assumed)"))[1]
                .replace("{depvar}", result.macros.get("depvar", ""))] \
        if stat is None else []
    _add_prediction(session, messages, name, values, stype, label)
    return "\n".join(messages) or None
