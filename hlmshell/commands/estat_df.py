"""`estat df` after `mixed` ([ME] estat df; StataCorp's _mixed_ddf.ado for the checks,
messages and stored results): the DF of each fixed effect by one or more methods, and
`post` to make one of them the active results' dfmethod()."""
from __future__ import annotations

import copy
import math

import numpy as np

from hlmshell.commands.estat import subcommand
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.models import ModelError
from hlmshell.returns import Returns
from hlmshell.syntax.spec import parse_option_list

_METHODS = (("kroger", "kr"), ("satterthwaite", "sat"), ("residual", "res"),
            ("repeated", "rep"), ("anova", "anova"))


def _unabbrev(words: list[str]) -> list[str]:
    bad = [w for w in words if not any(f.startswith(w.lower()) and len(w) >= len(m)
                                       for f, m in _METHODS)]
    if len(bad) == 1:
        raise StataError(198, f"{bad[0]} is not a valid DF method")
    if bad:
        raise StataError(198, f"{' '.join(bad)}: not valid DF methods")
    return [next(f for f, m in _METHODS if f.startswith(w.lower()) and len(w) >= len(m))
            for w in words]


def _options(body: str) -> dict:
    text = body.strip()
    if not text:
        return {}
    if not text.startswith(","):
        raise StataError(198, "invalid syntax")
    out: dict = {}
    for word, arg in parse_option_list(text[1:]):
        low = word.lower()
        if len(low) >= 4 and "method".startswith(low) and arg is not None:
            out["method"] = arg.split()
        elif low == "post":
            out["post1" if arg is not None else "post"] = arg
        elif low in ("eim", "oim") and arg is None:
            out[low] = True
        else:
            raise StataError(198, f"option {word}{'()' if arg is not None else ''} not allowed")
    return out


@subcommand("df", syntax="raw", help="degrees of freedom of the fixed effects")
def estat_df(session, args, result):
    """estat df [, method(df_methods) post[(df_method)] eim oim]
        df_methods: residual repeated anova satterthwaite kroger (one or more; satterthwaite
        and kroger need a REML fit); eim|oim: the information of satterthwaite and kroger
    """
    from hlmshell.models.smallsample import TITLES
    from hlmshell.render.mixed import DfTable
    if result.cmd not in ("mixed", "xtmixed") or result.macros.get("cmd") != "mixed":
        raise StataError(301, "last estimates not found")
    o = _options(args.body)
    model = result.model
    if "post" in o and "post1" in o:
        raise StataError(198, "only one of post or post() is allowed")
    if o.get("eim") and o.get("oim"):
        raise StataError(198, "only one of eim or oim is allowed")
    methods = _unabbrev(o["method"]) if o.get("method") else []
    info = "oim" if o.get("oim") else "eim"
    if not methods:
        if "post" in o or "post1" in o:
            raise StataError(198, "options post and post() require option method()")
        if o.get("eim") or o.get("oim"):
            raise StataError(198, "option eim or oim requires option method()")
        if model.small is None:
            raise StataError(198, "no degrees of freedom found")
    else:
        if len(methods) > 1 and "post" in o:
            raise StataError(198, "multiple DF methods specified")
        if (o.get("eim") or o.get("oim")) and \
                not {"kroger", "satterthwaite"} & set(methods):
            raise StataError(198, f"option {info} can only be specified when option method() "
                                  "contains kroger or satterthwaite")
        if o.get("oim") and "kroger" in methods:
            # smallsample.py's Kenward-Roger works from the expected information only
            raise StataError(198, "option oim not allowed with method kroger")
        _check(model, result, methods)
    post = None
    if o.get("post1") is not None:
        post = _unabbrev(o["post1"].split())
        if len(post) > 1:
            raise StataError(198, "only one DF method can be specified in option post()")
        post = post[0]
        if post not in methods:
            raise StataError(198, f"method {post} in option post() is not one of methods "
                                  "from option method()")
    elif "post" in o:
        post = methods[0]
    if len(model.fixed_names) == 0:
        raise StataError(198, "model contains no fixed effects; DF computation is not "
                              "available")
    smalls = [model.small] if not methods else [_infer(model, m, info) for m in methods]
    names = list(result.matrices["b"].colnames)
    kf = len(model.fixed_names)
    D = np.full((len(names), len(smalls)), np.nan)
    for c, sm in enumerate(smalls):
        D[:kf, c] = np.asarray(sm.df, dtype=float)
    r = Returns()
    r.matrices["df"] = StataMatrix(D, names, [sm.method for sm in smalls])
    r.macros["dfmethods"] = " ".join(sm.method for sm in smalls)
    if "kroger" in [sm.method for sm in smalls]:
        kr = next(sm for sm in smalls if sm.method == "kroger")
        V = np.array(result.matrices["V"].values, dtype=float)
        V[:kf, :kf] = kr.V_beta
        r.matrices["V_df"] = StataMatrix(V, names, names, symmetric=True)
    rows = [(nm, [float(sm.df[j]) for sm in smalls])
            for j, (nm, om) in enumerate(zip(model.fixed_names, model.omitted)) if not om]
    note = ""
    oim = [TITLES[sm.method] for sm in smalls
           if sm.method in ("kroger", "satterthwaite") and sm.info == "oim"]
    if oim:
        note = ("Note: The observed information matrix is used to compute "
                f"{' and '.join(oim)}\n      degrees of freedom.")
    if post is not None:
        _post(session, result, smalls[methods.index(post)])
    session.r = r
    return DfTable([TITLES[sm.method] for sm in smalls], model.depvar, rows, note)


def _check(model, result, methods) -> None:
    if not model.levels:
        if set(methods) - {"residual"}:
            raise StataError(198, "model is linear regression;  option dfmethod(residual) "
                                  "should be used")
        return
    if "kroger" in methods and model.method != "REML":
        raise StataError(198, "Kenward-Roger DF method is available only with REML "
                              "estimation")
    if "satterthwaite" in methods and model.method != "REML":
        raise StataError(198, "Satterthwaite DF method is available only with REML "
                              "estimation")
    if "repeated" in methods and len({lv.groupvar for lv in model.levels}) > 1:
        raise StataError(198, "method repeated is not available for models with more "
                              "than two levels")
    st = getattr(model, "_state", None) or {}
    design = st.get("design")
    if design is None or any(lv.factor for lv in design.levels):
        raise StataError(198, "estat df not available with crossed effects (R.varname)")
    if (result.macros.get("wtype") or result.macros.get("vcetype")) and \
            set(methods) - {"residual"}:
        # the nested DF routes work on unweighted rows and the model-based VCE
        raise StataError(198, "only method(residual) is allowed after weighted estimation "
                              "or vce(robust)")
    if getattr(st.get("model"), "structure", None) is not None:
        raise StataError(198, "estat df not available after residuals()")


def _infer(model, method: str, info: str):
    from hlmshell.models.smallsample import SmallSample, infer
    if not model.levels:        # linear regression: N - rank for every coefficient
        keep = [j for j, om in enumerate(model.omitted) if not om]
        df = np.full(len(model.fixed_names), np.nan)
        df[keep] = model.n - len(keep)
        return SmallSample("residual", info, df, np.asarray(model.V_beta, dtype=float),
                           math.nan, 0, float(model.n - len(keep)), math.nan)
    try:
        with np.errstate(all="ignore"):
            return infer(model, method, info)
    except ModelError as err:
        raise StataError(err.code, err.message) from None


def _post(session, result, small) -> None:
    """`post`: the active results as if fitted with dfmethod(method)."""
    from hlmshell.estimates.results import from_mixed
    if not result.model.levels:
        raise StataError(198, "option post not allowed with a model without random effects")
    fit = copy.copy(result.model)
    fit.small = small
    m = result.macros
    new = from_mixed(fit, cmdline=m.get("cmdline", ""),
                     sigvars=m.get("datasignaturevars", "").split(),
                     datasignature=m.get("datasignature", ""),
                     nolrtest="ll_c" not in result.scalars, cmdname=m.get("cmd", "mixed"),
                     optmetric=m.get("optmetric", "matsqrt"))
    new.fv_labels = getattr(result, "fv_labels", {})
    session.estimates.post(new)
