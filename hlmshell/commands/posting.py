"""What programs post ([P] return, ereturn): `return scalar|local|matrix|add|clear` into the
running r-class program's r(), and `ereturn post|scalar|local|matrix|clear` into e(), so a
user's estimation program works with `estimates store`, `test` and `estimates table`."""
from __future__ import annotations

import re

import numpy as np

from hlmshell.errors import StataError
from hlmshell.lang.extended import unquote
from hlmshell.lang.macros import evaluate_text
from hlmshell.lang.programs import check_eclass, current_frame, returns_for
from hlmshell.returns import Returns
from hlmshell.syntax.spec import parse_option_list, split_options

_DEF = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]{0,31})\s*(=?)\s*(.*)", re.S)


def _definition(text: str) -> tuple[str, bool, str]:
    m = _DEF.fullmatch(text)
    if not m:
        raise StataError(198, "invalid syntax")
    return m.group(1), bool(m.group(2)), m.group(3)


def _scalar(session, text: str) -> tuple[str, float]:
    name, eq, rest = _definition(text)
    if not eq or not rest.strip():
        raise StataError(198, "invalid syntax")
    value = evaluate_text(session, rest)
    if isinstance(value, str):
        raise StataError(109, "type mismatch")
    return name, value


def _local(session, text: str) -> tuple[str, str]:
    name, eq, rest = _definition(text)
    if eq:
        from hlmshell.lang.macros import value_text
        return name, value_text(evaluate_text(session, rest))
    return name, unquote(rest.strip())


def _matrix(session, text: str):
    main, opts = split_options(text)
    name, eq, source = _definition(main)
    copy = any(w == "copy" for w, _ in parse_option_list(opts or ""))
    source = source.strip()
    if not source:
        raise StataError(198, "invalid syntax")
    from hlmshell.commands.matrix import lookup
    mat = lookup(session, source).copy()
    if not copy and source in session.matrices:
        del session.matrices[source]        # Stata moves the matrix unless copy
    return name, mat


def _set_one(session, word: str, rest: str, target) -> str:
    """`scalar|local|matrix name …` into r() or e() (`target` has scalars, macros and
    matrices); returns the name set."""
    if word == "scalar":
        name, value = _scalar(session, rest)
        target.scalars[name] = value
    elif word == "local":
        name, value = _local(session, rest)
        target.macros[name] = value
    elif word == "matrix":
        name, value = _matrix(session, rest)
        target.matrices[name] = value
    else:
        raise StataError(198, "invalid syntax")
    return name


def return_set(session, word: str, rest: str) -> None:
    if word == "clear":
        if rest.strip():
            raise StataError(198, "invalid syntax")
        frame = current_frame(session)
        if frame is not None and frame.returns is not None:
            frame.returns = Returns()      # inside an r-class program: what it returns
        else:
            session.r = Returns()
        return
    r = returns_for(session)
    if word == "add":
        r.scalars.update(session.r.scalars)
        r.macros.update(session.r.macros)
        r.matrices.update(session.r.matrices)
    else:
        _set_one(session, word, rest, r)


def ereturn_set(session, word: str, rest: str) -> None:
    from hlmshell.estimates.results import EstimationResult
    check_eclass(session)
    if word == "clear":
        if rest.strip():
            raise StataError(198, "invalid syntax")
        session.estimates.active, session.estimates.active_name = None, None
        return
    if word == "post":
        session.estimates.active = _post(session, rest)
        return
    res = session.estimates.active
    if res is None:
        res = EstimationResult(cmd="")
        session.estimates.active = res
    if word == "matrix" and (name := _definition(split_options(rest)[0])[0]) in ("b", "V"):
        raise StataError(198, f"e({name}) may only be set by ereturn post or repost")
    name = _set_one(session, word, rest, res)
    if word == "local" and name == "cmd":
        res.cmd = res.macros["cmd"]


def _post(session, text: str):
    """`ereturn post [b [V]] [, esample(varname) depname(string) obs(#) dof(#)]`"""
    from hlmshell.commands.matrix import lookup
    from hlmshell.estimates.results import EstimationResult
    main, opts = split_options(text)
    names = main.split()
    if len(names) > 2:
        raise StataError(198, "invalid syntax")
    res = EstimationResult(cmd="")
    mats = [lookup(session, n).copy() for n in names]
    if mats:
        b = mats[0]
        if b.shape[0] != 1:
            raise StataError(503, "conformability error")
        b.rownames = ["y1"]
        res.matrices["b"] = b
    if len(mats) == 2:
        V = mats[1]
        k = mats[0].shape[1]
        if V.shape != (k, k):
            raise StataError(503, "conformability error")
        if not np.allclose(V.values, V.values.T, equal_nan=True):
            raise StataError(505, "matrix not symmetric")
        V.rownames = V.colnames = list(mats[0].colnames)
        V.symmetric = True
        res.matrices["V"] = V
    for n in names:
        session.matrices.pop(n, None)     # posted matrices move into e()
    res.macros["properties"] = "b V" if len(mats) == 2 else ("b" if mats else "")
    for word, arg in parse_option_list(opts or ""):
        if word == "esample" and arg:
            var = arg.strip()
            res.sample = session.data.column(var) != 0
            session.data.drop_vars([var])
        elif word == "depname" and arg:
            res.macros["depvar"] = arg.strip()
        elif word == "obs" and arg:
            res.scalars["N"] = float(arg)
        elif word == "dof" and arg:
            res.scalars["df_r"] = float(arg)
        else:
            raise StataError(198, f"option {word} not allowed")
    return res
