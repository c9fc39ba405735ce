"""The language's commands ([P] macro, program, continue): local, global, macro, tempvar,
tempname, tempfile, continue, program, args, marksample, markout. They reach the text after
the interpreter has expanded it, as every command does."""
from __future__ import annotations

import math
import os
import re
import tempfile

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.lang.extended import extended, unquote
from hlmshell.lang.macros import MAX_GLOBAL, MAX_LOCAL, evaluate_text, step, value_text
from hlmshell.lang.programs import current_frame, program_listing

_NAME = re.compile(r"[A-Za-z0-9_]+")


def assignment(session, body: str, *, local: bool) -> tuple[str, str]:
    """(name, new text) of `local name [= exp | : fcn | "text" | text]`."""
    body = body.strip()
    m = _NAME.match(body)
    if not m:
        raise StataError(198, f"{body.split()[0]} invalid name" if body else "invalid syntax")
    name, after = m.group(), body[m.end():]
    if len(name) > (MAX_LOCAL if local else MAX_GLOBAL) or (not local and name[0].isdigit()):
        raise StataError(198, f"{name} invalid name")
    rest = after.lstrip()
    if rest.startswith("="):
        if not rest[1:].strip():
            raise StataError(198, "invalid syntax")
        return name, value_text(evaluate_text(session, rest[1:]))
    if rest.startswith(":"):
        return name, extended(session, rest[1:])
    if after and not after[0].isspace():
        raise StataError(198, f"{name}{after.split()[0]} invalid name")
    text = rest.strip()
    if _wrapped(text):
        text = unquote(text)
    return name, text


def _wrapped(text: str) -> bool:
    """Whether the whole text is one "..." or `"..."' string (its outer quotes go)."""
    if text.startswith('`"') and text.endswith("\"'"):
        return True
    return len(text) >= 2 and text[0] == '"' and text[-1] == '"' and '"' not in text[1:-1]


def assign(session, body: str, local: bool) -> None:
    body = body.strip()
    if local and (body.startswith("++") or body.startswith("--")):
        step(session.macros, body[2:].strip(), 1 if body[0] == "+" else -1)
        return
    name, text = assignment(session, body, local=local)
    if local:
        session.macros.set_local(name, text)
    else:
        session.macros.set_global(name, text)


@command("local", abbrev="loc", syntax="raw", help="define a local macro")
def local_cmd(session, args):
    """local name [= exp | : macro_fcn | "text" | text]
    local ++name | --name"""
    assign(session, args.body, True)


@command("global", abbrev="gl", syntax="raw", help="define a global macro")
def global_cmd(session, args):
    """global name [= exp | : macro_fcn | "text" | text]"""
    assign(session, args.body, False)


@command("macro", abbrev="ma", syntax="raw", help="list or drop macros")
def macro_cmd(session, args):
    """macro dir | list [names]
    macro drop names | _all"""
    words = args.body.split()
    if not words:
        raise StataError(198, "invalid syntax")
    sub, names = words[0], words[1:]
    m = session.macros
    if sub in ("dir", "list", "li", "lis", "l"):
        rows = [(k, v) for k, v in sorted(m.globals.items())] + \
               [(f"_{k}", v) for k, v in sorted(m.locals.items())]
        if names:
            rows = [(k, v) for k, v in rows if any(_fnmatch(k, n) for n in names)]
        return "\n".join(f"{k + ':':<16}{v}" if len(k) < 15 else f"{k}: {v}" for k, v in rows) or None
    if sub == "drop":
        if not names:
            raise StataError(198, "invalid syntax")
        for n in names:
            if n in ("_all", "*"):
                m.globals.clear()
                m.locals.clear()
                continue
            store, pat = (m.locals, n[1:]) if n.startswith("_") else (m.globals, n)
            for k in [k for k in store if _fnmatch(k, pat)]:
                del store[k]
        return None
    raise StataError(198, f"invalid subcommand {sub}" if sub else "invalid syntax")


def _fnmatch(name: str, pattern: str) -> bool:
    import fnmatch
    return fnmatch.fnmatchcase(name, pattern)


def _names(body: str) -> list[str]:
    names = body.split()
    if not names:
        raise StataError(198, "invalid syntax")
    for n in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n) or len(n) > MAX_LOCAL:
            raise StataError(198, f"{n} invalid name")
    return names


def _temp(session, body: str, kind: str) -> None:
    frame = current_frame(session)
    for n in _names(body):
        name = session.macros.temp_name()
        if kind == "file":
            fd, path = tempfile.mkstemp(prefix=f"St{os.getpid()}.", suffix=".tmp")
            os.close(fd)
            os.remove(path)    # a name only, as Stata's: the file does not exist yet
            name = path
        session.macros.set_local(n, name)
        if frame is not None:
            getattr(frame, f"temp{kind}s").append(name)


@command("tempvar", syntax="raw", help="names for temporary variables")
def tempvar_cmd(session, args):
    """tempvar lclname [lclname ...]"""
    _temp(session, args.body, "var")


@command("tempname", syntax="raw", help="names for temporary scalars and matrices")
def tempname_cmd(session, args):
    """tempname lclname [lclname ...]"""
    _temp(session, args.body, "name")


@command("tempfile", syntax="raw", help="names for temporary files")
def tempfile_cmd(session, args):
    """tempfile lclname [lclname ...]"""
    _temp(session, args.body, "file")


@command("continue", syntax="[, Break]", help="go to the next iteration of a loop, or leave it")
def continue_cmd(session, args):
    """continue [, break]"""
    from hlmshell.lang.interpreter import LoopControl
    if session.lang.loop_depth == 0:
        raise StataError(198, "continue may only be used within a loop")
    raise LoopControl(bool(args.options.get("break")))


@command("program", abbrev="pr", syntax="raw", help="define, list and drop programs")
def program_cmd(session, args):
    """program [define] name [, rclass eclass sclass nclass]  ...  end
    program drop name [name ...] | _all
    program dir
    program list [name ...] | _all"""
    words = args.body.split()
    sub = words[0] if words else "dir"
    names = words[1:]
    progs = session.programs
    if sub == "drop":
        if not names:
            raise StataError(198, "invalid syntax")
        if names == ["_all"] or names == ["_allado"]:
            progs.clear()
            return None
        missing = [n for n in names if n not in progs]
        if missing:
            raise StataError(111, f"program {missing[0]} not found")
        for n in names:
            del progs[n]
        return None
    if sub == "dir":
        return "\n".join(f"{'':>10}{len(p.body):>5}  {n}" for n, p in sorted(progs.items())) or None
    if sub == "list":
        chosen = sorted(progs) if not names or names == ["_all"] else names
        for n in chosen:
            if n not in progs:
                raise StataError(111, f"program {n} not found")
        return "\n\n".join(program_listing(progs[n]) for n in chosen) or None
    raise StataError(198, "invalid syntax")  # `program define` is read as a block


@command("args", syntax="raw", help="name the arguments of a program")
def args_cmd(session, args):
    """args macroname [macroname ...]"""
    m = session.macros
    for k, name in enumerate(_names(args.body), 1):
        m.set_local(name, m.local(str(k)))


@command("marksample", syntax="raw", help="mark the observations a program uses")
def marksample_cmd(session, args):
    """marksample lclname [, novarlist strok]"""
    from hlmshell.syntax.spec import parse_option_list, split_options
    main, opts = split_options(args.body)
    flags = {w for w, _ in parse_option_list(opts or "")}
    bad = flags - {"novarlist", "strok"}
    if bad:
        raise StataError(198, f"option {sorted(bad)[0]} not allowed")
    name = _names(main)
    if len(name) != 1:
        raise StataError(198, "invalid syntax")
    m = session.macros
    from hlmshell.syntax.spec import Spec
    clause = " ".join(t for t in (m.local("if"), m.local("in")) if t)
    touse = Spec("[if] [in]").bind(clause, session.data.names, session.data.nobs).touse(session)
    if "novarlist" not in flags:
        touse &= _nonmissing(session, m.local("varlist").split(), "strok" in flags)
    _new_marker(session, name[0], touse)


def _nonmissing(session, names: list[str], strok: bool) -> np.ndarray:
    ok = np.ones(session.data.nobs, dtype=bool)
    for v in names:
        col = session.data.column(v)
        if col.dtype == object:
            ok &= (col != "") if strok else False
        else:
            ok &= ~np.isnan(col)
    return ok


def _new_marker(session, lclname: str, values: np.ndarray) -> None:
    name = session.macros.temp_name()
    session.data.add(name, values.astype(float), stype="byte")
    session.macros.set_local(lclname, name)
    frame = current_frame(session)
    if frame is not None:
        frame.tempvars.append(name)


@command("markout", syntax="raw", help="set a marker to 0 where variables are missing")
def markout_cmd(session, args):
    """markout marker [varlist] [, strok]"""
    from hlmshell.dataset.varlist import expand_varlist
    from hlmshell.syntax.spec import parse_option_list, split_options
    main, opts = split_options(args.body)
    flags = {w for w, _ in parse_option_list(opts or "")}
    if flags - {"strok"}:
        raise StataError(198, f"option {sorted(flags - {'strok'})[0]} not allowed")
    words = main.split()
    if not words:
        raise StataError(198, "invalid syntax")
    names = session.data.names
    marker = expand_varlist(words[0], names)[0]
    others = expand_varlist(" ".join(words[1:]), names) if len(words) > 1 else []
    keep = _nonmissing(session, others, "strok" in flags)
    old = session.data.column(marker)
    session.data.set_values(marker, np.where(keep, old, 0.0))


@command("syntax", syntax="raw", help="parse a program's arguments")
def syntax_cmd(session, args):
    """syntax [varlist|varname|newvarlist|namelist|anything] [if] [in] [using/] [=exp]
        [, options]   (see [P] syntax)"""
    from hlmshell.lang.syntax_stmt import run_syntax
    run_syntax(session, args.body)


# [P] error: the message Stata prints with a code (the codes whose text does not depend on
# a name; others leave with the code alone)
_MESSAGES = {1: "--Break--", 100: "varlist required", 102: "too few variables specified",
             103: "too many variables specified", 109: "type mismatch",
             198: "invalid syntax", 301: "last estimates not found", 2000: "no observations"}


@command("error", syntax="anything", help="leave with an error code and its message")
def error_cmd(session, args):
    """error exp"""
    from hlmshell.lang.macros import evaluate_text
    value = evaluate_text(session, args.anything) if args.anything.strip() else math.nan
    if isinstance(value, str) or math.isnan(value) or value != int(value) or value < 0:
        raise StataError(198, "invalid syntax")
    if value:
        raise StataError(int(value), _MESSAGES.get(int(value), ""))
