"""`simulate exp_list, reps(#) [seed(#) saving() nodots noisily double nolegend]: command`
([R] simulate): run the command # times, collect the exp_list each time, and replace the
data with one observation per replication."""
from __future__ import annotations

import math

from hlmshell.commands._replicate import (Dots, apply_seed, check_reps, evaluate_items,
                                          expand_names, legend, parse_exp_list, run_command,
                                          saving_target, side_state_guard, split_prefix)
from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import Dataset
from hlmshell.errors import StataError
from hlmshell.syntax.spec import Spec

SPEC = Spec("[, Reps(integer) SEED(string) SAving(string) NODots NOIsily DOUBle NOLegend "
            "Verbose TRace DOTS(integer)]")


def default_items(session, changed_e: bool):
    """No exp_list: _b after an e-class command, else every r() scalar ([R] simulate)."""
    if changed_e:
        return parse_exp_list("_b")
    names = list(session.r.scalars)
    if not names:
        raise StataError(198, "no expressions to simulate")    # text unconfirmed
    return parse_exp_list(" ".join(f"{n}=r({n})" for n in names))


def results_dataset(names, rows, double: bool, label: str) -> Dataset:
    data = Dataset()
    stype = "double" if double else "float"
    for j, (name, text) in enumerate(names):
        data.add(name, [row[j] for row in rows], stype, label=text[:80])
    data.label = label[:80]
    data.changed = True
    return data


def write_dta(data: Dataset, path: str) -> None:
    from hlmshell.dataset.io import dta_bytes, write_atomic
    write_atomic(path, dta_bytes(data), path)


def replicate(session, command_line: str, items, reps: int, noisily: bool, dots: Dots | None,
              between=None):
    """Run the command `reps` times; the exp_list values of each run (NaN where it failed).
    `between(k)` prepares the data before replication k (bootstrap resamples there)."""
    width = None
    rows = []
    for k in range(reps):
        if between is not None:
            between(k)
        rc = run_command(session, command_line, noisily)
        mark = "."
        values = None
        if rc:
            mark = "x"
        else:
            try:
                values = evaluate_items(session, items)
            except StataError:
                mark = "e"
            if values is not None and width is not None and len(values) != width:
                values, mark = None, "e"
        if values is None:
            values = [math.nan] * (width or 0)
        elif any(math.isnan(v) for v in values) and mark == ".":
            mark = "n" if between is not None else "."
        rows.append(values)
        if dots is not None:
            dots.marks.append(mark)
    return rows


@command("simulate", abbrev="simul", syntax="raw",
         help="Monte Carlo simulations: simulate exp_list, reps(#): command")
def simulate(session, args):
    """simulate [exp_list] , reps(#) [seed(#) saving(filename[, replace]) nodots noisily
        double nolegend] : command"""
    with side_state_guard(session):
        return _simulate(session, args)


def _simulate(session, args):
    text, opts, cmd = split_prefix(args.body, SPEC)
    for refused in ("trace", "dots"):
        if refused in opts:
            raise StataError(198, f"option {refused}{'()' if refused == 'dots' else ''} not allowed")
    items = parse_exp_list(text) if text else None
    reps = check_reps(opts, None)
    target = saving_target(session, opts.get("saving"))
    noisily = bool(opts.get("noisily"))
    original = session.data
    apply_seed(session, opts)

    # one trial run: it must work, and it names the results (e(b)'s columns for _b)
    est_before = session.estimates.active
    rc = run_command(session, cmd, noisily)
    if rc:
        raise StataError(rc, f"an error occurred when simulate executed {cmd.split()[0]}")
    if items is None:
        items = default_items(session, session.estimates.active is not est_before)
    names = expand_names(session, items)
    width = len(evaluate_items(session, items))
    if width != len(names):
        raise StataError(198, "invalid exp_list")
    seen = set()
    for name, _ in names:
        if name in seen:
            raise StataError(110, f"{name} already defined")
        seen.add(name)

    dots = None if opts.get("nodots") else Dots(f"Simulations ({reps:,})")
    rows = replicate(session, cmd, items, reps, noisily, dots)
    rows = [r if len(r) == width else [math.nan] * width for r in rows]
    results = results_dataset(names, rows, bool(opts.get("double")), f"simulate: {cmd}")
    if target is not None:
        write_dta(results, target[0])
        session.data = original
    else:
        session.data = results
    lines = [""]
    if not opts.get("nolegend"):
        lines += legend(cmd, names) + [""]
    if dots is not None:
        lines.append(dots.text())
    return "\n".join(lines).rstrip("\n") or None
