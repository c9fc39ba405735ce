"""merge 1:1 / m:1 / 1:m varlist using FILE: join the data in memory (master) with a .dta
file (using) on key variables, as Stata's merge does.

Result: master observations (matched or not), then using-only observations, sorted by the
keys (stable); the master's values win for variables in both files, using-only rows take the
using values; `_merge` (byte) is 1 master only, 2 using only, 3 matched.
Options: keep(master match using), keepusing(varlist), generate(name), nogenerate.
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.data_io import file_token, find_using, options
from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import Dataset, is_string_type
from hlmshell.dataset.io import read_dta
from hlmshell.dataset.varlist import check_new_name, expand_varlist
from hlmshell.errors import StataError
from hlmshell.paths import find_file, with_extension
from hlmshell.render.listing import MergeResult
from hlmshell.syntax.spec import Spec, split_options

MERGE_OPTIONS = Spec(", KEEP(string) KEEPUSing(string) GENerate(string) NOGENerate")
_RANK = {"byte": 0, "int": 1, "long": 2, "float": 3, "double": 4}
_KEEP_WORDS = {1: ("master", "mas"), 2: ("using", "us"), 3: ("match", "mat")}


def wider_type(a: str, b: str) -> str:
    """The storage type that holds the values of both (Stata's promotion in merge/append)."""
    if is_string_type(a) or is_string_type(b):
        if "strL" in (a, b):
            return "strL"
        return f"str{max(int(a[3:]), int(b[3:]))}"
    if {a, b} == {"long", "float"}:
        return "double"
    return a if _RANK[a] >= _RANK[b] else b


def _keep_codes(text: str | None) -> set[int]:
    if text is None:
        return {1, 2, 3}
    codes = set()
    for word in text.split():
        word = word.lower()
        hit = next((c for c, (full, minimum) in _KEEP_WORDS.items()
                    if full.startswith(word) and len(word) >= len(minimum)), None)
        if hit is None and word in ("1", "2", "3"):
            hit = int(word)
        if hit is None:
            raise StataError(198, "option keep() incorrectly specified")
        codes.add(hit)
    return codes


def _key_rows(data: Dataset, keys: list[str]) -> list[tuple]:
    cols = []
    for k in keys:
        v = data.column(k)
        cols.append(list(v) if data.is_string(k) else
                    [None if np.isnan(x) else float(x) for x in v])  # missing matches missing
    return list(zip(*cols)) if cols else []


def _check_unique(rows: list[tuple], keys: list[str], which: str) -> None:
    if len(set(rows)) != len(rows):
        if len(keys) == 1:
            msg = f"variable {keys[0]} does not uniquely identify observations in the {which} data"
        else:
            msg = f"variables {' '.join(keys)} do not uniquely identify observations in the {which} data"
        raise StataError(459, msg)


def _sort_key(value):
    if isinstance(value, str):
        return (0, value)
    return (1, float("inf")) if value is None else (0, value)


@command("merge", syntax="raw", help="merge 1:1|m:1|1:m varlist using FILE [, keep() "
                                     "keepusing() generate() nogenerate]")
def merge_cmd(session, args):
    """merge 1:1|m:1|1:m varlist using filename [, keep(results) keepusing(varlist) generate(newvar) nogenerate]"""
    main, opt_text = split_options(args.body)
    opts = options(MERGE_OPTIONS, opt_text)
    span = find_using(main)
    if span is None:
        raise StataError(100, "using required")
    m = re.match(r"\s*([1mM]):([1mM])\s+(.*)$", main[:span[0]], re.S)
    if not m:
        raise StataError(198, "invalid syntax: merge 1:1, m:1 or 1:m varlist using filename")
    kind = (m.group(1).lower(), m.group(2).lower())
    if kind == ("m", "m"):
        raise StataError(198, "m:m merges are not supported (they are almost always a mistake)")
    master = session.data
    if not master.vars:
        raise StataError(111, "no variables defined")
    keys = expand_varlist(m.group(3), master.names)
    if not keys:
        raise StataError(100, "varlist required")
    gen = None if opts.get("nogenerate") else (opts.get("generate") or "_merge").strip()
    if gen is not None:
        if gen in master.vars:
            raise StataError(110, f"variable {gen} already defined")
        check_new_name(gen, master.names)
    keep = _keep_codes(opts.get("keep"))
    name = file_token(main[span[1]:])
    if not name:
        raise StataError(198, "invalid file specification")
    shown = with_extension(name, ".dta")
    using = read_dta(find_file(session, name, ".dta"), shown)
    for k in keys:
        if k not in using.vars:
            raise StataError(111, f"variable {k} not found")
        mt, ut = master.var(k).stype, using.var(k).stype
        if is_string_type(mt) != is_string_type(ut):
            raise StataError(106, f"key variable {k} is {mt} in master but {ut} in using data")
    extra = [n for n in using.names if n not in keys]
    if opts.get("keepusing") is not None:
        extra = [n for n in expand_varlist(opts["keepusing"], using.names) if n not in keys]
    if gen is not None and gen in extra:
        raise StataError(110, f"variable {gen} already defined")

    mrows, urows = _key_rows(master, keys), _key_rows(using, keys)
    if kind[0] == "1":
        _check_unique(mrows, keys, "master")
    if kind[1] == "1":
        _check_unique(urows, keys, "using")
    where: dict[tuple, list[int]] = {}
    for j, key in enumerate(urows):
        where.setdefault(key, []).append(j)
    pairs: list[tuple[int | None, int | None]] = []
    used = np.zeros(using.nobs, dtype=bool)
    for i, key in enumerate(mrows):
        hits = where.get(key)
        if hits:
            pairs += [(i, j) for j in hits]
            used[hits] = True
        else:
            pairs.append((i, None))
    pairs += [(None, int(j)) for j in np.flatnonzero(~used)]
    codes = [3 if (i is not None and j is not None) else (1 if j is None else 2) for i, j in pairs]
    chosen = [p for p, c in zip(range(len(pairs)), codes) if c in keep]
    keyof = [mrows[i] if i is not None else urows[j] for i, j in pairs]
    chosen.sort(key=lambda p: tuple(_sort_key(v) for v in keyof[p]))
    pairs = [pairs[p] for p in chosen]
    codes = [codes[p] for p in chosen]
    result = _combine(master, using, pairs, extra, keys)
    if gen is not None:
        result.add(gen, np.array(codes, dtype=float), "byte", "%23.0g", "Matching result from merge")
    result.sortedby = list(keys)
    result.filename, result.label, result.timestamp = master.filename, master.label, master.timestamp
    result.changed = True
    session.data = result
    return MergeResult(codes.count(1), codes.count(2), codes.count(3), gen or "_merge")


def _pick(values: np.ndarray, index: list[int | None], string: bool) -> np.ndarray:
    if string:
        return np.array(["" if k is None else values[k] for k in index], dtype=object)
    return np.array([np.nan if k is None else values[k] for k in index], dtype=float)


def _combine(master: Dataset, using: Dataset, pairs, extra: list[str], keys: list[str]) -> Dataset:
    mi = [i for i, _ in pairs]
    uj = [j for _, j in pairs]
    out = Dataset()
    for name, var in master.vars.items():
        values = _pick(var.values, mi, var.is_string)
        stype = var.stype
        if name in using.vars and (name in keys or name in extra):
            other = using.var(name)
            if other.is_string == var.is_string:
                # master values win; rows only in using take the using values
                from_using = _pick(other.values, uj, other.is_string)
                fill = [k for k, i in enumerate(mi) if i is None]
                if fill:
                    values = values.copy()
                    values[fill] = from_using[fill]
                    stype = wider_type(var.stype, other.stype)
        out.add(name, values, stype, var.fmt, var.label)
    for name in extra:
        if name in master.vars:
            continue
        var = using.var(name)
        out.add(name, _pick(var.values, uj, var.is_string), var.stype, var.fmt, var.label)
    if not out.vars:
        out.nobs = len(pairs)
    return out
