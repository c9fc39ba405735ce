"""generate and replace, with the by/bysort prefix (`_n`, `_N` and subscripts within groups;
the shared by helpers are in commands/by.py)."""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.by import by_groups, evaluate_by, repeat_by, touse_by  # noqa: F401
from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import INT_LIMITS, coerce, is_string_type
from hlmshell.dataset.missing import codes as missing_codes
from hlmshell.dataset.varlist import check_new_name, expand_varlist, unabbreviate
from hlmshell.errors import StataError
from hlmshell.render.formats import comma_int

MAX_DOUBLE = 8.9884656743115795e307  # Stata's largest double; above it are . and .a-.z
TYPE_RE = re.compile(r"^(byte|int|long|float|double|str([1-9][0-9]*)|strL)$")


# ------------------------------------------------------------------ storage
def to_storage(values: np.ndarray, stype: str) -> np.ndarray:
    """Numbers as an integer type stores them: truncated, out of range → missing."""
    if stype in INT_LIMITS:
        lo, hi = INT_LIMITS[stype]
        with np.errstate(invalid="ignore"):
            v = np.where(np.isnan(values), values, np.trunc(values))   # keeps .a-.z
            return np.where((v < lo) | (v > hi), np.nan, v)
    stored = coerce(values, stype)
    # beyond the type's range (float32 overflow, Stata's double maximum): missing; a
    # missing value stays the one it is (.a-.z are NaN payloads)
    with np.errstate(invalid="ignore"):
        keep = np.isnan(stored) | (np.isfinite(stored) & (np.abs(stored) < MAX_DOUBLE))
        return np.where(keep, stored, np.nan)


def _plural(n: int, one: str, many: str) -> str:
    return f"{comma_int(n)} {one if n == 1 else many}"


def _parse_target(anything: str) -> tuple[str | None, str]:
    words = anything.split()
    if len(words) == 2 and TYPE_RE.match(words[0]):
        return words[0], words[1]
    if len(words) == 1:
        return None, words[0]
    raise StataError(198, "invalid syntax")


@command("generate", abbrev="g", syntax="anything =exp [if] [in]",
         help="create a new variable", by_ok=True)
def generate(session, args):
    """generate [type] newvar = exp [if] [in]"""
    data = session.data
    stype, name = _parse_target(args.anything)
    name = name.split(":")[0]
    check_new_name(name, data.names)
    _, groups = by_groups(session, args)
    # the `if` first, as Stata evaluates it before the expression (regexs() after regexm())
    sample = touse_by(session, args, groups)
    values = evaluate_by(session, args.exp, groups)
    string = values.dtype == object
    if stype is not None and is_string_type(stype) != string:
        raise StataError(109, "type mismatch")
    if string:
        values = np.where(sample, values, "").astype(object)
        if stype is None or stype == "strL":
            longest = max((len(v) for v in values), default=1)
            stype = stype or f"str{max(longest, 1)}"
        else:
            width = int(stype[3:])
            values = np.array([v[:width] for v in values], dtype=object)
        session.data.add(name, values, stype)
        return None
    stype = stype or session.settings.get("type", "float")     # `set type`
    values = to_storage(np.where(sample, values, np.nan), stype)
    session.data.add(name, values, stype)
    missing = int(np.isnan(values).sum())
    if missing:
        return f"({_plural(missing, 'missing value', 'missing values')} generated)"
    return None


def _promote(stype: str, values: np.ndarray) -> str:
    """The storage type replace needs for `values` (Stata promotes, never demotes)."""
    if stype not in INT_LIMITS:
        return stype
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        return stype
    if np.any(finite != np.trunc(finite)):
        return "double" if stype == "long" else "float"
    lo, hi = finite.min(), finite.max()
    order = list(INT_LIMITS)
    for candidate in order[order.index(stype):]:
        tmin, tmax = INT_LIMITS[candidate]
        if tmin <= lo and hi <= tmax:
            return candidate
    return "double"


@command("replace", syntax="anything =exp [if] [in]", help="change the values of a variable",
         by_ok=True)
def replace(session, args):
    """replace oldvar = exp [if] [in]"""
    data = session.data
    words = args.anything.split()
    if len(words) != 1:
        raise StataError(198, "invalid syntax")
    name = unabbreviate(words[0], data.names)
    var = data.var(name)
    _, groups = by_groups(session, args)
    # the `if` first, as Stata evaluates it before the expression (regexs() after regexm())
    sample = touse_by(session, args, groups)
    values = evaluate_by(session, args.exp, groups)
    lines = []
    old = var.values
    if var.is_string:
        if values.dtype != object:
            raise StataError(109, "type mismatch")
        new = np.where(sample, values, old).astype(object)
        longest = max((len(v) for v in new), default=1)
        stype = var.stype
        if stype != "strL" and longest > int(stype[3:]):
            stype = "strL" if longest > 2045 else f"str{longest}"
            lines.append(f"variable {name} was {var.stype} now {stype}")
        changed = int(np.sum(new != old))
        data.set_values(name, new, stype)
        lines.append(f"({_plural(changed, 'real change', 'real changes')} made)")
        return "\n".join(lines)
    if values.dtype == object:
        raise StataError(109, "type mismatch")
    stype = _promote(var.stype, np.where(sample, values, np.nan))
    if stype != var.stype:
        lines.append(f"variable {name} was {var.stype} now {stype}")
    new = to_storage(np.where(sample, values, old), stype)
    same = (new == old) | (np.isnan(new) & np.isnan(old) & (missing_codes(new) == missing_codes(old)))
    changed = int((~same).sum())
    to_missing = int((~same & np.isnan(new)).sum())
    data.set_values(name, new, stype)
    tail = f", {comma_int(to_missing)} to missing" if to_missing else ""
    lines.append(f"({_plural(changed, 'real change', 'real changes')} made{tail})")
    return "\n".join(lines)


__all__ = ["by_groups", "evaluate_by", "to_storage", "generate", "replace"]
