"""`xttab varname [if] [in] [, i(varname)]` ([XT] xttab): one-way tabulation for panel
data — overall frequencies, between (how many panels ever take the value) and within (the
average share of a panel's observations at the value, among panels that take it), as
xttab.ado computes and lays them out."""
from __future__ import annotations

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.commands.xt import NOT_SET, panel_setting
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.render.formats import abbrev, fmt
from hlmshell.returns import Returns


@command("xttab", syntax="varname [if] [in] [, I(varname)]",
         help="tabulate panel data: overall, between and within")
def xttab(session, args):
    """xttab varname [if] [in] [, i(panelvar)]"""
    data = session.data
    name = args.varlist[0]
    if data.is_string(name):
        raise StataError(109, f"{name} must be numeric")
    ivar = args.options.get("i") or panel_setting(session)["panelvar"]
    if ivar not in data.names:
        raise StataError(459, NOT_SET)
    x = np.asarray(data.column(name), float)
    p = data.column(ivar)
    p = np.asarray(p, float) if p.dtype != object else p
    use = args.touse(session) & ~np.isnan(x)
    use &= (p != "") if p.dtype == object else ~np.isnan(p)
    if not use.any():
        raise StataError(2000, "no observations")
    x, p = x[use], p[use]
    _, panel = np.unique(p.astype(str) if p.dtype == object else p, return_inverse=True)
    values, level = np.unique(x, return_inverse=True)
    n_panels = int(panel.max()) + 1
    size = np.bincount(panel, minlength=n_panels).astype(float)
    # the (value, panel) pairs that occur, with their counts (sparse: no values x panels grid)
    pairs, count = np.unique(level.astype(np.int64) * n_panels + panel, return_counts=True)
    pv, pp = pairs // n_panels, pairs % n_panels
    overall = np.bincount(level, minlength=len(values))
    between = np.bincount(pv, minlength=len(values))
    # mean share of a panel's observations at the value, among the panels that take it
    within = np.bincount(pv, weights=count / size[pp], minlength=len(values)) / between
    N = len(x)
    label = data.var(name).value_label
    lines = ["", " " * 18 + "Overall" + " " * 13 + "Between" + " " * 12 + "Within",
             f"{abbrev(name, 9):>9} |    Freq.  Percent      Freq.  Percent        Percent",
             "-" * 10 + "+" + "-" * 53]
    out = np.full((len(values) + 1, 6), np.nan)
    for k, v in enumerate(values):
        text = (data.value_text(name, v) or "")[:8] if label else ""
        stub = f"{text:>9}" if label else fmt(v, "%9.0g")
        out[k] = [v, overall[k], 100 * overall[k] / N, between[k],
                  100 * between[k] / n_panels, 100 * within[k]]
        lines.append(f"{stub} |{fmt(overall[k], '%8.0f')}{fmt(out[k, 2], '%10.2f')}"
                     f"{fmt(between[k], '%10.0f')}{fmt(out[k, 4], '%10.2f')} "
                     f"{fmt(out[k, 5], '%14.2f')}")
    # xttab.ado: the Within total weights each value by its share of the between counts
    overall_within = float((between / between.sum() * 100 * within).sum())
    out[-1, 1:] = [N, 100, between.sum(), 100 * between.sum() / n_panels, overall_within]
    lines += ["-" * 10 + "+" + "-" * 53,
              f"    Total |{fmt(N, '%8.0f')}{fmt(100, '%10.2f')}{fmt(between.sum(), '%10.0f')}"
              f"{fmt(out[-1, 4], '%10.2f')} {fmt(overall_within, '%14.2f')}"]
    base = f"(n = {n_panels}"
    lines.append(" " * (39 - len(base)) + base + ")")
    session.r = Returns({"n": float(n_panels)}, matrices={"results": StataMatrix(
        out, [f"r{k}" for k in range(1, len(values) + 2)],
        ["value", "Overall:Freq", "Overall:Percent", "Between:Freq", "Between:Percent",
         "Within:Percent"])})
    return "\n".join(lines)
