"""tabstat varlist [if] [in] [, by(varname) statistics(...) columns(variables|statistics)
format[(%fmt)] nototal missing]

Statistics as summarize computes them (percentiles by summarize's definition, skewness and
kurtosis as summarize, detail); r(StatTotal), and with by() r(Stat#) and r(name#).
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.commands.summarize import percentile
from hlmshell.dataset.varlist import expand_varlist
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.render.formats import fmt, is_format
from hlmshell.render.tabstat import TabstatResult
from hlmshell.returns import Returns

# statistic → (matrix row name, column heading); Stata 17 capitalises the headings
STATS = {
    "mean": ("mean", "Mean"), "count": ("N", "N"), "n": ("N", "N"), "sum": ("sum", "Sum"),
    "max": ("max", "Max"), "min": ("min", "Min"), "range": ("range", "Range"),
    "sd": ("sd", "SD"), "variance": ("variance", "Variance"), "cv": ("cv", "CV"),
    "semean": ("se(mean)", "SE(mean)"), "skewness": ("skewness", "Skewness"),
    "kurtosis": ("kurtosis", "Kurtosis"), "median": ("p50", "p50"), "iqr": ("iqr", "IQR"),
}
# abbreviations Stata accepts for some of them
ALIASES = {"var": "variance", "v": "variance", "se": "semean", "skew": "skewness",
           "kurt": "kurtosis", "med": "median", "co": "count", "ra": "range", "me": "mean",
           "su": "sum", "ma": "max", "mi": "min", "sk": "skewness", "k": "kurtosis",
           "cou": "count", "semean": "semean", "p50": "median"}
PCT = {1, 5, 10, 25, 50, 75, 90, 95, 99}
MAX_STATS = 25  # Stata: "too many statistics" beyond this (r(103))


def parse_stats(text: str) -> list[str]:
    out = []
    for word in text.split():
        w = word.lower()
        if w == "q":
            out += ["p25", "p50", "p75"]
            continue
        if w.startswith("p") and w[1:].isdigit() and int(w[1:]) in PCT:
            out.append("median" if w == "p50" else w)
            continue
        w = ALIASES.get(w, w)
        if w not in STATS:
            raise StataError(198, f"{word} is not a valid statistic")
        out.append(w)
    if not out:
        raise StataError(198, "statistics() invalid")
    if len(out) > MAX_STATS:
        raise StataError(103, "too many statistics")
    return out


def _names(stat: str) -> tuple[str, str]:
    return STATS.get(stat, (stat, stat))


def statistic(stat: str, x: np.ndarray, s: np.ndarray | None = None) -> float:
    """One statistic of the non-missing values x (missing when it is not defined); `s` is
    x sorted, when the caller has it."""
    n = len(x)
    if stat in ("n", "count"):
        return float(n)
    if stat == "sum":
        return float(x.sum()) if n else 0.0
    if not n:
        return math.nan
    if s is None:
        s = np.sort(x)
    mean = float(x.sum() / n)
    var = float(((x - mean) ** 2).sum() / (n - 1)) if n > 1 else math.nan
    if stat == "mean":
        return mean
    if stat == "max":
        return float(s[-1])
    if stat == "min":
        return float(s[0])
    if stat == "range":
        return float(s[-1] - s[0])
    if stat == "sd":
        return math.sqrt(var) if n > 1 else math.nan
    if stat == "variance":
        return var
    if stat == "cv":
        return math.sqrt(var) / mean if n > 1 and mean != 0 else math.nan
    if stat == "semean":
        return math.sqrt(var / n) if n > 1 else math.nan
    if stat in ("skewness", "kurtosis"):
        d = x - mean
        m2 = float((d ** 2).mean())
        if m2 <= 0:
            return math.nan
        if stat == "skewness":
            return float((d ** 3).mean()) / m2 ** 1.5
        return float((d ** 4).mean()) / m2 ** 2
    if stat == "median":
        return percentile(s, 50)
    if stat == "iqr":
        return percentile(s, 75) - percentile(s, 25)
    return percentile(s, int(stat[1:]))


def _format(args, data, name: str) -> str:
    spec = args.options.get("format")
    if spec is None:
        return "%9.0g"
    if spec is True:
        return data.var(name).fmt
    if not is_format(spec):
        raise StataError(198, "invalid format")
    return spec


@command("tabstat", syntax="varlist [if] [in] [, BY(string) Statistics(string) STats(string) "
                           "Columns(string) NOTotal Missing *]",
         help="compact table of summary statistics")
def tabstat(session, args):
    """tabstat varlist [if] [in] [, by(varname) statistics(stats) columns(variables|statistics)
        format[(%fmt)] nototal missing]"""
    data = session.data
    names = args.varlist
    for word, value in list(args.options.items()):
        if word not in ("by", "statistics", "stats", "columns", "nototal", "missing"):
            # format / format(%fmt): the only option taken with or without an argument
            if not "format".startswith(word):
                raise StataError(198, f"option {word} not allowed")
            args.options["format"] = value
    for n in names:
        if data.var(n).is_string:
            raise StataError(109, "type mismatch")
    stats = parse_stats(args.options.get("statistics") or args.options.get("stats") or "mean")
    col = (args.options.get("columns") or "").strip().lower()
    if col and "variables".startswith(col) and len(col) >= 1:
        by_stats = False
    elif col and "statistics".startswith(col) and len(col) >= 1:
        by_stats = True
    elif col:
        raise StataError(198, "columns() invalid")
    else:
        by_stats = len(names) == 1   # Stata: one variable → the statistics as columns
    formats = [_format(args, data, n) for n in names]
    rows = args.touse(session)
    byvar = None
    if args.options.get("by"):
        found = expand_varlist(args.options["by"], data.names)
        if len(found) != 1:
            raise StataError(103 if found else 100,
                             "too many variables specified" if found else "varlist required")
        byvar = found[0]
        if not args.options.get("missing"):
            col_b = data.column(byvar)
            rows = rows & ((col_b != "") if col_b.dtype == object else ~np.isnan(col_b))
    if not rows.any():
        raise StataError(2000, "no observations")
    columns = [data.column(n) for n in names]

    def table(pieces) -> np.ndarray:
        """stats × vars for one group, from each variable's values in the group."""
        out = np.empty((len(stats), len(names)))
        for j, x in enumerate(pieces):
            x = x[~np.isnan(x)]
            s = np.sort(x)
            for i, st in enumerate(stats):
                out[i, j] = statistic(st, x, s)
        return out

    groups = []
    r = Returns()
    rownames = [_names(s)[0] for s in stats]
    if byvar is not None:
        from hlmshell.commands.tabulate import _levels
        ids, labels = _levels(data, byvar, rows.copy())
        index = np.flatnonzero(rows)
        order = np.argsort(ids, kind="stable")            # rows of each group together
        cuts = np.searchsorted(ids[order], np.arange(1, len(labels)))
        split = [np.split(c[index][order], cuts) for c in columns]
        for g, label in enumerate(labels):
            values = table([parts[g] for parts in split])
            groups.append((label, values))
            r.matrices[f"Stat{g + 1}"] = StataMatrix(values, rownames, list(names))
            r.macros[f"name{g + 1}"] = label
    total = table([c[rows] for c in columns])
    r.matrices["StatTotal"] = StataMatrix(total, rownames, list(names))
    session.r = r
    show_total = byvar is None or not args.options.get("nototal")
    by_title = ""
    if byvar is not None:
        label = data.var(byvar).label
        by_title = f"{byvar} ({label})" if label else byvar
    return TabstatResult(
        names=list(names), stats=[_names(s)[1] for s in stats], formats=formats,
        groups=groups, total=total if show_total else None, byvar=byvar, by_title=by_title,
        stat_columns=by_stats)


__all__ = ["tabstat", "statistic", "parse_stats", "fmt"]
