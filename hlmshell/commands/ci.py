"""`ci means|proportions|variances` and `cii` ([R] ci): confidence intervals for means
(t), proportions (exact Clopper–Pearson by default; wald, wilson, agresti, jeffreys) and
variances (chi2). The computations and columns are ci_14_0.ado's and ci.ado's, the header
in Stata 17's wording (Std. err., conf. interval). Weights and poisson are not built.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.render.formats import abbrev, fmt, parse_format
from hlmshell.returns import Returns
from hlmshell.syntax.spec import Spec

KINDS = (("means", 1), ("proportions", 4), ("variances", 3))
METHODS = ("exact", "wald", "wilson", "agresti", "jeffreys")
SPEC = Spec("[varlist] [if] [in] [, Level(real) EXAct WAld WIlson Agresti Jeffreys SD "
            "SEParator(integer 5) Poisson BONett Exposure(string) Total]")
HEADINGS = {"exact": "-- Binomial Exact --", "wald": "-- Binomial Wald ---",
            "wilson": "------ Wilson ------", "agresti": "-- Agresti-Coull ---",
            "jeffreys": "----- Jeffreys -----"}


def _kind(word: str) -> str:
    for name, minimum in KINDS:
        if len(word) >= minimum and name.startswith(word.lower()):
            return name
    raise StataError(198, f"{word} invalid; specify means, proportions, or variances")


def _level(session, opts) -> float:
    level = opts.get("level", session.settings.get("level", 95))
    if not 10 <= level <= 99.99:
        raise StataError(198, "level() must be between 10 and 99.99 inclusive")
    return float(level)


def mean_ci(x: np.ndarray, level: float):
    from scipy import stats
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    se = math.sqrt(float(x.var(ddof=1)) / n) if n > 1 else math.nan
    # ci_14_0.ado: invt(N-1, level/100), the old two-sided inverse t
    t = float(stats.t.ppf(1 - (1 - level / 100) / 2, n - 1)) if n > 1 else math.nan
    return n, mean, se, mean - t * se, mean + t * se


def proportion_ci(n: int, k: int, level: float, method: str):
    """(p, se, lb, ub, mark) as ci_14_0.ado; mark '*' for a one-sided exact interval or a
    clipped one."""
    from scipy import stats
    from scipy.special import betaincinv
    p = k / n
    se = math.sqrt(p * (1 - p) / n)
    a = (100 - level) / 200
    z = float(stats.norm.ppf(1 - a))
    mark = ""
    if method == "exact":
        lb = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, a))
        ub = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - a))
        mark = "*" if k in (0, n) else ""
    elif method == "wald":
        lb, ub = p - z * se, p + z * se
    elif method == "wilson":
        centre = (k + z * z / 2) / (n + z * z)
        half = z * math.sqrt(n) / (n + z * z) * math.sqrt(p * (1 - p) + z * z / (4 * n))
        lb, ub = centre - half, centre + half
    elif method == "agresti":
        nt = n + z * z
        pt = (k + z * z / 2) / nt
        half = z * math.sqrt(pt * (1 - pt)) / math.sqrt(nt)
        lb, ub = pt - half, pt + half
    else:
        lb = float(betaincinv(k + 0.5, n - k + 0.5, a)) if k > 0 else 0.0
        ub = float(betaincinv(k + 0.5, n - k + 0.5, 1 - a)) if k < n else 1.0
    if method in ("wald", "wilson", "agresti"):
        marks = []
        if lb < 0:
            lb = 0.0
            marks.append("*")
        if ub > 1:
            ub = 1.0
            marks.append("**")
        mark = " ".join(marks)
    return p, se, lb, ub, mark


def variance_ci(x: np.ndarray, level: float):
    from scipy import stats
    n = len(x)
    var = float(x.var(ddof=1)) if n > 1 else math.nan
    a = (100 - level) / 100
    lb = (n - 1) * var / float(stats.chi2.isf(a / 2, n - 1)) if n > 1 else math.nan
    ub = (n - 1) * var / float(stats.chi2.ppf(a / 2, n - 1)) if n > 1 else math.nan
    return n, var, lb, ub


def _out_format(fmt_text: str) -> str:
    """ci's number format: the variable's own %f (width 9) or %9.0g."""
    f = parse_format(fmt_text)
    if fmt_text.endswith("fc"):
        return f"%9.{f.decimals}fc"
    if fmt_text.endswith("f"):
        return f"%9.{f.decimals}f"
    return "%9.0g"


def _interval(level: float) -> str:
    text = fmt(level, "%9.0g").strip()
    pad = {2: "   ", 4: " "}.get(len(text), "")
    return f"{pad}[{text}% conf. interval]"


@command("ci", syntax="raw", help="confidence intervals for means, proportions, variances")
def ci(session, args):
    """ci means|proportions|variances [varlist] [if] [in] [, level(#) exact wald wilson
        agresti jeffreys sd separator(#)]"""
    words = args.body.split(None, 1)
    if not words or words[0].startswith(","):
        raise StataError(198, "subcommand required; specify means, proportions, or variances")
    kind = _kind(words[0])
    bound = SPEC.bind(words[1] if len(words) > 1 else "", session.data.names,
                      session.data.nobs)
    opts = bound.options
    for refused in ("poisson", "bonett", "total"):
        if opts.get(refused):
            raise StataError(198, f"option {refused} not allowed")
    if opts.get("exposure") is not None:
        raise StataError(198, "option exposure() not allowed")
    methods = [m for m in METHODS if opts.get(m)]
    if len(methods) > 1:
        raise StataError(198, "only one of exact, wald, agresti, wilson, and jeffreys options "
                              "allowed")
    if methods and kind != "proportions":
        raise StataError(198, f"option {methods[0]} not allowed")
    if opts.get("sd") and kind != "variances":
        raise StataError(198, "option sd not allowed")
    level = _level(session, opts)
    sample = bound.touse(session)
    data = session.data
    rows, r = [], Returns()
    binary = []
    for v in bound.varlist:
        if data.is_string(v):
            continue
        x = np.asarray(data.column(v), float)[sample]
        x = x[~np.isnan(x)]
        if kind == "proportions":
            if not np.all((x == 0) | (x == 1)):
                continue
            binary.append(v)
        rows.append((v, x))
    if kind == "proportions" and not binary:
        return "no binary (0/1) variables found; nothing to compute"
    method = methods[0] if methods else "exact"
    sep = int(opts.get("separator", 5))
    lines = [""]
    if kind == "variances":
        title = "Std. dev." if opts.get("sd") else "Variance"
        lines += [f"{'    Variable |        Obs      ' + title:<43}{_interval(level)}",
                  "-" * 13 + "+" + "-" * 52]
    else:
        if kind == "proportions":
            lines.append(" " * 57 + HEADINGS[method])
        head = "  Proportion" if kind == "proportions" else "        Mean"
        lines += [f"    Variable |        Obs{head}    Std. err.    {_interval(level)}",
                  "-" * 13 + "+" + "-" * 63]
    marks = set()
    for k, (v, x) in enumerate(rows):
        if sep and k and k % sep == 0:
            lines.append("-" * 13 + "+" + ("-" * 52 if kind == "variances" else "-" * 63))
        of = _out_format(data.var(v).fmt)
        name = f"{abbrev(v, 12):>12} |"
        if kind == "variances":
            n, var, lb, ub = variance_ci(x, level)
            show = [math.sqrt(var), math.sqrt(lb), math.sqrt(ub)] if opts.get("sd") else \
                [var, lb, ub]
            lines.append(f"{name} {fmt(n, '%10.0fc')}     {fmt(show[0], of)}      "
                         f"{fmt(show[1], of)}   {fmt(show[2], of)}")
            r = Returns({"N": float(n), ("sd" if opts.get("sd") else "Var"): show[0],
                         "lb": show[1], "ub": show[2], "level": level},
                        {"citype": "normal"})
            continue
        if kind == "proportions":
            n = len(x)
            p, se, lb, ub, mark = proportion_ci(n, int(round(x.sum())), level, method)
            marks.add(mark)
            r = Returns({"N": float(n), "proportion": p, "se": se, "lb": lb, "ub": ub,
                         "level": level}, {"citype": method})
            mean = p
        else:
            n, mean, se, lb, ub = mean_ci(x, level)
            mark = ""
            r = Returns({"N": float(n), "mean": mean, "se": se, "lb": lb, "ub": ub,
                         "level": level}, {"citype": "normal"})
        lines.append(f"{name} {fmt(n, '%10.0fc')}   {fmt(mean, of)}   {fmt(se, of)}       "
                     f"{fmt(lb, of)}   {fmt(ub, of)}{mark}")
    if "*" in marks and method == "exact":
        lines += ["", f"(*) one-sided, {fmt(100 - (100 - level) / 2, '%9.0g').strip()}% "
                      "confidence interval"]
    elif any(marks - {""}):
        lines.append("")
        name = {"wald": "Wald", "wilson": "Wilson", "agresti": "Agresti-Coull"}[method]
        if any("*" in m.split() for m in marks):
            lines.append(f"(*) The {name} interval was clipped at the lower endpoint")
        if any("**" in m.split() for m in marks):
            lines.append(f"(**) The {name} interval was clipped at the upper endpoint")
    if kind == "proportions" and len(binary) < len([v for v in bound.varlist
                                                     if not data.is_string(v)]):
        lines += ["", "Note: The results are produced only for binary (0/1) variables."]
    session.r = r
    return "\n".join(lines)
