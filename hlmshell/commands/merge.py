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
from hlmshell.dataset.groups import _keys, combine_codes, stable_argsort
from hlmshell.dataset.io import read_dta
from hlmshell.dataset.varlist import check_new_name, expand_varlist
from hlmshell.errors import StataError
from hlmshell.paths import find_file, with_extension
from hlmshell.render.listing import MergeResult
from hlmshell.syntax.spec import Spec, split_options

MERGE_OPTIONS = Spec(", KEEP(string) KEEPUSing(string) GENerate(string) NOGENerate NOLabel")
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


def _not_unique(keys: list[str], which: str) -> StataError:
    if len(keys) == 1:
        return StataError(459, f"variable {keys[0]} does not uniquely identify observations in the {which} data")
    return StataError(459, f"variables {' '.join(keys)} do not uniquely identify observations in the {which} data")


def _key_ids(master: Dataset, using: Dataset, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids (in Stata's sort order of the keys; missing matches missing) of the master
    and the using rows, on one scale."""
    nm = master.nobs
    codes = []
    for k in keys:
        both = np.concatenate([master.column(k), using.column(k)])
        codes.append(_keys(both))
    ids = combine_codes(codes) if codes else np.zeros(nm + using.nobs, dtype=np.int64)
    return ids[:nm], ids[nm:]


def _match(master: Dataset, using: Dataset, keys: list[str], kind) -> tuple:
    """The pairs (master row, using row; -1 for none) of the merged data in their final
    order, and each pair's _merge code. Vectorised: no loop over rows."""
    m_ids, u_ids = _key_ids(master, using, keys)
    ng = int(max(m_ids.max(initial=-1), u_ids.max(initial=-1))) + 1
    m_count = np.bincount(m_ids, minlength=ng)
    u_count = np.bincount(u_ids, minlength=ng)
    if kind[0] == "1" and np.any(m_count > 1):
        raise _not_unique(keys, "master")
    if kind[1] == "1" and np.any(u_count > 1):
        raise _not_unique(keys, "using")
    nm, nu = master.nobs, using.nobs
    lookup = np.full(ng, -1, dtype=np.int64)
    if kind[1] == "1":      # 1:1 and m:1: every master row, then the unused using rows
        lookup[u_ids] = np.arange(nu)
        extra = np.flatnonzero(m_count[u_ids] == 0)
        mi = np.concatenate([np.arange(nm), np.full(len(extra), -1, dtype=np.int64)])
        uj = np.concatenate([lookup[m_ids], extra])
        gid = np.concatenate([m_ids, u_ids[extra]])
    else:                   # 1:m: master-only rows, then every using row (with its master row)
        lookup[m_ids] = np.arange(nm)
        alone = np.flatnonzero(u_count[m_ids] == 0)
        mi = np.concatenate([alone, lookup[u_ids]])
        uj = np.concatenate([np.full(len(alone), -1, dtype=np.int64), np.arange(nu)])
        gid = np.concatenate([m_ids[alone], u_ids])
    order = stable_argsort(gid)
    mi, uj = mi[order], uj[order]
    codes = np.where((mi >= 0) & (uj >= 0), 3, np.where(uj < 0, 1, 2))
    return mi, uj, codes


@command("merge", syntax="raw", help="merge 1:1|m:1|1:m varlist using FILE [, keep() "
                                     "keepusing() generate() nogenerate]")
def merge_cmd(session, args):
    """merge 1:1|m:1|1:m varlist using filename [, keep(results) keepusing(varlist)
        generate(newvar) nogenerate nolabel]"""
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

    mi, uj, codes = _match(master, using, keys, kind)
    chosen = np.isin(codes, sorted(keep))
    mi, uj, codes = mi[chosen], uj[chosen], codes[chosen]
    result = _combine(master, using, mi, uj, extra, keys)
    result.inherit_rows(master, mi)        # master rows keep e(sample); using-only rows are new
    add_value_labels(result, master, using, bool(opts.get("nolabel")))
    if gen is not None:
        result.add(gen, codes.astype(float), "byte", "%23.0g", "Matching result from merge")
    result.sortedby = list(keys)
    result.filename, result.label, result.timestamp = master.filename, master.label, master.timestamp
    result.xtset = dict(master.xtset) if master.xtset else None  # Stata keeps master's chars
    result.changed = True
    session.data = result
    counts = np.bincount(codes, minlength=4)
    return MergeResult(int(counts[1]), int(counts[2]), int(counts[3]), gen or "_merge")


def _pick(values: np.ndarray, index: np.ndarray, string: bool) -> np.ndarray:
    """values[index], with -1 meaning no row: missing (or "")."""
    none = index < 0
    if not none.any():
        return values[index]
    out = values[np.where(none, 0, index)] if len(values) else \
        np.empty(len(index), dtype=object if string else float)
    out[none] = "" if string else np.nan      # a new array (fancy indexing copies)
    return out


def _combine(master: Dataset, using: Dataset, mi, uj, extra: list[str], keys: list[str]) -> Dataset:
    out = Dataset()
    fill = mi < 0
    any_fill = bool(fill.any())
    for name, var in master.vars.items():
        values = _pick(var.values, mi, var.is_string)
        stype = var.stype
        if name in using.vars and (name in keys or name in extra):
            other = using.var(name)
            if other.is_string == var.is_string and any_fill:
                # master values win; rows only in using take the using values
                values = np.where(fill, _pick(other.values, uj, other.is_string), values)
                stype = wider_type(var.stype, other.stype)
        out.add(name, values, stype, var.fmt, var.label).value_label = var.value_label
    for name in extra:
        if name in master.vars:
            continue
        var = using.var(name)
        out.add(name, _pick(var.values, uj, var.is_string), var.stype, var.fmt,
                var.label).value_label = var.value_label
    if not out.vars:
        out.nobs = len(mi)
    return out


def add_value_labels(out: Dataset, master: Dataset, using: Dataset, nolabel: bool) -> None:
    """Stata keeps the master's value-label definitions and adds the using file's ones that
    the master lacks (a using definition never replaces one of the same name); nolabel
    copies none. Variables keep the label name they point at, defined or not."""
    out.value_labels = {k: dict(v) for k, v in master.value_labels.items()}
    if not nolabel:
        for name, mapping in using.value_labels.items():
            out.value_labels.setdefault(name, dict(mapping))
