"""More egen functions ([D] egen): percentiles, mode, rank options, std, cut, the row
functions, any*, concat, fill, seq and diff. Each is vectorised over rows and groups and
registered in EGEN_FUNCTIONS (dataset/egen.py) with the options it accepts.
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.dataset.collapse import _percentile
from hlmshell.dataset.egen import (EGEN_FUNCTIONS, EgenCall, EgenFunction, _broadcast,
                                   _numeric, _sizes, group_mean, group_sd)
from hlmshell.dataset.groups import _keys, combine_codes
from hlmshell.errors import StataError


# ------------------------------------------------------------------ option arguments
def numlist(text, name: str) -> list[float]:
    """`1 2 5/7`, `0,10,20` (what at(), values(), fill() take)."""
    if text is True or text is None or not str(text).strip():
        raise StataError(198, f"option {name}() required")
    out: list[float] = []
    for word in re.split(r"[\s,]+", str(text).strip()):
        m = re.match(r"^(-?[\d.]+)/(-?[\d.]+)$", word)
        try:
            if m:
                a, b = float(m.group(1)), float(m.group(2))
                step = 1.0 if b >= a else -1.0
                out.extend(np.arange(a, b + step / 2, step).tolist())
            else:
                out.append(float(word))
        except ValueError:
            raise StataError(121, "invalid numlist") from None
    return out


def number(call: EgenCall, name: str, default=None) -> float | None:
    arg = call.options.get(name)
    if arg is None:
        return default
    try:
        return float(arg)
    except (TypeError, ValueError):
        raise StataError(198, f"option {name}() incorrectly specified") from None


def _no_by(call: EgenCall, fname: str) -> None:
    """_egennoby.ado: the function refuses by() and the by prefix."""
    if call.groups is not None and len(call.groups) and int(call.groups.max()) > 0:
        raise StataError(190, f"egen ... {fname}() may not be combined with by")


# ------------------------------------------------------------------ group statistics
def _pctile_of(values, groups, p):
    ng = _sizes(groups)
    ok = (groups >= 0) & ~np.isnan(values)
    return _broadcast(_percentile(values[ok], groups[ok], ng, np.ones(int(ok.sum())), p), groups)


def _median(call):
    return _pctile_of(_numeric(call), call.groups, 50), None


def _pctile(call):
    p = number(call, "p", 50)
    if not 0 < p < 100:
        raise StataError(198, "p() must be between 0 and 100")
    return _pctile_of(_numeric(call), call.groups, p), None


def _iqr(call):
    v = _numeric(call)
    return _pctile_of(v, call.groups, 75) - _pctile_of(v, call.groups, 25), None


def _mode(call):
    """Most frequent value per group; ties give missing unless minmode/maxmode."""
    if call.options.get("minmode") and call.options.get("maxmode"):
        raise StataError(198, "only one of minmode, maxmode, or nummode() allowed")
    v, g = call.values, call.groups
    string = v.dtype == object
    present = (v != "") if string else ~np.isnan(v)
    rows = np.flatnonzero((g >= 0) & (present | bool(call.options.get("missing"))))
    out = np.full(len(v), "" if string else np.nan, dtype=object if string else float)
    if not len(rows):
        if (g >= 0).any():
            import textwrap
            name = call.options.get("_argtext", "")
            text = (f"Warning: {name} contains all missing values. Generating missing values "
                    "for the mode. Use the missing option to treat missing values as a "
                    "category." if int(g.max()) == 0 else
                    "Warning: at least one group contains all missing values or contains "
                    "multiple modes. Generating missing values for the mode of these groups. "
                    "Use the missing, maxmode, minmode, or nummode() options to control this "
                    "behavior.")
            call.note = textwrap.fill(text, 79)
        return out, call.source_type
    vcode = _keys(v[rows])
    pair = combine_codes([g[rows], vcode])          # dense, ordered by (group, value)
    npairs = int(pair.max()) + 1
    count = np.bincount(pair, minlength=npairs)
    pair_group = np.zeros(npairs, dtype=np.int64)
    pair_group[pair] = g[rows]
    pair_row = np.zeros(npairs, dtype=np.int64)
    pair_row[pair[::-1]] = rows[::-1]
    ng = _sizes(g)
    best = np.zeros(ng, dtype=np.int64)
    np.maximum.at(best, pair_group, count)
    cand = np.flatnonzero(count == best[pair_group])
    ncand = np.bincount(pair_group[cand], minlength=ng)
    chosen = np.full(ng, -1, dtype=np.int64)
    if call.options.get("maxmode"):
        chosen[pair_group[cand]] = cand                     # the last (largest) wins
    else:
        chosen[pair_group[cand][::-1]] = cand[::-1]         # the first (smallest) wins
    ok = chosen >= 0
    if not (call.options.get("minmode") or call.options.get("maxmode")):
        ok &= ncand == 1
    per = np.full(ng, "" if string else np.nan, dtype=object if string else float)
    per[ok] = v[pair_row[chosen[ok]]]
    inside = g >= 0
    out[inside] = per[g[inside]]
    by = int(g.max()) > 0
    empty = (per == "") if string else np.isnan(per)
    present_groups = np.bincount(g[rows], minlength=ng) > 0
    if empty[np.unique(g[inside])].any() and not (call.options.get("minmode") or call.options.get("maxmode")):
        # _gmode.ado's warnings (a {p} paragraph at the line size)
        import textwrap
        if by:
            text = ("Warning: at least one group contains all missing values or contains "
                    "multiple modes. Generating missing values for the mode of these groups. "
                    "Use the missing, maxmode, minmode, or nummode() options to control this "
                    "behavior.")
        elif not present_groups.any():
            text = (f"Warning: {call.options.get('_argtext', '')} contains all missing values. "
                    "Generating missing values for the "
                    "mode. Use the missing option to treat missing values as a category.")
        else:
            text = ("Warning: multiple modes encountered. Generating missing values for the "
                    "mode. Use the maxmode, minmode, or nummode() options to control this "
                    "behavior.")
        call.note = textwrap.fill(text, 79)
    return out, call.source_type


def _runs(values, groups):
    """Sort by (group, value): the order, each sorted row's group start, and the first and
    last sorted position of its run of ties."""
    ok = np.flatnonzero((groups >= 0) & ~np.isnan(values))
    order = ok[np.lexsort((values[ok], groups[ok]))]
    g, v = groups[order], values[order]
    pos = np.arange(len(order))
    new_group = np.r_[True, g[1:] != g[:-1]] if len(g) else np.zeros(0, bool)
    new_value = new_group | (np.r_[True, v[1:] != v[:-1]] if len(v) else new_group)
    start = np.maximum.accumulate(np.where(new_group, pos, 0)) if len(pos) else pos
    run = np.cumsum(new_value) - 1
    first = pos[new_value]
    last = np.r_[first[1:], len(order)] - 1
    return order, start, first[run] if len(pos) else pos, last[run] if len(pos) else pos


def _rank(call):
    from hlmshell.dataset.egen import _rank as average_rank
    v, g = _numeric(call), call.groups
    opts = [o for o in ("field", "track", "unique") if call.options.get(o)]
    if len(opts) > 1:
        raise StataError(198, "only one of field, track and unique may be specified")
    if not opts:
        return average_rank(v, g), None
    out = np.full(len(v), np.nan)
    order, start, first, last = _runs(v, g)
    if opts[0] == "track":          # lowest value gets 1, ties share
        out[order] = first - start + 1
    elif opts[0] == "unique":       # 1..n, ties in the data's order
        out[order] = np.arange(len(order)) - start + 1
    else:                           # field: highest value gets 1, ties share
        size = np.bincount(g[order], minlength=_sizes(g))[g[order]] if len(order) else order
        out[order] = size - (last - start + 1) + 1
    return out, None


def _std(call):
    """_gstd.ado: the values stored (as float) first, then standardised with their mean and
    sd, times std(#) plus mean(#)."""
    from hlmshell.dataset.dataset import coerce
    _no_by(call, "std")
    v = coerce(np.where(call.groups >= 0, _numeric(call), np.nan), "float")
    m, s = group_mean(v, call.groups), group_sd(v, call.groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (v - m) / s
    call.label = f"Standardized values of {call.options.get('_argtext', '')}"
    return number(call, "mean", 0.0) + number(call, "std", 1.0) * z, None


def _cut(call):
    """cut(x), at(#,#,...) | group(#) [icodes label], as _gcut.ado: each value gets the
    last break at or below it (or that break's 0-based number: icodes, which group() and
    label imply); below the first break, or at or above at()'s last, is missing.
    group(#) breaks at the minimum, the pctile quantiles and the maximum + 1."""
    from hlmshell.render.formats import fmt
    _no_by(call, "cut")
    v = _numeric(call)
    at, group = call.options.get("at"), call.options.get("group")
    if at is None and group is None:
        raise StataError(198, "one of at() or group() must be specified")
    if at is not None and group is not None:
        raise StataError(198, "cannot specify both at() and group() option")
    inside = (call.groups >= 0) & ~np.isnan(v)
    icodes = bool(call.options.get("icodes") or call.options.get("label") or group is not None)
    if at is not None:
        breaks = np.array(numlist(at, "at"))
        if np.any(np.diff(breaks) < 0):
            raise StataError(124, "invalid numlist has elements out of order")
        inside &= v < breaks[-1]
    else:
        k = number(call, "group")
        if k is None or k < 1 or k != int(k):
            raise StataError(198, "option group() incorrectly specified")
        x = v[inside]
        if not len(x):
            return np.full(len(v), np.nan), None
        g0 = np.zeros(len(x), dtype=np.int64)
        qs = [_percentile(x, g0, 1, np.ones(len(x)), 100 * i / k)[0] for i in range(1, int(k))]
        breaks = np.array([x.min()] + qs + [x.max() + 1])
    code = np.searchsorted(breaks, v, side="right") - 1     # the last break <= x
    ok = inside & (code >= 0)
    code = np.clip(code, 0, len(breaks) - 1)
    if call.options.get("label"):
        call.value_label = {float(i): fmt(float(c), "%9.0g").strip() + "-"
                            for i, c in enumerate(breaks)}
    if icodes:
        return np.where(ok, code.astype(float), np.nan), None
    return np.where(ok, breaks[code], np.nan), None


# ------------------------------------------------------------------ row functions
def _matrix(call, strok: bool = False):
    cols = []
    for name in call.varlist:
        col = call.data.column(name)
        if col.dtype == object:
            if not strok:
                raise StataError(109, "type mismatch")
            cols.append(np.where(col == "", np.nan, 0.0))
        else:
            cols.append(np.asarray(col, dtype=float))
    return np.column_stack(cols) if cols else np.zeros((call.data.nobs, 0))


def _in_sample(call, values):
    return np.where(call.sample, values, np.nan)


def _row(kind):
    def impl(call):
        if kind in ("rowmiss", "rownonmiss"):
            m = _matrix(call, strok=kind == "rowmiss" or bool(call.options.get("strok")))
            miss = np.isnan(m).sum(axis=1)
            out = miss if kind == "rowmiss" else m.shape[1] - miss
            return _in_sample(call, out.astype(float)), None
        m = _matrix(call)
        present = ~np.isnan(m)
        n = present.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.where(present, m, 0.0).sum(axis=1)
            if kind == "rowtotal":
                out = np.where((n == 0) & bool(call.options.get("missing")), np.nan, total)
            elif kind == "rowmean":
                out = np.where(n > 0, total / n, np.nan)
            elif kind == "rowsd":
                mean = total / n
                ss = np.where(present, (m - mean[:, None]) ** 2, 0.0).sum(axis=1)
                out = np.where(n > 1, np.sqrt(ss / (n - 1)), np.nan)
            elif kind == "rowmax":
                out = np.where(n > 0, np.where(present, m, -np.inf).max(axis=1), np.nan)
            else:
                out = np.where(n > 0, np.where(present, m, np.inf).min(axis=1), np.nan)
        return _in_sample(call, out), None
    return impl


def _any(kind):
    def impl(call):
        wanted = np.array(numlist(call.options.get("values"), "values"))
        m = _matrix(call)
        hit = np.isin(m, wanted)
        if kind == "anycount":
            out = hit.sum(axis=1).astype(float)
        elif kind == "anymatch":
            out = hit.any(axis=1).astype(float)
        else:
            if len(call.varlist) != 1:
                raise StataError(103, "too many variables specified")
            out = np.where(hit[:, 0], m[:, 0], np.nan)
        return (_in_sample(call, out) if kind == "anyvalue" else np.where(call.sample, out, np.nan)), None
    return impl


def _concat(call):
    from hlmshell.render.formats import fmt
    punct = call.options.get("punct")
    punct = "" if punct in (None, True) else str(punct).strip('"')
    spec = call.options.get("format")
    parts = []
    for name in call.varlist:
        col = call.data.column(name)
        labels = call.data.value_labels.get(call.data.var(name).value_label or "", {})
        if col.dtype == object:
            parts.append(col.astype(str))
        elif call.options.get("decode") and labels:     # value labels where they exist
            parts.append(np.array([labels.get(float(x), _plain(x)) for x in col], dtype=object))
        else:
            f = str(spec) if spec not in (None, True) else None
            parts.append(np.array([fmt(x, f).strip() if f else _plain(x) for x in col], dtype=object))
    out = parts[0].astype(object)
    for p in parts[1:]:
        out = out + punct + p.astype(object)
    limit = number(call, "maxlength")
    if limit is not None:
        out = np.array([s[:int(limit)] for s in out], dtype=object)
    return np.where(call.sample, out, "").astype(object), None


def _plain(x: float) -> str:
    """string(x): Stata's default conversion (%9.0g), "." for missing."""
    from hlmshell.render.formats import fmt
    if np.isnan(x):
        return "."
    return fmt(float(x), "%9.0g").strip()


def _fill(call):
    _no_by(call, "fill")
    pattern = numlist(call.options.get("_arg"), "fill")
    n = call.data.nobs
    block = 1
    while block < len(pattern) and pattern[block] == pattern[0]:
        block += 1
    idx = np.arange(n)
    if len(pattern) >= 2 * block and block < len(pattern):
        step = pattern[block] - pattern[0]
        expect = [pattern[0] + step * (i // block) for i in range(len(pattern))]
        if np.allclose(expect, pattern):
            return pattern[0] + step * (idx // block), None
    if len(pattern) == 1:
        raise StataError(198, "fill() needs at least two numbers")
    return np.array(pattern)[idx % len(pattern)], None


def _seq(call):
    g = call.groups
    start = np.zeros(len(g), dtype=np.int64)
    inside = np.flatnonzero(g >= 0)
    if len(inside):
        gi = g[inside]
        new = np.r_[True, gi[1:] != gi[:-1]]
        first = np.maximum.accumulate(np.where(new, np.arange(len(gi)), 0))
        start[inside] = np.arange(len(gi)) - first
    block = int(number(call, "block", 1))
    if block < 1:
        raise StataError(198, "option block() incorrectly specified")
    k = start // block
    lo = number(call, "from", 1.0)
    hi = number(call, "to")
    if hi is None:
        out = lo + k
    else:
        length = int(abs(hi - lo)) + 1
        out = lo + np.sign(hi - lo or 1) * (k % length)
    return np.where(g >= 0, out, np.nan).astype(float), None


def _diff(call):
    cols = [call.data.column(n) for n in call.varlist]
    if len({c.dtype == object for c in cols}) > 1:
        raise StataError(109, "type mismatch")
    first = cols[0]
    differ = np.zeros(call.data.nobs, dtype=bool)
    for c in cols[1:]:
        if c.dtype == object:
            differ |= c != first
        else:
            differ |= ~((c == first) | (np.isnan(c) & np.isnan(first)))
    return np.where(call.sample, differ.astype(float), np.nan), "byte"


for fn in (
    EgenFunction("median", _median, "exp"),
    EgenFunction("pctile", _pctile, "exp", ("p",)),
    EgenFunction("iqr", _iqr, "exp"),
    EgenFunction("mode", _mode, "exp", ("minmode", "maxmode", "missing")),
    EgenFunction("rank", _rank, "exp", ("field", "track", "unique")),
    EgenFunction("std", _std, "exp", ("mean", "std")),
    EgenFunction("cut", _cut, "exp", ("at", "group", "icodes", "label")),
    EgenFunction("rowmean", _row("rowmean"), "varlist"),
    EgenFunction("rowtotal", _row("rowtotal"), "varlist", ("missing",)),
    EgenFunction("rowmax", _row("rowmax"), "varlist"),
    EgenFunction("rowmin", _row("rowmin"), "varlist"),
    EgenFunction("rowsd", _row("rowsd"), "varlist"),
    EgenFunction("rowmiss", _row("rowmiss"), "varlist"),
    EgenFunction("rownonmiss", _row("rownonmiss"), "varlist", ("strok",)),
    EgenFunction("anycount", _any("anycount"), "varlist", ("values",)),
    EgenFunction("anymatch", _any("anymatch"), "varlist", ("values",)),
    EgenFunction("anyvalue", _any("anyvalue"), "varlist", ("values",)),
    EgenFunction("concat", _concat, "varlist", ("format", "decode", "maxlength", "punct")),
    EgenFunction("fill", _fill, "numlist"),
    EgenFunction("seq", _seq, "none", ("from", "to", "block")),
    EgenFunction("diff", _diff, "varlist"),
):
    EGEN_FUNCTIONS[fn.name] = fn

from hlmshell.dataset import egen_moments  # noqa: E402,F401  (skew kurt mad mdev pc row*)
