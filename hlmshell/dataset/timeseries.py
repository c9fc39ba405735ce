"""Time-series operators ([U] 11.4.4): L# (lag), F# (lead), D# (difference), S# (seasonal
difference) on a variable, after `tsset`/`xtset` with a time variable. A lag looks for the
observation of the same panel at time t - # * delta, so gaps give missing values as Stata's
do; operators compose (`LD.y` = L.(D.y), `L2.y` = L.(L.y))."""
from __future__ import annotations

import re

import numpy as np

from hlmshell.errors import StataError

OPS = re.compile(r"(?:[LlFfDdSs]\d*)+")
_ONE = re.compile(r"([LlFfDdSs])(\d*)")


def parse_ops(text: str) -> list[tuple[str, int]]:
    """'L2D' -> [('L', 2), ('D', 1)]."""
    if not OPS.fullmatch(text):
        raise StataError(198, f"{text}: invalid time-series operator")
    return [(m.group(1).upper(), int(m.group(2) or 1)) for m in _ONE.finditer(text)]


def _setting(data):
    s = data.xtset or {}
    tv = s.get("timevar")
    if not tv or tv not in data.names:
        raise StataError(111, "time variable not set, use tsset varname ...")
    return s.get("panelvar"), tv, float(s.get("delta") or 1.0)


def shifter(data):
    """shift(values, k): each row's value at time t - k*delta in its panel (k < 0: a lead),
    missing where that observation does not exist."""
    panelvar, tv, delta = _setting(data)
    t = np.asarray(data.column(tv), dtype=float)
    if panelvar and panelvar in data.names:
        p = np.asarray(data.column(panelvar), dtype=float)
    else:
        p = np.zeros(data.nobs)
    ok = ~(np.isnan(t) | np.isnan(p))
    step = np.round(t / delta)
    keys = np.rec.fromarrays([np.where(ok, p, np.inf), np.where(ok, step, np.inf)])
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]

    def shift(values, k):
        want = np.rec.fromarrays([np.where(ok, p, np.inf), np.where(ok, step - k, np.inf)])
        pos = np.searchsorted(sorted_keys, want)
        pos = np.minimum(pos, len(order) - 1)
        hit = ok & (sorted_keys[pos] == want) if len(order) else np.zeros(len(t), bool)
        out = np.full(len(t), np.nan)
        out[hit] = np.asarray(values, dtype=float)[order[pos[hit]]]
        return out
    return shift


def apply(data, ops: list[tuple[str, int]], values: np.ndarray) -> np.ndarray:
    """The operators applied to values (innermost last, as written left to right)."""
    shift = shifter(data)
    out = np.asarray(values, dtype=float)
    for op, k in reversed(ops):
        if op == "L":
            out = shift(out, k)
        elif op == "F":
            out = shift(out, -k)
        elif op == "S":
            out = out - shift(out, k)
        else:
            for _ in range(k):
                out = out - shift(out, 1)
    return out


OPERATED = re.compile(rf"^({OPS.pattern})\.([A-Za-z_][A-Za-z0-9_]*)$")


def split_operated(name: str) -> tuple[list[tuple[str, int]], str] | None:
    """'L2D.x' -> ([('L', 2), ('D', 1)], 'x'); None for a name without operators."""
    m = OPERATED.match(name)
    return (parse_ops(m.group(1)), m.group(2)) if m else None


def canonical(ops: list[tuple[str, int]]) -> str:
    """How the operators are written in a name: counts merged and in the order L F D S, a
    count of 1 left out (`LL.x` and `L2.x` are `L2.x`; `DL.x` is `LD.x`: the operators
    commute)."""
    counts = {op: 0 for op in "LFDS"}
    for op, k in ops:
        counts[op] += k
    return "".join(op + (str(k) if k != 1 else "") for op, k in counts.items() if k)


def row_label(ops: list[tuple[str, int]]) -> str:
    """The operator as a coefficient-table row shows it under the variable: a single
    operator keeps its count (`L1.`, `D1.`, `L2.`), a composition is written as in names."""
    if len(ops) == 1:
        return f"{ops[0][0]}{ops[0][1]}."
    return canonical(ops) + "."


def operated_column(data, name: str) -> np.ndarray | None:
    """The values of an operated variable such as `L.x` (estimation varlists name their
    covariates so), or None when `name` is not one or its variable does not exist."""
    parts = split_operated(name)
    if parts is None or parts[1] not in data.vars:
        return None
    ops, var = parts
    if data.is_string(var):
        raise StataError(109, "type mismatch")
    return apply(data, ops, data.column(var))


def operated_name(word: str, resolve) -> str | None:
    """`d.math` -> `D.mathach` (operators canonical, the variable resolved); None when the
    word has no time-series operators."""
    m = OPERATED.match(word)
    if m is None:
        return None
    return f"{canonical(parse_ops(m.group(1)))}.{resolve(m.group(2))}"
