"""sdtest and robvar ([R] sdtest): the variance-ratio F test (two variables, or one
variable by a two-group variable), the one-sample chi-squared test of an SD, and robvar's
Levene / Brown-Forsythe tests. Numbers from models/variance_tests.py (rows of the table
from models/anova1.py, as ttest), layouts in render/variance_tests.py. Rules follow
sdtest.ado / sdtesti.ado (via _ttest) and robvar.ado.
"""
from __future__ import annotations

import numpy as np

from hlmshell.commands.anova1 import level_of, numeric
from hlmshell.commands.registry import command
from hlmshell.commands.ttest import EQ, _number, _variable
from hlmshell.errors import StataError
from hlmshell.returns import Returns
from hlmshell.syntax.spec import Spec

SPEC = Spec("varname [=exp] [if] [in] [, BY(string) Level(real)]")


@command("sdtest", abbrev="sdtest", syntax="raw", help="variance-comparison tests",
         by_ok=True)
def sdtest_cmd(session, args):
    """sdtest varname == # [if] [in] [, level(#)]
    sdtest varname1 == varname2 [if] [in] [, level(#)]
    sdtest varname [if] [in], by(groupvar) [level(#)]"""
    body = EQ.sub(r"\1=", args.anything, count=1)
    bound = SPEC.bind(body, session.data.names, session.data.nobs)
    bound.prefix, bound.bysort, bound.weight = args.prefix, args.bysort, args.weight
    opts = bound.options
    level = level_of(session, opts)
    if bound.exp is not None:
        if opts.get("by"):
            raise StataError(198, "may not combine = and by()")
        run = _with_exp
    elif not opts.get("by"):
        raise StataError(100, "by() option required")
    else:
        run = _by_group
    numeric(session.data, bound.varlist[0])
    from hlmshell.commands.by import repeat_by
    from hlmshell.render import to_text
    if bound.prefix is not None:
        return repeat_by(session, bound,
                         lambda sample, rows: to_text(run(session, bound, sample, level)))
    return run(session, bound, bound.touse(session), level)


def _with_exp(session, args, sample, level):
    from hlmshell.models.anova1 import describe, moments
    from hlmshell.models.variance_tests import sd_one
    from hlmshell.render.variance_tests import SdtestOutput, sd_row
    data = session.data
    name = args.varlist[0]
    x = numeric(data, name)
    other = args.exp_text.strip()
    sd0 = _number(other)
    if sd0 is None:
        return _two(session, name, x, _variable(data, other), sample, level)
    if not sd0 > 0:      # unconfirmed wording
        raise StataError(198, "hypothesized standard deviation must be positive")
    n, m, s = moments(x[sample & ~np.isnan(x)])
    if n == 0:
        raise StataError(2000, "no observations")
    res = sd_one(n, s, sd0)
    row = describe(name, n, m, s, level)
    session.r = Returns({"N": float(n), "df": float(res.df), "chi2": res.chi2, "sd": row.sd,
                         "p_u": res.p_u, "p_l": res.p_l, "p": res.p})
    s0 = other if len(other) <= 6 else fmt_g7(sd0)
    return SdtestOutput("One-sample test of variance", "Variable", [sd_row(row)], None,
                        f"    sd = sd({name})", res.chi2, f"H0: sd = {s0}", (res.df,),
                        ("sd", s0), ("C", "c"), res.upper, res.p_l, res.p, res.p_u, level)


def fmt_g7(value: float) -> str:
    from hlmshell.render.formats import fmt
    return fmt(value, "%7.0g").strip()


def _two(session, a, x, b, sample, level):
    y = numeric(session.data, b)
    xs, ys = x[sample & ~np.isnan(x)], y[sample & ~np.isnan(y)]
    for n, which in ((len(xs), "first"), (len(ys), "second")):
        if n == 0:
            raise StataError(2000, f"{which} sample has no observations")
    return _ratio(session, "Variable", (a, xs), (b, ys), level)


def _ratio(session, head, first, second, level):
    from hlmshell.models.anova1 import moments, two_sample
    from hlmshell.models.variance_tests import sd_ratio
    from hlmshell.render.anova1 import abbrev
    from hlmshell.render.variance_tests import SdtestOutput, sd_row
    (la, xa), (lb, xb) = first, second
    ma, mb = moments(xa), moments(xb)
    t = two_sample((la, *ma), (lb, *mb), None, level)
    r1, r2 = t.rows
    res = sd_ratio(r1.n, r1.sd, r2.n, r2.sd)
    session.r = Returns({"N": float(r1.n + r2.n), "df_1": float(res.df_1),
                         "df_2": float(res.df_2), "F": res.F, "sd_1": r1.sd, "sd_2": r2.sd,
                         "p_u": res.p_u, "p_l": res.p_l, "p": res.p, "sd": t.combined.sd})
    return SdtestOutput("Variance ratio test", head, [sd_row(r1), sd_row(r2)],
                        sd_row(t.combined),
                        f"    ratio = sd({abbrev(la, 16)}) / sd({abbrev(lb, 16)})", res.F,
                        "H0: ratio = 1", (res.df_1, res.df_2), ("ratio", "1"), ("F", "f"),
                        res.upper, res.p_l, res.p, res.p_u, level)


def _two_groups(session, args, x, sample, message_code=420):
    """The two groups of by(): their values' texts and observations (as ttest)."""
    from hlmshell.commands.tabulate import _value_texts
    from hlmshell.dataset.varlist import unabbreviate
    data = session.data
    words = args.options["by"].split()
    if len(words) != 1:
        raise StataError(103 if len(words) > 1 else 100,
                         "too many variables specified" if words else "varlist required")
    gname = unabbreviate(words[0], data.names)
    g = data.column(gname)
    keep = sample & ~np.isnan(x) & ((g != "") if data.is_string(gname) else ~np.isnan(g))
    if not keep.any():
        raise StataError(2000, "no observations")
    levels = np.unique(g[keep])
    if len(levels) == 1:
        raise StataError(message_code, "1 group found, 2 required")
    if len(levels) > 2:
        raise StataError(message_code, "more than 2 groups found, only 2 allowed")
    labels = [t[:8] for t in _value_texts(data, data.var(gname), levels)]
    return labels, [x[keep & (g == v)] for v in levels]


def _by_group(session, args, sample, level):
    from hlmshell.commands.ttest import _head
    x = numeric(session.data, args.varlist[0])
    labels, parts = _two_groups(session, args, x, sample)
    return _ratio(session, _head(session.data, labels[0]), (labels[0], parts[0]),
                  (labels[1], parts[1]), level)


# ------------------------------------------------------------------------------- robvar
@command("robvar", abbrev="robvar", syntax="varname [if] [in] [, BY(string)]",
         help="robust tests of equal variances (Levene, Brown-Forsythe)", by_ok=True)
def robvar_cmd(session, args):
    """robvar varname [if] [in], by(groupvar): W0 (Levene), W50 and W10 (Brown and
    Forsythe: the median, the 10% trimmed mean)."""
    from hlmshell.commands.rank_tests import _byable, _group_var
    gname = _group_var(session, args.options)
    name = args.varlist[0]
    x = numeric(session.data, name)
    return _byable(session, args, lambda sample: _robvar(session, name, x, gname, sample))


def _robvar(session, name, x, gname, sample):
    from hlmshell.commands.rank_tests import _groups
    from hlmshell.models.anova1 import moments
    from hlmshell.models.variance_tests import robvar
    from hlmshell.render.anova1 import SummaryTable
    from hlmshell.render.variance_tests import RobvarOutput
    data = session.data
    rows, levels, codes, texts = _groups(data, gname, sample & ~np.isnan(x))
    if not rows.any():
        raise StataError(2000, "no observations")
    y = x[rows]
    k = len(levels)
    if k < 2 or len(y) <= k:     # no between- or within-group degrees of freedom
        raise StataError(2001, "insufficient observations")
    w0, w50, w10 = robvar(y, codes, k)
    stats = [moments(y[codes == j]) for j in range(k)]
    n_all, m_all, s_all = moments(y)
    title = data.var(gname).label or gname
    summary = SummaryTable(title, data.var(name).label or name, texts,
                           [s[1] for s in stats], [s[2] for s in stats], [s[0] for s in stats],
                           (m_all, s_all, n_all))
    session.r = Returns({"N": float(len(y)), "w10": w10.W, "p_w10": w10.p, "w50": w50.W,
                         "p_w50": w50.p, "w0": w0.W, "p_w0": w0.p, "df_1": float(w0.df_1),
                         "df_2": float(w0.df_2)})
    return RobvarOutput(summary, (w0.W, w50.W, w10.W), (w0.p, w50.p, w10.p),
                        (w0.df_1, w0.df_2))
