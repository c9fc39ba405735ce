"""`ereturn list` (the active e() results) and `return list` (the r() results)."""
from __future__ import annotations

from hlmshell.commands.estat import split_subcommand
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.render.ereturn import ReturnListing

# e() entries Stata keeps but plain `ereturn list` does not show (stata-reference.md 6.1)
HIDDEN = {"mecmd", "se_failed", "nostderr", "k_autoCns"}


def _list_only(body: str, what: str) -> None:
    word, rest = split_subcommand(body)
    if not word:
        raise StataError(198, "invalid syntax")
    if not "list".startswith(word):
        raise StataError(198, f"invalid subcommand {word}" if what == "ereturn" else "invalid syntax")
    rest = rest.strip()
    if rest and rest.lstrip(",").strip() not in ("", "all"):
        raise StataError(198, f"option {rest.lstrip(',').strip()} not allowed")


_SETTERS = ("post", "scalar", "local", "matrix", "clear", "add")


def _setter(body: str) -> tuple[str, str] | None:
    """`ereturn scalar ...`, `return local ...`: the sub-command that sets results."""
    word, rest = split_subcommand(body)
    return (word, rest) if word in _SETTERS else None


@command("ereturn", abbrev="eret", syntax="raw", help="list or set the e() results")
def ereturn(session, args):
    """ereturn list [, all]
    ereturn post [b [V]] [, esample(varname) depname(name) obs(#) dof(#)]
    ereturn {scalar name = exp | local name text | matrix name = matname | clear}"""
    if (setter := _setter(args.body)) is not None and setter[0] != "add":
        from hlmshell.commands.posting import ereturn_set
        return ereturn_set(session, *setter)
    _list_only(args.body, "ereturn")
    res = session.estimates.active
    if res is None:
        return None
    show_all = "all" in args.body.split(",", 1)[-1] if "," in args.body else False
    keep = (lambda n: True) if show_all else (lambda n: n not in HIDDEN)
    scalars = {n: v for n, v in res.scalars.items() if keep(n)}
    macros = {n: v for n, v in res.macros.items() if keep(n)}
    matrices = {n: m for n, m in res.matrices.items() if keep(n)}
    functions = res.functions
    return ReturnListing("e", scalars, macros, matrices, functions)


@command("return", abbrev="ret", syntax="raw", help="list or set the r() results")
def return_list(session, args):
    """return list
    return {scalar name = exp | local name text | matrix name = matname | add | clear}"""
    if (setter := _setter(args.body)) is not None and setter[0] != "post":
        from hlmshell.commands.posting import return_set
        return return_set(session, *setter)
    _list_only(args.body, "return")
    r = session.r
    if not (r.scalars or r.macros or r.matrices):
        return None
    return ReturnListing("r", dict(r.scalars), dict(r.macros), dict(r.matrices))


@command("sreturn", abbrev="sret", syntax="raw", help="list the s() results")
def sreturn_list(session, args):
    """sreturn list
    sreturn clear"""
    _list_only(args.body, "sreturn")
    # no command here posts s() results yet, so there is nothing to list or clear
    return None
