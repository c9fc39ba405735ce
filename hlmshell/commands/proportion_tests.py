"""prtest / prtesti ([R] prtest) and bitest / bitesti ([R] bitest). Numbers from
models/proportion_tests.py, layouts in render/proportion_tests.py; checks, messages and
r() from prtest.ado (2.2.0), prtesti.ado (2.3.1), bitest.ado (1.1.4) and bitesti.ado
(4.2.0). prtest's cluster adjustment (cluster(), rho(), rho1(), rho2()) and bitest's
fweights are not implemented: they are refused."""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.anova1 import level_of, numeric
from hlmshell.commands.registry import command
from hlmshell.commands.ttest import EQ, _number, _variable
from hlmshell.commands.ttest import _word_number as _ttest_word
from hlmshell.errors import StataError
from hlmshell.returns import Returns
from hlmshell.syntax.spec import Spec, split_options

SPEC = Spec("varname [=exp] [if] [in] [, BY(string) Level(real)]")


def _run_byable(session, bound, run):
    from hlmshell.commands.by import repeat_by
    from hlmshell.render import to_text
    if bound.prefix is not None:
        return repeat_by(session, bound, lambda sample, rows: to_text(run(sample)))
    return run(bound.touse(session))


def _bind(session, args, spec):
    body = EQ.sub(r"\1=", args.anything, count=1)
    bound = spec.bind(body, session.data.names, session.data.nobs)
    bound.prefix, bound.bysort, bound.weight = args.prefix, args.bysort, args.weight
    return bound


@command("prtest", abbrev="prtest", syntax="raw", help="tests of proportions", by_ok=True)
def prtest_cmd(session, args):
    """prtest varname == #p [if] [in] [, level(#)]
    prtest varname1 == varname2 [if] [in] [, level(#)]
    prtest varname [if] [in], by(groupvar) [level(#)]"""
    bound = _bind(session, args, SPEC)
    opts = bound.options
    level = level_of(session, opts)
    name = bound.varlist[0]
    x = numeric(session.data, name)
    if bound.exp is not None:
        if opts.get("by"):
            raise StataError(198, "may not combine == and option by()")
        p0 = _number(bound.exp_text.strip())
        if p0 is not None:
            return _run_byable(session, bound,
                               lambda s: _one(session, name, x, p0, bound.exp_text.strip(),
                                              s, level))
        other = _variable(session.data, bound.exp_text.strip())
        y = numeric(session.data, other)
        return _run_byable(session, bound,
                           lambda s: _two_vars(session, name, x, other, y, s, level))
    if not opts.get("by"):
        raise StataError(100, "option by() required")
    return _run_byable(session, bound, lambda s: _by(session, bound, name, x, s, level))


def _check01(x, rows, name):
    v = x[rows & ~np.isnan(x)]
    if ((v != 0) & (v != 1)).any():
        raise StataError(450, f"{name} is not a 0/1 variable")


def _one(session, name, x, p0, p0_text, sample, level):
    from hlmshell.models.proportion_tests import pr_one
    from hlmshell.render.proportion_tests import PrRow, PrtestOutput, proportion_text
    rows = sample & ~np.isnan(x)
    _check01(x, rows, name)
    if not 0 < p0 < 1:
        raise StataError(450, f"{p0_text} is not in (0,1)")
    n = int(rows.sum())
    if n == 0:
        raise StataError(2000, "no observations")
    res = pr_one(n, float(x[rows].mean()), p0, level)
    _post_one(session, res, level)
    m0 = proportion_text(p0)
    title = "One-sample test of proportion".ljust(48) + "Number of obs      = " + \
        _fmt(n, "%9.0g")
    return PrtestOutput([title, ""], "Variable",
                        [PrRow(name, res.P, res.se, res.lb, res.ub)],
                        left=f"    p = proportion({abbrev12(name)})", z=res.z,
                        h0=f"H0: p = {m0}", ha=("p", m0), p_l=res.p_l, p=res.p, p_u=res.p_u,
                        level=level)


def abbrev12(name: str) -> str:
    from hlmshell.render.formats import abbrev
    return abbrev(name, 12)


def _fmt(x, spec):
    from hlmshell.render.formats import fmt
    return fmt(x, spec)


def _post_one(session, res, level):
    session.r = Returns({"level": float(level), "p_u": res.p_u, "p": res.p, "p_l": res.p_l,
                         "z": res.z, "lb": res.lb, "ub": res.ub, "se": res.se, "P": res.P,
                         "N": float(res.n)})


def _two_vars(session, name, x, other, y, sample, level):
    _check01(x, sample, name)
    _check01(y, sample, other)
    xs, ys = x[sample & ~np.isnan(x)], y[sample & ~np.isnan(y)]
    return _two(session, len(xs), _mean(xs), len(ys), _mean(ys), name, other, "Variable",
                level)


def _mean(v):
    return float(v.mean()) if len(v) else math.nan


def _by(session, bound, name, x, sample, level):
    from hlmshell.commands.tabulate import _value_texts
    from hlmshell.dataset.varlist import unabbreviate
    data = session.data
    words = bound.options["by"].split()
    if len(words) != 1:
        raise StataError(103 if len(words) > 1 else 100,
                         "too many variables specified" if words else "varlist required")
    gname = unabbreviate(words[0], data.names)
    values = np.unique(x[sample & ~np.isnan(x)])
    if len(values) != 2:
        raise StataError(450, f"{name} takes on {len(values)} values, not 2")
    g = data.column(gname)
    present = (g != "") if data.is_string(gname) else ~np.isnan(g)
    levels = np.unique(g[sample & present])
    if len(levels) != 2:
        raise StataError(450, f"{gname} takes on {len(levels)} values, not 2")
    parts = [x[sample & (g == v) & ~np.isnan(x)] for v in levels]
    labels = [t[:8] if data.is_string(gname) else t
              for t in _value_texts(data, data.var(gname), levels)]
    from hlmshell.commands.ttest import _head
    return _two(session, len(parts[0]), _mean(parts[0]), len(parts[1]), _mean(parts[1]),
                labels[0], labels[1], _head(data, labels[0]), level)


def _p_check(p, text, n=None, count=False):
    if count:
        if p > 1 or p < 0:
            raise StataError(198, f"{text} not less than {n}")
    elif not 0 <= p <= 1:
        raise StataError(198, f"{text} not in [0,1]")


def _two(session, n1, p1, n2, p2, xname, yname, head, level,
         texts=None):
    from hlmshell.models.proportion_tests import pr_two
    from hlmshell.render.proportion_tests import PrRow, PrtestOutput
    from hlmshell.render.formats import display_number
    t1, t2 = texts or (display_number(p1), display_number(p2))
    _p_check(p1, t1)
    _p_check(p2, t2)
    if n1 <= 1:
        raise StataError(2001, "insufficient observations")
    res = pr_two(n1, p1, n2, p2, level)
    d = p1 - p2
    lb1, ub1 = res.ci(p1, res.se1)
    lb2, ub2 = res.ci(p2, res.se2)
    lbd, ubd = res.ci(d, res.se_diff)
    session.r = Returns({"level": float(level), "p_u": res.p_u, "p": res.p, "p_l": res.p_l,
                         "z": res.z, "ub_diff": ubd, "lb_diff": lbd, "ub2": ub2, "lb2": lb2,
                         "ub1": ub1, "lb1": lb1, "se_diff": res.se_diff,
                         "se_diff0": res.se_diff0, "se2": res.se2, "se1": res.se1,
                         "P_diff": d, "P2": p2, "P1": p1, "N2": float(n2), "N1": float(n1)})
    xn, yn = xname.strip()[:12], yname.strip()[:12]
    titles = ["Two-sample test of proportions".ljust(52 - len(xn)) + xn
              + ": Number of obs = " + _fmt(n1, "%8.0g"),
              " " * (52 - len(yn)) + yn + ": Number of obs = " + _fmt(n2, "%8.0g")]
    # the `under H0:` line shows the pooled SE and the test's own z and p (prtesti's tnew)
    return PrtestOutput(titles, head, [PrRow(xn, p1, res.se1, lb1, ub1),
                                       PrRow(yn, p2, res.se2, lb2, ub2)],
                        PrRow("diff", d, res.se_diff, lbd, ubd),
                        (res.se_diff0, res.z, res.p),
                        f"        diff = prop({xn}) - prop({yn})", res.z, "    H0: diff = 0",
                        ("diff", "0"), res.p_l, res.p, res.p_u, level, show_z=True)


def _word_number(word: str, integer: bool = False) -> float:
    """confirm [integer] number: a missing value "." is not one (r(7))."""
    if word == ".":
        raise StataError(7, f"'.' found where {'integer' if integer else 'number'} expected")
    return _ttest_word(word, integer)


# ------------------------------------------------------------------------------ prtesti
PRTESTI = Spec(", Xname(string) Yname(string) Count Level(real)")


@command("prtesti", abbrev="prtesti", syntax="raw", help="tests of proportions from numbers")
def prtesti_cmd(session, args):
    """prtesti #obs1 #p1 #p2 [, level(#) count]
    prtesti #obs1 #p1 #obs2 #p2 [, level(#) count xname() yname()]"""
    main, opt_text = split_options(args.anything)
    opts = PRTESTI.bind_options(opt_text) if opt_text is not None else {}
    level = level_of(session, opts)
    words = main.split()
    if len(words) not in (3, 4):
        raise StataError(198, "either three arguments for a one-sample test or four "
                              "arguments for a two-sample test must be specified")
    count = bool(opts.get("count"))
    if len(words) == 4:
        n1 = int(_word_number(words[0], integer=True))
        p1 = _word_number(words[1], integer=count)
        n2 = int(_word_number(words[2], integer=True))
        p2 = _word_number(words[3], integer=count)
        if count:
            p1, p2 = (p1 / n1 if p1 <= n1 else p1), (p2 / n2 if p2 <= n2 else p2)
            _p_check(p1, words[1], words[0], True)
            _p_check(p2, words[3], words[2], True)
        xname, yname = opts.get("xname") or "x", opts.get("yname") or "y"
        head = ""
        if opts.get("xname"):
            from hlmshell.commands.ttest import _head
            head = _head(session.data, opts["xname"].strip()[:12])
        return _two(session, n1, p1, n2, p2, xname, yname, head, level,
                    texts=(words[1], words[3]))
    from hlmshell.models.proportion_tests import pr_one
    from hlmshell.render.proportion_tests import PrRow, PrtestOutput, proportion_text
    n1 = int(_word_number(words[0], integer=True))
    p1 = _word_number(words[1], integer=count)
    p0 = _word_number(words[2])
    _p_check(p0, words[2])
    if count:
        p1 = p1 / n1 if p1 <= n1 else p1
        _p_check(p1, words[1], words[0], True)
    else:
        _p_check(p1, words[1])
    if n1 <= 1:
        raise StataError(2001, "insufficient observations")
    res = pr_one(n1, p1, p0, level)
    with np.errstate(all="ignore"):
        _post_one(session, res, level)
    m0 = proportion_text(p0)
    title = "One-sample test of proportion".ljust(51) + "x: Number of obs = " + \
        _fmt(n1, "%8.0g")
    return PrtestOutput([title], "", [PrRow("x", res.P, res.se, res.lb, res.ub)],
                        left="    p = proportion(x)", z=res.z, h0=f"H0: p = {m0}",
                        ha=("p", m0), p_l=res.p_l, p=res.p, p_u=res.p_u, level=level)


# ------------------------------------------------------------------------------- bitest
BITEST = Spec("varname =exp [if] [in] [, Detail]")


@command("bitest", abbrev="bitest", syntax="raw", help="binomial probability test",
         by_ok=True)
def bitest_cmd(session, args):
    """bitest varname == #p [if] [in] [, detail]"""
    from hlmshell.dataset.evaluate import evaluate
    bound = _bind(session, args, BITEST)
    name = bound.varlist[0]
    x = numeric(session.data, name)
    p0 = evaluate(bound.exp, session, scalar=True)
    if isinstance(p0, str):
        raise StataError(109, "type mismatch")

    def run(sample):
        rows = sample & ~np.isnan(x)
        _check01(x, rows, name)
        return _binomial(session, int(rows.sum()), int(x[rows].sum()), p0, name,
                         bool(bound.options.get("detail")))
    return _run_byable(session, bound, run)


BITESTI = Spec(", XName(string) Detail")


@command("bitesti", abbrev="bitesti", syntax="raw", help="binomial probability test from "
         "numbers")
def bitesti_cmd(session, args):
    """bitesti #N #succ #p [, detail]: #succ that is not an integer is a proportion."""
    main, opt_text = split_options(args.anything)
    opts = BITESTI.bind_options(opt_text) if opt_text is not None else {}
    words = main.split()
    if len(words) != 3:
        raise StataError(198, "invalid syntax")
    n = int(_word_number(words[0], integer=True))
    k = _word_number(words[1])
    p0 = _word_number(words[2])
    if n < 1:
        raise StataError(2001, "insufficient observations")
    if k != int(k):
        k = math.floor(k * n + 0.5)     # Stata's round(k*n, 1)
    return _binomial(session, n, int(k), p0, opts.get("xname", ""), bool(opts.get("detail")))


def _binomial(session, n, k, p0, name, detail):
    from hlmshell.models.proportion_tests import binomial_test, pmf
    from hlmshell.render.proportion_tests import BitestOutput
    if n < 1:
        raise StataError(2001, "insufficient observations")
    if k < 0 or k > n:
        raise StataError(450, "number of successes invalid")
    if not 0 < p0 < 1:
        raise StataError(450, "p invalid")
    res = binomial_test(n, k, p0)
    r = {"p_u": res.p_u, "p_l": res.p_l, "N": float(n), "P_p": p0, "k": float(k),
         "k_opp": math.nan if res.k_opp is None else float(res.k_opp), "p": res.p}
    lines = []
    if detail:
        r["P_k"] = pmf(n, k, p0)
        lines.append((k, r["P_k"], "observed"))
        nopp = None
        if res.k_opp is not None:
            k1 = res.k_opp - int(np.sign(res.k_opp - k))
            if k1 != k and k1 != res.k_opp:
                nopp = k1
        else:
            nopp = 0 if res.empty == "lower" else n
        if nopp is not None:
            r["k_nopp"] = float(nopp)
            r["P_noppk"] = pmf(n, nopp, p0)
            lines.append((nopp, r["P_noppk"], ""))
        if res.k_opp is not None:
            r["P_oppk"] = pmf(n, res.k_opp, p0)
            lines.append((res.k_opp, r["P_oppk"], "opposite extreme"))
    session.r = Returns(r)
    return BitestOutput(name, n, k, p0, res.p_u, res.p_l, res.p, res.k_opp, res.empty, lines)
