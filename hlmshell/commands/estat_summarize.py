"""`estat summarize` after any estimation command ([R] estat summarize; StataCorp's
estat_summ.ado for the variables, the statistics, the header and the table's columns):
mean, sd, min and max over e(sample) of the dependent variable and of every covariate in
e(b), or of an eqlist; the weighted statistics with the estimation's weights (pweights as
aweights), the weight itself last (unweighted) unless `noweights`."""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.estat import subcommand
from hlmshell.dataset.timeseries import OPERATED
from hlmshell.errors import StataError
from hlmshell.estimates.esample import esample
from hlmshell.matrix import StataMatrix
from hlmshell.returns import Returns
from hlmshell.syntax.spec import parse_option_list

USCONS = {"_cons", "o._cons", "_se"}
_OPTIONS = (("equation", "eq"), ("noheader", "nohea"), ("noweights", "nowei"),
            ("labels", "lab"), ("vsquish", "vsquish"))


def _options(text: str) -> dict:
    out = {}
    for word, arg in parse_option_list(text):
        low = word.lower()
        hit = next((f for f, m in _OPTIONS if f.startswith(low) and len(low) >= len(m)), None)
        if hit is None or arg is not None:
            raise StataError(198, f"option {word}{'()' if arg is not None else ''} not allowed")
        out[hit] = True
    return out


def _eq_lists(result) -> list[tuple[str, list[str]]]:
    """(equation, names) from e(b): the dependent variable, then each equation's covariates
    (linear forms only: `/` free parameters, the constant and ancillary names left out)."""
    b = result.matrices.get("b")
    if b is None:
        raise StataError(321, "matrix e(b) not found in estimation results")
    order: list[str] = []
    by_eq: dict[str, list[str]] = {}
    for col in b.colnames:
        eq, _, name = col.rpartition(":")
        if name.startswith("/") or eq.startswith("/") or name in USCONS:
            continue
        if eq not in by_eq:
            order.append(eq)
            by_eq[eq] = []
        if name not in by_eq[eq]:
            by_eq[eq].append(name)
    return [(eq, by_eq[eq]) for eq in order]


def _parse_eqlist(text: str, names: list[str]) -> list[tuple[str, list[str]]]:
    """`x1 x2` or `(eq1: x1 x2) (eq2: x3)`; factor notation is kept as typed."""
    from hlmshell.syntax.factor import resolver_for
    resolve = resolver_for(names)

    def words(part: str) -> list[str]:
        out = []
        for w in part.split():
            m = re.fullmatch(r"((?:[0-9]+b?n?|[ico])\.)?([A-Za-z_][A-Za-z0-9_]*)", w)
            if m is None:
                raise StataError(198, f"{w} invalid name")
            out.append((m.group(1) or "") + resolve(m.group(2)))
        return out

    if ":" not in text:
        return [("", words(text))]
    out: dict[str, list[str]] = {}
    for m in re.finditer(r"\(?\s*([^():]*?)\s*:\s*([^()]*)\)?", text):
        eq = m.group(1).strip()
        if not eq:
            raise StataError(198, 'equation list invalid; ":" expected')
        out.setdefault(eq, []).extend(words(m.group(2)))
    return list(out.items())


def _column(session, name: str, sample: np.ndarray):
    """The values over e(sample) of a covariate named as in e(b) (`ses`, `1.sector`,
    `c.x#c.z`, `2.a#c.x`); None for base and omitted columns, "string", or "notfound"."""
    vals = np.ones(int(sample.sum()))
    for part in name.split("#"):
        pre, dot, var = part.rpartition(".")
        if not dot or OPERATED.match(part):              # `ses`, `L.ses`
            pre, var = "", part
        if "o" in pre.lstrip("0123456789") or pre.endswith("b") and "bn" not in pre:
            return None                                  # omitted or base
        operated = OPERATED.match(var)
        if (operated.group(2) if operated else var) not in session.data.vars:
            return "notfound"
        if session.data.is_string(var):
            return "string"
        x = np.asarray(session.data.column(var), dtype=float)[sample]
        level = pre.rstrip("bnco")
        vals = vals * ((x == float(level)).astype(float) if level else x)
    return vals


def _summ(x: np.ndarray, w: np.ndarray | None, wtype: str):
    """summarize's mean and sd (aweights normalized to the observations, fweights counted)."""
    ok = ~np.isnan(x)
    if w is not None:
        ok &= ~np.isnan(w)
    x = x[ok]
    if len(x) == 0:
        return [np.nan] * 4
    if w is None:
        sd = float(np.std(x, ddof=1)) if len(x) > 1 else np.nan
        return [float(np.mean(x)), sd, float(x.min()), float(x.max())]
    w = w[ok]
    sw = float(np.sum(w))
    mean = float(np.sum(w * x) / sw)
    n = sw if wtype == "fweight" else float(len(x))
    var = float(np.sum(w * (x - mean) ** 2)) / sw * n / (n - 1) if n > 1 else np.nan
    return [mean, float(np.sqrt(var)) if var == var else np.nan, float(x.min()), float(x.max())]


@subcommand("summarize", abbrev="su", syntax="raw",
            help="summary statistics of the estimation sample")
def estat_summarize(session, args, result):
    """estat summarize [eqlist] [, equation labels noheader noweights]"""
    from hlmshell.dataset.evaluate import evaluate
    from hlmshell.render.estat import EstatSummarize, SummRow
    from hlmshell.syntax.expr import parse_expression
    from hlmshell.syntax.spec import split_options
    main, opts = split_options(args.body)
    o = _options(opts) if opts is not None else {}
    sample = esample(result, session.data)
    if sample is None or not np.any(sample):
        raise StataError(498, "e(sample) information not available")
    depvar = result.macros.get("depvar", "")
    eq_mode = bool(o.get("equation"))
    if main.strip():
        eqs = _parse_eqlist(main.strip(), session.data.names)
        eq_mode = eq_mode or len(eqs) > 1 or eqs[0][0] != ""
    else:
        lists = _eq_lists(result)
        if eq_mode:
            eqs = ([("depvar", depvar.split())] if depvar else []) + \
                  [(eq, names) for eq, names in lists if names]
        else:
            names = depvar.split()
            for _, more in lists:
                names += [n for n in more if n not in names]
            eqs = [("", names)]
    wtype = result.macros.get("wtype", "")
    wexp = result.macros.get("wexp", "")
    w = None
    if wtype and not o.get("noweights"):
        text = wexp.lstrip("= ").strip()
        try:
            w = np.asarray(evaluate(parse_expression(text), session), dtype=float)
            w = np.broadcast_to(w, (session.data.nobs,))[sample]
        except StataError:
            raise StataError(111, "weighting expression cannot be evaluated") from None
    # every covariate but the dependent variables must be nonmissing in e(sample)
    deps = set(depvar.split())
    blocks = []
    stats, rownames = [], []
    for eq, names in eqs:
        rows = []
        for name in names:
            col = _column(session, name, sample)
            if col is None:
                continue
            if isinstance(col, str):
                rows.append(SummRow(name, None, col, _label(session, name)))
                continue
            miss = int(np.isnan(col).sum())
            if miss and name not in deps:
                raise StataError(498, f"{name} has {miss} missing "
                                      f"observation{'s' if miss > 1 else ''}")
            st = _summ(col, w, wtype)
            rows.append(SummRow(name, st, "numeric", _label(session, name)))
            stats.append(st)
            rownames.append(f"{eq}:{name}" if eq_mode else name)
        blocks.append((eq if eq_mode else "", rows))
    if w is not None:
        wst = _summ(w, None, "")
        wrow = SummRow("_weight", wst, "numeric", wexp)
        if eq_mode:
            blocks.append(("weight", [wrow]))
        else:
            blocks[-1][1].append(wrow)
        stats.append(wst)
        rownames.append("weight:_weight" if eq_mode else "_weight")
    nobs = int(sample.sum())
    if wtype == "fweight" and w is not None:
        nobs = int(np.sum(w))
    clusters = None
    clustvar = result.macros.get("clustvar", "")
    if clustvar:
        if not (clustvar in session.data.vars):
            raise StataError(111, f"cluster() variable {clustvar} not found")
        c = np.asarray(session.data.column(clustvar))[sample]
        _, sizes = np.unique(c.astype(str) if c.dtype == object else c, return_counts=True)
        clusters = (len(sizes), int(sizes.min()), float(sizes.mean()), int(sizes.max()))
    r = Returns()
    if stats:
        r.matrices["stats"] = StataMatrix(np.array(stats, dtype=float), rownames,
                                          ["mean", "sd", "min", "max"])
    session.r = r
    cmd = result.macros.get("cmd2") if result.macros.get("cmd") in ("gsem", "meglm") else None
    return EstatSummarize(cmd or result.macros.get("cmd", result.cmd), nobs, blocks,
                          bool(o.get("labels")), not o.get("noheader"), clusters,
                          int(session.settings.get("linesize", 79)),
                          dict(getattr(result, "fv_labels", {}) or {}))


def _label(session, name: str) -> str:
    var = name.split("#")[0].rpartition(".")[2]
    if name == "_weight" or not (var in session.data.vars):
        return ""
    return session.data.var(var).label or ""
