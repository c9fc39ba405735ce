"""test, testparm, lincom, nlcom: after any estimation result (postest/linear.py).

Syntax ([R] test, [R] lincom, [R] nlcom):
  test coeflist | exp=exp[=...] | (spec) (spec) ... [, accumulate notest]
  testparm varlist [, equal]
  lincom exp [, level(#) eform or irr hr rrr]
  nlcom [name:] exp | (name: exp) (name: exp) ... [, level(#) post]
"""
from __future__ import annotations

import math
import re

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.postest.coefexpr import CoefExpr, CoefIndex
from hlmshell.postest.linear import WaldTest, coefs_of, lincom as lincom_num, nlcom as nlcom_num, wald
from hlmshell.render.postest import (CoefRow, CoefTable, LincomOutput, NlcomOutput,
                                     TestOutput, constraint_text)
from hlmshell.returns import Returns
from hlmshell.syntax.spec import top_level_positions

EFORM_TITLES = {"eform": "exp(b)", "or": "Odds ratio", "irr": "IRR", "hr": "Haz. ratio",
                "shr": "SHR", "rrr": "RRR"}


def _level(session, args) -> float:
    level = args.options.get("level", session.settings.get("level", 95))
    if not 10 <= level <= 99.99:
        raise StataError(198, "level() must be between 10 and 99.99 inclusive")
    return float(level)


def paren_groups(text: str) -> list[str] | None:
    """`(a=0) (b=0)` → ['a=0', 'b=0']; None when the text is not all parenthesised groups."""
    text = text.strip()
    if not text.startswith("("):
        return None
    groups, depth, start = [], 0, None
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise StataError(198, "unmatched close parenthesis")
            if depth == 0:
                groups.append(text[start:i])
        elif depth == 0 and not ch.isspace():
            return None
    if depth:
        raise StataError(198, "parentheses unbalanced")
    return groups


# --------------------------------------------------------------------------- test
def _constraints(spec: str, session, result, index: CoefIndex, constant: bool = False):
    """One test specification → list of (g row, rhs)."""
    spec = spec.strip()
    if not spec:
        raise StataError(198, "invalid syntax")
    if "===" in spec:
        raise StataError(198, "=== invalid operator")
    spec = spec.replace("==", "=")
    sides = [s for _, s in _split_top(spec, "=")]
    if len(sides) > 1:
        if any(not s.strip() for s in sides):
            raise StataError(198, "invalid syntax")
        first = CoefExpr(sides[0], session, result, index).linear()
        out = []
        for other in sides[1:]:
            g2, c2 = CoefExpr(other, session, result, index).linear()
            out.append((first[0] - g2, c2 - first[1]))
        return out
    out = []
    eq = None
    m = re.match(r"^\[\s*([^\]]*?)\s*\]\s*:\s*(.*)$", spec)
    if m:
        eq, spec = m.group(1), m.group(2)
    for word in re.sub(r"\s*#\s*", "#", spec).split():
        if re.fullmatch(r"\[[^\]]*\]", word):
            # `[eq]`: every estimated coefficient of the equation, _cons only with
            # `constant` (test.ado's option)
            if "=" in word:
                raise StataError(198, f"{word}: tests of equal equations are not supported")
            j0 = index.find("_cons", word[1:-1]) if "_cons" in index.keys else None
            eqname = index.eqs[j0] if j0 is not None else word[1:-1].strip()
            if eqname not in index.eqs:
                raise StataError(303, f"equation {word} not found")
            for j, (e, key) in enumerate(zip(index.eqs, index.keys)):
                name = index.names[j].rpartition(":")[2]
                if e != eqname or (key == "_cons" and not constant) or _base_or_omitted(name):
                    continue
                g = np.zeros(len(index.names))
                g[j] = 1.0
                out.append((g, 0.0))
            continue
        m = re.fullmatch(r"\[([^\]]*)\](.+)", word)
        j = index.find(m.group(2), m.group(1)) if m else index.find(word, eq)
        g = np.zeros(len(index.names))
        g[j] = 1.0
        out.append((g, 0.0))
    if not out:
        raise StataError(198, "invalid syntax")
    return out


def _split_top(text: str, sep: str):
    start = 0
    for i, _ in top_level_positions(text, sep):
        yield start, text[start:i]
        start = i + 1
    yield start, text[start:]


def _terms(g: np.ndarray, index: CoefIndex) -> list[tuple[float, str]]:
    return [(float(g[j]), index.label(j)) for j in np.flatnonzero(g)]


def run_test(session, rows: list[tuple[np.ndarray, float]], accumulate: bool, notest: bool):
    result = session.estimates.require()
    c = coefs_of(result)
    index = CoefIndex(c.names)
    prior = getattr(session, "test_constraints", None)
    if accumulate and prior is not None and prior[0] is result:
        rows = list(prior[1]) + list(rows)
    texts = [constraint_text(_terms(g, index), rhs) for g, rhs in rows]
    R = np.array([g for g, _ in rows])
    q = np.array([rhs for _, rhs in rows])
    w = wald(R, q, c)
    w = _small_wald(result, w)
    session.test_constraints = (result, rows)
    if notest:
        session.r = Returns()
        return TestOutput(texts, [], 0, None, math.nan, math.nan, show_test=False)
    r = Returns()
    r.scalars["drop"] = 1 if w.dropped else 0
    if w.df_r is None:
        r.scalars["chi2"] = w.chi2
    else:
        r.scalars["df_r"] = w.df_r
        r.scalars["F"] = w.F
    r.scalars["df"] = w.df
    r.scalars["p"] = w.p
    for k, d in enumerate(w.dropped, start=1):
        r.scalars[f"dropped_{k}"] = d
    session.r = r
    stat = w.chi2 if w.df_r is None else w.F
    return TestOutput(texts, w.dropped, w.df, w.df_r, stat, w.p)


def _small_wald(result, w):
    """After mixed, dfmethod(): the F test of the DF method (postest/smalldf.py)."""
    from hlmshell.postest.smalldf import small_of, small_test
    if small_of(result) is None or w.df == 0:
        return w
    kept = [i for i in range(w.R.shape[0]) if i + 1 not in w.dropped]
    got = small_test(result, w.R[kept], w.q[kept])
    if got is None:
        return w
    from scipy import special
    F, df, ddf = got
    p = float(special.fdtrc(df, ddf, F)) if np.isfinite(F) and ddf > 0 else math.nan
    return WaldTest(w.R, w.q, w.dropped, df, ddf, math.nan, F, p)


@command("test", abbrev="te", syntax="anything [, Accumulate NOTest CONStant]",
         help="Wald tests of linear hypotheses about the coefficients")
def test(session, args):
    """test coeflist [, accumulate notest]
    test [eq] [, constant accumulate notest]
    test exp=exp[=exp...] [, accumulate notest]
    test (spec) [(spec) ...] [, accumulate notest]
    """
    result = session.estimates.require()
    index = CoefIndex(coefs_of(result).names)
    groups = paren_groups(args.anything) or [args.anything]
    rows = []
    for spec in groups:
        rows += _constraints(spec, session, result, index,
                             bool(args.options.get("constant")))
    return run_test(session, rows, bool(args.options.get("accumulate")),
                    bool(args.options.get("notest")))


# ------------------------------------------------------------------------ testparm
def testparm_columns(words: str, session, result) -> list[int]:
    """The e(b) columns (first equation, not base/omitted) of the terms in the varlist."""
    from hlmshell.render.mixed import parse_column
    from hlmshell.syntax.factor import parse_terms, resolver_for, term_name
    terms = parse_terms(words, resolver_for(session.data.names))
    wanted = {term_name(t) for t in terms}
    eq, idx, names = result.xb_columns()
    cols = []
    for j, name in zip(idx, names):
        term = parse_column(name)[0]
        if term in wanted and not _base_or_omitted(name):
            cols.append(j)
    return cols


def _base_or_omitted(name: str) -> bool:
    """An omitted column (`o.` / `3o.x` anywhere), or a base cell: every factor part of
    the name marked `b` (`0b.a#0b.b`). `0b.a#1.b` is estimated, and testparm tests it (as
    Stata's testparm lists ` ( 1)  [y]0b.tax2020#1.singles = 0`)."""
    parts = name.split("#")
    marks = [p.rpartition(".")[0] for p in parts]
    if any("o" in m.lstrip("0123456789") for m in marks):
        return True
    factor = [m for m in marks if m[:1].isdigit()]
    return bool(factor) and all("b" in m for m in factor)


@command("testparm", syntax="anything [, EQual]",
         help="test that the coefficients of the variables are zero (or equal)")
def testparm(session, args):
    """testparm varlist [, equal]"""
    result = session.estimates.require()
    k = len(coefs_of(result).names)     # r(301) when e(b) or e(V) is missing
    cols = testparm_columns(args.anything, session, result)
    if not cols:
        raise StataError(111, "no such variables")
    rows = []
    if args.options.get("equal"):
        if len(cols) < 2:
            raise StataError(102, "too few variables specified")
        for j in cols[1:]:
            g = np.zeros(k)
            g[j], g[cols[0]] = 1.0, -1.0
            rows.append((g, 0.0))
    else:
        for j in cols:
            g = np.zeros(k)
            g[j] = 1.0
            rows.append((g, 0.0))
    return run_test(session, rows, False, False)


# -------------------------------------------------------------------------- lincom
def _eform(args) -> str | None:
    chosen = [o for o in EFORM_TITLES if args.options.get(o)]
    if len(chosen) > 1:
        raise StataError(198, "only one display option can be specified")
    return chosen[0] if chosen else None


@command("lincom", syntax="anything [, Level(real) EForm OR IRr HR SHR RRr]",
         help="a linear combination of the coefficients, with its SE and CI")
def lincom(session, args):
    """lincom exp [, level(#) eform or irr hr shr rrr]"""
    result = session.estimates.require()
    level = _level(session, args)
    eform = _eform(args)
    if eform is None and result.cmd == "logistic":
        eform = "or"
    c = coefs_of(result)
    index = CoefIndex(c.names)
    text = args.anything
    if re.search(r"(?<![=!<>~])=(?!=)", text):
        raise StataError(198, '"=" not allowed in expression')
    g, const = CoefExpr(text, session, result, index).linear()
    if eform and const != 0:     # lincom.ado: exp(b + c) is not a ratio
        raise StataError(198, f"additive constant term not allowed with {eform} option")
    from hlmshell.postest.smalldf import small_df
    ddf = small_df(result, g)
    if ddf is not None:     # after mixed, dfmethod(): t with the combination's DF
        c.df_r = ddf
    comb = lincom_num(g, const, c, level)
    row = CoefRow("(1)", comb.estimate, comb.se, comb.stat, comb.p, comb.lb, comb.ub)
    if eform:   # as displayed, and as lincom.ado stores r(estimate) and r(se)
        e = math.exp(comb.estimate)
        row = CoefRow("(1)", e, e * comb.se, comb.stat, comb.p, math.exp(comb.lb),
                      math.exp(comb.ub))
    r = Returns()
    r.scalars["estimate"] = row.b
    r.scalars["se"] = row.se
    if comb.df is not None:
        r.scalars["df"] = comb.df
    r.scalars["t" if comb.df is not None else "z"] = comb.stat
    r.scalars["p"] = comb.p
    r.scalars["lb"] = row.lb
    r.scalars["ub"] = row.ub
    r.scalars["level"] = level
    session.r = r
    table = CoefTable(c.depvar, [row], level, comb.df is not None,
                      EFORM_TITLES[eform] if eform else "Coefficient")
    return LincomOutput(constraint_text(_terms(g, index), -const), table)


# --------------------------------------------------------------------------- nlcom
_NAMED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(?!\s*[A-Za-z_0-9.]*\])(.*)$", re.S)


def nlcom_specs(text: str) -> list[tuple[str | None, str]]:
    groups = paren_groups(text)
    parts = groups if groups is not None else [text]
    out = []
    for part in parts:
        m = _NAMED.match(part)
        if m and not part.lstrip().startswith("_b["):
            out.append((m.group(1), m.group(2).strip()))
        else:
            out.append((None, part.strip()))
    if groups is None and len(out) == 1 and not out[0][1]:
        raise StataError(198, "invalid syntax")
    return out


@command("nlcom", syntax="[anything] [, Level(real) POST]",
         help="nonlinear combinations of the coefficients (delta method)")
def nlcom(session, args):
    """nlcom [name:] exp [, level(#) post]
    nlcom (name: exp) [(name: exp) ...] [, level(#) post]
    """
    result = session.estimates.require()
    if not args.anything.strip():   # replay after `nlcom ..., post` (nlcom.ado), else 198
        if result.cmd == "nlcom" and result.model is not None:
            return result.model
        if result.cmd == "nlcom":
            raise StataError(301, "last estimates not found")
        raise StataError(198, "invalid syntax")
    level = _level(session, args)
    c = coefs_of(result)
    index = CoefIndex(c.names)
    specs = nlcom_specs(args.anything)
    names, texts, funcs = [], [], []
    for k, (name, text) in enumerate(specs, start=1):
        if re.search(r"(?<![=!<>~])=(?!=)", text):
            raise StataError(198, '"=" not allowed in expression')
        expr = CoefExpr(text, session, result, index, bare=False)
        name = name or f"_nl_{k}"
        if name in names:
            raise StataError(198, f"{name} already defined")
        names.append(name)
        texts.append(text.strip())
        funcs.append((expr, expr.used))
    res = nlcom_num(funcs, names, texts, c, level, c.df_r)
    from hlmshell.matrix import StataMatrix
    r = Returns()
    if "N" in result.scalars:
        r.scalars["N"] = result.scalars["N"]
    if c.df_r is not None:
        r.scalars["df_r"] = c.df_r
    r.matrices["b"] = StataMatrix(res.b.reshape(1, -1), ["r1"], list(names))
    r.matrices["V"] = StataMatrix(res.V, list(names), list(names), symmetric=True)
    rows = [CoefRow(x.label, x.estimate, x.se, x.stat, x.p, x.lb, x.ub) for x in res.rows]
    out = NlcomOutput(names, texts, CoefTable(c.depvar, rows, level, c.df_r is not None))
    if args.options.get("post"):
        from hlmshell.estimates.results import EstimationResult
        est = EstimationResult(
            cmd="nlcom", scalars={"N": result.scalars.get("N", math.nan),
                                  **({"df_r": c.df_r} if c.df_r is not None else {})},
            macros={"cmd": "nlcom", "depvar": c.depvar, "properties": "b V"},
            matrices={"b": StataMatrix(res.b.reshape(1, -1), ["y1"], list(names)),
                      "V": StataMatrix(res.V, list(names), list(names), symmetric=True)},
            sample=result.sample, model=out)
        session.estimates.post(est)
        session.r = Returns()
    else:
        session.r = r
    return out
