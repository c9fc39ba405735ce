"""`display` (strings, expressions, %formats, _newline/_column/_skip/_dup/_char) and
`scalar define | list | drop` (stata-reference.md 8.3: a bare number prints as %10.0g)."""
from __future__ import annotations

import re

from hlmshell.commands.registry import Registry, command
from hlmshell.errors import StataError
from hlmshell.render import OpenLine
from hlmshell.render.formats import display_number, fmt, parse_format

_FORMAT_RE = re.compile(r"%-?~?0?\d+(?:[.,]\d+)?[gfe]c?|%[-~]?\d+s|%-?t[cCdwmqhy]\S*")
# display directives: (minimum abbreviation, full name, takes "(#)")
_DIRECTIVES = (("_n", "_newline"), ("_col", "_column"), ("_s", "_skip"), ("_d", "_dup"),
               ("_c", "_continue"), ("_char", "_char"), ("_r", "_request"), ("_asis", "_asis"))
_DIRECTIVE_RE = re.compile(r"(_[A-Za-z]+)\s*(?:\(\s*([^)]*?)\s*\))?")
_STYLE_RE = re.compile(r"(as|in)\s+([A-Za-z]+)\b")
_STYLES = {"as": ("text", "txt", "result", "res", "error", "err", "input", "inp"),
           "in": ("smcl", "red", "green", "yellow", "white", "blue")}   # old colour names


def _directive(word: str) -> str | None:
    for minimum, full in _DIRECTIVES:
        if full.startswith(word) and len(word) >= len(minimum):
            return full
    return None


def _count(arg: str | None, default: int | None = None) -> int:
    if arg is None:
        if default is None:
            raise StataError(198, "invalid syntax")
        return default
    try:
        value = int(arg)
    except ValueError:
        raise StataError(198, "invalid syntax") from None
    if value < 0:
        raise StataError(198, "invalid syntax")
    return value


def _value(text: str, start: int, session):
    """Evaluate the longest expression at `start`; (value, end)."""
    from hlmshell.dataset.evaluate import evaluate
    from hlmshell.syntax.expr import split_expression
    node, end = split_expression(text, start)
    if end <= start:
        raise StataError(198, "invalid syntax")
    try:
        return evaluate(node, session, scalar=True), end
    except StataError as err:
        # `di foo`: Stata says `foo not found`, not `variable foo not found`
        m = re.fullmatch(r"variable (\S+) not found", err.message)
        if err.code == 111 and m:
            raise StataError(111, f"{m.group(1)} not found") from None
        raise


def render_display(text: str, session) -> str:
    """The text `display <text>` prints, with its final newline; after _continue without
    it, as an OpenLine."""
    out: list[str] = []
    continued = False
    pos, n = 0, len(text)
    repeat = 1  # from _dup(#): applies to the next directive

    def emit(piece: str) -> None:
        nonlocal repeat
        out.append(piece * repeat)
        repeat = 1

    while True:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            break
        if text[pos] == ",":  # `di 1, 2`: a comma shows as one blank
            emit(" ")
            pos += 1
            continue
        m = _STYLE_RE.match(text, pos)
        if m and m.group(2).lower() in _STYLES[m.group(1)]:
            pos = m.end()
            continue
        m = _DIRECTIVE_RE.match(text, pos)
        full = _directive(m.group(1)) if m else None
        if full is not None:
            arg = m.group(2)
            if full == "_newline":
                emit("\n" * _count(arg, 1))
            elif full == "_column":
                line = "".join(out).rsplit("\n", 1)[-1]
                out.append(" " * max(_count(arg) - 1 - len(line), 0))
            elif full == "_skip":
                emit(" " * _count(arg, 1))
            elif full == "_dup":
                repeat = _count(arg)
            elif full == "_char":
                try:
                    emit(chr(_count(arg)))
                except (ValueError, OverflowError):
                    raise StataError(198, "invalid syntax") from None
            elif full == "_request":    # reads the keyboard into a macro: not here
                raise StataError(198, "_request() not allowed")
            # _asis: SMCL is never interpreted here, so text always shows as is
            elif full == "_continue":   # no newline: the next output goes on this line
                continued = True
            pos = m.end()
            continue
        m = _FORMAT_RE.match(text, pos)
        if m:
            spec = parse_format(m.group())
            value, pos = _value(text, m.end(), session)
            emit(fmt(value, spec))
            continue
        value, pos = _value(text, pos, session)
        emit(value if isinstance(value, str) else display_number(value))
    return OpenLine("".join(out)) if continued else "".join(out) + "\n"


@command("display", abbrev="di", syntax="raw", help="show strings and the values of expressions")
def display_cmd(session, args):
    """display ["string"] [%fmt] [exp] [_newline[(#)]] [_column(#)] [_skip(#)] [_dup(#)] ..."""
    return render_display(args.body, session)


# --- scalars ----------------------------------------------------------------------------
SCALAR = Registry("subcommand")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}$")


@command("scalar", abbrev="sca", syntax="raw",
         help="define, list and drop named scalars: scalar [define] name = exp")
def scalar_cmd(session, args):
    """scalar [define] name = exp | scalar list [names] | scalar drop names"""
    body = args.body.strip()
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$", body, re.S)
    if not m:
        raise StataError(198, "invalid syntax")
    word, rest = m.groups()
    if rest.startswith("="):  # `scalar x = 1`: define implied
        return define(session, body)
    sub = SCALAR.lookup(word)
    return sub.handler(session, rest)


def define(session, text: str):
    from hlmshell.dataset.evaluate import evaluate
    from hlmshell.syntax.expr import parse_expression
    name, eq, exp = text.partition("=")
    name = name.strip()
    if not eq or not exp.strip():
        raise StataError(198, "invalid syntax")
    if not _NAME_RE.match(name):
        raise StataError(198, f"{name} invalid name")
    value = evaluate(parse_expression(exp), session, scalar=True)
    session.scalars.pop(name, None)  # a redefined scalar moves to the end of the list
    session.scalars[name] = value


SCALAR.command("define", abbrev="de", syntax="raw", help="scalar define name = exp")(define)


def _names(session, text: str) -> list[str]:
    words = text.split()
    if not words or words == ["_all"]:
        return list(session.scalars)
    for word in words:
        if word not in session.scalars:
            raise StataError(111, f"scalar {word} not found")
    return words


@SCALAR.command("list", abbrev="l", syntax="raw", help="scalar list [names | _all]")
def list_scalars(session, text: str):
    lines = []
    for name in _names(session, text):
        value = session.scalars[name]
        shown = value if isinstance(value, str) else fmt(value, "%10.0g")
        lines.append(f"{name:>10} = {shown}")
    return "\n".join(lines) if lines else None


SCALAR.command("dir", abbrev="dir", syntax="raw", help="same as scalar list")(list_scalars)


@SCALAR.command("drop", abbrev="drop", syntax="raw", help="scalar drop names | _all")
def drop_scalars(session, text: str):
    if not text.split():
        raise StataError(198, "invalid syntax")
    for name in _names(session, text):
        del session.scalars[name]

