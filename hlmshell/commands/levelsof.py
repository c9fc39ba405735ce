"""`levelsof varname [if] [in] [, clean local(name) missing separate(str)]` ([P] levelsof):
the distinct values, shown and returned in r(levels), r(N), r(r)."""
from __future__ import annotations

import numpy as np

from hlmshell.lang.macros import check_name
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.render.formats import MISSING_THRESHOLD, full_precision, missing_code
from hlmshell.returns import Returns


def _missing(values: np.ndarray) -> np.ndarray:
    if values.dtype == object:
        return values == ""
    return np.isnan(values) | (values >= MISSING_THRESHOLD)


def _number(v: float) -> str:
    # %18.0g as Stata's levelsof: a float variable's .1 shows as .10000000149011612
    return missing_code(v) if np.isnan(v) or v >= MISSING_THRESHOLD else full_precision(v)


@command("levelsof", abbrev="levelsof",
         syntax="varname [if] [in] [, Clean LOCal(string) MISsing Separate(string) "
                "MATCELL(string) MATROW(string) HEXadecimal Format(string)]",
         help="distinct values of a variable, shown and stored in r(levels)")
def levelsof(session, args):
    """levelsof varname [if] [in] [, clean local(macname) missing separate(separator)]"""
    for refused in ("matcell", "matrow", "hexadecimal", "format"):
        if refused in args.options:
            raise StataError(198, f"option {refused}() not allowed"
                             if refused != "hexadecimal" else "option hexadecimal not allowed")
    name = args.varlist[0]
    if "local" in args.options:
        check_name(args.options["local"], local=True)
    values = session.data.column(name)[args.touse(session)]
    if not args.options.get("missing"):
        values = values[~_missing(values)]
    if not len(values):
        raise StataError(2000, "no observations")
    string = values.dtype == object
    if string:
        levels = sorted(set(values.tolist()))
        clean = args.options.get("clean")
        shown = [v if clean else f'`"{v}"\'' for v in levels]
    else:
        # extended missing values sort after . as Stata orders them
        uniq = np.unique(np.where(np.isnan(values), MISSING_THRESHOLD, values))
        shown = [_number(v) for v in uniq]
    sep = args.options.get("separate", " ")
    if sep.startswith('"') and sep.endswith('"') and len(sep) >= 2:
        sep = sep[1:-1]
    text = sep.join(shown)
    session.r = Returns(scalars={"N": float(len(values)), "r": float(len(shown))},
                        macros={"levels": text})
    if "local" in args.options:
        session.macros.set_local(args.options["local"], text)
    return text
