"""Grouping and sorting over the data, vectorised.

Sorting follows Stata: numbers ascending with missing (NaN) last, strings in byte order;
every sort here is stable, so ties keep their current order. Integer-valued columns with a
modest range (ids, years, group numbers: the common case) are coded by subtraction and
sorted with numpy's radix/counting paths instead of a general sort.
"""
from __future__ import annotations

import numpy as np

from hlmshell.dataset.missing import codes as missing_codes


def _keys(column: np.ndarray, descending: bool = False) -> np.ndarray:
    """Integer codes (not necessarily dense) that sort like Stata's order for one column:
    numbers, then `.` < `.a` < ... < `.z` (dataset/missing.py), last also under gsort -x."""
    if column.dtype == object:
        uniq, codes = np.unique(np.asarray(column).astype(str), return_inverse=True)
        codes = codes.astype(np.int64).ravel()
        return (len(uniq) - 1 - codes) if descending else codes
    col = np.asarray(column, dtype=float)
    missing = np.isnan(col)
    any_missing = bool(missing.any())
    present = col[~missing] if any_missing else col
    ranks, top = None, -1
    if present.size:
        lo, hi = float(present.min()), float(present.max())
        if hi - lo < 4 * len(col) + 65536:         # integer-valued, modest range: subtract
            shifted = present - lo
            ints = shifted.astype(np.int64)
            if np.array_equal(ints, shifted):
                ranks, top = ints, int(hi - lo)
        if ranks is None:
            uniq, inverse = np.unique(present, return_inverse=True)
            ranks, top = inverse.astype(np.int64).ravel(), len(uniq) - 1
        if descending:
            ranks = top - ranks
    if not any_missing:
        return ranks
    codes = np.empty(len(col), dtype=np.int64)
    if present.size:
        codes[~missing] = ranks
    codes[missing] = top + 1 + missing_codes(col[missing])
    return codes


def _dense(key: np.ndarray) -> np.ndarray:
    """0-based dense ranks of non-negative integer keys (equal keys share a rank)."""
    if len(key) == 0:
        return key.astype(np.int64)
    top = int(key.max())
    if top < 4 * len(key) + 65536:          # counting: no sort needed
        present = np.zeros(top + 1, dtype=bool)
        present[key] = True
        rank = np.cumsum(present) - 1
        return rank[key].astype(np.int64)
    _, inverse = np.unique(key, return_inverse=True)
    return inverse.ravel().astype(np.int64)


def combine_codes(codes: list[np.ndarray]) -> np.ndarray:
    """Dense 0-based ids (in lexicographic order) of the tuples of integer codes."""
    key = codes[0]
    for c in codes[1:]:
        size = int(c.max()) + 1 if len(c) else 1
        if int(key.max() if len(key) else 0) >= (2 ** 62) // size:   # re-densify first
            key = _dense(key)
        key = key * size + c
    return _dense(key)


def stable_argsort(ids: np.ndarray) -> np.ndarray:
    """Stable order of small non-negative integer ids (radix sort for < 65536 values)."""
    if len(ids) and int(ids.max()) < 65536:
        return np.argsort(ids.astype(np.uint16), kind="stable")
    return np.argsort(ids, kind="stable")


def sort_order(data, names: list[str], descending: list[bool] | None = None) -> np.ndarray:
    """Row order (stable) sorting the data by `names`."""
    if not names or data.nobs == 0:
        return np.arange(data.nobs)
    descending = descending or [False] * len(names)
    keys = [_keys(data.column(n), d) for n, d in zip(names, descending)]
    return stable_argsort(combine_codes(keys))


def group_ids(data, names: list[str], rows: np.ndarray | None = None) -> np.ndarray:
    """Group number (0-based, in sorted order of the group values) of every row; rows
    outside `rows` (a bool mask) get -1."""
    n = data.nobs
    rows = np.ones(n, dtype=bool) if rows is None else rows
    if not names:
        return np.where(rows, 0, -1)
    out = np.full(n, -1, dtype=np.int64)
    if not rows.any():
        return out
    if rows.all():
        return combine_codes([_keys(data.column(name)) for name in names])
    out[rows] = combine_codes([_keys(data.column(name)[rows]) for name in names])
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
    ids = group_ids(data, names)
    return bool(np.all(ids[1:] >= ids[:-1]))
