"""oneway and loneway ([R] oneway, [R] loneway): one-way ANOVA, and its random-effects
reading (intraclass correlation, SDs, reliability of a group mean). Numbers from
models/anova1.py, layouts in render/anova1.py; t tests live in commands/ttest.py.
"""
from __future__ import annotations

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.returns import Returns


def level_of(session, opts) -> float:
    level = opts.get("level", float(session.settings.get("level", 95)))
    if not 10 <= level <= 99.99:
        raise StataError(198, "level() must be between 10 and 99.99 inclusive")
    return float(level)


def numeric(data, name: str) -> np.ndarray:
    if data.is_string(name):
        raise StataError(109, f"string variables not allowed in varlist;\n{name} is a string "
                              "variable")
    return data.column(name)


def _response_and_groups(session, args, sample, keep_missing_group: bool = False,
                         string_groups: bool = False, rows_too: bool = False):
    """(y, g) on the estimation sample: the if/in rows where the response, and (unless
    `missing`) the group, are not missing. A string group variable is taken as its
    distinct texts in sorted order (`loneway mathach id`, `oneway mathach id` on hsb.dta,
    where id is str4; whether Stata's oneway accepts a string factor is not confirmed)."""
    if len(args.varlist) < 2:
        raise StataError(102, "too few variables specified")
    if len(args.varlist) > 2:
        raise StataError(103, "too many variables specified")
    data = session.data
    yname, gname = args.varlist
    y = numeric(data, yname)
    if string_groups and data.is_string(gname):
        g = data.column(gname)
        present = g != ""
    else:
        g = numeric(data, gname)
        present = ~np.isnan(g)
    rows = sample & ~np.isnan(y)
    if not keep_missing_group:
        rows &= present
    if not rows.any():
        raise StataError(2000, "no observations")
    return (y[rows], g[rows], rows) if rows_too else (y[rows], g[rows])


def _title(data, name: str) -> str:
    return data.var(name).label or name


def _anova_table(a):
    from hlmshell.render.anova1 import AnovaTable
    return AnovaTable(a.mss, a.rss, a.df_m, a.df_r, a.F, a.p, a.chi2bart, a.df_bart,
                      a.p_bart, a.single_cells, a.flat_cells)


def _check_groups(y, g) -> None:
    """One group, or no within-group degrees of freedom: nothing to analyse."""
    k = len(np.unique(g))
    if k < 2 or len(y) - k < 1:
        raise StataError(2001, "insufficient observations")


def _byable(session, args, run):
    from hlmshell.commands.by import repeat_by
    from hlmshell.render import to_text
    if args.prefix is not None:
        def one(sample, rows):
            out = run(sample)
            return "" if out is None else to_text(out)     # `noanova` alone shows nothing
        return repeat_by(session, args, one)
    return run(args.touse(session))


# ------------------------------------------------------------------------------ oneway
ONEWAY_MC = ("bonferroni", "scheffe", "sidak")


@command("oneway", abbrev="on",   # minimum abbreviations as oneway's help file shows them
         syntax="varlist [if] [in] [weight] [, Tabulate MEans NOMEans STandard NOSTandard Freq NOFreq "
                "Obs NOObs NOAnova NOLabel Wrap MIssing Bonferroni SCheffe SIdak]",
         help="one-way analysis of variance", by_ok=True)
def oneway_cmd(session, args):
    """oneway response_var factor_var [if] [in] [fweight] [, options]
        tabulate        the mean, SD and frequency of the response at each level
        [no]means [no]standard [no]freq [no]obs   columns of that table
        noanova         no ANOVA table;  nolabel  values, not value labels
        missing         missing factor values form a group
        bonferroni scheffe sidak   multiple-comparison tests of the group means
        wrap            do not split wide comparison tables into panels
    fweights count each observation that many times (the table adds Obs.); aweights are not
    built (r(101))."""
    return _byable(session, args, lambda sample: _oneway(session, args, sample))


def _columns(opts, weighted: bool) -> tuple[str, ...]:
    cols = []
    for col, on, off, default in (("mean", "means", "nomeans", True),
                                  ("sd", "standard", "nostandard", True),
                                  ("freq", "freq", "nofreq", True),
                                  ("obs", "obs", "noobs", weighted)):
        if opts.get(on) and opts.get(off):
            raise StataError(198, f"options {on} and {off} may not be combined")
        if opts.get(on) or (default and not opts.get(off)):
            cols.append(col)
    return tuple(cols)


def _oneway(session, args, sample):
    from hlmshell.commands.tabulate import _value_texts
    from hlmshell.models.anova1 import oneway
    from hlmshell.render.anova1 import OnewayOutput, SummaryTable
    from hlmshell.commands import est_common as ec
    opts = args.options
    kind, w, _ = ec.weights(session, args, allowed=("fweight",), default="aweight")
    cols = _columns(opts, kind is not None)
    if w is not None:
        ec.check_weights(kind, w[sample])
        sample = sample & ec.weight_sample(kind, w)
    y, g, rows = _response_and_groups(session, args, sample, bool(opts.get("missing")), True,
                                      rows_too=True)
    obs = None
    if w is not None:        # a frequency weight repeats its observation
        _, obs = np.unique(g, return_counts=True)
        counts = w[rows].astype(np.int64)
        y, g = np.repeat(y, counts), np.repeat(g, counts)
    _check_groups(y, g)
    a = oneway(y, g)
    data = session.data
    yname, gname = args.varlist
    out = OnewayOutput()
    if opts.get("tabulate") and cols:
        gs = a.groups
        labels = _value_texts(data, data.var(gname), gs.levels, not opts.get("nolabel"))
        n_obs = gs.n.tolist() if obs is None else obs.tolist()
        out.summary = SummaryTable(_title(data, gname), _title(data, yname), labels,
                                   gs.mean.tolist(), gs.sd.tolist(), gs.n.tolist(),
                                   (a.mean, a.sd, a.N), cols, n_obs)
    if not opts.get("noanova"):
        out.anova = _anova_table(a)
    out.comparisons = _comparisons(session, args, a)
    r = {"N": float(a.N), "F": a.F, "df_r": float(a.df_r), "mss": a.mss,
         "df_m": float(a.df_m), "rss": a.rss}     # the order of oneway's help file
    if not np.isnan(a.chi2bart):
        r.update(chi2bart=a.chi2bart, df_bart=a.df_bart)
    session.r = Returns(r)
    return out if (out.summary or out.anova or out.comparisons) else None


def _comparisons(session, args, a):
    from hlmshell.commands.tabulate import _value_texts
    from hlmshell.models.anova1 import pairwise
    from hlmshell.render.anova1 import Comparison
    opts = args.options
    methods = [m for m in ONEWAY_MC if opts.get(m)]
    if not methods:
        return []
    data = session.data
    yname, gname = args.varlist
    labels = _value_texts(data, data.var(gname), a.groups.levels, not opts.get("nolabel"))
    title = f"Comparison of {_title(data, yname)} by {_title(data, gname)}"
    out = []
    for m in methods:
        diff, p = pairwise(a.groups, a.rss / a.df_r, a.df_r, m)
        out.append(Comparison(title, m.capitalize(), labels, diff.tolist(), p.tolist(),
                              0 if opts.get("wrap") else 6))
    return out


# ----------------------------------------------------------------------------- loneway
@command("loneway", abbrev="loneway",
         syntax="varlist [if] [in] [weight] [, MEAn MEDian EXact Level(real)]",
         help="large one-way ANOVA, intraclass correlation and reliability", by_ok=True)
def loneway_cmd(session, args):
    """loneway response_var group_var [if] [in] [aweight] [, mean median exact level(#)]
        mean | median   measure the ICC from the mean or median of F (default 1)
        exact           exact confidence interval (equal group sizes)
        level(#)        confidence level (default 95)
    aweights are allowed (weights <= 0 drop the observation, as loneway.ado does)."""
    opts = args.options
    if opts.get("mean") and opts.get("median"):   # loneway.ado's messages and codes
        raise StataError(105, "Median and mean options are mutually exclusive.")
    if args.weight is not None and opts.get("exact"):
        raise StataError(135, "Exact option not available with weights.")
    level = level_of(session, opts)
    return _byable(session, args, lambda sample: _loneway(session, args, sample, level))


def _loneway(session, args, sample, level):
    from hlmshell.models.anova1 import loneway
    from hlmshell.render.anova1 import LonewayOutput
    from hlmshell.commands.est_common import weights
    opts = args.options
    _, w, _ = weights(session, args, allowed=("aweight",))
    if w is not None:
        w = np.where(w > 0, w, np.nan)
        sample = sample & ~np.isnan(w)
    y, g, rows = _response_and_groups(session, args, sample, string_groups=True,
                                      rows_too=True)
    fm = "mean" if opts.get("mean") else "median" if opts.get("median") else "one"
    exact = bool(opts.get("exact"))
    _check_groups(y, g)
    if exact:
        _, counts = np.unique(g, return_counts=True)
        if len(set(counts.tolist())) > 1:
            raise StataError(105, "Balanced data (equal groups) required for exact "
                                  "confidence interval.")
    res = loneway(y, g, level=level, fm=fm, exact=exact,
                  weights=None if w is None else w[rows])
    a = res.anova
    yname, gname = args.varlist
    # r() as loneway.ado posts it (no F or degrees of freedom)
    session.r = Returns({"N": float(a.N), "rho": res.rho, "rho_t": res.reliability,
                         "sd_b": res.sd_b, "sd_w": res.sd_w, "se": res.se, "ub": res.ub,
                         "lb": res.lb})
    return LonewayOutput(yname, session.data.var(yname).label or "", gname, a.N, a.r2,
                         _anova_table(a), res.rho, res.se, res.lb, res.ub, res.sd_b,
                         res.sd_w, res.reliability, res.n0, level, exact, res.truncated)
