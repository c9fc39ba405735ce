"""summarize [varlist] [if] [in] [, detail]

Statistics are computed in double precision from the stored values (float variables hold
float32-rounded numbers), as Stata does; r() holds the results for the last variable.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.render.summarize import SummaryDetail, SummaryDetails, SummaryRow, SummaryTable
from hlmshell.returns import Returns

PCTS = (1, 5, 10, 25, 50, 75, 90, 95, 99)


def percentile(sorted_x: np.ndarray, p: float) -> float:
    """Stata's summarize percentile: with P = n p / 100, the average of x[P] and x[P+1]
    when P is an integer, else x[ceil(P)] (1-based)."""
    n = len(sorted_x)
    pos = n * p / 100
    k = math.floor(pos)
    if pos == k:
        if k <= 0:
            return float(sorted_x[0])
        if k >= n:
            return float(sorted_x[-1])
        return (float(sorted_x[k - 1]) + float(sorted_x[k])) / 2
    return float(sorted_x[min(k, n - 1)])


def _basic(x: np.ndarray) -> dict:
    n = len(x)
    out = {"N": float(n), "sum_w": float(n), "sum": float(x.sum()) if n else 0.0}
    if n:
        mean = x.sum() / n
        var = float(((x - mean) ** 2).sum() / (n - 1)) if n > 1 else math.nan
        out.update(mean=float(mean), Var=var, sd=math.sqrt(var) if n > 1 else math.nan,
                   min=float(x.min()), max=float(x.max()))
    return out


def _detail(name: str, label: str, x: np.ndarray, r: dict) -> SummaryDetail:
    block = SummaryDetail(title=label or name, n=len(x), sum_w=float(len(x)))
    if not len(x):
        return block
    s = np.sort(x)
    block.percentiles = [percentile(s, p) for p in PCTS]
    block.smallest = [float(v) for v in s[:4]]
    block.largest = [float(v) for v in s[-4:]]
    m = r["mean"]
    d = x - m
    m2, m3, m4 = (d ** 2).mean(), (d ** 3).mean(), (d ** 4).mean()
    skew = float(m3 / m2 ** 1.5) if m2 > 0 else math.nan
    kurt = float(m4 / m2 ** 2) if m2 > 0 else math.nan
    block.mean, block.sd, block.var = m, r["sd"], r["Var"]
    block.skewness, block.kurtosis = skew, kurt
    r.update(skewness=skew, kurtosis=kurt)
    r.update({f"p{p}": v for p, v in zip(PCTS, block.percentiles)})
    return block


@command("summarize", abbrev="su", syntax="[varlist] [if] [in] [, Detail MEANonly]",
         help="summary statistics", by_ok=True)
def summarize(session, args):
    from hlmshell.commands.by import repeat_by
    from hlmshell.render import to_text
    if args.prefix is not None:
        def one(sample, rows):
            out = _summarize(session, args, sample)
            return "" if out is None else to_text(out)    # meanonly shows nothing
        return repeat_by(session, args, one)
    return _summarize(session, args, args.touse(session))


def _summarize(session, args, sample):
    data = session.data
    meanonly = bool(args.options.get("meanonly"))
    if meanonly and args.options.get("detail"):
        raise StataError(198, "options detail and meanonly may not be combined")
    rows, blocks = [], []
    r: dict = {"N": 0.0, "sum_w": 0.0, "sum": 0.0}
    for name in args.varlist:
        var = data.var(name)
        if var.is_string:
            rows.append(SummaryRow(name, 0))
            r = {"N": 0.0, "sum_w": 0.0, "sum": 0.0}
            continue
        x = var.values[sample]
        x = x[~np.isnan(x)]
        r = _basic(x)
        if args.options.get("detail"):
            blocks.append(_detail(name, var.label, x, r))
        if len(x):
            rows.append(SummaryRow(name, len(x), r["mean"], r["sd"], r["min"], r["max"]))
        else:
            rows.append(SummaryRow(name, 0))
    order = ("N", "sum_w", "mean", "Var", "sd", "skewness", "kurtosis", "sum", "min", "max",
             "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99")
    if meanonly:   # Stata skips the variance: no r(Var), r(sd), and nothing is shown
        session.r = Returns({k: r[k] for k in order if k in r and k not in ("Var", "sd")})
        return None
    session.r = Returns({k: r[k] for k in order if k in r})
    if args.options.get("detail"):
        return SummaryDetails(blocks)
    return SummaryTable(rows)
