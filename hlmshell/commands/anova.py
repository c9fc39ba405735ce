"""`anova`: n-way analysis of variance and covariance ([R] anova).

termlist → factor-variable terms (plain names categorical, `c.` continuous) → the same
base-level design and least-squares fit as `regress` (commands/regress.py: e(b), e(V),
the Model/Residual sums, predict/margins/test after it) → the terms' partial or sequential
sums of squares from models/anova.py → e() as [R] anova lists it → render/anova.py.
`anova` alone redisplays the last anova table; `regress` after anova shows its coefficients.

Not implemented, refused with r(198): nested terms (`a|b`), error terms (`/`),
repeated(), bse(), bseunit(), grouping(), dropemptycells.
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands import est_common as ec
from hlmshell.commands.registry import command
from hlmshell.errors import StataError

# the largest design (columns over all cells of all terms) we build: the term sums need
# a k x k Gram matrix and its factor (Stata SE's matsize limit is 11,000; unconfirmed
# what Stata's anova says beyond its limit, r(908) is its "matsize too small")
MAX_CELLS = 4000

_REFUSED = ("repeated", "bse", "bseunit", "grouping", "dropemptycells")


@command("anova", abbrev="an",
         syntax="[anything] [if] [in] [weight] [, Partial SEquential NOCONStant "
                "REPeated(string) bse(string) bseunit(string) GROUPing(string) "
                "DROPEMPtycells]",
         help="analysis of variance and covariance")
def anova(session, args):
    """anova varname [termlist] [if] [in] [weight] [, options]
        termlist: names are categorical; c.x continuous; i.x ib#.x a#b a##b
        weight: aweight fweight
        options: partial (default) sequential noconstant
        anova alone redisplays the last anova table; regress then shows the coefficients
    """
    opts = args.options
    for name in _REFUSED:
        if name in opts:
            raise StataError(198, f"option {name}() not allowed" if name != "dropemptycells"
                             else "option dropemptycells not allowed")
    if opts.get("partial") and opts.get("sequential"):
        raise StataError(198, "options partial and sequential may not be combined")
    if not args.anything.strip():
        if args.weight or args.if_exp is not None or args.in_range is not None \
                or opts.get("noconstant"):
            raise StataError(100, "varlist required")
        result = session.estimates.require()
        if result.cmd != "anova":
            raise StataError(301, "last estimates not found")
        return output(result, sequential=_sequential_replay(result, opts))
    if not session.data.names:
        raise StataError(111, "no variables defined")
    result = estimate(session, args)
    session.estimates.post(result)
    out = output(result)
    out.notes = result.model.notes + out.notes
    return out


def _sequential_replay(result, opts) -> bool:
    if opts.get("sequential") or opts.get("partial"):
        want = "sequential" if opts.get("sequential") else "partial"
        if want != result.macros.get("sstype"):
            raise StataError(198, f"option {want} not allowed on replay; refit the model")
    return result.macros.get("sstype") == "sequential"


_ELEMENT_OP = re.compile(r"^[A-Za-z0-9()]+\.")


def anova_words(session, text: str) -> list[str]:
    """The termlist with anova's default: an unprefixed variable is categorical (`i.`)."""
    from hlmshell.dataset.varlist import expand_varlist
    from hlmshell.syntax.factor import split_words
    words = split_words(text)
    out = []
    for word in words:
        if "|" in word or word == "/" or word.endswith("/") or "/" in word:
            raise StataError(198, "nested terms (|) and error terms (/) are not supported "
                                  "by hlmshell's anova")
        if "(" in word and not re.search(r"b\(", word, re.I):
            raise StataError(198, f"{word}: parenthesised factor-variable lists are not "
                                  "supported")
        if word.startswith("#") or word.endswith("#") or "###" in word:
            out.append(word)                   # malformed: the parser's message names it
            continue
        if "#" not in word and "." not in word and any(c in word for c in "*?~-"):
            out += [f"i.{v}" for v in expand_varlist([word], session.data.names)]
            continue
        parts = word.split("##")
        fixed = []
        for part in parts:
            elems = part.split("#")
            fixed.append("#".join(e if (not e or _ELEMENT_OP.match(e)) else f"i.{e}"
                                  for e in elems))
        out.append("##".join(fixed))
    return out


@np.errstate(all="ignore")
def estimate(session, args):
    from hlmshell.models import ModelError
    from hlmshell.models.anova import cell_count, term_ss
    from hlmshell.models.ols import fit_ols, normalized_weights
    from hlmshell.syntax.factor import term_name, term_variables
    opts = args.options
    words = args.anything.split(None, 1)
    rest = anova_words(session, words[1]) if len(words) > 1 else []
    depvar, terms = ec.parse_varlist(session, " ".join([words[0]] + rest))
    if session.data.is_string(depvar):
        raise StataError(109, "type mismatch")
    seen, unique = set(), []
    for t in terms:                                    # a term typed twice counts once
        key = tuple(sorted((f.var, f.categorical) for f in t.factors))
        if key not in seen:
            seen.add(key)
            unique.append(t)
    terms = unique
    wtype, w, wexp = ec.weights(session, args, allowed=("aweight", "fweight"))
    sample = args.touse(session)
    if w is not None:
        ec.check_weights(wtype, w[sample])
        sample &= ec.weight_sample(wtype, w)
    constant = not opts.get("noconstant")
    sstype = "sequential" if opts.get("sequential") else "partial"
    pairs = [tuple((f.var, f.categorical) for f in t.factors) for t in terms]
    data_cols = {v: np.asarray(session.data.column(v), dtype=float)
                 for v in term_variables(terms)}
    ok = sample & ~np.isnan(np.asarray(session.data.column(depvar), dtype=float))
    for x in data_cols.values():
        ok &= ~np.isnan(x)
    for v in {v for t in pairs for v, categorical in t if categorical}:
        x = data_cols[v][ok]                     # the design's checks, before counting cells
        if (x != np.round(x)).any():
            raise StataError(452, "factor variables may not contain noninteger values")
        if (x < 0).any():
            raise StataError(452, "factor variables may not contain negative values")
    if cell_count(pairs, {v: x[ok] for v, x in data_cols.items()}) > MAX_CELLS:
        raise StataError(908, f"matsize too small\n    the anova design needs more than "
                              f"{MAX_CELLS:,} columns")    # checked before building it
    design = ec.build(session, depvar, terms, constant, sample)
    rows = design.rows
    y = design.y
    cols = {v: x[rows] for v, x in data_cols.items()}
    wr = None if w is None else w[rows]
    if design.X.shape[1] == 0:
        raise StataError(102, "too few variables specified")
    fit = fit_ols(y, design.X, constant=constant, weights=wr, wtype=wtype, vce="ols")
    if fit.N - fit.rank <= 0 or fit.N < 1:
        raise StataError(2001, "insufficient observations")
    try:
        sums = term_ss(y, cols, pairs, constant=constant,
                       weights=normalized_weights(wr, wtype), sequential=sstype == "sequential")
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    b, V = ec.full_b_V(design, fit.b, fit.V)
    mse = fit.rss / fit.df_r if fit.df_r > 0 and fit.rss > 0 else np.nan
    s: dict = {"N": int(fit.N) if float(fit.N).is_integer() else fit.N,
               "mss": fit.mss, "df_m": int(fit.df_m), "rss": fit.rss,
               "df_r": int(fit.df_r) if float(fit.df_r).is_integer() else fit.df_r,
               "r2": fit.r2, "r2_a": fit.r2_a, "F": fit.F, "rmse": fit.rmse,
               "ll": fit.ll, "ll_0": fit.ll_0}
    m: dict = {"cmdline": f"anova {args.body.strip()}", "cmd": "anova", "depvar": depvar,
               "varnames": " ".join(term_variables(terms))}
    for i, (t, ss, df) in enumerate(zip(terms, sums.ss, sums.df), start=1):
        s[f"ss_{i}"] = ss
        s[f"df_{i}"] = df
        if df > 0:
            s[f"F_{i}"] = ss / df / mse
        m[f"term_{i}"] = term_name(t)
    s["rank"] = int(fit.rank)
    m["sstype"] = sstype
    m["model"] = "ols"
    if wtype:
        m["wtype"] = wtype
        m["wexp"] = wexp
    m.update({"vce": "ols", "title": "Linear regression", "marginsok": "XB default",
              "properties": "b V", "estat_cmd": "anova_estat", "predict": "regres_p"})
    from hlmshell.estimates.results import EstimationResult
    result = EstimationResult(cmd="anova", scalars=s, macros=m, matrices={"b": b, "V": V},
                              sample=design.sample.copy())
    from hlmshell.commands.regress import RegressModel   # what predict and the replay need
    result.model = RegressModel(design, fit, wr, wtype, ec.collinear_notes(design))
    return result


@np.errstate(all="ignore")
def output(result, sequential: bool | None = None):
    from hlmshell.commands.regress import f_pvalue
    from hlmshell.render.anova import AnovaOutput, AnovaRow
    s, m = result.scalars, result.macros
    if sequential is None:
        sequential = m.get("sstype") == "sequential"
    df_r = s["df_r"]
    rows = []
    i = 1
    while f"term_{i}" in m:
        ss, df = s[f"ss_{i}"], s[f"df_{i}"]
        F = s.get(f"F_{i}", float("nan"))
        rows.append(AnovaRow(m[f"term_{i}"], ss, df, F, f_pvalue(F, df, df_r)))
        i += 1
    tss = s["mss"] + s["rss"]
    df_t = s["df_m"] + df_r
    model = AnovaRow("Model", s["mss"], s["df_m"], s["F"], f_pvalue(s["F"], s["df_m"], df_r))
    out = AnovaOutput(s["N"], s["r2"], s["r2_a"], s["rmse"], model, rows,
                      AnovaRow("Residual", s["rss"], df_r), AnovaRow("Total", tss, df_t),
                      sequential=sequential)
    if m.get("wtype") == "aweight" and result.model is not None:
        # as regress prints it (that anova prints it too is unconfirmed)
        from hlmshell.commands.regress import _sum_text
        out.notes.append(f"(sum of wgt is {_sum_text(result.model.weights_raw_sum)})")
    return out


ec.REPLAY["anova"] = lambda result: output(result)
