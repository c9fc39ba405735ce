"""ttest and ttesti ([R] ttest): one-sample, two-sample (by group or two variables,
unpaired) and paired t tests on the data, and the immediate forms from summary numbers.
Numbers from models/anova1.py, layout in render/anova1.py.
"""
from __future__ import annotations

import math
import re

import numpy as np

from hlmshell.commands.anova1 import level_of, numeric
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.returns import Returns
from hlmshell.syntax.spec import Spec

SPEC = Spec("varname [=exp] [if] [in] [, BY(string) UNEqual Welch UNPaired level(real)]")
EQ = re.compile(r"^(\s*[^\s=]+\s*)==")


@command("ttest", abbrev="ttest", syntax="raw",
         help="t tests (mean-comparison tests)", by_ok=True)
def ttest_cmd(session, args):
    """ttest varname == # [if] [in] [, level(#)]
    ttest varname [if] [in], by(groupvar) [unequal welch level(#)]
    ttest varname1 == varname2 [if] [in] [, unpaired unequal welch level(#)]"""
    body = EQ.sub(r"\1=", args.anything, count=1)
    bound = SPEC.bind(body, session.data.names, session.data.nobs)
    bound.prefix, bound.bysort, bound.weight = args.prefix, args.bysort, args.weight
    opts = bound.options
    level = level_of(session, opts)
    if bound.exp is None and not opts.get("by"):
        raise StataError(100, "by() option required")
    if bound.exp is not None and opts.get("by"):
        raise StataError(198, "option by() not allowed")
    from hlmshell.commands.by import repeat_by
    from hlmshell.render import to_text
    run = _by_group if opts.get("by") else _with_exp
    if bound.prefix is not None:
        return repeat_by(session, bound,
                         lambda sample, rows: to_text(run(session, bound, sample, level)))
    return run(session, bound, bound.touse(session), level)


def _unequal(opts, allowed: bool = True) -> str:
    kind = "welch" if opts.get("welch") else "satterthwaite" if opts.get("unequal") else ""
    if kind and not allowed:
        raise StataError(198, f"option {'welch' if kind == 'welch' else 'unequal'} not allowed")
    return kind


def _value(x: float) -> str:
    from hlmshell.render.formats import fmt
    return fmt(x, "%9.0g").strip()


# ------------------------------------------------------------------ var == # | var == var
def _with_exp(session, args, sample, level):
    data = session.data
    name = args.varlist[0]
    x = numeric(data, name)
    other = args.exp_text.strip()
    if other and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_~]*", other) and _is_var(data, other):
        from hlmshell.dataset.varlist import unabbreviate
        return _two_vars(session, args, sample, level, name, x,
                         unabbreviate(other, data.names))
    if args.options.get("unpaired"):
        raise StataError(198, "option unpaired not allowed")
    _unequal(args.options, allowed=False)
    mu0 = _scalar(session, args)
    xs = x[sample & ~np.isnan(x)]
    from hlmshell.models.anova1 import moments, one_sample
    n, mean, sd = moments(xs)
    if n == 0:
        raise StataError(2000, "no observations")
    res = one_sample(name, n, mean, sd, mu0, level)
    _post(session, res)
    return _one_output(res, name, _value(mu0))


def _is_var(data, word: str) -> bool:
    from hlmshell.dataset.varlist import unabbreviate
    try:
        unabbreviate(word, data.names)
        return True
    except StataError:
        return False


def _scalar(session, args) -> float:
    from hlmshell.dataset.evaluate import evaluate
    value = evaluate(args.exp, session)
    arr = np.asarray(value)
    if arr.dtype == object:
        raise StataError(109, "type mismatch")
    if arr.ndim and arr.size != 1:
        arr = arr[:1] if arr.size else np.array([math.nan])
    v = float(arr.ravel()[0]) if arr.size else math.nan
    if math.isnan(v):
        raise StataError(198, "invalid syntax")
    return v


def _two_vars(session, args, sample, level, name, x, other):
    from hlmshell.models.anova1 import moments, paired, two_sample
    data = session.data
    y = numeric(data, other)
    opts = args.options
    if opts.get("unpaired"):
        xs, ys = x[sample & ~np.isnan(x)], y[sample & ~np.isnan(y)]
        if len(xs) == 0 or len(ys) == 0:
            raise StataError(2000, "no observations")
        both = np.concatenate([xs, ys])
        res = two_sample((name, *moments(xs)), (other, *moments(ys)), moments(both), level,
                         _unequal(opts))
        _post(session, res)
        return _two_output(res, "Variable", name, other)
    _unequal(opts, allowed=False)
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
    levels = np.unique(g[keep])
    if len(levels) != 2:
        if len(levels) > 2:
            raise StataError(420, "more than 2 groups found, only 2 allowed")
        raise StataError(420, f"{len(levels)} group{'' if len(levels) == 1 else 's'} found, "
                              "2 required")
    labels = _value_texts(data, data.var(gname), levels)
    parts = [x[keep & (g == v)] for v in levels]
    res = two_sample((labels[0][:8], *moments(parts[0])), (labels[1][:8], *moments(parts[1])),
                     moments(x[keep]), level, _unequal(opts))
    _post(session, res)
    return _two_output(res, "Group", labels[0][:8], labels[1][:8])


# ----------------------------------------------------------------------------- output
def _post(session, res) -> None:
    """r() as Stata's ttest leaves it (the *_2 results only for two samples)."""
    r1 = res.rows[0]
    r = {"N_1": float(r1.n), "mu_1": r1.mean}
    if res.kind != "one":
        r2 = res.rows[1]
        r.update(N_2=float(r2.n), mu_2=r2.mean)
    r.update(df_t=float(res.df), t=res.t, p_l=res.p_l, p=res.p, p_u=res.p_u, se=res.se,
             sd_1=r1.sd)
    if res.kind != "one":
        r["sd_2"] = res.rows[1].sd
    if res.kind == "two":
        r["sd"] = res.combined.sd
    elif res.kind == "paired":
        r["sd"] = res.diff.sd
    else:
        r["sd"] = r1.sd
    r["level"] = float(res.level)
    session.r = Returns(r)


def _row(s, n=True, sd=True):
    from hlmshell.render.anova1 import TRow
    return TRow(s.label, s.n if n else None, s.mean, s.se, s.sd if sd else None, s.lb, s.ub)


def _one_output(res, name, mu0_text, head="Variable"):
    from hlmshell.render.anova1 import TtestOutput
    return TtestOutput("One-sample t test", head, [_row(res.rows[0])],
                       left=f"    mean = mean({name})", t=res.t, h0=f"H0: mean = {mu0_text}",
                       df=res.df, ha=("mean", mu0_text), p_l=res.p_l, p=res.p, p_u=res.p_u,
                       level=res.level)


DF_LABEL = {"": "Degrees of freedom", "satterthwaite": "Satterthwaite's degrees of freedom",
            "welch": "Welch's degrees of freedom"}


def _two_output(res, head, a, b):
    from hlmshell.render.anova1 import TtestOutput
    title = "Two-sample t test with " + ("unequal" if res.unequal else "equal") + " variances"
    return TtestOutput(title, head, [_row(r) for r in res.rows], _row(res.combined),
                       _row(res.diff, n=False, sd=False), f"    diff = mean({a}) - mean({b})",
                       res.t, "H0: diff = 0", DF_LABEL[res.unequal], res.df, ("diff", "0"),
                       res.p_l, res.p, res.p_u, res.level)


def _paired_output(res, a, b):
    from hlmshell.render.anova1 import TtestOutput
    return TtestOutput("Paired t test", "Variable", [_row(r) for r in res.rows], None,
                       _row(res.diff), f"     mean(diff) = mean({a} - {b})", res.t,
                       " H0: mean(diff) = 0", "Degrees of freedom", res.df,
                       ("mean(diff)", "0"), res.p_l, res.p, res.p_u, res.level)


# ----------------------------------------------------------------------------- ttesti
@command("ttesti", abbrev="ttesti", syntax="anything [, UNEqual Welch level(real)]",
         help="t tests from summary statistics")
def ttesti_cmd(session, args):
    """ttesti #obs #mean #sd #val [, level(#)]
    ttesti #obs1 #mean1 #sd1 #obs2 #mean2 #sd2 [, unequal welch level(#)]"""
    from hlmshell.models.anova1 import one_sample, two_sample
    opts = args.options
    level = level_of(session, opts)
    nums = []
    for word in args.anything.split():
        try:
            nums.append(float(word))
        except ValueError:
            raise StataError(198, f"'{word}' found where number expected") from None
    if len(nums) not in (4, 6):
        raise StataError(198, "invalid syntax")
    counts = nums[0:1] + (nums[3:4] if len(nums) == 6 else [])
    if any(n != int(n) or n < 1 for n in counts):
        raise StataError(2001 if all(n == int(n) for n in counts) else 198,
                         "insufficient observations" if all(n == int(n) for n in counts)
                         else "invalid syntax")
    sds = nums[2:3] + (nums[5:6] if len(nums) == 6 else [])
    if any(s < 0 for s in sds):
        raise StataError(411, "nonpositive values encountered")   # [R] ttest: sd must be >= 0
    if len(nums) == 4:
        _unequal(opts, allowed=False)
        n, mean, sd, mu0 = nums
        res = one_sample("x", n, mean, sd, mu0, level)
        _post(session, res)
        return _one_output(res, "x", _value(mu0), head="")
    n1, m1, s1, n2, m2, s2 = nums
    res = two_sample(("x", n1, m1, s1), ("y", n2, m2, s2), None, level, _unequal(opts))
    _post(session, res)
    return _two_output(res, "", "x", "y")
