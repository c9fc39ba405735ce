"""Looking at the data: describe, list, count. Handlers build result objects; the layouts
are in render/describe.py and render/listing.py."""
from __future__ import annotations

import os

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.render.describe import DescribeResult, DescribeRow
from hlmshell.render.formats import fmt
from hlmshell.render.listing import CountResult, ListColumn, ListResult
from hlmshell.returns import Returns

_BYTES = {"byte": 1, "int": 2, "long": 4, "float": 4, "double": 8}


def _width(stype: str) -> int:
    return _BYTES.get(stype) or (int(stype[3:]) if stype[3:].isdigit() else 8)


def shown_filename(path: str | None) -> str | None:
    """A file name as describe shows it: relative to the working directory when inside it."""
    if not path:
        return None
    if "://" in path:       # webuse: the address it came from
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


@command("describe", abbrev="d", syntax="[anything] [using] [, Short]",
         help="describe the data in memory or in a file: storage types, formats, labels")
def describe_cmd(session, args):
    """describe [varlist] [, short]
    describe [varlist] using filename [, short]"""
    from hlmshell.dataset.varlist import expand_varlist
    data = session.data
    if args.using is not None:      # the file's variables; the data in memory stay
        from hlmshell.dataset.io import read_dta
        from hlmshell.paths import find_file, with_extension
        name = args.using.strip()
        data = read_dta(find_file(session, name, ".dta"), with_extension(name, ".dta"))
    names = expand_varlist(args.anything, data.names) if args.anything.strip() else data.names
    return _describe(session, args, data, names, not args.anything.strip())


def _describe(session, args, data, names, header):
    rows = [] if args.options.get("short") else [
        DescribeRow(v.name, v.stype, v.fmt, v.value_label or "", v.label) for v in (data.var(n) for n in names)]
    session.r = Returns(scalars={"N": float(data.nobs), "k": float(len(data.names)),
                                 "width": float(sum(_width(v.stype) for v in data.vars.values())),
                                 "changed": float(bool(data.changed))})
    return DescribeResult(rows=rows, short=bool(args.options.get("short")), nobs=data.nobs, nvars=len(data.names), header=header,
                          filename=shown_filename(data.filename), data_label=data.label,
                          timestamp=data.timestamp, sortedby=list(data.sortedby),
                          changed=bool(data.changed and data.vars),
                          linesize=session.settings.get("linesize", 79))


def _cells(data, var, index: np.ndarray, labels: bool = True) -> list[str]:
    if var.is_string:
        return [str(v) for v in var.values[index]]
    out = []
    for v in var.values[index]:
        text = data.value_text(var.name, v) if labels and var.value_label else None
        out.append(text if text is not None else fmt(float(v), var.fmt).strip())
    return out


def _separators(session, args, index: np.ndarray) -> list[int] | None:
    """Positions (within the listed rows) before which sepby() draws a rule."""
    by = args.options.get("sepby")
    if by is None:
        return None
    from hlmshell.dataset.varlist import expand_varlist
    names = expand_varlist(by, session.data.names)
    if not names:
        raise StataError(100, "varlist required")
    cols = [session.data.column(n)[index] for n in names]
    cuts = []
    for i in range(1, len(index)):
        if any(not _same(c[i], c[i - 1]) for c in cols):
            cuts.append(i)
    return cuts


def _same(a, b) -> bool:
    if isinstance(a, str):
        return a == b
    return a == b or (np.isnan(a) and np.isnan(b))


@command("list", abbrev="l",
         syntax="[varlist] [if] [in] [, Clean NOObs SEParator(integer) SEPby(string) "
                "ABbreviate(integer) NOLabel]",
         help="list the values of variables", by_ok=True)
def list_cmd(session, args):
    """list [varlist] [if] [in] [, clean noobs separator(#) sepby(varlist) abbreviate(#) nolabel]"""
    if args.prefix is not None:     # observation numbers count within each group
        from hlmshell.commands.by import repeat_by
        from hlmshell.render import to_text
        return repeat_by(session, args, lambda sample, rows: to_text(
            _list(session, args, sample, first=int(np.argmax(rows)))))
    return _list(session, args, args.touse(session))


def list_rows(session, names: list[str], rows) -> str:
    """`list names` of the given rows (their observation numbers): for reshape error."""
    from hlmshell.render import to_text
    data = session.data
    index = np.asarray(rows, dtype=np.int64)
    columns = [ListColumn(n, _cells(data, data.var(n), index),
                          not (data.var(n).is_string and data.var(n).fmt.startswith("%-")))
               for n in names]
    return to_text(ListResult(columns, obs=[int(i) + 1 for i in index], show_obs=True,
                              clean=False, separator=5,
                              linesize=session.settings.get("linesize", 79)))


def _list(session, args, sample, first: int = 0):
    data = session.data
    index = np.flatnonzero(sample)
    sep = args.options.get("separator", 5)
    if sep < 0:
        raise StataError(198, "option separator() incorrectly specified")
    abbrev_to = args.options.get("abbreviate", 8)
    if abbrev_to < 1:
        raise StataError(198, "option abbreviate() incorrectly specified")
    cuts = _separators(session, args, index)
    columns = []
    for name in args.varlist:
        var = data.var(name)
        right = not (var.is_string and var.fmt.startswith("%-"))
        columns.append(ListColumn(name, _cells(data, var, index, not args.options.get("nolabel")),
                                  right, min_header=abbrev_to))
    return ListResult(columns, obs=[int(i) + 1 - first for i in index],
                      show_obs=not args.options.get("noobs"), clean=bool(args.options.get("clean")),
                      separator=0 if cuts is not None and "separator" not in args.options else sep,
                      cuts=cuts or [], linesize=session.settings.get("linesize", 79))


@command("count", abbrev="cou", syntax="[if] [in]", help="count the observations (that satisfy if/in)",
         by_ok=True)
def count_cmd(session, args):
    if args.prefix is not None:
        from hlmshell.commands.by import repeat_by
        from hlmshell.render import to_text
        return repeat_by(session, args, lambda sample, rows: to_text(_count(session, sample)))
    return _count(session, args.touse(session))


def _count(session, sample):
    n = int(np.count_nonzero(sample))
    session.r = Returns(scalars={"N": float(n)})
    return CountResult(n)
