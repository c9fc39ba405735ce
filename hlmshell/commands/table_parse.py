"""Parsing for Stata 17's `table` ([R] table): the dimension lists and the options.

    table [rowvars [colvars [tabvars]]] [if] [in] [weight] [, statistic(stat [varlist]) ...
          totals(varlist) nototals nformat(%fmt [stats] [varlist]) sformat(fmt [stats])
          missing zerocounts]

A dimension list is a parenthesised list `(a b)` (possibly empty, `()`) or one bare name;
`var` and `result` name the variables and the statistics (`table (var) (result), ...`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from hlmshell.dataset.groupstats import is_percentile
from hlmshell.dataset.varlist import expand_varlist
from hlmshell.errors import StataError
from hlmshell.render.formats import is_format
from hlmshell.syntax.spec import parse_option_list

# statistic → its label in Stata 17's default style. Confirmed on public Stata 17 logs:
# Frequency, Percent, Mean, Standard deviation, Minimum value, Maximum value; the others
# follow the same wording and are unconfirmed.
LABELS = {
    "frequency": "Frequency", "percent": "Percent", "mean": "Mean",
    "sd": "Standard deviation", "min": "Minimum value", "max": "Maximum value",
    "count": "Number of nonmissing values", "sum": "Sum", "total": "Total",
    "variance": "Variance", "semean": "Standard error of the mean", "median": "Median",
    "iqr": "Interquartile range", "q1": "First quartile", "q2": "Median",
    "q3": "Third quartile", "cv": "Coefficient of variation", "skewness": "Skewness",
    "kurtosis": "Kurtosis", "range": "Range",
}
NO_VARLIST = ("frequency", "percent")
# Stata 17 statistics this table does not compute: refused by name with r(198)
NOT_BUILT = ("first", "last", "firstnm", "lastnm", "proportion", "rawpercent", "rawsum",
             "rawfrequency", "fvfrequency", "fvpercent", "fvrawfrequency", "fvrawpercent",
             "fvproportion", "sebinomial", "sepoisson", "sumw")
ALIASES = {"freq": "frequency", "sem": "semean", "var": "variance", "skew": "skewness",
           "kurt": "kurtosis", "p50": "median", "n": "count"}


def stat_label(stat: str) -> str:
    if is_percentile(stat):
        k = int(stat[1:])
        suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
        return f"{k}{suffix} percentile"
    return LABELS[stat]


@dataclass
class TableCall:
    axes: list[list[str]]                   # rows, columns, tables: variable names, var, result
    stats: list[tuple[str, str | None]]     # (statistic, variable or None) in typed order
    totals: set[str] | None = None          # None: every variable; a set: these only
    nformats: list = field(default_factory=list)   # (fmt, stats or None, vars or None)
    sformats: list = field(default_factory=list)   # (fmt, stats or None, vars or None)
    missing: bool = False
    zerocounts: bool = False


def split_dims(main: str) -> list[str]:
    """`(a b) c ()` → ['a b', 'c', '']: the parenthesised lists and bare names in order."""
    out, i, n = [], 0, len(main)
    while i < n:
        c = main[i]
        if c.isspace():
            i += 1
        elif c == "(":
            j = main.find(")", i)
            if j < 0 or "(" in main[i + 1:j]:
                raise StataError(198, "invalid syntax")
            out.append(main[i + 1:j].strip())
            i = j + 1
        elif c == ")":
            raise StataError(198, "unmatched close parenthesis")
        else:
            m = re.match(r"[^\s()]+", main[i:])
            out.append(m.group())
            i += m.end()
    if len(out) > 3:
        raise StataError(198, "too many dimension specifications; at most three are allowed")
    return out


def _dim_vars(text: str, names: list[str]) -> list[str]:
    out: list[str] = []
    for word in text.split():
        if word in ("var", "result") and word not in names:
            found = [word]
        else:
            found = expand_varlist(word, names)
        for f in found:
            if f in out:
                raise StataError(198, f"{f} specified more than once")
            out.append(f)
    return out


def _stat_name(word: str) -> str:
    w = ALIASES.get(word.lower(), word.lower())
    if w in LABELS or is_percentile(w):
        return w
    if w in NOT_BUILT:
        raise StataError(198, f"statistic {word} not allowed")
    raise StataError(198, f"invalid statistic {word}")


def _statistic(text: str, names: list[str]) -> list[tuple[str, str | None]]:
    words = text.split()
    if not words:
        raise StataError(198, "option statistic() incorrectly specified")
    stat = _stat_name(words[0])
    rest = " ".join(words[1:])
    if stat in NO_VARLIST:
        if rest:
            raise StataError(198, f"statistic {stat} does not allow a varlist")
        return [(stat, None)]
    if not rest:
        raise StataError(100, f"statistic {stat} requires a varlist")
    return [(stat, v) for v in expand_varlist(rest, names)]


def _format_targets(text: str, names: list[str], what: str):
    """`%9.2f mean sd x` → (format, {stats} or None, {vars} or None)."""
    words = text.split()
    if what == "sformat":
        m = re.match(r'\s*"([^"]*)"\s*(.*)', text) or re.match(r"\s*(\S+)\s*(.*)", text)
        if not m or m.group(1).count("%s") != 1:
            raise StataError(198, "option sformat() invalid")
        spec, words = m.group(1), m.group(2).split()
    else:
        if not words or not is_format(words[0]):
            raise StataError(198, "option nformat() invalid")
        spec, words = words[0], words[1:]
    stats, vars_ = set(), set()
    for w in words:
        s = ALIASES.get(w.lower(), w.lower())
        if s in LABELS or is_percentile(s):
            stats.add(s)
        else:
            vars_.update(expand_varlist(w, names))
    return spec, stats or None, vars_ or None


def parse_call(main: str, options: str | None, names: list[str]) -> TableCall:
    dims = split_dims(main)
    axes = [_dim_vars(d, names) for d in dims] + [[] for _ in range(3 - len(dims))]
    if any(w in ("var", "result") for w in axes[2]):
        # our limitation: the statistics lay out along rows or columns only
        raise StataError(198, "var and result may be row or column dimensions only")
    seen = [v for axis in axes for v in axis]
    if len(seen) != len(set(seen)):
        raise StataError(198, "a variable may appear in only one dimension")
    call = TableCall(axes=axes, stats=[])
    text = re.sub(r"([A-Za-z_]\w*)\s+\(", r"\1(", options or "")
    for word, arg in parse_option_list(text):
        def need_arg():
            if arg is None:
                raise StataError(198, f"option {word}() required")
            return arg
        if len(word) >= 4 and "statistic".startswith(word):
            for pair in _statistic(need_arg(), names):
                if pair not in call.stats:
                    call.stats.append(pair)
        elif word in ("nototals", "nototal"):
            call.totals = set()
        elif len(word) >= 5 and "totals".startswith(word):
            call.totals = set(_dim_vars(need_arg(), names))
        elif len(word) >= 3 and "nformat".startswith(word):
            call.nformats.append(_format_targets(need_arg(), names, "nformat"))
        elif len(word) >= 3 and "sformat".startswith(word):
            call.sformats.append(_format_targets(need_arg(), names, "sformat"))
        elif len(word) >= 1 and "missing".startswith(word) and arg is None:
            call.missing = True
        elif word in ("zerocounts", "zero") and arg is None:
            call.zerocounts = True
        elif len(word) >= 2 and "contents".startswith(word):
            raise StataError(198, "option contents() not allowed;\nStata 17's table takes "
                                  "statistic(); the pre-17 table (version 16: table) is not built")
        else:
            raise StataError(198, f"option {word}{'()' if arg is not None else ''} not allowed")
    if not call.stats:
        call.stats = [("frequency", None)]
    return call


__all__ = ["TableCall", "parse_call", "stat_label", "LABELS"]
