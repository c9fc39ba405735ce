"""`joinby [varlist] using filename [, unmatched(none|both|master|using) _merge(name)
nolabel]` ([D] joinby): every pairing of master and using observations that share the
join variables (by default the variables the two have in common); master's values win for
other shared variables. `cross using filename` ([D] cross): every pairing of all
observations (the two must share no variable). Both print nothing, as Stata's do."""
from __future__ import annotations

import numpy as np

from hlmshell.commands.data_io import file_token, find_using, options
from hlmshell.commands.merge import _combine, _key_ids, add_value_labels
from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import is_string_type
from hlmshell.dataset.groups import stable_argsort
from hlmshell.dataset.io import read_dta
from hlmshell.dataset.varlist import check_new_name, expand_varlist
from hlmshell.errors import StataError
from hlmshell.paths import find_file, with_extension
from hlmshell.syntax.spec import Spec, split_options

JOINBY = Spec(", UNMatched(string) _merge(name) NOLabel UPDate REPLACE")


def _using(session, main: str):
    span = find_using(main)
    if span is None:
        raise StataError(100, "using required")
    name = file_token(main[span[1]:])
    if not name:
        raise StataError(198, "invalid file specification")
    return main[:span[0]], read_dta(find_file(session, name, ".dta"),
                                    with_extension(name, ".dta"))


def _pairs(m_ids: np.ndarray, u_ids: np.ndarray):
    """(master row, using row) of every pair with equal ids, ordered by id, then master
    row, then using row — without a loop over rows."""
    ng = int(max(m_ids.max(initial=-1), u_ids.max(initial=-1))) + 1
    uc = np.bincount(u_ids, minlength=ng)
    u_order = stable_argsort(u_ids)
    u_start = np.concatenate([[0], np.cumsum(uc)[:-1]])
    m_order = stable_argsort(m_ids)
    reps = uc[m_ids[m_order]]
    mi = np.repeat(m_order, reps)
    first = np.repeat(np.cumsum(reps) - reps, reps)
    offset = np.arange(len(mi)) - first
    uj = u_order[np.repeat(u_start[m_ids[m_order]], reps) + offset]
    return mi, uj


@command("joinby", syntax="raw", help="form all pairwise combinations within groups")
def joinby(session, args):
    """joinby [varlist] using filename [, unmatched(none|both|master|using) _merge(name)
        nolabel]"""
    main, opt_text = split_options(args.body)
    opts = options(JOINBY, opt_text)
    for refused in ("update", "replace"):
        if opts.get(refused):
            raise StataError(198, f"option {refused} not allowed")
    master = session.data
    if not master.vars:
        raise StataError(111, "no variables defined")
    var_text, using = _using(session, main)
    keys = expand_varlist(var_text, master.names) if var_text.strip() else \
        [n for n in master.names if n in using.vars]
    if not keys:
        raise StataError(459, "no common variables")          # text unconfirmed
    for k in keys:
        if k not in using.vars:
            raise StataError(111, f"variable {k} not found in using data")
        if is_string_type(master.var(k).stype) != is_string_type(using.var(k).stype):
            raise StataError(106, f"variable {k} is string in one dataset and numeric in "
                                  "the other")
    unmatched = (opts.get("unmatched") or "none").strip().lower()
    if unmatched not in ("none", "both", "master", "using"):
        raise StataError(198, "unmatched() invalid")
    gen = opts.get("_merge") or "_merge"
    if unmatched != "none":
        check_new_name(gen, master.names + using.names)
    m_ids, u_ids = _key_ids(master, using, keys)
    mi, uj = _pairs(m_ids, u_ids)
    codes = np.full(len(mi), 3)
    if unmatched in ("both", "master"):
        alone = np.flatnonzero(~np.isin(m_ids, u_ids))
        mi, uj = np.concatenate([mi, alone]), np.concatenate([uj, np.full(len(alone), -1)])
        codes = np.concatenate([codes, np.full(len(alone), 1)])
    if unmatched in ("both", "using"):
        alone = np.flatnonzero(~np.isin(u_ids, m_ids))
        mi, uj = np.concatenate([mi, np.full(len(alone), -1)]), np.concatenate([uj, alone])
        codes = np.concatenate([codes, np.full(len(alone), 2)])
    gid = np.where(mi >= 0, m_ids[np.maximum(mi, 0)], u_ids[np.maximum(uj, 0)])
    order = stable_argsort(gid)
    mi, uj, codes = mi[order], uj[order], codes[order]
    extra = [n for n in using.names if n not in keys]
    result = _combine(master, using, mi, uj, extra, keys)
    add_value_labels(result, master, using, bool(opts.get("nolabel")))
    if unmatched != "none":
        result.add(gen, codes.astype(float), "byte")
    result.label, result.filename = master.label, master.filename
    result.changed = True
    session.data = result
    return None


@command("cross", syntax="raw", help="form every pairwise combination of two datasets")
def cross(session, args):
    """cross using filename"""
    main, opt_text = split_options(args.body)
    if opt_text is not None and opt_text.strip():
        raise StataError(198, f"option {opt_text.split()[0]} not allowed")
    master = session.data
    var_text, using = _using(session, main)
    if var_text.strip():
        raise StataError(198, "invalid syntax")
    shared = [n for n in using.names if n in master.vars]
    if shared:
        raise StataError(110, f"variable {shared[0]} already defined")   # text unconfirmed
    mi = np.repeat(np.arange(master.nobs), using.nobs)
    uj = np.tile(np.arange(using.nobs), master.nobs)
    result = _combine(master, using, mi, uj, list(using.names), [])
    add_value_labels(result, master, using, False)
    result.label, result.filename = master.label, master.filename
    result.changed = True
    session.data = result
    return None
