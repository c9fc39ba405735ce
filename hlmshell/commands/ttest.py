"""ttest and ttesti ([R] ttest): one-sample, two-sample (by group or two variables,
unpaired) and paired t tests on the data, and the immediate forms from summary numbers.
Numbers from models/anova1.py, layout in render/anova1.py. The rules (what `== x` means,
group order and labels, argument checks, messages, r()) follow Stata's ttest.ado,
_ttest.ado and ttesti.ado.
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.anova1 import level_of, numeric
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.returns import Returns
from hlmshell.syntax.spec import Spec

SPEC = Spec("varname [=exp] [if] [in] [, BY(string) UNPaired UNEqual Welch Level(real) "
            "REVerse]")
EQ = re.compile(r"^(\s*[^\s=]+\s*)==")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@command("ttest", abbrev="ttest", syntax="raw",
         help="t tests (mean-comparison tests)", by_ok=True)
def ttest_cmd(session, args):
    """ttest varname == # [if] [in] [, level(#)]
    ttest varname [if] [in], by(groupvar) [unequal welch reverse level(#)]
    ttest varname1 == varname2 [if] [in] [, unpaired unequal welch level(#)]"""
    body = EQ.sub(r"\1=", args.anything, count=1)
    bound = SPEC.bind(body, session.data.names, session.data.nobs)
    bound.prefix, bound.bysort, bound.weight = args.prefix, args.bysort, args.weight
    opts = bound.options
    level = level_of(session, opts)
    if bound.exp is not None:
        if opts.get("by"):
            raise StataError(198, "may not combine = and option by()")
        if opts.get("reverse"):
            raise StataError(198, "may not combine = and option reverse")
        run = _with_exp
    elif not opts.get("by"):
        raise StataError(100, "by() option required")
    else:
        run = _by_group
    from hlmshell.commands.by import repeat_by
    from hlmshell.render import to_text
    if bound.prefix is not None:
        return repeat_by(session, bound,
                         lambda sample, rows: to_text(run(session, bound, sample, level)))
    return run(session, bound, bound.touse(session), level)


def _unequal(opts) -> str:
    return "welch" if opts.get("welch") else "satterthwaite" if opts.get("unequal") else ""


def _number(text: str) -> float | None:
    """A number as Stata's `confirm number` takes it (not an expression)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return None if text.lower().lstrip("+-") in ("nan", "inf", "infinity") else value


def _hypothesis_text(text: str, value: float) -> str:
    """The hypothesised mean as ttest writes it: as typed, or %8.0g when longer than 8."""
    from hlmshell.render.formats import fmt
    return text if len(text) <= 8 else fmt(value, "%8.0g").strip()


# ------------------------------------------------------------------ var == # | var == var
def _with_exp(session, args, sample, level):
    data = session.data
    name = args.varlist[0]
    x = numeric(data, name)
    other = args.exp_text.strip()
    opts = args.options
    if opts.get("unpaired"):
        return _unpaired(session, args, sample, level, name, x, _variable(data, other))
    for opt in ("unequal", "welch"):
        if opts.get(opt):
            raise StataError(198, f"{opt} option invalid for one-sample or paired tests")
    mu0 = _number(other)
    if mu0 is None:
        return _paired(session, sample, level, name, x, _variable(data, other))
    from hlmshell.models.anova1 import moments, one_sample
    n, mean, sd = moments(x[sample & ~np.isnan(x)])
    if n == 0:
        raise StataError(2000, "no observations")
    res = one_sample(name, n, mean, sd, mu0, level)
    _post(session, res)
    return _one_output(res, name, _hypothesis_text(other, mu0), _head(data, name))


def _variable(data, text: str) -> str:
    """`confirm variable`: a (possibly abbreviated) variable name."""
    from hlmshell.dataset.varlist import unabbreviate
    if not NAME.fullmatch(text):
        raise StataError(198, f"{text} invalid name")
    return unabbreviate(text, data.names)


def _is_var(data, word: str) -> bool:
    try:
        _variable(data, word)
        return True
    except StataError:
        return False


def _head(data, xname: str) -> str:
    """The first column's heading: Variable when the first name is a variable (as
    _ttest.ado's check), else Group; blank for ttesti without xname()."""
    if not xname:
        return ""
    return "Variable" if _is_var(data, xname) else "Group"


def _check_sizes(*ns) -> None:
    for n, which in zip(ns, ("first", "second")):
        if n == 0:
            raise StataError(2000, "no observations" if len(ns) == 1
                             else f"{which} sample has no observations")


def _unpaired(session, args, sample, level, name, x, other):
    from hlmshell.models.anova1 import moments, two_sample
    y = numeric(session.data, other)
    xs, ys = x[sample & ~np.isnan(x)], y[sample & ~np.isnan(y)]
    _check_sizes(len(xs), len(ys))
    res = two_sample((name, *moments(xs)), (other, *moments(ys)), None, level,
                     _unequal(args.options))
    _post(session, res)
    return _two_output(res, "Variable", name, other)


def _paired(session, sample, level, name, x, other):
    from hlmshell.models.anova1 import paired
    y = numeric(session.data, other)
    keep = sample & ~np.isnan(x) & ~np.isnan(y)
    if not keep.any():
        raise StataError(2000, "no observations")
    res = paired(name, x[keep], other, y[keep], level)
    _post(session, res)
    return _paired_output(res, name, other)


# -------------------------------------------------------------------------- by(group)
def _by_group(session, args, sample, level):
    from hlmshell.commands.tabulate import _value_texts
    from hlmshell.dataset.varlist import unabbreviate
    from hlmshell.models.anova1 import moments, two_sample
    data = session.data
    opts = args.options
    if opts.get("unpaired"):
        raise StataError(198, "option unpaired not allowed")
    words = opts["by"].split()
    if len(words) != 1:
        raise StataError(103 if len(words) > 1 else 100,
                         "too many variables specified" if words else "varlist required")
    gname = unabbreviate(words[0], data.names)
    name = args.varlist[0]
    x = numeric(data, name)
    g = data.column(gname)
    string = data.is_string(gname)
    keep = sample & ~np.isnan(x) & ((g != "") if string else ~np.isnan(g))
    if not keep.any():
        raise StataError(2000, "no observations")
    levels = np.unique(g[keep])
    if len(levels) == 1:
        raise StataError(420, "1 group found, 2 required")
    if len(levels) > 2:
        raise StataError(420, "more than 2 groups found, only 2 allowed")
    if opts.get("reverse"):
        levels = levels[::-1]
    labels = [t[:8] for t in _value_texts(data, data.var(gname), levels)]
    parts = [x[keep & (g == v)] for v in levels]
    res = two_sample((labels[0], *moments(parts[0])), (labels[1], *moments(parts[1])), None,
                     level, _unequal(opts))
    _post(session, res)
    return _two_output(res, _head(data, labels[0]), labels[0], labels[1])


# ----------------------------------------------------------------------------- output
def _post(session, res) -> None:
    """r() in the order ttest posts it (the *_2 and sd only for two samples)."""
    r1 = res.rows[0]
    r = {"N_1": float(r1.n), "mu_1": r1.mean}
    if res.kind != "one":
        r2 = res.rows[1]
        r.update(N_2=float(r2.n), mu_2=r2.mean)
    r.update(df_t=float(res.df), t=res.t, p=res.p, p_l=res.p_l, p_u=res.p_u, se=res.se,
             sd_1=r1.sd)
    if res.kind != "one":
        r["sd_2"] = res.rows[1].sd
    if res.kind == "two":
        r["sd"] = res.combined.sd
    r["level"] = float(res.level)
    session.r = Returns(r)


def _row(s, n=True, sd=True):
    from hlmshell.render.anova1 import TRow
    return TRow(s.label, s.n if n else None, s.mean, s.se, s.sd if sd else None, s.lb, s.ub)


def _one_output(res, name, mu0_text, head):
    from hlmshell.render.anova1 import TtestOutput
    return TtestOutput("One-sample t test", head, [_row(res.rows[0])],
                       left=f"    mean = mean({name})", t=res.t, h0=f"H0: mean = {mu0_text}",
                       df=res.df, ha=("mean", mu0_text), p_l=res.p_l, p=res.p, p_u=res.p_u,
                       level=res.level, df_format="%8.0f")


DF_LABEL = {"": "Degrees of freedom", "satterthwaite": "Satterthwaite's degrees of freedom",
            "welch": "Welch's degrees of freedom"}


def _two_output(res, head, a, b):
    from hlmshell.render.anova1 import TtestOutput, abbrev
    title = "Two-sample t test with " + ("unequal" if res.unequal else "equal") + " variances"
    return TtestOutput(title, head, [_row(r) for r in res.rows], _row(res.combined),
                       _row(res.diff, n=False, sd=False),
                       f"    diff = mean({abbrev(a, 16)}) - mean({abbrev(b, 16)})",
                       res.t, "H0: diff = 0", DF_LABEL[res.unequal], res.df, ("diff", "0"),
                       res.p_l, res.p, res.p_u, res.level)


def _paired_output(res, a, b):
    from hlmshell.render.anova1 import TtestOutput, abbrev
    return TtestOutput("Paired t test", "Variable", [_row(r) for r in res.rows], None,
                       _row(res.diff), f"     mean(diff) = mean({abbrev(a, 16)} - "
                       f"{abbrev(b, 16)})", res.t, " H0: mean(diff) = 0",
                       "Degrees of freedom", res.df, ("mean(diff)", "0"), res.p_l, res.p,
                       res.p_u, res.level, df_format="%8.0f")


# ----------------------------------------------------------------------------- ttesti
TTESTI = Spec(", Xname(string) Yname(string) UNEqual Welch Level(real) REVerse")
COUNT_ERR = ("either four arguments for a one-sample test or six arguments for a "
             "two-sample test must be specified")


@command("ttesti", abbrev="ttesti", syntax="raw", help="t tests from summary statistics")
def ttesti_cmd(session, args):
    """ttesti #obs #mean #sd #val [, xname() level(#)]
    ttesti #obs1 #mean1 #sd1 #obs2 #mean2 #sd2 [, xname() yname() unequal welch level(#)]"""
    from hlmshell.models.anova1 import one_sample, two_sample
    from hlmshell.syntax.spec import split_options
    main, opt_text = split_options(args.anything)
    opts = TTESTI.bind_options(opt_text) if opt_text is not None else {}
    level = level_of(session, opts)
    words = main.split()
    if len(words) < 4 or len(words) == 5:
        raise StataError(198, COUNT_ERR)
    if len(words) > 6:
        raise StataError(198, "invalid syntax")
    xname, yname = opts.get("xname", ""), opts.get("yname", "")
    if len(words) == 4:
        for opt in ("unequal", "welch"):
            if opts.get(opt):
                raise StataError(198, f"option {opt} not allowed")
        n, m, s = _check_sample(words[:3], "one")
        mu0 = _check_hypothesis(words[3])
        res = one_sample(xname or "x", n, m, s, mu0, level)
        _post(session, res)
        return _one_output(res, xname or "x", _hypothesis_text(words[3], mu0),
                           _head(session.data, xname))
    first = _check_sample(words[:3], "first")
    second = _check_sample(words[3:], "second")
    a, b = (xname or "x", *first), (yname or "y", *second)
    # `reverse` is accepted and, as in ttesti.ado (which passes it on unused), changes nothing
    res = two_sample(a, b, None, level, _unequal(opts))
    _post(session, res)
    return _two_output(res, _head(session.data, xname), a[0], b[0])


def _word_number(word: str, integer: bool = False) -> float:
    if word == ".":
        return float("nan")
    value = _number(word)
    if value is None or (integer and value != int(value)):
        raise StataError(7, f"'{word}' found where {'integer' if integer else 'number'} "
                            "expected")
    return value


def _check_sample(words, sample: str) -> tuple[float, float, float]:
    """_ttest.ado's checks of #obs, mean and SD, in its order and words."""
    of = "" if sample == "one" else f" of {sample} sample"
    n = _word_number(words[0], integer=True)
    if np.isnan(n):
        raise StataError(416, f"number of observations{of} is missing")
    if n < 0:
        raise StataError(411, f"number of observations{of} is negative")
    if n == 0:
        raise StataError(2000, "no observations" if sample == "one"
                         else f"{sample} sample has no observations")
    m = _word_number(words[1])
    if np.isnan(m):
        raise StataError(416, "mean is missing" if sample == "one"
                         else f"mean of {sample} sample is missing")
    s = _word_number(words[2])
    if np.isnan(s):
        if n != 1:
            raise StataError(416, "standard deviation is missing" if sample == "one"
                             else f"standard deviation of {sample} sample is missing")
    elif s < 0:
        raise StataError(411, "standard deviation is negative" if sample == "one"
                         else f"{sample} sample has a negative standard deviation")
    elif n == 1 and s != 0:
        raise StataError(499, "only one observation, but positive standard deviation"
                         if sample == "one" else f"{sample} sample has only one "
                         "observation, but positive standard deviation")
    return n, m, s


def _check_hypothesis(word: str) -> float:
    value = _word_number(word)
    if np.isnan(value):
        raise StataError(416, "hypothesized value is missing")
    return value
