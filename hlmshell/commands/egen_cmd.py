"""egen [type] newvar = fcn(arguments) [if] [in] [, by(varlist) missing]

The functions live in dataset/egen.py (a table: name → function); this module parses the
line, applies the by prefix / by() option and stores the result like generate does.
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.by import by_groups, touse_by
from hlmshell.commands.generate import TYPE_RE, _plural, to_storage
from hlmshell.commands.registry import command
from hlmshell.dataset.egen import group_ids, lookup_egen, EgenCall
from hlmshell.dataset.varlist import check_new_name, expand_varlist
from hlmshell.errors import StataError
from hlmshell.syntax.spec import Args, bind_if_in, clauses, parse_option_list, split_options

LINE_RE = re.compile(r"^\s*(?:(\S+)\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([A-Za-z_][A-Za-z0-9_]*)"
                     r"\s*\((.*)\)\s*$", re.S)


def _bind(session, body: str) -> tuple[Args, re.Match, dict]:
    main, opts = split_options(body)
    options: dict = {}
    for word, arg in parse_option_list(opts or ""):
        options["by" if word == "by" else word] = True if arg is None else arg
    main, found = clauses(main)
    if "using" in found:
        raise StataError(101, "using not allowed")
    args = Args(body=body)
    bind_if_in(args, found, session.data.nobs)
    m = LINE_RE.match(main)
    if not m:
        raise StataError(198, "invalid syntax")
    return args, m, options


@command("egen", syntax="raw", help="extended generate: group and row statistics (see help egen)",
         by_ok=True)
def egen(session, raw):
    """egen [type] newvar = fcn(arguments) [if] [in] [, by(varlist) options]
        exp: mean sd count total(missing) min max median pctile(p()) iqr mode(minmode maxmode
             missing) rank(field track unique) std(mean() sd()) cut(at() group() icodes)
        varlist: tag group(missing) rowmean rowtotal(missing) rowmax rowmin rowsd rowmiss
             rownonmiss(strok) anycount/anymatch/anyvalue(values()) concat(format() punct()
             maxlength()) diff;  fill(numlist)  seq(), from() to() block()
        also with the prefix: bysort varlist: egen ...
    """
    args, m, options = _bind(session, raw.anything)
    args.prefix, args.bysort = raw.prefix, raw.bysort
    stype, name, fname, argtext = m.group(1), m.group(2), m.group(3), m.group(4).strip()
    if stype is not None and not TYPE_RE.match(stype):
        raise StataError(198, "invalid syntax")
    data = session.data
    check_new_name(name, data.names)
    fn = lookup_egen(fname)
    for word in options:
        if word != "by" and word not in fn.options:
            raise StataError(198, f"option {word} not allowed")
    byvars, prefix_groups = by_groups(session, args)
    if "by" in options:
        if options["by"] is True:
            raise StataError(198, "option by() required")
        byvars = byvars + [v for v in expand_varlist(options["by"], data.names) if v not in byvars]
    sample = touse_by(session, args, prefix_groups)
    values, varlist = None, []
    if fn.argument == "varlist":
        if not argtext:
            raise StataError(100, "varlist required")
        varlist = expand_varlist(argtext, data.names)
        if not varlist:     # `group(*)` with no variables
            raise StataError(100, "varlist required")
    elif fn.argument == "numlist":
        options = dict(options, _arg=argtext)
        if args.if_exp is not None or args.in_range is not None:
            raise StataError(198, f"{fname}() may not be combined with if or in")
    elif fn.argument == "none":
        if argtext:
            raise StataError(198, "invalid syntax")
    else:
        if not argtext:
            raise StataError(198, "invalid syntax")
        from hlmshell.dataset.evaluate import evaluate
        from hlmshell.syntax.expr import parse_expression
        values = evaluate(parse_expression(argtext), session, groups=prefix_groups)
    if prefix_groups is not None and "by" not in options:
        # the prefix's groups as they are
        groups = prefix_groups if sample.all() else np.where(sample, prefix_groups, -1)
    else:
        groups = group_ids(data, byvars, sample)
    call = EgenCall(data, values, varlist, sample, groups, dict(options, _argtext=argtext))
    if argtext in data.vars:
        call.source_type = data.var(argtext).stype
    result, default_type = fn.impl(call)
    note = call.note
    label = call.label or f"{fname}({argtext})"[:80]
    if result.dtype == object:                 # string results: concat, mode of a string
        if stype is not None and not stype.startswith("str"):
            raise StataError(109, "type mismatch")
        result = np.where(sample, result, "").astype(object)
        longest = max((len(v) for v in result), default=1)
        stype = stype if stype not in (None, "strL") else (stype or f"str{max(longest, 1)}")
        if stype != "strL":
            result = np.array([v[:int(stype[3:])] for v in result], dtype=object)
        data.add(name, result, stype, label=label)
        return note
    if stype is not None and stype.startswith("str"):
        raise StataError(109, "type mismatch")
    stype = stype or default_type or session.settings.get("type", "float")     # `set type`
    if fn.argument == "exp":
        result = np.where(sample, result, np.nan)
    result = to_storage(result, stype)
    added = data.add(name, result, stype, label=label)
    if call.value_label is not None:         # group(), label
        data.value_labels[name] = call.value_label
        added.value_label = name
    missing = int(np.isnan(result).sum())
    lines = [note] if note else []
    if missing:
        lines.append(f"({_plural(missing, 'missing value', 'missing values')} generated)")
    return "\n".join(lines) or None
