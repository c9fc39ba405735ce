"""margins [marginlist] [if] [in] [, at() atmeans dydx() eyex() dyex() eydx() over()
predict() expression() level() post noatlegend vsquish] — after any estimation result.

The numbers come from postest/margins.py; this module parses the specification, fills r()
(or e() with `post`) and keeps the result on `session.last_margins` for marginsplot.
"""
from __future__ import annotations

import math
import re

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.estimates.esample import esample
from hlmshell.matrix import StataMatrix
from hlmshell.postest.linear import coefs_of, critical, p_two_sided
from hlmshell.postest.margins import AtSetting, MarginsRequest, compute
from hlmshell.render.formats import fmt
from hlmshell.render.margins import MarginsBlock, MarginsOutput, legend_lines
from hlmshell.render.postest import CoefRow
from hlmshell.returns import Returns
from hlmshell.syntax.numlist import parse_numlist
from hlmshell.syntax.spec import Spec, parse_option_list, split_options

OPTIONS = Spec("[anything] [if] [in] [, ATMeans DYdx(string) EYEX(string) DYEX(string) "
               "EYDX(string) OVER(string) PREDict(string) EXPression(string) Level(real) POST "
               "NOATLEGend "
               "VSQuish]")
EFFECT_HEAD = {"dydx": "dy/dx", "eyex": "ey/ex", "dyex": "dy/ex", "eydx": "ey/dx"}
STATS = ("mean", "median", "min", "max", "asobserved") + tuple(f"p{k}" for k in range(1, 100))


def _resolve(name: str, session) -> str:
    from hlmshell.dataset.varlist import unabbreviate
    return unabbreviate(name, session.data.names)


# ------------------------------------------------------------------------ at()
_AT_TOKEN = re.compile(
    r"\s*(?:\(\s*(?P<stat>[A-Za-z0-9]+)\s*\)"
    r"|(?P<var>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:\((?P<list>(?:[^()]|\([^()]*\))*)\)"
    r"|(?P<one>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_*?]*))")


def parse_at(text: str, session, covariates: list[str]) -> list[list[AtSetting]]:
    """One at() option → its at-points (the product of its value lists)."""
    pos, stat = 0, None
    fixed: list[AtSetting] = []
    lists: list[tuple[str, list[float]]] = []
    text = text.strip()
    if not text:
        raise StataError(198, "at() invalid")
    while pos < len(text):
        m = _AT_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise StataError(198, f"'{text[pos:].strip()}' invalid in option at()")
        pos = m.end()
        if m.group("stat"):
            stat = m.group("stat").lower()
            if stat not in STATS:
                raise StataError(198, f"({stat}) invalid statistic in option at()")
        elif m.group("var"):
            var = _resolve(m.group("var"), session)
            if m.group("list") is not None:
                values = parse_numlist(m.group("list"))
                if not values:
                    raise StataError(121, "invalid numlist")
            else:
                values = [float(m.group("one"))]
            lists.append((var, values))
        else:
            if stat is None:
                raise StataError(198, f"'{m.group('name')}' invalid in option at()")
            word = m.group("name")
            names = covariates if word == "_all" else [_resolve(word, session)]
            fixed += [AtSetting(v, stat=stat) for v in names]
        if pos < len(text) and text[pos:].strip() == "":
            break
    import itertools
    points = []
    for combo in itertools.product(*(vals for _, vals in lists)):
        point = [AtSetting(var, value=v) for (var, _), v in zip(lists, combo)]
        points.append(point + [s for s in fixed if s.var not in {p.var for p in point}])
    return points


def parse_marginlist(text: str, session) -> list[list[str]]:
    """`sector female sector#female i.sector` → [['sector'], ['female'], ['sector', 'female']]."""
    terms = []
    text = re.sub(r"\s*##?\s*", lambda m: m.group(0).strip(), text.strip())
    for word in text.split():
        if "##" in word:
            parts = word.split("##")
            vars_ = [_strip_op(p, session) for p in parts]
            for r in range(1, len(vars_) + 1):
                for combo in __import__("itertools").combinations(vars_, r):
                    terms.append(list(combo))
            continue
        terms.append([_strip_op(p, session) for p in word.split("#")])
    return terms


def _strip_op(part: str, session) -> str:
    m = re.fullmatch(r"(?:(i|ib\d+|ibn|b\d+|c)\.)?([A-Za-z_][A-Za-z0-9_]*)", part)
    if not m:
        raise StataError(198, f"{part}: invalid marginlist")
    var = _resolve(m.group(2), session)
    if m.group(1) == "c":
        raise StataError(322, f"factor '{var}' not found in list of covariates")
    return var


def _options(body: str):
    """margins' own split: at() may be repeated, so it is taken out before the binder."""
    main, opts = split_options(body)
    ats, rest = [], []
    if opts is not None:
        for word, arg in parse_option_list(opts):
            if word == "at":
                if arg is None:
                    raise StataError(198, "option at() required")
                ats.append(arg)
            else:
                rest.append(word if arg is None else f"{word}({arg})")
    return main, ats, " ".join(rest)


# ------------------------------------------------------------------------ handler
def _level_label(v: float) -> str:
    return f"{int(v)}" if float(v).is_integer() else fmt(v, "%9.0g").strip()


def _value_text(value, stat) -> str:
    text = _level_label(value) if value is not None and not math.isnan(value) else "."
    return f"{text} ({stat})" if stat else text


def _expression(result, linear: bool, explicit: str | None) -> str:
    tail = f"predict({explicit or ''})"
    if not linear and getattr(result.model, "re_index", None) is not None:
        from hlmshell.postest.me_margins import prediction_kind
        if prediction_kind(explicit) == "marginal":
            return f"Marginal predicted mean, {tail}"
    if result.cmd == "glm" and not linear:      # glim_p's default statistic: mu
        depvar = str(result.macros.get("depvar", ""))
        return f"Predicted mean {depvar}, {tail}"
    if result.link == "identity" or linear:
        portion = ", fixed portion" if result.cmd in ("mixed", "xtmixed") else ""
        return f"Linear prediction{portion}, {tail}"
    depvar = str(result.macros.get("depvar", "")).split(" ")[0]
    if result.link == "log":
        return f"Predicted number of events, {tail}"
    return f"Pr({depvar}), {tail}"


@command("margins", syntax="raw", help="predictive margins and marginal effects")
def margins(session, args):
    """margins [marginlist] [if] [in] [, at(atspec) atmeans dydx(varlist) eyex(varlist)
        dyex(varlist) eydx(varlist) over(varlist) predict(xb) expression(exp) level(#) post
        noatlegend vsquish]
    """
    result = session.estimates.require()
    if result.cmd == "margins":     # after `margins, post`: replay, as Stata does
        if args.body.strip():
            raise StataError(198, "margins results are posted; only replay (margins without "
                                  "arguments) is allowed")
        if result.model is None:
            raise StataError(301, "last estimates not found")
        return result.model
    main, at_texts, rest = _options(args.body)
    bound = OPTIONS.bind(main + (", " + rest if rest else ""), session.data.names,
                         session.data.nobs)
    opts = bound.options
    c = coefs_of(result)
    eq, bidx, names = result.xb_columns()
    from hlmshell.postest.margins import Covariates
    covariates = Covariates.from_names(names).variables

    req = MarginsRequest(atmeans=bool(opts.get("atmeans")))
    req.level = float(opts.get("level", session.settings.get("level", 95)))
    if not 10 <= req.level <= 99.99:
        raise StataError(198, "level() must be between 10 and 99.99 inclusive")
    pred = opts.get("predict")
    from hlmshell.postest import me_margins
    me_kind = me_margins.prediction_kind(pred) if me_margins.is_me(result) else None
    if me_kind == "xb":
        req.linear = True
    elif pred is not None and me_kind is None:
        p = pred.strip().lower()
        if p == "xb":
            req.linear = True
        elif p not in ("", "mu", "pr", "n"):   # the default prediction: link(xb)
            raise StataError(198, f"option {p} not allowed")
    if opts.get("expression") is not None:
        if pred is not None:
            raise StataError(198, "only one of predict() or expression() is allowed")
        from hlmshell.postest.margins_expr import transform
        req.expression = transform(opts["expression"], result.link, me_margins.is_me(result))
    if getattr(result.model, "margins_xb_only", False) and not req.linear \
            and req.expression is None:
        # e.g. xtlogit's default, the probability marginal over u_i, is not built here
        raise StataError(198, f"only predict(xb) is available with margins after {result.cmd}")
    effects = [k for k in EFFECT_HEAD if opts.get(k)]
    if len(effects) > 1:
        raise StataError(198, "only one of dydx(), eyex(), dyex(), or eydx() is allowed")
    if effects:
        req.effect = effects[0]
        from hlmshell.syntax.factor import parse_terms, resolver_for
        text = opts[req.effect].strip()
        if text == "*" or text == "_all":
            req.effect_vars = list(covariates)
        else:
            req.effect_vars = []
            for t in parse_terms(text, resolver_for(session.data.names)):
                if len(t.factors) != 1:
                    raise StataError(198, f"{req.effect}(): interactions not allowed")
                req.effect_vars.append(t.factors[0].var)
    if opts.get("over"):
        req.over = [_resolve(w, session) for w in opts["over"].split()]
    if bound.anything.strip():
        req.terms = parse_marginlist(bound.anything, session)
    req.ats = [parse_at(t, session, covariates) for t in at_texts]

    sample = bound.touse(session)
    if result.sample is not None:
        sample = sample & esample(result, session.data)

    def column(v):
        if session.data.is_string(v):        # (r(111) for a variable not there)
            raise StataError(109, "type mismatch")
        return np.asarray(session.data.column(v), dtype=float)

    link = result.link
    if me_kind == "marginal":   # me*: the mean marginal over the random intercept
        link = me_margins.marginal_link(result)
    res = compute(req, names, bidx, c.b, c.V, link, column, sample)
    if me_kind == "marginal":
        me_margins.add_variance_terms(
            result, res, lambda lk: compute(req, names, bidx, c.b, c.V, lk, column, sample))
    out, r = _present(result, req, res, c.df_r, pred, opts)
    table = r.matrices["table"].values
    res.labels, res.lb, res.ub = list(r.matrices["b"].colnames), table[4], table[5]
    res.level, res.title, res.expression = req.level, out.title, out.expression
    session.last_margins = res
    if opts.get("post"):
        from hlmshell.estimates.results import EstimationResult
        cols = r.matrices["b"].colnames
        est = EstimationResult(
            cmd="margins", scalars={"N": res.N},
            macros={"cmd": "margins", "properties": "b V", "title": out.title,
                    "expression": out.expression},
            matrices={"b": StataMatrix(res.b.reshape(1, -1), ["y1"], cols),
                      "V": StataMatrix(res.V, cols, cols, symmetric=True)},
            sample=sample, model=out)
        session.estimates.post(est)
        session.r = Returns()
    else:
        session.r = r
    return out


def _wrt(res) -> list[str]:
    """`dy/dx wrt:` names: continuous variables, and a factor's non-base levels
    (`2.speciesid 3.speciesid`, as a Stata 17 log lists them)."""
    out: list[str] = []
    for row in res.rows:
        if row.effect_var is None or row.base:
            continue
        name = row.effect_var if row.effect_level is None else \
            f"{_level_label(row.effect_level)}.{row.effect_var}"
        if name not in out:
            out.append(name)
    return out


def _present(result, req: MarginsRequest, res, df, pred, opts):
    n_at = len(res.at_points)
    show_at = n_at > 1
    se = np.sqrt(np.clip(np.diag(res.V), 0, None))
    crit = critical(req.level, df)
    rows, colnames = [], []
    for k, row in enumerate(res.rows):
        b, s = res.b[k], se[k]
        stat = b / s if s > 0 else math.nan
        rows.append(CoefRow("", b, s if s > 0 else math.nan, stat,
                            p_two_sided(stat, df), b - crit * s if s > 0 else math.nan,
                            b + crit * s if s > 0 else math.nan))
    # labels and blocks
    blocks: list[MarginsBlock] = []
    notes = []
    first_seen: dict = {}
    for k, row in enumerate(res.rows):
        dims = (["_at"] if show_at else []) + list(row.term)
        levels = ([str(row.at)] if show_at else []) + [_level_label(v) for v in row.levels]
        parts = []
        for d, lv in zip(dims, levels):
            key = (d, row.effect_var, row.effect_level)
            first = first_seen.setdefault(key, lv) == lv
            parts.append(f"{lv}{'bn' if first else ''}.{d}")
        dimname = "#".join(parts) if parts else ""
        if row.effect_var is None:
            colnames.append(dimname or "_cons")
        else:
            eqname = row.effect_var if row.effect_level is None else \
                f"{_level_label(row.effect_level)}{'b' if row.base else ''}.{row.effect_var}"
            colnames.append(f"{eqname}:{dimname}" if dimname else eqname)
        if row.base:
            continue
        cr = rows[k]
        header = "#".join(dims)
        if row.effect_var is None:
            eq = ""
            label = "#".join(levels) if dims else "_cons"
        elif row.effect_level is None:
            eq = row.effect_var if dims else ""
            label = "#".join(levels) if dims else row.effect_var
        else:
            lvl = _level_label(row.effect_level)
            if dims:
                eq, label = f"{lvl}.{row.effect_var}", "#".join(levels)
            else:
                eq, header, label = "", row.effect_var, lvl
        cr.label = label
        if blocks and blocks[-1].eq == eq and blocks[-1].header == header:
            blocks[-1].rows.append(cr)
        else:
            blocks.append(MarginsBlock(eq, header, [cr]))
    if any(r.effect_level is not None for r in res.rows):
        notes.append("Note: dy/dx for factor levels is the discrete change from the base "
                     "level.")
    if req.effect is None:
        title = "Adjusted predictions" if res.all_fixed else "Predictive margins"
    else:
        title = "Conditional marginal effects" if res.all_fixed else "Average marginal effects"
    vce = str(result.macros.get("vcetype", "") or
              {"regress": "OLS", "anova": "OLS", "xtgee": "Conventional"}.get(result.cmd, "OIM"))
    expression = opts["expression"].strip() if req.expression else \
        _expression(result, req.linear, pred)
    legend = []
    if not opts.get("noatlegend"):
        legend = legend_lines([[(v, _value_text(*vs)) for v, vs in p.items()]
                               for p in res.at_points])
    out = MarginsOutput(title, res.N, vce, expression,
                        (EFFECT_HEAD[req.effect], _wrt(res)) if req.effect else None,
                        legend, blocks, EFFECT_HEAD.get(req.effect, "Margin"), req.level,
                        df is not None, notes, bool(opts.get("vsquish")))
    r = Returns()
    r.scalars["N"] = res.N
    r.scalars["level"] = req.level
    r.scalars["k_at"] = n_at if req.ats else 0
    r.macros["cmd"] = "margins"
    r.macros["title"] = title
    r.macros["model_vce"] = vce
    r.macros["expression"] = expression
    if req.effect:
        r.macros["xvars"] = " ".join(_wrt(res))
    table = np.array([[x.b for x in rows], [x.se for x in rows], [x.stat for x in rows],
                      [x.p for x in rows], [x.lb for x in rows], [x.ub for x in rows],
                      [df if df is not None else math.nan] * len(rows), [crit] * len(rows),
                      [0.0] * len(rows)])
    r.matrices["b"] = StataMatrix(res.b.reshape(1, -1), ["y1"], colnames)
    r.matrices["V"] = StataMatrix(res.V, colnames, colnames, symmetric=True)
    r.matrices["table"] = StataMatrix(
        table, ["b", "se", "t" if df is not None else "z", "pvalue", "ll", "ul", "df",
                "crit", "eform"], colnames)
    r.matrices["Jacobian"] = StataMatrix(res.J, colnames,
                                         list(result.matrices["b"].colnames))
    if req.ats:
        r.matrices["at"] = StataMatrix(res.at_matrix, [f"{k}._at" for k in range(1, n_at + 1)],
                                       list(res.at_vars))
    return out, r
