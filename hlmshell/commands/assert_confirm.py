"""`assert exp` ([D] assert) and `confirm` ([P] confirm): checks that end a do-file with
Stata's message and code when they fail."""
from __future__ import annotations

import os
import re

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.dataset.varlist import NAME_RE, expand_varlist
from hlmshell.errors import StataError
from hlmshell.render.formats import comma_int, is_format
from hlmshell.syntax.command_line import matches
from hlmshell.syntax.spec import unquote


@command("assert", abbrev="assert", syntax="anything [if] [in] [, NULL Fast *]",
         help="verify that an expression is true in every observation", by_ok=False)
def assert_cmd(session, args):
    """assert exp [if] [in] [, rc0 null fast]"""
    from hlmshell.dataset.evaluate import evaluate
    from hlmshell.syntax.expr import parse_expression
    for opt in args.options:      # rc0 has a digit, which the spec notation cannot name
        if opt not in ("null", "fast", "rc0"):
            raise StataError(198, f"option {opt} not allowed")
    node = parse_expression(args.anything)
    touse = args.touse(session)
    value = np.asarray(evaluate(node, session))
    if value.dtype == object:
        raise StataError(109, "type mismatch")
    if value.ndim == 0:
        value = np.full(session.data.nobs, float(value))
    value = value[touse]
    n = len(value)
    if n == 0 and args.options.get("null"):
        raise StataError(8, "assertion is null")    # [D] assert: null forces r(8); text unconfirmed
    bad = int(np.count_nonzero(value == 0))          # missing is true, as in `if`
    if not bad or args.options.get("rc0"):
        return None
    noun = "contradiction" if bad == 1 else "contradictions"
    count = "" if args.options.get("fast") else \
        f"{comma_int(bad)} {noun} in {comma_int(n)} observation{'s' if n != 1 else ''}\n"
    raise StataError(9, count + "assertion is false")


# --- confirm ----------------------------------------------------------------------------
def _words(rest: str) -> list[str]:
    words = rest.split()
    if not words:
        raise StataError(198, "invalid syntax")
    return words


def _variable(session, rest: str, kind: str | None) -> None:
    rest, _, opts = rest.partition(",")
    exact = False
    for opt in opts.split():
        if matches(opt, "exact", "exact"):
            exact = True
        else:
            raise StataError(198, f"option {opt} not allowed")
    names = session.data.names
    if exact:
        found = []
        for word in _words(rest):
            if word not in names:
                raise StataError(111, f"variable {word} not found")
            found.append(word)
    else:
        found = expand_varlist(_words(rest), names)
    for name in found:
        string = session.data.is_string(name)
        if kind == "numeric" and string:
            raise StataError(7, f"'{name}' found where numeric variable expected")
        if kind == "string" and not string:
            raise StataError(7, f"'{name}' found where string variable expected")


def _new_variable(session, rest: str) -> None:
    for word in _words(rest):
        if not NAME_RE.match(word) or word.startswith("_") and word in ("_n", "_N", "_b"):
            raise StataError(198, f"{word} invalid name")
        if word in session.data.names:
            raise StataError(110, f"variable {word} already defined")


def _number(rest: str, integer: bool) -> None:
    text = rest.strip()
    try:
        value = float(text)
        ok = bool(text) and not re.search(r"[a-zA-Z]", text.replace("e", ""))
    except ValueError:
        ok = False
    if ok and integer and not float(value).is_integer():
        raise StataError(7, f"'{text}' found where integer expected")
    if not ok:
        raise StataError(7, f"'{text}' found where {'integer' if integer else 'number'} expected")


def _file(session, rest: str, new: bool) -> None:
    name = unquote(rest.strip())
    if not name:
        raise StataError(198, "invalid syntax")
    path = os.path.expanduser(name)
    if new:
        if os.path.exists(path):
            raise StataError(602, f"file {name} already exists")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent) or not os.access(parent, os.W_OK):
            raise StataError(603, f"file {name} could not be opened")
    elif not os.path.isfile(path):
        raise StataError(601, f"file {name} not found")


def _named(store: dict, what: str, rest: str) -> None:
    words = _words(rest)
    if len(words) > 1:
        raise StataError(198, "invalid syntax")
    if words[0] not in store:
        raise StataError(111, f"{what} {words[0]} not found")


@command("confirm", abbrev="conf", syntax="raw",
         help="check that a variable, file, number, matrix, scalar or name exists or is valid")
def confirm_cmd(session, args):
    """confirm [new|numeric|string] variable varlist
    confirm [new] file filename
    confirm [integer] number string
    confirm matrix name | scalar name | names names | format string"""
    words = args.body.split(None, 1)
    if not words:
        raise StataError(198, "invalid syntax")
    first, rest = words[0], (words[1] if len(words) > 1 else "")
    second, rest2 = (rest.split(None, 1) + [""])[:2] if rest.strip() else ("", "")
    if matches(first, "variable", "v"):
        return _variable(session, rest, None)
    if first in ("numeric", "string") or matches(first, "numeric", "num") or \
            matches(first, "string", "str"):
        kind = "numeric" if first.startswith("n") else "string"
        if not matches(second, "variable", "v"):
            raise StataError(198, "invalid syntax")
        return _variable(session, rest2, kind)
    if first == "new":
        if matches(second, "variable", "v"):
            return _new_variable(session, rest2)
        if second == "file":
            return _file(session, rest2, True)
        raise StataError(198, "invalid syntax")
    if first == "file":
        return _file(session, rest, False)
    if matches(first, "number", "n"):
        return _number(rest, False)
    if matches(first, "integer", "int"):
        if not matches(second, "number", "n"):
            raise StataError(198, "invalid syntax")
        return _number(rest2, True)
    if matches(first, "matrix", "mat"):
        return _named(session.matrices, "matrix", rest)
    if matches(first, "scalar", "sca"):
        return _named(session.scalars, "scalar", rest)
    if first in ("name", "names"):
        for word in _words(rest):
            if not NAME_RE.match(word):
                raise StataError(7, f"{word} invalid name")
        return None
    if matches(first, "format", "fo"):
        text = rest.strip()
        if not text or not is_format(text):
            raise StataError(7, f"'{text}' found where format expected")
        return None
    raise StataError(198, "invalid syntax")
