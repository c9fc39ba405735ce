"""`separate varname [if] [in], by(varname|exp) [generate(stub) sequential missing
shortlabel veryshortlabel]` ([D] separate): one variable per group, holding varname where the
observation is in the group and missing elsewhere, then `describe` of the new variables —
as separate.ado does (names stub# from the group's value when it is a small nonnegative
integer, else sequential; labels `var, by == value`)."""
from __future__ import annotations

import numpy as np

from hlmshell.commands.registry import REGISTRY, command
from hlmshell.dataset.varlist import check_new_name, unabbreviate
from hlmshell.errors import StataError
from hlmshell.returns import Returns


@command("separate", syntax="varname [if] [in] , BY(string) [Generate(name) SEQuential "
                            "MISSing SHORTlabel VERYSHORTlabel Indicator(string)]",
         help="create separate variables by group")
def separate(session, args):
    """separate varname [if] [in], by(varname | exp) [generate(stub) sequential missing
        shortlabel veryshortlabel]"""
    from hlmshell.dataset.evaluate import evaluate
    from hlmshell.dataset.groups import group_ids
    from hlmshell.syntax.expr import parse_expression
    o, data = args.options, session.data
    if o.get("shortlabel") and o.get("veryshortlabel"):
        raise StataError(198, "options shortlabel and veryshortlabel may not be specified "
                              "together")
    if o.get("indicator") is not None:
        raise StataError(198, "option indicator() not allowed")
    name = args.varlist[0]
    if not (o.get("by") or "").strip():
        raise StataError(198, "option by() required")
    by_text = o["by"].strip()
    indicator = None
    try:
        byvar = unabbreviate(by_text, data.names) if " " not in by_text else None
    except StataError:
        byvar = None
    if byvar is not None:
        bycol = data.column(byvar)
    else:
        bycol = evaluate(parse_expression(by_text), session)
        if bycol.dtype == object or not np.all((bycol == 0) | (bycol == 1) | np.isnan(bycol)):
            raise StataError(450, f"by({by_text}) invalid")
        indicator = by_text
    use = args.touse(session)
    string_by = bycol.dtype == object
    if not o.get("missing"):
        use = use & ((bycol != "") if string_by else ~np.isnan(bycol))
    if not use.any():
        raise StataError(2000, "no observations satisfy conditions")
    tmp = data.copy()
    tmp.add("__sep_by", bycol, "str1" if string_by else "double")
    ids = group_ids(tmp, ["__sep_by"], use)
    ngroups = int(ids.max()) + 1
    if ngroups > 1500:
        raise StataError(134, "too many groups")
    firsts = [int(np.flatnonzero(ids == k)[0]) for k in range(ngroups)]
    values = [bycol[i] for i in firsts]
    numeric_ok = not string_by and not o.get("sequential") and all(
        np.isnan(v) or (v >= 0 and v == int(v) and v < 9999) for v in values)
    stub = o.get("generate") or name
    var = data.var(name)
    names, new = [], data.copy()
    for k, v in enumerate(values, 1):
        if not string_by and np.isnan(v):
            vname = f"{stub}_"
        elif numeric_ok:
            vname = f"{stub}{int(v)}"
        else:
            vname = f"{stub}{k}"
        check_new_name(vname, new.names)
        col = np.where(ids == k - 1, var.values, "" if var.is_string else np.nan)
        text = str(v) if string_by else (data.value_text(byvar, v) if byvar else None) or \
            f"{v:g}"
        if indicator is not None:
            label = (f"!({indicator})" if v == 0 else indicator)
            label = label if o.get("shortlabel") or o.get("veryshortlabel") else \
                f"{name}, {label}"
        elif o.get("veryshortlabel"):
            label = text
        elif o.get("shortlabel"):
            label = f"{byvar} == {text}"
        else:
            label = f"{name}, {byvar} == {text}"
        stype = var.stype
        if not var.is_string:               # separate.ado compresses each new variable
            from hlmshell.commands.convert import _compressed_type
            stype = _compressed_type(col, "float" if var.stype == "float" else "double") \
                if var.stype in ("float", "double") else var.stype
        new.add(vname, col, stype, var.fmt, label[:80])
        new.vars[vname].value_label = var.value_label
        names.append(vname)
    session.data = new
    describe = REGISTRY.lookup("describe")
    out = describe.handler(session, describe.spec.bind(" ".join(names), new.names, new.nobs))
    session.r = Returns(macros={"varlist": " ".join(names)})
    return out
