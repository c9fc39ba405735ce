"""reshape's numeric core: wide → long and long → wide as new Datasets, vectorised (the
values move as whole (rows × j) blocks; no loop per observation or group).

Errors carry Stata's codes; the command layer (commands/reshape.py) adds the explanations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from hlmshell.dataset.dataset import Dataset, default_format, is_string_type, smallest_numeric_type
from hlmshell.dataset.egen import group_ids, sort_order
from hlmshell.dataset.varlist import NAME_RE
from hlmshell.errors import StataError

_RANK = {"byte": 0, "int": 1, "long": 2, "float": 3, "double": 4}


class NotUnique(StataError):
    """i (long: i and j) do not identify the observations: r(9), with the rows at fault."""

    def __init__(self, message: str, rows: np.ndarray):
        super().__init__(9, message)
        self.rows = rows


@dataclass
class Report:
    """What reshape prints: the Data wide -> long table."""
    direction: str             # "long" or "wide" (the new form)
    nobs: tuple[int, int]
    nvars: tuple[int, int]
    j: str
    jvalues: list
    xij: list[tuple[list[str], str]] = field(default_factory=list)  # (wide names, long name)


def wider(a: str, b: str) -> str:
    if is_string_type(a) or is_string_type(b):
        if "strL" in (a, b):
            return "strL"
        wa = int(a[3:]) if is_string_type(a) else 0
        wb = int(b[3:]) if is_string_type(b) else 0
        return f"str{max(wa, wb, 1)}"
    if {a, b} == {"long", "float"}:
        return "double"
    return a if _RANK[a] >= _RANK[b] else b


def wide_name(stub: str, j: str) -> str:
    return stub.replace("@", j) if "@" in stub else stub + j


def j_text(value) -> str:
    """A numeric j value as it appears in a variable name (and in the `(j = ...)` note)."""
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _pattern(stub: str, string: bool) -> re.Pattern:
    pre, _, post = stub.partition("@") if "@" in stub else (stub, "", "")
    return re.compile(re.escape(pre) + (r"(.+?)" if string else r"(-?[0-9]+)") + re.escape(post) + "$")


def wide_columns(names: list[str], stub: str, string: bool) -> dict:
    """{j value: wide variable name} for one stub (numeric j: `inc01` is j = 1)."""
    pat, out = _pattern(stub, string), {}
    for name in names:
        m = pat.match(name)
        if m and name != stub:
            out.setdefault(m.group(1) if string else int(m.group(1)), name)
    return out


def find_j_values(names: list[str], stubs: list[str], string: bool) -> list:
    """The j values present among the wide variables of every stub (sorted, numeric unless
    `string`)."""
    found = set()
    for stub in stubs:
        found.update(wide_columns(names, stub, string))
    return sorted(found)


def to_long(data: Dataset, stubs: list[str], ivars: list[str], j: str,
            jvalues: list, string: bool, labels: dict | None = None) -> tuple[Dataset, Report]:
    """`labels`: the xij variables' labels saved by the reshape wide that made the data."""
    n = data.nobs
    ids = group_ids(data, ivars)
    if n and int(ids.max()) + 1 < n:
        counts = np.bincount(ids)
        bad = np.flatnonzero(counts[ids] > 1)
        raise NotUnique(f"variable{'s' if len(ivars) > 1 else ''} {' '.join(ivars)} "
                        f"do{'' if len(ivars) > 1 else 'es'} not uniquely identify the observations", bad)
    texts = [j_text(v) for v in jvalues]
    xij: list[tuple[str, list[str]]] = []       # long name, wide names (present ones)
    columns: dict[str, dict] = {}               # long name -> {j value: wide name}
    used: set[str] = set()
    for stub in stubs:
        long_name = stub.replace("@", "")
        found = wide_columns(data.names, stub, string)
        columns[long_name] = {v: found[v] for v in jvalues if v in found}
        present = list(columns[long_name].values())
        if not present:
            raise StataError(111, f"variable {long_name} not found" if stubs else "no xij variables found")
        xij.append((long_name, present))
        used.update(present)
    if j in data.vars and j not in used:
        raise StataError(110, f"variable {j} already defined")
    order = sort_order(data, ivars)
    k = len(texts)
    out = Dataset()

    def add_xij(long_name, wide_names):
        types = [data.var(w).stype for w in wide_names]
        stype = types[0]
        for t in types[1:]:
            if is_string_type(t) != is_string_type(stype):
                bad = next(w for w in wide_names if is_string_type(data.var(w).stype) != is_string_type(types[0]))
                raise StataError(198, f"variable {bad} type mismatch with other {long_name} variables")
            stype = wider(stype, t)
        string_var = is_string_type(stype)
        block = np.empty((n, k), dtype=object) if string_var else np.full((n, k), np.nan)
        if string_var:
            block[:] = ""
        for c, v in enumerate(jvalues):
            name = columns[long_name].get(v)
            if name is not None:
                block[:, c] = data.column(name)[order]
        first = data.var(wide_names[0])
        # a label the reshape wide saved, else (as reshape.ado's appends leave it) the
        # label of the last wide variable
        label = (labels or {}).get(long_name, data.var(wide_names[-1]).label)
        out.add(long_name, block.ravel(), stype, first.fmt if len(set(types)) == 1 else None, label)

    for name in ivars:
        var = data.var(name)
        out.add(name, np.repeat(var.values[order], k), var.stype, var.fmt, var.label)
    jcol = np.tile(np.array(texts if string else [float(v) for v in jvalues],
                            dtype=object if string else float), n)
    if string:
        jtype = f"str{max((len(t) for t in texts), default=1)}"
    else:
        jtype = smallest_numeric_type(np.asarray(jcol, dtype=float))
    out.add(j, jcol, jtype, default_format(jtype))
    owner = {w: ln for ln, ws in xij for w in ws}
    for name in data.names:           # reshape.ado: i, j, the constants, then the xij
        if name in ivars or name in owner:
            continue
        var = data.var(name)
        out.add(name, np.repeat(var.values[order], k), var.stype, var.fmt, var.label)
    for ln, ws in xij:
        add_xij(ln, ws)
    if out.nobs == 0 and not out.vars:
        out.nobs = 0
    out.sortedby = ivars + [j]
    report = Report("long", (n, n * k), (len(data.names), len(out.names)), j, jvalues,
                    [(ws, ln) for ln, ws in xij])
    return out, report


def to_wide(data: Dataset, stubs: list[str], ivars: list[str], j: str,
            jfilter: list | None, string: bool) -> tuple[Dataset, Report]:
    jvar = data.var(j)
    if jvar.is_string != string:
        if jvar.is_string:
            raise StataError(109, f"variable {j} is string; specify string option")
        raise StataError(109, f"variable {j} is numeric; string option not allowed")
    jcol = jvar.values
    missing = (jcol == "") if jvar.is_string else np.isnan(jcol)
    if missing.any():
        raise StataError(498, f"variable {j} contains missing values")
    jvalues = sorted(set(jcol.tolist())) if len(jcol) else []
    if jfilter is not None:
        jvalues = [v for v in jvalues if v in set(jfilter)]
    texts = [j_text(v) for v in jvalues]
    for stub in stubs:
        if stub.replace("@", "") not in data.vars:
            raise StataError(111, f"variable {stub.replace('@', '')} not found")
        for t in texts:
            name = wide_name(stub, t)
            if not NAME_RE.match(name):
                raise StataError(198, f"{name} invalid variable name")
            if name in data.vars and name != stub.replace("@", ""):
                raise StataError(110, f"variable {name} already defined")
    keep = np.isin(np.asarray(jcol, dtype=object if string else float),
                   np.asarray(jvalues, dtype=object if string else float))
    rows = np.flatnonzero(keep)
    ids = group_ids(data, ivars, keep)
    jidx = np.searchsorted(np.asarray(jvalues, dtype=object if string else float),
                           np.asarray(jcol, dtype=object if string else float)[rows]) if len(rows) else rows
    gi = ids[rows]
    ni, k = (int(gi.max()) + 1 if len(gi) else 0), len(jvalues)
    pair = gi * max(k, 1) + jidx
    if len(np.unique(pair)) < len(pair):
        counts = np.bincount(pair)
        raise NotUnique(f"values of variable {j} not unique within {' '.join(ivars)}",
                        rows[counts[pair] > 1])
    longs = [s.replace("@", "") for s in stubs]
    others = [n for n in data.names if n not in ivars and n != j and n not in longs]
    first = np.full(ni, -1, dtype=np.int64)
    first[gi[::-1]] = rows[::-1]
    for name in others:   # must be constant within i
        v = data.column(name)[rows]
        ref = data.column(name)[first][gi]
        same = (v == ref) | ((v != v) & (ref != ref)) if v.dtype != object else (v == ref)
        if not np.all(same):
            bad_groups = np.zeros(ni, dtype=bool)
            bad_groups[gi[~same]] = True
            raise NotUnique(f"variable {name} not constant within {' '.join(ivars)}",
                            rows[bad_groups[gi]])
    out = Dataset()
    for name in ivars:
        var = data.var(name)
        out.add(name, var.values[first], var.stype, var.fmt, var.label)
    xij, blocks = [], {}
    for stub, ln in zip(stubs, longs):
        var = data.var(ln)
        block = np.empty((ni, k), dtype=object) if var.is_string else np.full((ni, k), np.nan)
        if var.is_string:
            block[:] = ""
        block[gi, jidx] = var.values[rows]
        blocks[ln] = block
        xij.append(([wide_name(stub, t) for t in texts], ln))
    for c, t in enumerate(texts):     # reshape.ado: by j value, the stubs within each
        for stub, ln in zip(stubs, longs):
            var = data.var(ln)
            out.add(wide_name(stub, t), blocks[ln][:, c], var.stype, var.fmt, f"{t} {ln}"[:80])
    for name in others:
        var = data.var(name)
        out.add(name, var.values[first], var.stype, var.fmt, var.label)
    out.sortedby = list(ivars)
    report = Report("wide", (data.nobs, ni), (len(data.names), len(out.names)), j, jvalues, xij)
    return out, report
