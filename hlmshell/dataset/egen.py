"""The egen functions as a table: name → function (grouping and sorting: dataset/groups.py).

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


from hlmshell.dataset.groups import (any_missing, combine_codes, group_ids,  # noqa: F401
                                      is_sorted_by, sort_order)


# ------------------------------------------------------------------ per-group helpers
def _by_group(values: np.ndarray, groups: np.ndarray):
    """Rows in the sample with a value, and their group ids (both for bincount)."""
    ok = (groups >= 0) & ~np.isnan(values)
    if ok.all():                      # the common case: no copies
        return ok, groups, values
    return ok, groups[ok], values[ok]


def _broadcast(per_group: np.ndarray, groups: np.ndarray) -> np.ndarray:
    if len(groups) and groups.min() >= 0:
        return per_group[groups]
    out = np.full(len(groups), np.nan)
    inside = groups >= 0
    out[inside] = per_group[groups[inside]]
    return out


def _sizes(groups: np.ndarray):
    ng = int(groups.max()) + 1 if len(groups) and groups.max() >= 0 else 0
    return ng


def group_mean(values, groups):
    ng = _sizes(groups)
    _, g, v = _by_group(values, groups)
    n = np.bincount(g, minlength=ng).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _broadcast(np.bincount(g, v, minlength=ng) / n, groups)


def group_sd(values, groups):
    ng = _sizes(groups)
    _, g, v = _by_group(values, groups)
    n = np.bincount(g, minlength=ng).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(g, v, minlength=ng) / n
        ss = np.bincount(g, (v - mean[g]) ** 2, minlength=ng)
        sd = np.where(n > 1, np.sqrt(ss / (n - 1)), np.nan)
    return _broadcast(sd, groups)


def group_total(values, groups):
    ng = _sizes(groups)
    _, g, v = _by_group(values, groups)
    return _broadcast(np.bincount(g, v, minlength=ng), groups)


def group_count(present, groups):
    ng = _sizes(groups)
    g = groups[(groups >= 0) & present]
    return _broadcast(np.bincount(g, minlength=ng).astype(float), groups)


def group_extreme(values, groups, which):
    ng = _sizes(groups)
    _, g, v = _by_group(values, groups)
    fill = np.inf if which is np.minimum else -np.inf
    per = np.full(ng, fill)
    which.at(per, g, v)
    per[~np.isfinite(per)] = np.nan
    return _broadcast(per, groups)


def _rank(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Ranks within groups, ties get the average rank (Stata's default)."""
    out = np.full(len(values), np.nan)
    ok = np.flatnonzero((groups >= 0) & ~np.isnan(values))
    order = ok[np.lexsort((values[ok], groups[ok]))]  # by group, then value
    g, v = groups[order], values[order]
    new_group = np.r_[True, g[1:] != g[:-1]]
    new_value = new_group | np.r_[True, v[1:] != v[:-1]]
    pos = np.arange(len(order))
    start_group = np.maximum.accumulate(np.where(new_group, pos, 0))
    run_id = np.cumsum(new_value) - 1
    run_first = pos[new_value]
    run_last = np.r_[run_first[1:], len(order)] - 1
    # average of the 1-based positions within the group over each run of ties
    ranks = (run_first[run_id] + run_last[run_id]) / 2 - start_group + 1
    out[order] = ranks
    return out


# ------------------------------------------------------------------ the table
@dataclass(frozen=True)
class EgenFunction:
    name: str
    impl: Callable  # (ctx: EgenCall) -> (values, default storage type or None)
    argument: str   # "exp", "varlist", "numlist" (fill) or "none" (seq)
    options: tuple = ()   # the function's own options (by() and the rest are refused)


@dataclass
class EgenCall:
    """What an egen function sees."""
    data: object
    values: np.ndarray | None  # the evaluated expression (argument "exp")
    varlist: list[str]         # the argument (argument "varlist")
    sample: np.ndarray         # if/in
    groups: np.ndarray         # by-group id per row, -1 outside the sample
    options: dict
    value_label: dict | None = None   # set by a function that labels its result (group, label)
    source_type: str | None = None    # the argument's storage type when it is a variable name
    note: str | None = None           # a warning the function prints before egen's own note
    label: str | None = None          # a variable label the function sets (std)


def _numeric(call: EgenCall) -> np.ndarray:
    if call.values.dtype == object:
        raise StataError(109, "type mismatch")
    return call.values


def _stat(fn):
    return lambda call: (fn(_numeric(call), call.groups), None)


def _count(call: EgenCall):
    v = call.values
    present = (v != "") if v.dtype == object else ~np.isnan(v)
    return group_count(present, call.groups), None


def _total_fn(call: EgenCall):
    v = _numeric(call)
    out = group_total(v, call.groups)
    if call.options.get("missing"):  # total(x), missing: all-missing groups give missing
        out = np.where(group_count(~np.isnan(v), call.groups) == 0, np.nan, out)
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
    if call.options.get("label") and rows.any():
        # each group's values as text (their value labels where they have them), joined
        ng = int(ids.max()) + 1
        first = np.full(ng, -1, dtype=np.int64)
        inside = np.flatnonzero(rows)
        first[ids[inside][::-1]] = inside[::-1]
        call.value_label = {float(k + 1): " ".join(_value_text(call.data, n, int(first[k]))
                                                   for n in call.varlist) for k in range(ng)}
    return np.where(rows, ids + 1.0, np.nan), None


def _value_text(data, name: str, row: int) -> str:
    from hlmshell.render.formats import fmt
    var = data.var(name)
    value = var.values[row]
    if var.is_string:
        return str(value)
    labels = data.value_labels.get(var.value_label or "", {})
    if value in labels:
        return labels[value]
    return fmt(float(value), var.fmt).strip()


EGEN_FUNCTIONS: dict[str, EgenFunction] = {
    f.name: f for f in (
        EgenFunction("mean", _stat(group_mean), "exp"),
        EgenFunction("sd", _stat(group_sd), "exp"),
        EgenFunction("min", _stat(lambda v, g: group_extreme(v, g, np.minimum)), "exp"),
        EgenFunction("max", _stat(lambda v, g: group_extreme(v, g, np.maximum)), "exp"),
        EgenFunction("total", _total_fn, "exp", ("missing",)),
        EgenFunction("count", _count, "exp"),
        EgenFunction("rank", lambda call: (_rank(_numeric(call), call.groups), None), "exp"),
        EgenFunction("tag", _tag, "varlist", ("missing",)),
        EgenFunction("group", _group, "varlist", ("missing", "label")),
    )
}
EGEN_FUNCTIONS["sum"] = EGEN_FUNCTIONS["total"]  # the old name Stata still accepts

from hlmshell.dataset import egen_more  # noqa: E402,F401  (registers the other functions)


def lookup_egen(name: str) -> EgenFunction:
    fn = EGEN_FUNCTIONS.get(name)
    if fn is None:
        raise StataError(133, f"unknown egen function {name}()")
    return fn
