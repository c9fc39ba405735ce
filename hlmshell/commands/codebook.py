"""Describing variables: codebook [, compact], ds [, has() not()], lookfor, misstable
summarize."""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.commands.summarize import percentile
from hlmshell.dataset.missing import codes as missing_codes
from hlmshell.errors import StataError
from hlmshell.render.codebook import (CodebookCompact, CodebookEntry, CodebookResult,
                                      CompactRow, MisstableResult, MisstableRow, NameColumns)
from hlmshell.render.describe import DescribeResult, DescribeRow
from hlmshell.render.formats import fmt
from hlmshell.returns import Returns

TABULATE_MAX = 9   # codebook tabulates variables with at most this many unique values


def _units(x: np.ndarray, stype: str) -> str:
    """The largest power of ten every value is a multiple of (codebook's Units), at least
    1e-9; float variables are compared at float precision."""
    if not len(x):
        return "1"
    tol = 1e-6 if stype == "float" else 1e-9
    x = x[x != 0]
    if not len(x):
        return "1"
    for k in range(12, -10, -1):
        u = 10.0 ** k
        q = x / u
        r = np.round(q)
        if np.all(r != 0) and np.all(np.abs(q - r) <= tol * np.abs(q)):
            return f"{u:.3e}" if k <= -7 else fmt(u, "%9.0g").strip()
    return "1.000e-09"


def _entry(data, name: str, rows: np.ndarray) -> CodebookEntry:
    var = data.var(name)
    values = var.values[rows]
    n = len(values)
    if var.is_string:
        present = values[values != ""]
        longest = max((len(v) for v in values), default=0)
        declared = var.stype
        type_text = f"String ({declared})"
        if declared[3:].isdigit() and longest < int(declared[3:]):
            type_text += f", but longest is str{max(longest, 1)}"
        uniq, counts = np.unique(present.astype(str), return_counts=True) if len(present) \
            else (np.array([]), np.array([]))
        e = CodebookEntry(name, var.label, type_text, unique=len(uniq),
                          missing_title='Missing "":', missing=n - len(present), n=n)
        if len(uniq) <= TABULATE_MAX:
            e.tabulation = [(int(c), f'"{u}"', "") for u, c in zip(uniq, counts)]
        else:
            picks = [uniq[int(k * len(uniq) / 5)] for k in range(1, 5)]
            e.examples = [f'"{p}"' for p in picks]
        if any(" " in v.strip() for v in present):
            e.warnings.append("Variable has embedded blanks.")
        return e
    present = values[~np.isnan(values)]
    uniq, counts = np.unique(present, return_counts=True)
    e = CodebookEntry(name, var.label, f"Numeric ({var.stype})",
                      value_label=var.value_label or "", unique=len(uniq),
                      missing=n - len(present), n=n)
    if len(present):
        e.range_text = f"[{fmt(present.min(), '%9.0g').strip()},{fmt(present.max(), '%9.0g').strip()}]"
        e.units = _units(present, var.stype)
    else:
        e.range_text, e.units = "[.,.]", "."
    if len(uniq) <= TABULATE_MAX:
        e.labelled = bool(var.value_label and var.value_label in data.value_labels)
        tab = []
        for u, c in zip(uniq, counts):
            text = fmt(u, var.fmt if var.fmt.endswith("g") or var.fmt.endswith("f") else "%9.0g").strip()
            tab.append((int(c), text, data.value_text(name, u) or ""))
        if e.missing:
            tab.append((e.missing, ".", ""))
        e.tabulation = tab
    else:
        s = np.sort(present)
        mean = float(present.mean())
        e.mean = mean
        e.sd = math.sqrt(float(((present - mean) ** 2).sum()) / (len(present) - 1))
        e.percentiles = [percentile(s, p) for p in (10, 25, 50, 75, 90)]
    return e


@command("codebook", syntax="[varlist] [if] [in] [, Compact]", help="describe data contents")
def codebook(session, args):
    """codebook [varlist] [if] [in] [, compact]"""
    data = session.data
    if not data.vars:
        return None
    rows = args.touse(session)
    if args.options.get("compact"):
        out = []
        for name in args.varlist:
            var = data.var(name)
            x = var.values[rows]
            if var.is_string:
                uniq = len(set(v for v in x if v != ""))
                out.append(CompactRow(name, int((x != "").sum()), uniq, ".", ".", ".", var.label))
                continue
            x = x[~np.isnan(x)]
            g = (lambda v: fmt(v, "%9.0g").strip())
            out.append(CompactRow(name, len(x), len(np.unique(x)),
                                  g(x.mean()) if len(x) else ".", g(x.min()) if len(x) else ".",
                                  g(x.max()) if len(x) else ".", var.label))
        return CodebookCompact(out, session.settings.get("linesize", 79))
    return CodebookResult([_entry(data, n, rows) for n in args.varlist],
                          session.settings.get("linesize", 79))


# ------------------------------------------------------------------------------ ds
_TYPE_WORDS = ("numeric", "string", "byte", "int", "long", "float", "double", "str#", "strL")


def _has(data, name: str, spec: str) -> bool:
    words = spec.split()
    if not words:
        raise StataError(198, "invalid syntax")
    kind = words[0].lower()
    var = data.var(name)
    if kind == "type":
        wanted = words[1:]
        if not wanted:
            raise StataError(198, "invalid syntax")
        for w in wanted:
            if w not in _TYPE_WORDS and not (w.startswith("str") and w[3:].isdigit()):
                raise StataError(198, f"invalid type {w}")
            if (w == "numeric" and not var.is_string) or (w == "string" and var.is_string) \
                    or w == var.stype or (w == "str#" and var.is_string and var.stype != "strL"):
                return True
        return False
    if kind == "varlabel":
        return bool(var.label)
    if kind == "vallabel":
        return bool(var.value_label)
    raise StataError(198, f"{kind} invalid")


@command("ds", syntax="[varlist] [, HAS(string) NOT(string)]", help="list variables, by type")
def ds(session, args):
    """ds [varlist] [, has(type numeric|string|... | varlabel | vallabel) not(...)]"""
    data = session.data
    names = list(args.varlist)
    if args.options.get("has") is not None and args.options.get("not") is not None:
        raise StataError(198, "options has() and not() may not be combined")
    if args.options.get("has") is not None:
        names = [n for n in names if _has(data, n, args.options["has"])]
    if args.options.get("not") is not None:
        names = [n for n in names if not _has(data, n, args.options["not"])]
    session.r = Returns(macros={"varlist": " ".join(names)})
    return NameColumns(names, session.settings.get("linesize", 79)) if names else None


@command("lookfor", syntax="anything", help="search variable names and labels")
def lookfor(session, args):
    """lookfor string [string ...]"""
    from hlmshell.syntax.spec import unquote
    import shlex
    try:
        words = [unquote(w) for w in shlex.split(args.anything)]
    except ValueError:
        raise StataError(198, "invalid syntax") from None
    words = [w.lower() for w in words if w]
    data = session.data
    hits = [v for v in data.vars.values()
            if any(w in v.name.lower() or w in v.label.lower() for w in words)]
    session.r = Returns(macros={"varlist": " ".join(v.name for v in hits)})
    if not hits:
        return None
    rows = [DescribeRow(v.name, v.stype, v.fmt, v.value_label or "", v.label) for v in hits]
    return DescribeResult(rows=rows, header=False, linesize=session.settings.get("linesize", 79))


# ------------------------------------------------------------------------------ misstable
@command("misstable", syntax="anything [if] [in] [, ALL SHOWzero]",
         help="tabulate missing values: misstable summarize [varlist]")
def misstable(session, args):
    """misstable summarize [varlist] [if] [in] [, all showzero]"""
    from hlmshell.dataset.varlist import expand_varlist
    words = args.anything.split(None, 1)
    if not words:
        raise StataError(198, "invalid syntax")
    sub = words[0].lower()
    if not ("summarize".startswith(sub) and len(sub) >= 3):
        raise StataError(198, f"misstable {sub} not allowed" if sub in ("patterns", "tree", "nested")
                         else "invalid subcommand")
    data = session.data
    names = expand_varlist(words[1], data.names) if len(words) > 1 else data.names
    rows = args.touse(session)
    out = []
    r = Returns()
    for name in names:
        var = data.var(name)
        if var.is_string:
            continue
        x = var.values[rows]
        kind = missing_codes(x)
        missing, extended = int((kind == 0).sum()), int((kind > 0).sum())
        if not missing + extended and not args.options.get("all"):
            continue
        present = x[~np.isnan(x)]
        uniq = len(np.unique(present))
        lo = float(present.min()) if len(present) else math.nan
        hi = float(present.max()) if len(present) else math.nan
        out.append(MisstableRow(name, missing, extended, len(present), uniq, lo, hi))
        r = Returns({"N_eq_dot": float(missing), "N_gt_dot": float(extended),
                     "N_lt_dot": float(len(present)),
                     "K_uniq": float(uniq) if uniq <= 500 else math.nan, "min": lo, "max": hi},
                    macros={"vartype": "numeric"})
    session.r = r
    return MisstableResult(out, showzero=bool(args.options.get("showzero")))
