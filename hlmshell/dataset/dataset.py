"""The data in memory: ordered columns with Stata storage types, formats and labels.

Column arrays are never modified in place: every change stores a new array, so the session
can roll back a failed command by keeping a shallow copy (see Session._snapshot).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hlmshell.errors import StataError

NUMERIC_TYPES = ("byte", "int", "long", "float", "double")
DEFAULT_FORMATS = {"byte": "%8.0g", "int": "%8.0g", "long": "%12.0g", "float": "%9.0g", "double": "%10.0g"}
# [D] memory: "the maximum number of observations is fixed at 2,147,483,647"
MAX_OBS = 2_147_483_647
# Data needing more than this are refused (r(909)) before anything is allocated: a typo such
# as `set obs 1e10` must not take the machine's memory (or be killed by the OS for it).
MAX_DATA_BYTES = 2 * 1024 ** 3
# Stata's largest non-missing value per integer type
INT_LIMITS = {"byte": (-127, 100), "int": (-32767, 32740), "long": (-2147483647, 2147483620)}


def is_string_type(stype: str) -> bool:
    return stype.startswith("str")


def default_format(stype: str) -> str:
    if is_string_type(stype):
        width = stype[3:]
        return f"%{width if width.isdigit() else 9}s"
    return DEFAULT_FORMATS[stype]


def coerce(values, stype: str) -> np.ndarray:
    """Values as the storage type holds them: float32 rounding for float, str for strings."""
    if is_string_type(stype):
        arr = np.asarray(values, dtype=object)
        return np.array(["" if v is None else str(v) for v in arr.ravel()], dtype=object)
    arr = np.asarray(values, dtype=float)
    if stype == "float":
        with np.errstate(over="ignore"):
            arr = arr.astype(np.float32).astype(np.float64)
    return arr


def string_type_for(values: np.ndarray) -> str:
    longest = max((len(v) for v in values), default=1)
    return "strL" if longest > 2045 else f"str{max(longest, 1)}"


def smallest_numeric_type(values: np.ndarray, floating: str = "float") -> str:
    """The type Stata's `compress`-like choice gives: byte/int/long when integral and in range."""
    finite = values[~np.isnan(values)]
    if finite.size == 0 or np.all(finite == np.round(finite)):
        lo, hi = (finite.min(), finite.max()) if finite.size else (0, 0)
        for stype, (tmin, tmax) in INT_LIMITS.items():
            if tmin <= lo and hi <= tmax:
                return stype
    if floating == "float" and np.array_equal(coerce(finite, "float"), finite):
        return "float"
    return "double" if floating == "double" or finite.size else "float"


_next_id = 0


def fresh_ids(n: int) -> np.ndarray:
    global _next_id
    _next_id += n
    return np.arange(_next_id - n, _next_id, dtype=np.int64)


@dataclass
class Variable:
    name: str
    values: np.ndarray
    stype: str
    fmt: str
    label: str = ""
    value_label: str | None = None   # the name of a value label in Dataset.value_labels

    @property
    def is_string(self) -> bool:
        return is_string_type(self.stype)


class Dataset:
    def __init__(self):
        self.vars: dict[str, Variable] = {}
        self.nobs = 0
        self.changed = False
        self.filename: str | None = None
        self.label = ""
        self.timestamp = ""     # when the file was saved, as `describe` shows it
        self.sortedby: list[str] = []
        # value labels: label name -> {value: text}; variables point at them by name
        self.value_labels: dict[str, dict[float, str]] = {}
        # `xtset`: {"panelvar": name, "timevar": name | None, "delta": float}, or None
        self.xtset: dict | None = None
        # an identity per observation that follows it through sorts, drops and merges, so
        # e(sample) stays with its rows as Stata's hidden marker variable does (row_ids());
        # a copy made by expand gets an identity of its own and remembers its original's in
        # _origin (None: every row is its own origin)
        self._rowid: np.ndarray | None = None
        self._origin: np.ndarray | None = None

    @property
    def names(self) -> list[str]:
        return list(self.vars)

    @property
    def empty(self) -> bool:
        return not self.vars and self.nobs == 0

    def var(self, name: str) -> Variable:
        try:
            return self.vars[name]
        except KeyError:
            raise StataError(111, f"variable {name} not found") from None

    def column(self, name: str) -> np.ndarray:
        var = self.vars.get(name)
        if var is None and "." in name:      # `L.x`: a covariate with time-series operators
            from hlmshell.dataset.timeseries import operated_column
            values = operated_column(self, name)
            if values is not None:
                return values
        return self.var(name).values

    def is_string(self, name: str) -> bool:
        if name not in self.vars and "." in name:   # `L.x`: numeric, x must be (no lag computed)
            from hlmshell.dataset.timeseries import split_operated
            parts = split_operated(name)
            if parts is not None and parts[1] in self.vars:
                if self.vars[parts[1]].is_string:
                    raise StataError(109, "type mismatch")
                return False
        return self.var(name).is_string

    def copy(self) -> "Dataset":
        """Shallow copy: new Variable records sharing the (immutable by rule) arrays."""
        new = Dataset()
        new.vars = {n: replace(v) for n, v in self.vars.items()}
        new.nobs, new.changed, new.filename = self.nobs, self.changed, self.filename
        new.label, new.timestamp, new.sortedby = self.label, self.timestamp, list(self.sortedby)
        new.value_labels = {k: dict(v) for k, v in self.value_labels.items()}
        new.xtset = dict(self.xtset) if self.xtset else None
        new._rowid, new._origin = self.row_ids(), self._origin   # the same observations
        return new

    def row_ids(self) -> np.ndarray:
        """The observations' identities (int64, unique, never reused in this process). Rows
        whose identity was not carried along (a dataset built anew) get new ones."""
        if self._rowid is None or len(self._rowid) != self.nobs:
            self._rowid, self._origin = fresh_ids(self.nobs), None
        return self._rowid

    def row_origins(self) -> np.ndarray:
        """For each observation the identity of the one it was copied from (expand,
        a 1:m merge), or its own."""
        ids = self.row_ids()
        return ids if self._origin is None else self._origin

    def rows_appended(self, n_old: int) -> None:
        """Observations were added after the first n_old, which kept their identities."""
        if self._rowid is not None and len(self._rowid) == n_old:
            new = fresh_ids(self.nobs - n_old)
            self._rowid = np.concatenate([self._rowid, new])
            if self._origin is not None:
                self._origin = np.concatenate([self._origin, new])

    def inherit_rows(self, source: "Dataset", index: np.ndarray) -> None:
        """These observations are source's rows `index` (-1: a new observation); a row taken
        twice is a copy: a new identity whose origin is the row it copies."""
        index = np.asarray(index, dtype=np.int64)
        new = index < 0
        at = np.where(new, 0, index)
        ids, origin = source.row_ids()[at], source.row_origins()[at]
        copy = np.ones(len(index), dtype=bool)
        copy[np.unique(index, return_index=True)[1]] = False
        copy |= new
        if copy.any():
            origin = np.where(copy, ids, origin)          # a copy's origin: the row it copies
            ids[copy] = fresh_ids(int(copy.sum()))
            origin[new] = ids[new]                        # a new row is its own origin
        self._rowid = ids
        self._origin = None if np.array_equal(origin, ids) else origin

    def value_text(self, name: str, value: float) -> str | None:
        """The text variable `name`'s value label gives `value`, or None (no label, no entry)."""
        var = self.vars.get(name)
        if var is None or not var.value_label:
            return None
        mapping = self.value_labels.get(var.value_label)
        if mapping is None:
            return None
        value = float(value)
        if value != value:   # a NaN: .a-.z are labelled under Stata's key for them
            from hlmshell.dataset.missing import code, label_key
            k = code(value)
            return mapping.get(label_key(k)) if k > 0 else None
        return mapping.get(value)

    # --- changes -------------------------------------------------------------------------
    def add(self, name: str, values, stype: str, fmt: str | None = None, label: str = "") -> Variable:
        if name in self.vars:
            raise StataError(110, f"variable {name} already defined")
        values = coerce(values, stype)
        if self.vars and len(values) != self.nobs:
            raise ValueError("column length differs from the number of observations")
        if not self.vars:
            self.nobs = len(values)
        var = Variable(name, values, stype, fmt or default_format(stype), label)
        self.vars[name] = var
        self.changed = True
        return var

    def set_values(self, name: str, values, stype: str | None = None) -> None:
        var = self.var(name)
        stype = stype or var.stype
        if stype != var.stype and var.fmt == default_format(var.stype):
            var.fmt = default_format(stype)
        var.values, var.stype = coerce(values, stype), stype
        self.changed = True
        if name in self.sortedby:
            self.sortedby = []

    def rename(self, old: str, new: str) -> None:
        if new in self.vars:
            raise StataError(110, f"variable {new} already defined")
        self.rename_all({old: new})

    def rename_all(self, mapping: dict[str, str]) -> None:
        """Rename several variables at once (old -> new; the caller checked the names);
        the sort order and the xt setting follow."""
        self.vars = {mapping.get(n, n): v for n, v in self.vars.items()}
        for n, v in self.vars.items():
            v.name = n
        self.sortedby = [mapping.get(n, n) for n in self.sortedby]
        if self.xtset:
            self.xtset = {k: mapping.get(v, v) if isinstance(v, str) else v
                          for k, v in self.xtset.items()}
        self.changed = True

    def drop_vars(self, names) -> None:
        for n in names:
            self.var(n)
        self.vars = {n: v for n, v in self.vars.items() if n not in set(names)}
        self.sortedby = [n for n in self.sortedby if n in self.vars]
        if self.xtset and (self.xtset.get("panelvar") not in (None, *self.vars) or
                           self.xtset.get("timevar") not in (None, *self.vars)):
            self.xtset = None   # Stata forgets the setting with its variables
        if not self.vars:
            self.nobs = 0
        self.changed = True

    def order(self, names) -> None:
        """Put `names` first, the rest after them in their current order."""
        rest = [n for n in self.vars if n not in names]
        self.vars = {n: self.vars[n] for n in list(names) + rest}
        self.changed = True

    def take(self, index, sortedby: list[str] | None = None, copies: bool = False) -> None:
        """Keep (and reorder to) the observations in `index` (int array or bool mask);
        `copies`: an observation may be taken more than once (expand, resampling)."""
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        for v in self.vars.values():
            v.values = v.values[index]
        if self._rowid is not None and len(self._rowid) == self.nobs:
            if copies:
                self.inherit_rows(self, index)
            else:
                self._rowid = self._rowid[index]
                self._origin = None if self._origin is None else self._origin[index]
        self.nobs = len(index)
        self.sortedby = sortedby if sortedby is not None else []
        self.changed = True

    def check_capacity(self, nobs: int) -> None:
        """r(909) if `nobs` observations would need more than MAX_DATA_BYTES: 8 bytes per
        value (a float64, or a pointer to a shared str) for every variable, plus one more
        column for the work of the next command (`generate` on data with no variables yet)."""
        if nobs * 8 * (len(self.vars) + 1) > MAX_DATA_BYTES:
            raise StataError(909, "op. sys. refuses to provide memory")

    def set_obs(self, n: int) -> None:
        """Grow to n observations, filling with missing values (Stata's `set obs`)."""
        extra = n - self.nobs
        if extra < 0:
            raise ValueError("set_obs cannot remove observations")
        self.check_capacity(n)
        for v in self.vars.values():
            fill = np.full(extra, "", dtype=object) if v.is_string else np.full(extra, np.nan)
            v.values = np.concatenate([v.values, fill])
        n_old, self.nobs = self.nobs, n
        self.rows_appended(n_old)
        self.sortedby = []  # the new rows are missing: "" sorts first, so no order survives
        self.changed = True
