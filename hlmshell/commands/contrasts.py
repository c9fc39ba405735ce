"""contrast and pwcompare of a factor's marginal linear predictions (postest/contrasts.py).

  contrast [op.]factor [, effects mcompare(bonferroni|sidak) level(#)]
      op: r (rb#. for reference #), ar, a, g; no op: the joint test of the factor only
  contrast a#b: the joint test of the interaction; op.a#op.b: its interaction contrasts
      (the Kronecker product of the two factors' contrasts over the cell margins)
  pwcompare factor|a#b [, effects mcompare(bonferroni|sidak) level(#)]
"""
from __future__ import annotations

import itertools
import math
import re

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.estimates.esample import esample
from hlmshell.matrix import StataMatrix
from hlmshell.postest.contrasts import (adjusted, adjusted_level, contrast_rows, joint_test,
                                        level_text, pairwise_rows)
from hlmshell.postest.linear import coefs_of, critical, p_two_sided
from hlmshell.postest.margins import Covariates, MarginsRequest, compute
from hlmshell.render.contrasts import ContrastOutput, TestRow
from hlmshell.render.postest import CoefRow
from hlmshell.returns import Returns

_TERM = re.compile(r"^(?:(?P<op>r|ar|a|g|i|rb(?P<base>\d+))\.)?(?P<var>[A-Za-z_][A-Za-z0-9_]*)$")
METHODS = {"bonferroni": "Bonferroni", "sidak": "Sidak", "noadjust": None}


def _method(text: str | None) -> str | None:
    if not text:
        return None
    word = text.strip().lower()
    for full in METHODS:
        if len(word) >= 3 and full.startswith(word):
            return None if full == "noadjust" else full
    raise StataError(198, f"mcompare({text.strip()}) not allowed")


def _margins_of(session, var: str):
    """The factor's marginal linear predictions, asbalanced, over e(sample)."""
    c, levels, res = _cell_margins(session, [var])
    return c, levels[0], res


def _cell_margins(session, variables: list[str]):
    """The marginal linear predictions of the cells of var1#var2..., asbalanced, over
    e(sample), in the order of the cells (last factor fastest): (coefs, levels per factor,
    MarginsResult with b and V in that order)."""
    result = session.estimates.require()
    c = coefs_of(result)
    eq, bidx, names = result.xb_columns()
    cov = Covariates.from_names(names)
    for var in variables:
        if not cov.is_factor(var):
            raise StataError(322, f"factor '{var}' not found in list of covariates")
    req = MarginsRequest(terms=[list(variables)], atmeans=True, balanced=True, linear=True)
    sample = esample(result, session.data)
    if sample is None:
        sample = np.ones(session.data.nobs, dtype=bool)

    def column(v):
        if v not in session.data.names or session.data.is_string(v):
            raise StataError(111, f"variable {v} not found")
        return np.asarray(session.data.column(v), dtype=float)
    res = compute(req, names, bidx, c.b, c.V, result.link, column, sample)
    levels = [list(cov.levels[v]) for v in variables]
    if len(variables) > 1:
        where = {tuple(r.levels): k for k, r in enumerate(res.rows)}
        cells = list(itertools.product(*levels))
        if any(cell not in where for cell in cells):
            raise StataError(198, f"{'#'.join(variables)}: empty cells are not supported")
        order = [where[cell] for cell in cells]
        res.b, res.V = res.b[order], res.V[np.ix_(order, order)]
    return c, levels, res


def _one_term(args, session, allow_ops: bool):
    """The term: [(op, base, var)], one per factor of a#b (two at most)."""
    from hlmshell.dataset.varlist import unabbreviate
    words = args.anything.split()
    if len(words) != 1:
        raise StataError(198, "only one factor term is supported" if words else
                         "varlist required")
    parts = words[0].split("#")
    if len(parts) > 2 or len(set(p.split(".")[-1] for p in parts)) < len(parts):
        raise StataError(198, f"{words[0]}: invalid term")
    out = []
    for part in parts:
        m = _TERM.match(part)
        if m is None or (m.group("op") and not allow_ops):
            raise StataError(198, f"{words[0]}: invalid term")
        out.append((m.group("op"), m.group("base"),
                    unabbreviate(m.group("var"), session.data.names)))
    shown = [op not in (None, "i") for op, _, _ in out]
    if len(out) == 2 and shown[0] != shown[1]:   # r.a#b: contrasts within levels, not here
        raise StataError(198, f"{words[0]}: give both factors an operator, or neither")
    return out


def _estimate_rows(labels, d, Vd, df, level, method):
    m = len(d)
    lvl = adjusted_level(level, m, method)
    crit = critical(lvl, df)
    rows = []
    for k, label in enumerate(labels):
        se = math.sqrt(Vd[k, k]) if Vd[k, k] > 0 else math.nan
        stat = d[k] / se if se > 0 else math.nan
        p = adjusted(p_two_sided(stat, df), m, method)
        rows.append(CoefRow(label, d[k], se, stat, p, d[k] - crit * se, d[k] + crit * se))
    return rows


def _returns(names, d, Vd, rows, df, level):
    r = Returns()
    r.scalars["level"] = level
    r.matrices["b"] = StataMatrix(d.reshape(1, -1), ["y1"], names)
    r.matrices["V"] = StataMatrix(Vd, names, names, symmetric=True)
    r.matrices["table"] = StataMatrix(
        np.array([[x.b for x in rows], [x.se for x in rows], [x.stat for x in rows],
                  [x.p for x in rows], [x.lb for x in rows], [x.ub for x in rows]]),
        ["b", "se", "t" if df is not None else "z", "pvalue", "ll", "ul"], names)
    return r


@command("contrast", syntax="anything [, EFFects MCOMPare(string) Level(real)]",
         help="contrasts of a factor's marginal linear predictions")
def contrast(session, args):
    """contrast [op.]factor [, effects mcompare(method) level(#)]"""
    term = _one_term(args, session, True)
    level = float(args.options.get("level", session.settings.get("level", 95)))
    method = _method(args.options.get("mcompare"))
    var = "#".join(v for _, _, v in term)
    c, levels, res = _cell_margins(session, [v for _, _, v in term])
    shown = term[0][0] not in (None, "i")
    parts = [contrast_rows(lv, op if shown else "r", float(base) if base is not None else None)
             for (op, base, _), lv in zip(term, levels)]
    L, labels = parts[0]
    if len(parts) == 2:   # interaction contrasts: each a-contrast times each b-contrast
        L = np.kron(parts[0][0], parts[1][0])
        labels = [f"{la} {lb}" for la in parts[0][1] for lb in parts[1][1]]
    d, Vd = L @ res.b, L @ res.V @ L.T
    joint = joint_test(d, Vd, c.df_r)
    tests = []
    if shown and len(d) > 1:
        for k, label in enumerate(labels):
            t = joint_test(d[k:k + 1], Vd[k:k + 1, k:k + 1], c.df_r)
            tests.append(TestRow(label, t.df, t.stat, t.p))
        tests.append(TestRow("Joint", joint.df, joint.stat, joint.p))
    else:
        tests.append(TestRow(var, joint.df, joint.stat, joint.p))
    rows = _estimate_rows(labels, d, Vd, c.df_r, level, method) if shown else []
    names = [_colname(lab, [v for _, _, v in term]) for lab in labels]
    r = _returns(names, d, Vd, rows, c.df_r, level) if rows else Returns()
    r.matrices["df"] = StataMatrix(np.array([[joint.df]]), ["r1"], [var])
    key = "F" if c.df_r is not None else "chi2"
    r.matrices[key] = StataMatrix(np.array([[joint.stat]]), ["r1"], [var])
    r.matrices["p"] = StataMatrix(np.array([[joint.p]]), ["r1"], [var])
    if c.df_r is not None:
        r.scalars["df_r"] = c.df_r
    session.r = r
    return ContrastOutput("Contrasts of marginal linear predictions", var, tests, rows, level,
                          c.df_r is not None, c.df_r, bool(args.options.get("effects")),
                          METHODS.get(method) if method else None, eq=_eq_name(session))


@command("pwcompare", syntax="anything [, EFFects MCOMPare(string) Level(real)]",
         help="pairwise comparisons of a factor's marginal linear predictions")
def pwcompare(session, args):
    """pwcompare factor [, effects mcompare(method) level(#)]"""
    term = _one_term(args, session, False)
    variables = [v for _, _, v in term]
    var = "#".join(variables)
    level = float(args.options.get("level", session.settings.get("level", 95)))
    method = _method(args.options.get("mcompare"))
    c, levels, res = _cell_margins(session, variables)
    if len(levels) == 1:
        L, labels = pairwise_rows(levels[0])
        names = [f"{lab.replace(' vs ', 'vs')}.{var}" for lab in labels]
    else:   # every cell against every earlier one, cells labelled (a b)
        cells = list(itertools.product(*levels))
        L, _ = pairwise_rows(list(range(len(cells))))
        pairs = [(j, i) for i in range(len(cells)) for j in range(i + 1, len(cells))]
        labels = [f"({_cell(cells[j])}) vs ({_cell(cells[i])})" for j, i in pairs]
        names = ["#".join(f"{level_text(cells[j][k])}vs{level_text(cells[i][k])}.{v}"
                          for k, v in enumerate(variables)) for j, i in pairs]
    notes = []
    if method and len(labels) == 1:   # as Stata 17 notes it, then reports Unadjusted
        notes.append(f"note: option {method} ignored since there is only one comparison")
        method = None
    d, Vd = L @ res.b, L @ res.V @ L.T
    rows = _estimate_rows(labels, d, Vd, c.df_r, level, method)
    session.r = _returns(names, d, Vd, rows, c.df_r, level)
    return ContrastOutput("Pairwise comparisons of marginal linear predictions", var, [], rows,
                          level, c.df_r is not None, c.df_r, bool(args.options.get("effects")),
                          METHODS[method] if method else "Unadjusted",
                          len(rows) if method else None, notes, eq=_eq_name(session))


def _cell(levels) -> str:
    return " ".join(level_text(v) for v in levels)


def _colname(label: str, variables: list[str]) -> str:
    """r(b)'s column name of a contrast: `1vs0.sector`, `1vs0.sector#1vs0.female`."""
    parts = re.findall(r"\(([^()]*)\)", label) or [label]
    return "#".join(f"{p.replace(' vs ', 'vs')}.{v}" for p, v in zip(parts, variables))


def _eq_name(session) -> str:
    """Stata shows the equation above the term when e(b) has several (mestreg's `_t`)."""
    eq = session.estimates.active.xb_columns()[0]
    cols = session.estimates.active.matrices["b"].colnames
    return eq if eq and any(not c.startswith(eq + ":") for c in cols) else ""
