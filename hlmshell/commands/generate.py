"""generate and replace, with the by/bysort prefix (`_n`, `_N` and subscripts within groups).

Also the by-prefix helper the other data commands (egen) share: `by_groups`.
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import INT_LIMITS, coerce, is_string_type
from hlmshell.dataset.egen import group_ids, is_sorted_by, sort_order
from hlmshell.dataset.missing import codes as missing_codes
from hlmshell.dataset.varlist import check_new_name, expand_varlist, unabbreviate
from hlmshell.errors import StataError
from hlmshell.render.formats import comma_int
from hlmshell.syntax import expr as ast

MAX_DOUBLE = 8.9884656743115795e307  # Stata's largest double; above it are . and .a-.z
TYPE_RE = re.compile(r"^(byte|int|long|float|double|str([1-9][0-9]*)|strL)$")


# ------------------------------------------------------------------ by prefix
def by_groups(session, args) -> tuple[list[str], np.ndarray | None]:
    """Apply the by/bysort prefix: sort (bysort) or check the order (by) and return the
    by-variables and the group id of each row (None without a prefix).

    `bysort a (b):` sorts by a b and groups by a, as Stata does."""
    if args.prefix is None:
        return [], None
    if args.in_range is not None:
        raise StataError(190, "in may not be combined with by")
    text = args.prefix
    inner = ""
    m = re.match(r"^([^()]*)\((.*)\)\s*$", text)
    if m:
        text, inner = m.group(1), m.group(2)
    data = session.data
    byvars = expand_varlist(text, data.names)
    sortvars = byvars + (expand_varlist(inner, data.names) if inner.strip() else [])
    if args.bysort:
        data.take(sort_order(data, sortvars), sortedby=sortvars)
    elif not is_sorted_by(data, sortvars):
        raise StataError(5, "not sorted")
    elif data.sortedby[:len(sortvars)] != sortvars:
        data.sortedby = sortvars
    return byvars, group_ids(data, byvars)


def by_header(data, byvars: list[str], row: int) -> str:
    """`-> sector = 0, id = 1224`: the by-group heading Stata prints before each group."""
    from hlmshell.render.formats import fmt
    parts = []
    for name in byvars:
        var = data.var(name)
        value = var.values[row]
        parts.append(f"{name} = {value if var.is_string else fmt(value, '%9.0g').strip()}")
    return "-> " + ", ".join(parts)


def repeat_by(session, args, produce) -> str | None:
    """Run `produce(sample)` → text once per by-group (Stata's by prefix on a reporting
    command): a rule, `-> g = v`, then the command's output."""
    byvars, groups = by_groups(session, args)
    if groups is None:
        return None
    sample = args.touse(session)
    width = int(session.settings.get("linesize", 79))
    blocks = []
    _, first_rows = np.unique(groups, return_index=True)
    for g in groups[np.sort(first_rows)]:
        rows = groups == g
        first = int(np.flatnonzero(rows)[0])
        blocks.append("-" * width + "\n" + by_header(session.data, byvars, first))
        try:
            blocks.append(produce(sample & rows))
        except StataError as err:
            if err.code != 2000:
                raise
            blocks.append(err.message)
        blocks.append("")
    return "\n".join(blocks).rstrip("\n")


class _GroupContext:
    """The session as `evaluate` sees it, with the data cut to one by-group."""

    def __init__(self, session, rows: np.ndarray):
        self._session = session
        self.data = session.data.copy()
        self.data.take(rows)

    def __getattr__(self, name):
        return getattr(self._session, name)


def _needs_groups(node) -> bool:
    """Does the expression use _n, _N or explicit subscripts (which by-groups change)?"""
    if isinstance(node, ast.SystemRef):
        return node.name in ("_n", "_N")
    if isinstance(node, ast.Index) and node.col is None:
        return True
    children = []
    if isinstance(node, (ast.Unary,)):
        children = [node.operand]
    elif isinstance(node, ast.Binary):
        children = [node.left, node.right]
    elif isinstance(node, ast.Call):
        children = list(node.args)
    elif isinstance(node, ast.Index):
        children = [node.target, node.row] + ([node.col] if node.col is not None else [])
    return any(_needs_groups(c) for c in children)


def evaluate_by(session, node, groups: np.ndarray | None) -> np.ndarray:
    """Evaluate an expression over the data, within by-groups when there are any."""
    from hlmshell.dataset.evaluate import evaluate
    if groups is None or not _needs_groups(node):
        return evaluate(node, session)
    parts = {}
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        parts[g] = (rows, evaluate(node, _GroupContext(session, rows)))
    string = any(v.dtype == object for _, v in parts.values())
    out = np.empty(session.data.nobs, dtype=object) if string else np.full(session.data.nobs, np.nan)
    for rows, values in parts.values():
        out[rows] = values
    return out


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
    values = evaluate_by(session, args.exp, groups)
    sample = args.touse(session)
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
    stype = stype or "float"
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
    values = evaluate_by(session, args.exp, groups)
    sample = args.touse(session)
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
