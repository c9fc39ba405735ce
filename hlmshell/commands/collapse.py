"""collapse clist [if] [in] [weight] [, by(varlist) cw fast]: replace the data with one
observation per by-group holding summary statistics (numeric core: dataset/collapse.py)."""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.dataset.collapse import group_stat, known_stat
from hlmshell.dataset.dataset import Dataset
from hlmshell.dataset.egen import any_missing, group_ids
from hlmshell.dataset.varlist import NAME_RE, expand_varlist, unabbreviate
from hlmshell.errors import StataError
from hlmshell.syntax.spec import Args, Spec, bind_if_in, clauses, split_options, split_weight

OPTIONS = Spec(", BY(string) CW FAST")
_KEEP_TYPE = ("max", "min", "first", "last", "firstnm", "lastnm")


def parse_clist(text: str, names: list[str]) -> list[tuple[str, str, str]]:
    """`(mean) x y (sd) sdx=x` → [(stat, target, source), ...]; mean until a (stat)."""
    text = re.sub(r"\s*=\s*", "=", text.strip())
    stat, out = "mean", []
    for word in re.findall(r"\(\s*[^()]*\)|[^\s()]+", text):
        if word.startswith("("):
            stat = word[1:-1].strip().lower()
            for full, minimum in (("semean", "sem"), ("sebinomial", "seb"), ("sepoisson", "sep")):
                if full.startswith(stat) and len(stat) >= len(minimum):
                    stat = full
            if not known_stat(stat):
                raise StataError(198, f"({stat}) invalid statistic" if stat else "invalid syntax")
            continue
        if "=" in word:
            target, _, source = word.partition("=")
            if not NAME_RE.match(target) or not source:
                raise StataError(198, f"{target or '='} invalid name")
            out.append((stat, target, unabbreviate(source, names)))
        else:
            out.extend((stat, v, v) for v in expand_varlist(word, names))
    if not out:
        raise StataError(100, "varlist required")
    return out


def _label_stat(stat: str) -> str:
    if stat == "median":
        return "p 50"
    m = re.match(r"^p(\d+)$", stat)
    return f"p {m.group(1)}" if m else stat


def weights_for(session, weight, sample) -> tuple[np.ndarray | None, str | None]:
    """The weight values (sample rows whose weight is missing or zero leave the sample)."""
    if weight is None:
        return None, None
    from hlmshell.dataset.evaluate import evaluate
    from hlmshell.syntax.expr import parse_expression
    wtype, text = weight
    w = evaluate(parse_expression(text), session)
    if w.dtype == object:
        raise StataError(109, "type mismatch")
    used = sample & ~np.isnan(w) & (w != 0)
    if wtype != "iweight" and np.any(w[used] < 0):
        raise StataError(402, "negative weights encountered")
    if wtype == "fweight" and np.any(w[used] != np.trunc(w[used])):
        raise StataError(401, "may not use noninteger frequency weights")
    sample &= used
    return w, wtype


@command("collapse", syntax="raw", help="make a dataset of summary statistics")
def collapse(session, raw):
    """collapse clist [if] [in] [weight] [, by(varlist) cw fast]
        clist: [(stat)] varlist [(stat)] newvar=var ...; stat: mean median p1-p99 sd semean
        sebinomial sepoisson sum rawsum count percent max min iqr first last firstnm lastnm
        weights: fweight aweight pweight iweight
    """
    data = session.data
    main, opts = split_options(raw.anything)
    options = OPTIONS.bind_options(opts) if opts is not None else {}
    main, weight = split_weight(main, default="aweight")
    main, found = clauses(main)
    if "using" in found:
        raise StataError(101, "using not allowed")
    args = Args(body=raw.anything)
    bind_if_in(args, found, data.nobs)
    clist = parse_clist(main, data.names)
    byvars = expand_varlist(options["by"], data.names) if options.get("by") else []
    for k, (stat, target, source) in enumerate(clist):
        if data.is_string(source):
            raise StataError(109, "type mismatch")
        if target in byvars:
            raise StataError(198, f"{target} may not be both target and by()")
        later = next((c for c in clist[k + 1:] if c[1] == target), None)
        if later is not None:
            raise StataError(198, "error:\n" + f"       {target} = ({_label_stat(stat)}) {source}\n"
                             f"       {target} = ({_label_stat(later[0])}) {later[2]}\nname conflict")
        if weight is not None:
            refused = {"sd": ("pweight",), "semean": ("pweight", "iweight"),
                       "sebinomial": ("aweight", "iweight", "pweight"),
                       "sepoisson": ("aweight", "iweight", "pweight")}.get(stat, ())
            if weight[0] in refused:
                raise StataError(135, f"{stat} not allowed with {weight[0]}s")
    sample = args.touse(session)
    w, wtype = weights_for(session, weight, sample)
    if options.get("cw"):
        sample &= ~any_missing(data, sorted({s for _, _, s in clist}))
    if not sample.any():
        raise StataError(2000, "no observations")
    groups = group_ids(data, byvars, sample)
    everything = bool(sample.all())
    rows = np.arange(data.nobs) if everything else np.flatnonzero(sample)
    g = groups if everything else groups[rows]
    ng = int(g.max()) + 1
    first = np.full(ng, -1, dtype=np.int64)
    first[g[::-1]] = rows[::-1]               # each group's first row (groups in sorted order)
    new = Dataset()
    for name in byvars:
        var = data.var(name)
        new.add(name, var.values[first], var.stype, var.fmt, var.label)
        new.vars[name].value_label = var.value_label     # by() variables keep their labels
    wrows = None if w is None else (w if everything else w[rows])
    for stat, target, source in clist:
        var = data.var(source)
        values = group_stat(stat, var.values if everything else var.values[rows], g, ng,
                            wrows, wtype)
        if stat in _KEEP_TYPE:
            stype = var.stype
        elif stat in ("sum", "rawsum", "percent"):
            stype = "double"
        elif stat == "count":
            stype = "double" if wtype in ("fweight", "iweight", "pweight") else "long"
        else:
            stype = "double" if var.stype in ("double", "long") else "float"
        # collapse.ado: label `(stat) source` (median is p 50), the source's display format
        new.add(target, values, stype, var.fmt, f"({_label_stat(stat)}) {source}"[:80])
    new.label, new.filename, new.timestamp = data.label, data.filename, data.timestamp
    new.value_labels = {k: dict(v) for k, v in data.value_labels.items()}
    new.sortedby = list(byvars)
    new.changed = True
    session.data = new
    if weight is not None and weight[0] == "aweight" and any(st == "count" for st, _, _ in clist):
        return "(note: aweights not used to compute counts)"
    return None
