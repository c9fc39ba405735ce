"""`creturn list`: the c() values hlmshell knows, grouped as [P] creturn groups them. The
layout (a heading per group, `c(name) = value` lines) is ours, not checked against Stata's."""
from __future__ import annotations

from hlmshell.commands.estat import split_subcommand
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.render.formats import full_precision

GROUPS = (
    ("System values", ("current_date", "current_time", "stata_version", "version", "os",
                       "dirsep", "rc")),
    ("Directories and paths", ("pwd",)),
    ("System limits", ("max_N_theory", "maxvar", "maxstrvarlen")),
    ("Numerical and string limits", ("maxdouble", "mindouble", "epsdouble", "epsfloat")),
    ("Current dataset", ("N", "k", "changed", "filename")),
    ("Output settings", ("more", "linesize")),
    ("Program debugging and interface settings", ("varabbrev",)),
    ("Statistics settings", ("level",)),
    ("Random-number generation", ("seed",)),
    ("Other", ("pi", "alpha", "Mons")),
)


@command("creturn", abbrev="cret", syntax="raw", help="list the c() system values")
def creturn_list(session, args):
    """creturn list"""
    from hlmshell.dataset.evaluate import c_value
    word, rest = split_subcommand(args.body)
    if not word or not "list".startswith(word) or rest.strip():
        raise StataError(198, "invalid syntax")
    lines = []
    for title, names in GROUPS:
        lines += ["-" * 78, title, "-" * 78, ""]
        for name in names:
            value = c_value(name, session)
            shown = f'"{value}"' if isinstance(value, str) else full_precision(value)
            lines.append(f"{'c(' + name + ')':>22} = {shown}")
        lines.append("")
    return "\n".join(lines).rstrip("\n")
