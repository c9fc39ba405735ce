"""Grouping and sorting over the data, and the egen functions as a table: name → function.

Sorting follows Stata: numbers ascending with missing (NaN) last, strings in byte order;
every sort here is stable, so ties keep their current order.

An egen function takes (values, sample, groups, options) where `values` is the evaluated
argument (float64 with NaN, or object str; None for varlist functions), `sample` the
boolean if/in mask, `groups` an int array of by-group ids (-1 outside the sample) and
returns (new values, storage type). The registry entry also says whether the argument is
an expression or a varlist.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from hlmshell.errors import StataError


# ------------------------------------------------------------------ sorting and groups
def _keys(column: np.ndarray, descending: bool = False) -> np.ndarray:
    """Integer codes that sort like Stata's order for one column (missing last)."""
    if column.dtype == object:
        uniq, codes = np.unique(np.asarray([str(v) for v in column], dtype=object).astype(str),
                                return_inverse=True)
        codes = codes.astype(np.int64)
        return (len(uniq) - 1 - codes) if descending else codes
    col = np.asarray(column, dtype=float)
    missing = np.isnan(col)
    uniq, codes = np.unique(np.where(missing, np.inf, col), return_inverse=True)
    codes = codes.astype(np.int64)
    if descending:  # gsort -x: largest first, missing values still last as in Stata
        top = len(uniq) - 1 - int(missing.any())
        codes = np.where(missing, codes, top - codes)
    return codes


def sort_order(data, names: list[str], descending: list[bool] | None = None) -> np.ndarray:
    """Row order (stable) sorting the data by `names`."""
    if not names or data.nobs == 0:
        return np.arange(data.nobs)
    descending = descending or [False] * len(names)
    keys = [_keys(data.column(n), d) for n, d in zip(names, descending)]
    return np.lexsort(keys[::-1])  # lexsort is stable; its last key is the primary one


def group_ids(data, names: list[str], rows: np.ndarray | None = None) -> np.ndarray:
    """Group number (0-based, in sorted order of the group values) of every row; rows
    outside `rows` (a bool mask) get -1."""
    n = data.nobs
    rows = np.ones(n, dtype=bool) if rows is None else rows
    if not names:
        return np.where(rows, 0, -1)
    keys = np.stack([_keys(data.column(name)) for name in names], axis=1) if n else \
        np.zeros((0, len(names)), dtype=np.int64)
    out = np.full(n, -1, dtype=np.int64)
    if rows.any():
        _, inverse = np.unique(keys[rows], axis=0, return_inverse=True)
        out[rows] = inverse.ravel()
    return out


def any_missing(data, names: list[str]) -> np.ndarray:
    """True where any of `names` is missing (numeric NaN or empty string)."""
    out = np.zeros(data.nobs, dtype=bool)
    for name in names:
        col = data.column(name)
        out |= (col == "") if col.dtype == object else np.isnan(col)
    return out


def is_sorted_by(data, names: list[str]) -> bool:
    if data.sortedby[:len(names)] == list(names):
        return True
    order = sort_order(data, names)
    return bool(np.array_equal(order, np.arange(data.nobs)))


# ------------------------------------------------------------------ per-group helpers
def _group_stat(values: np.ndarray, groups: np.ndarray, fn) -> np.ndarray:
    """fn(nonmissing values of a group) broadcast to the group's rows; NaN elsewhere."""
    out = np.full(len(values), np.nan)
    ok = groups >= 0
    for g in np.unique(groups[ok]):
        rows = groups == g
        v = values[rows]
        out[rows] = fn(v[~np.isnan(v)])
    return out


def _mean(v):
    return v.mean() if v.size else np.nan


def _sd(v):
    return v.std(ddof=1) if v.size > 1 else np.nan


def _total(v):
    return v.sum()  # Stata's total(): missing values count as 0


def _rank(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Ranks within groups, ties get the average rank (Stata's default)."""
    out = np.full(len(values), np.nan)
    ok = (groups >= 0) & ~np.isnan(values)
    for g in np.unique(groups[ok]):
        idx = np.flatnonzero(ok & (groups == g))
        v = values[idx]
        order = np.argsort(v, kind="stable")
        ranks = np.empty(len(v))
        sv = v[order]
        i = 0
        while i < len(sv):
            j = i
            while j + 1 < len(sv) and sv[j + 1] == sv[i]:
                j += 1
            ranks[order[i:j + 1]] = (i + j) / 2 + 1
            i = j + 1
        out[idx] = ranks
    return out


# ------------------------------------------------------------------ the table
@dataclass(frozen=True)
class EgenFunction:
    name: str
    impl: Callable  # (ctx: EgenCall) -> (values, default storage type or None)
    argument: str   # "exp" or "varlist"


@dataclass
class EgenCall:
    """What an egen function sees."""
    data: object
    values: np.ndarray | None  # the evaluated expression (argument "exp")
    varlist: list[str]         # the argument (argument "varlist")
    sample: np.ndarray         # if/in
    groups: np.ndarray         # by-group id per row, -1 outside the sample
    options: dict


def _numeric(call: EgenCall) -> np.ndarray:
    if call.values.dtype == object:
        raise StataError(109, "type mismatch")
    return call.values


def _stat(fn):
    return lambda call: (_group_stat(_numeric(call), call.groups, fn), None)


def _count(call: EgenCall):
    v = call.values
    present = (v != "") if v.dtype == object else ~np.isnan(v)
    out = np.full(len(v), np.nan)
    ok = call.groups >= 0
    for g in np.unique(call.groups[ok]):
        rows = call.groups == g
        out[rows] = present[rows].sum()
    return out, None


def _total_fn(call: EgenCall):
    v = _numeric(call)
    out = _group_stat(v, call.groups, _total)
    if call.options.get("missing"):  # total(x), missing: all-missing groups give missing
        allmiss = _group_stat(np.where(np.isnan(v), np.nan, 1.0), call.groups,
                              lambda w: float(w.size == 0))
        out = np.where(allmiss == 1, np.nan, out)
    return out, None


def _tag(call: EgenCall):
    """1 on the first observation (in the current order) of each group, 0 elsewhere."""
    rows = call.sample.copy()
    if not call.options.get("missing"):
        rows &= ~any_missing(call.data, call.varlist)
    key_groups = group_ids(call.data, call.varlist, rows)
    combined = np.where(rows, key_groups, -1)
    out = np.zeros(call.data.nobs)
    if call.groups is not None:  # by-groups and the varlist together define a group
        pairs = np.stack([call.groups, combined], axis=1)
        _, first = np.unique(pairs[rows], axis=0, return_index=True)
        out[np.flatnonzero(rows)[first]] = 1
    return out, "byte"


def _group(call: EgenCall):
    """Groups of the varlist numbered 1, 2, … in sorted order of their values."""
    rows = call.sample.copy()
    if not call.options.get("missing"):
        rows &= ~any_missing(call.data, call.varlist)
    ids = group_ids(call.data, call.varlist, rows)
    return np.where(rows, ids + 1.0, np.nan), None


EGEN_FUNCTIONS: dict[str, EgenFunction] = {
    f.name: f for f in (
        EgenFunction("mean", _stat(_mean), "exp"),
        EgenFunction("sd", _stat(_sd), "exp"),
        EgenFunction("min", _stat(lambda v: v.min() if v.size else np.nan), "exp"),
        EgenFunction("max", _stat(lambda v: v.max() if v.size else np.nan), "exp"),
        EgenFunction("total", _total_fn, "exp"),
        EgenFunction("count", _count, "exp"),
        EgenFunction("rank", lambda call: (_rank(_numeric(call), call.groups), None), "exp"),
        EgenFunction("tag", _tag, "varlist"),
        EgenFunction("group", _group, "varlist"),
    )
}
EGEN_FUNCTIONS["sum"] = EGEN_FUNCTIONS["total"]  # the old name Stata still accepts


def lookup_egen(name: str) -> EgenFunction:
    fn = EGEN_FUNCTIONS.get(name)
    if fn is None:
        raise StataError(133, f"unknown egen function {name}()")
    return fn
