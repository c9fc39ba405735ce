"""`statsby [exp_list] [, by(varlist[, missing]) clear saving() total double nodots noisily
nolegend] : command` ([D] statsby): run the command on each by-group and replace the data
with one observation per group — its by() values and the exp_list.

Each group's run sees only the group's observations (as Stata's does), through the session's
one execute path; a group where the command fails gets missing statistics and an `x` dot.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands._replicate import (Dots, evaluate_items, expand_names, legend,
                                          parse_exp_list, run_command, saving_target,
                                          side_state_guard, split_prefix)
from hlmshell.commands.registry import command
from hlmshell.commands.simulate import default_items, write_dta
from hlmshell.dataset.dataset import Dataset
from hlmshell.errors import StataError
from hlmshell.syntax.spec import Spec, split_options

SPEC = Spec("[, BY(string) CLEAR SAving(string) Total DOUBle NODots NOIsily NOLegend "
            "SUBsets BASEpop(string) FORCEdrop]")


@command("statsby", syntax="raw", help="collect statistics of a command across by-groups")
def statsby(session, args):
    """statsby [exp_list] [, by(varlist[, missing]) clear saving(filename[, replace]) total
        double nodots noisily nolegend] : command"""
    with side_state_guard(session):
        return _statsby(session, args)


def _by(session, text: str | None) -> tuple[list[str], bool]:
    from hlmshell.dataset.varlist import expand_varlist
    if text is None:
        return [], False
    names, sub = split_options(text)
    missing = False
    for word in (sub or "").split():
        if word and "missing".startswith(word.lower()):
            missing = True
        else:
            raise StataError(198, f"option {word} not allowed")
    return expand_varlist(names, session.data.names), missing


def _statsby(session, args):
    text, opts, cmd = split_prefix(args.body, SPEC)
    for refused in ("subsets", "basepop", "forcedrop"):
        if refused in opts:
            raise StataError(198, f"option {refused}{'()' if refused == 'basepop' else ''} "
                                  "not allowed")
    original = session.data
    byvars, missing = _by(session, opts.get("by"))
    target = saving_target(session, opts.get("saving"))
    if target is None and not opts.get("clear") and original.changed:
        raise StataError(4, "no; dataset in memory has changed since last saved")
    noisily = bool(opts.get("noisily"))
    items = parse_exp_list(text) if text else None

    # the groups, in sorted order; missing by() values form groups only with missing
    from hlmshell.dataset.groups import group_ids
    rows = np.ones(original.nobs, dtype=bool)
    if not missing:
        for v in byvars:
            col = original.column(v)
            rows &= (col != "") if col.dtype == object else ~np.isnan(col)
    ids = group_ids(original, byvars, rows)
    ngroups = int(ids.max()) + 1 if ids.size and ids.max() >= 0 else 0
    if byvars and ngroups == 0:
        raise StataError(2000, "no observations")
    if byvars:      # each group's rows in data order, without a pass per group
        inside = np.flatnonzero(ids >= 0)
        order = inside[np.argsort(ids[inside], kind="stable")]
        runs = np.split(order, np.cumsum(np.bincount(ids[inside], minlength=ngroups))[:-1])
    else:
        runs = [np.arange(original.nobs)]
    if byvars and opts.get("total"):
        runs.append(np.arange(original.nobs))

    est_before = session.estimates.active
    names, width = None, None
    dots = None if opts.get("nodots") else Dots("Statsby groups")
    results = []
    try:
        for index in runs:
            session.data = original.copy()
            session.data.take(index, sortedby=list(original.sortedby))
            rc = run_command(session, cmd, noisily)
            values, mark = None, "x" if rc else "."
            if not rc:
                if items is None:
                    items = default_items(session, session.estimates.active is not est_before)
                try:
                    values = evaluate_items(session, items)
                    if names is None:
                        names = expand_names(session, items, prefix="_stat")
                        width = len(values)
                except StataError:
                    mark = "e"
                if values is not None and width is not None and len(values) != width:
                    values, mark = None, "e"
            results.append(values)
            if dots is not None:
                dots.marks.append(mark)
    finally:
        session.data = original
    if names is None:     # text unconfirmed
        raise StataError(498, f"an error occurred when statsby executed {cmd.split()[0]} "
                              "in every group")
    if len(set(n for n, _ in names) | set(byvars)) != len(names) + len(byvars):
        raise StataError(110, "statistic names collide with by() variables")
    data = _results(original, byvars, runs, names, results, width, bool(opts.get("double")),
                    cmd, bool(opts.get("total")))
    if target is not None:
        write_dta(data, target[0])
    else:
        session.data = data
    lines = [""]
    if not opts.get("nolegend"):
        lines += legend(cmd, names)
        if byvars:
            lines.append(f"{'By':>13}: {' '.join(byvars)}")
        lines.append("")
    if dots is not None:
        lines.append(dots.text())
    return "\n".join(lines).rstrip("\n") or None


def _results(original, byvars, runs, names, results, width, double, cmd, total) -> Dataset:
    data = Dataset()
    first = np.array([index[0] if len(index) else 0 for index in runs])
    for v in byvars:
        var = original.var(v)
        values = var.values[first]
        if total:   # the total row: missing by() values
            values = values.copy()
            values[-1] = "" if var.is_string else math.nan
        data.add(v, values, var.stype, var.fmt, var.label)
        data.vars[v].value_label = var.value_label
    data.value_labels = {k: dict(m) for k, m in original.value_labels.items()}
    stype = "double" if double else "float"
    for j, (name, text) in enumerate(names):
        data.add(name, [r[j] if r is not None else math.nan for r in results], stype,
                 label=text[:80])
    data.label = f"statsby: {cmd}"[:80]
    data.sortedby = list(byvars)
    data.changed = True
    return data
