"""Observations: duplicates report|list|tag|drop, isid, fillin, sample, append
([D] duplicates, isid, fillin, sample, append). Group work is vectorised through
dataset/groups.py (group ids, counts by bincount)."""
from __future__ import annotations

import numpy as np

from hlmshell.commands.generate import _plural
from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import smallest_numeric_type
from hlmshell.dataset.groups import any_missing, group_ids, sort_order
from hlmshell.dataset.varlist import check_new_name, expand_varlist
from hlmshell.errors import StataError
from hlmshell.render.formats import comma_int
from hlmshell.syntax.spec import Spec, split_options

DUP_OPTIONS = Spec(", GENerate(string) FORCE")


def _dup_groups(session, args_varlist, sample):
    data = session.data
    ids = group_ids(data, args_varlist, sample)
    counts = np.bincount(ids[sample], minlength=int(ids.max(initial=-1)) + 1) if sample.any() \
        else np.zeros(0, dtype=np.int64)
    return ids, counts


def _title(names: list[str], all_vars: bool) -> str:
    return "Duplicates in terms of " + ("all variables" if all_vars else " ".join(names))


@command("duplicates", syntax="raw", help="report, list, tag or drop duplicate observations")
def duplicates(session, raw):
    """duplicates report|examples|list|tag|drop [varlist] [if] [in] [, generate(newvar) force]"""
    from hlmshell.syntax.spec import Args, bind_if_in, clauses
    data = session.data
    word, _, rest = raw.anything.strip().partition(" ")
    subs = {"report": "r", "list": "l", "tag": "t", "drop": "drop", "examples": "e"}
    sub = next((s for s, m in subs.items() if word and s.startswith(word) and len(word) >= len(m)), None)
    if sub is None:
        raise StataError(198, "illegal duplicates subcommand" if word else
                         "subcommand needed; see help on duplicates")
    main, opt_text = split_options(rest)
    opts = DUP_OPTIONS.bind_options(opt_text) if opt_text is not None else {}
    main, found = clauses(main)
    args = Args(body=rest)
    bind_if_in(args, found, data.nobs)
    if "using" in found:
        raise StataError(101, "using not allowed")
    typed = bool(main.strip())
    names = expand_varlist(main, data.names) if typed else list(data.names)
    if not names:
        raise StataError(100, "varlist required")
    if sub != "tag" and opts.get("generate"):
        raise StataError(198, "option generate() not allowed")
    if sub != "drop" and opts.get("force"):
        raise StataError(198, "option force not allowed")
    sample = args.touse(session)
    if not sample.any():
        raise StataError(2000, "no observations")
    ids, counts = _dup_groups(session, names, sample)
    title = _title(names, not typed)
    if sub == "report":
        copies = counts[counts > 0]
        ks, nk = np.unique(copies, return_counts=True)
        rows = [f"{int(k):>9} | {comma_int(int(k * c)):>12}  {comma_int(int((k - 1) * c)):>12}"
                for k, c in zip(ks, nk)]
        session.r.scalars = {"N": float(sample.sum()), "unique_value": float(len(copies))}
        return "\n".join(["", title, "", "-" * 38, "   Copies | Observations       Surplus",
                          "----------+" + "-" * 27, *rows, "-" * 38])
    dup = sample & (counts[np.maximum(ids, 0)] > 1) if len(counts) else np.zeros(data.nobs, bool)
    if sub == "tag":
        new = opts.get("generate")
        if not new:
            raise StataError(198, "option generate() required")
        if new in data.names:
            raise StataError(110, "generate() must specify new variable")
        check_new_name(new, data.names)
        tag = np.where(sample, counts[np.maximum(ids, 0)] - 1 if len(counts) else 0, np.nan)
        tag = np.asarray(tag, dtype=float)
        data.add(new, tag, smallest_numeric_type(tag))
        return "\n".join(["", title])
    if sub == "drop":
        if typed and not opts.get("force"):
            raise StataError(198, "force option required with duplicates drop varlist")
        rows = np.flatnonzero(sample)
        first = np.zeros(data.nobs, dtype=bool)
        _, where = np.unique(ids[rows], return_index=True)
        first[rows[where]] = True
        drop = sample & ~first
        n = int(drop.sum())
        if not n:
            return "\n".join(["", title, "", "(0 observations are duplicates)"])
        data.take(np.flatnonzero(~drop), sortedby=list(data.sortedby))
        return "\n".join(["", title, "", f"({_plural(n, 'observation', 'observations')} deleted)"])
    # list / examples: the duplicated observations by group, groups in sorted order
    if not dup.any():
        return "\n".join(["", title, "", "(0 observations are duplicates)"])
    from hlmshell.commands.describe_list import _cells
    from hlmshell.render import to_text
    from hlmshell.render.listing import ListColumn, ListResult
    rows = np.flatnonzero(dup)
    order = rows[np.lexsort((rows, ids[rows]))]
    if sub == "examples":
        _, where = np.unique(ids[order], return_index=True)
        order = order[where]
    group_no = np.unique(ids[order], return_inverse=True)[1].ravel() + 1
    cols = []
    if group_no.max() > 1:                  # duplicates.ado shows groups only when several
        cols.append(ListColumn("group:", [str(g) for g in group_no], True))
    if sub == "examples":
        cols.append(ListColumn("#", [str(int(counts[ids[i]])) for i in order], True))
        cols.append(ListColumn("e.g. obs:", [str(i + 1) for i in order], True))
    else:
        cols.append(ListColumn("obs:", [str(i + 1) for i in order], True))
    cols += [ListColumn(n, _cells(data.var(n), order), not data.is_string(n)) for n in names]
    return "\n".join(["", title, to_text(ListResult(
        cols, obs=[0] * len(order), show_obs=False, clean=False, separator=5,
        linesize=session.settings.get("linesize", 79)))])


@command("isid", syntax="varlist [, Sort MISSok]", help="check for unique identifiers")
def isid(session, args):
    """isid varlist [, sort missok]"""
    data = session.data
    names = args.varlist
    word = "variable" if len(names) == 1 else "variables"
    if not args.options.get("missok") and any_missing(data, names).any():
        raise StataError(459, f"{word} {' '.join(names)} should never be missing")
    ids = group_ids(data, names)
    if data.nobs and int(ids.max()) + 1 < data.nobs:
        if len(names) == 1:
            raise StataError(459, f"variable {names[0]} does not uniquely identify the observations")
        raise StataError(459, f"variables {' '.join(names)} do not uniquely identify the observations")
    if args.options.get("sort"):         # isid.ado's notes
        if data.sortedby[:len(names)] == list(names):
            return f"(data already sorted by {' '.join(names)})"
        data.take(sort_order(data, names), sortedby=list(names))
        return f"(data now sorted by {' '.join(names)})"
    return None


@command("fillin", syntax="varlist", help="add observations for every combination of values")
def fillin(session, args):
    """fillin varlist"""
    data = session.data
    names = args.varlist
    if len(names) < 2:
        raise StataError(102, "too few variables specified")
    for taken in ("_fillin", "_merge"):     # fillin.ado confirms both are new
        if taken in data.vars:
            raise StataError(110, f"variable {taken} already defined")
    levels, codes = [], []
    for n in names:
        col = data.column(n)
        ids = group_ids(data, [n])
        k = int(ids.max()) + 1 if data.nobs else 0
        first = np.full(k, -1, dtype=np.int64)
        first[ids[::-1]] = np.arange(data.nobs)[::-1]
        levels.append(col[first])
        codes.append(ids)
    sizes = [len(l) for l in levels]
    total = int(np.prod(sizes)) if sizes else 0
    data.check_capacity(total)
    have = np.zeros(total, dtype=bool)
    have[np.ravel_multi_index(codes, sizes)] = True if total else have
    missing = np.flatnonzero(~have)
    combos = np.unravel_index(missing, sizes)
    n_old, n_new = data.nobs, len(missing)
    for name, var in list(data.vars.items()):
        if name in names:
            extra = levels[names.index(name)][combos[names.index(name)]]
        else:
            extra = np.full(n_new, "", dtype=object) if var.is_string else np.full(n_new, np.nan)
        var.values = np.concatenate([var.values, extra])
    data.nobs = n_old + n_new
    data.rows_appended(n_old)
    data.add("_fillin", np.r_[np.zeros(n_old), np.ones(n_new)], "byte")
    data.take(sort_order(data, names), sortedby=list(names))
    return None


@command("sample", syntax="anything [if] [in] [, Count BY(string)]",
         help="draw a random sample (keep # percent or # observations)", by_ok=True)
def sample(session, args):
    """sample # [if] [in] [, count by(groupvars)]"""
    from hlmshell.commands.by import by_groups, touse_by
    prefix, prefix_groups = by_groups(session, args)
    data = session.data
    try:
        amount = float(args.anything.strip())
    except ValueError:
        raise StataError(198, "invalid syntax") from None
    count = bool(args.options.get("count"))
    if amount < 0 or (not count and amount > 100) or (count and amount != int(amount)):
        raise StataError(198, f"{args.anything.strip()} invalid")
    chosen = touse_by(session, args, prefix_groups)
    byvars = prefix + [v for v in (expand_varlist(args.options["by"], data.names)
                                   if args.options.get("by") else []) if v not in prefix]
    groups = group_ids(data, byvars, chosen)
    ng = int(groups.max(initial=-1)) + 1
    sizes = np.bincount(groups[chosen], minlength=ng)
    keep_n = np.minimum(sizes, amount) if count else np.floor(sizes * amount / 100 + 0.5)
    rank = np.zeros(data.nobs, dtype=np.int64)
    rows = np.flatnonzero(chosen)
    u = session.rng.random(len(rows))                 # a random order within each group
    order = rows[np.lexsort((u, groups[rows]))]
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    rank[order] = np.arange(len(order)) - starts[groups[order]]
    keep = ~chosen | (rank < keep_n[np.maximum(groups, 0)] if ng else ~chosen)
    n = int(data.nobs - keep.sum())
    if n:
        data.take(np.flatnonzero(keep), sortedby=list(data.sortedby))
    return f"({_plural(n, 'observation', 'observations')} deleted)"


APPEND_OPTIONS = Spec(", GENerate(string) KEEP(string) NOLabel NONOTEs FORCE")


@command("append", syntax="raw", help="append datasets: append using FILE [FILE ...] [, generate() keep() force]")
def append(session, raw):
    """append using filename [filename ...] [, generate(newvar) keep(varlist) nolabel
        nonotes force]"""
    from hlmshell.commands.data_io import find_using
    from hlmshell.commands.merge import add_value_labels, wider_type
    from hlmshell.dataset.io import read_dta
    from hlmshell.paths import find_file, with_extension
    import shlex
    main, opt_text = split_options(raw.anything)
    opts = APPEND_OPTIONS.bind_options(opt_text) if opt_text is not None else {}
    span = find_using(main)
    if span is None or main[:span[0]].strip():
        raise StataError(100 if span is None else 198, "using required" if span is None else "invalid syntax")
    try:
        files = shlex.split(main[span[1]:])
    except ValueError:
        raise StataError(198, "invalid file specification") from None
    if not files:
        raise StataError(198, "invalid file specification")
    master = session.data
    gen = opts.get("generate")
    if gen:
        check_new_name(gen, master.names)
    out = master.copy()
    source = [np.zeros(master.nobs)]
    notes = []
    for k, name in enumerate(files, 1):
        using = read_dta(find_file(session, name, ".dta"), with_extension(name, ".dta"))
        names = expand_varlist(opts["keep"], using.names) if opts.get("keep") else using.names
        n_old, n_new = out.nobs, using.nobs
        for vname, var in list(out.vars.items()):          # existing columns grow
            if vname in names:
                other = using.var(vname)
                if other.is_string != var.is_string:
                    if not opts.get("force"):
                        raise StataError(106, f"variable {vname} is {var.stype} in master but "
                                              f"{other.stype} in using data")
                    extra = np.full(n_new, "", dtype=object) if var.is_string else np.full(n_new, np.nan)
                else:
                    extra = other.values
                    wider = wider_type(var.stype, other.stype)
                    if wider != var.stype:
                        notes.append(f"(variable {vname} was {var.stype}, now {wider} to "
                                     "accommodate using data's values)")
                        var.stype = wider
                    if not var.label and other.label:
                        var.label = other.label
            else:
                extra = np.full(n_new, "", dtype=object) if var.is_string else np.full(n_new, np.nan)
            var.values = np.concatenate([var.values, extra])
        for vname in names:                                 # new columns: missing before
            if vname in out.vars:
                continue
            other = using.var(vname)
            before = np.full(n_old, "", dtype=object) if other.is_string else np.full(n_old, np.nan)
            values = np.concatenate([before, other.values])
            out.nobs = n_old + n_new if out.vars else n_old + n_new
            out.vars[vname] = type(other)(vname, values, other.stype, other.fmt, other.label,
                                          other.value_label)
        out.nobs = n_old + n_new
        out.rows_appended(n_old)
        add_value_labels(out, out, using, bool(opts.get("nolabel")))
        source.append(np.full(n_new, float(k)))
        if not out.vars:
            out.nobs = n_old + n_new
    if gen:
        out.add(gen, np.concatenate(source), "byte")
    out.sortedby, out.changed = [], True
    session.data = out
    return "\n".join(notes) if notes and not opts.get("nonotes") else None
