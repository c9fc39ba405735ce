"""User programs ([P] program): definition, calling (a local scope of their own, `0', `1',
...), r-class returns, temporary names dropped at the end, and the nesting limit."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from hlmshell.errors import StataError
from hlmshell.lang.blocks import Item
from hlmshell.lang.extended import tokens, unquote
from hlmshell.returns import Returns

CLASSES = ("rclass", "eclass", "sclass", "nclass")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


@dataclass
class Program:
    name: str
    kind: str                     # rclass eclass sclass nclass
    body: list[Item]
    ops: list | None = None       # the body split into steps, made at the first call


@dataclass
class Frame:
    """What a running program (or do-file) owns until it ends."""
    program: Program | None
    tempvars: list[str] = field(default_factory=list)
    tempnames: list[str] = field(default_factory=list)
    tempfiles: list[str] = field(default_factory=list)
    returns: Returns | None = None   # r() being built by `return` in an r-class program


class ProgramFailed(StataError):
    """A user program ended with an error: the caller's dispatch rolls back all it did. The
    message, if any, is still to be printed (a Reported error's was printed already)."""


def argument_macros(text: str) -> dict[str, str]:
    """`0' is the whole argument text, `1', `2', ... its words without their quotes."""
    text = text.strip()
    out = {"0": text} if text else {}
    for k, word in enumerate(tokens(text), 1):
        out[str(k)] = unquote(word)
    return out


def define_program(session, spec: str, body: list[Item]) -> None:
    """`program [define] name [, rclass eclass sclass nclass]` with its collected body."""
    from hlmshell.commands.registry import REGISTRY
    from hlmshell.syntax.spec import parse_option_list, split_options
    main, opts = split_options(spec)
    name = main.strip()
    if not NAME.fullmatch(name):
        raise StataError(198, f"{name or 'program name'} invalid name" if name else
                         "invalid syntax")
    kind = "nclass"
    for word, arg in parse_option_list(opts or ""):
        if word in CLASSES and arg is None:
            kind = word
        else:
            raise StataError(198, f"option {word} not allowed")
    if name in session.programs or REGISTRY.known(name):
        raise StataError(110, f"{name} already defined")
    session.programs[name] = Program(name, kind, list(body))


def call_program(session, program: Program, arguments: str):
    lang = session.lang
    if lang.nesting >= lang.max_nesting:
        raise StataError(1000, "system limit exceeded: programs nested too deeply "
                               f"(more than {lang.max_nesting} calls)")
    from hlmshell.session import ExitRequest
    frame = begin_frame(session, Frame(program, returns=Returns() if program.kind == "rclass"
                                       else None), arguments)
    lang.nesting += 1
    ok = False
    try:
        try:
            lang.run_body(program)
        except ExitRequest as exc:      # `exit` ends the program, not the shell
            if getattr(exc, "stata", False):
                raise
        except StataError as err:
            # a program is one command to its caller: when it fails, everything it did is
            # undone (Stata would keep the work before the error; we keep the house rule
            # that a failed command leaves data, macros and results as they were)
            raise ProgramFailed(err.code, err.message) from None
        ok = True
    finally:
        end_frame(session, frame)
        lang.nesting -= 1
    if ok and frame.returns is not None:
        session.r = frame.returns


def current_frame(session) -> Frame | None:
    frames = session.lang.frames
    return frames[-1] if frames else None


def begin_frame(session, frame: Frame, arguments: str) -> Frame:
    """A program or do-file starts: a local scope holding its arguments."""
    session.macros.push(argument_macros(arguments))
    session.lang.frames.append(frame)
    return frame


def end_frame(session, frame: Frame) -> None:
    """A program or do-file ends (normally or not): what it preserved comes back, its
    temporary variables, names and files go, and so does its local scope."""
    from hlmshell.commands.preserve import restore_if_preserved
    restore_if_preserved(session, len(session.lang.frames))
    session.lang.frames.pop()
    session.macros.pop()
    drop_temporaries(session, frame)


def drop_temporaries(session, frame: Frame) -> None:
    data = session.data
    gone = [v for v in frame.tempvars if v in data.names]
    if gone:
        data.drop_vars(gone)
    for name in frame.tempnames:
        session.scalars.pop(name, None)
        session.matrices.pop(name, None)
    for path in frame.tempfiles:
        for candidate in (path, path + ".dta"):
            try:
                os.remove(candidate)
            except OSError:
                pass


def returns_for(session) -> Returns:
    """The r() set `return scalar|local|matrix` writes to: the running r-class program's."""
    frame = current_frame(session)
    if frame is None or frame.returns is None:
        raise StataError(151, "non r-class program may not set r()")
    return frame.returns


def check_eclass(session) -> None:
    frame = current_frame(session)
    if frame is not None and frame.program is not None and frame.program.kind != "eclass":
        raise StataError(152, "non e-class program may not set e()")


def program_listing(program: Program) -> str:
    head = program.name + (f", {program.kind}" if program.kind != "nclass" else "") + ":"
    lines = [head] + [f"{k:>3}.  {it.typed.strip()}" for k, it in enumerate(program.body, 1)]
    return "\n".join(lines)
