"""Running and steering the shell: do, run, exit, cd, pwd, set, help."""
from __future__ import annotations

import os

from hlmshell.batch import run_file
from hlmshell.commands.registry import REGISTRY, command
from hlmshell.errors import StataError
from hlmshell.syntax.spec import unquote


@command("do", syntax="anything", help="run the commands in a do-file, showing them")
def do_cmd(session, args):
    run_file(session, unquote(args.anything), echo=True)


@command("run", syntax="anything", help="run the commands in a do-file without output")
def run_cmd(session, args):
    run_file(session, unquote(args.anything), echo=False)


@command("exit", syntax="[, CLEAR]", help="leave hlmshell (or end the running do-file)")
def exit_cmd(session, args):
    from hlmshell.session import ExitRequest
    if session.do_depth == 0 and session.data.changed and not args.options.get("clear"):
        raise StataError(4, "no; dataset in memory has changed since last saved")
    raise ExitRequest()


@command("cd", syntax="anything", help="change the working directory")
def cd_cmd(session, args):
    target = unquote(args.anything) or os.path.expanduser("~")
    try:
        os.chdir(os.path.expanduser(target))
    except (FileNotFoundError, NotADirectoryError):
        raise StataError(170, f"unable to change to {target}") from None
    except PermissionError:
        raise StataError(170, f"unable to change to {target}") from None
    return os.getcwd()


@command("pwd", syntax="", help="show the working directory")
def pwd_cmd(session, args):
    return os.getcwd()


SETTINGS = {"more": ("on", "off"), "linesize": None, "level": None}


@command("set", syntax="anything", help="set more off, set linesize #, set level #")
def set_cmd(session, args):
    words = args.anything.split()
    if len(words) != 2:
        raise StataError(198, "invalid syntax")
    name, value = words
    if name not in SETTINGS:
        raise StataError(199, f"set {name} not allowed")  # what Stata calls an unknown setting
    if SETTINGS[name] is None:
        try:
            number = int(value)
        except ValueError:
            raise StataError(198, f"{value} invalid") from None
        lo, hi = (40, 255) if name == "linesize" else (10, 99)
        if not lo <= number <= hi:
            raise StataError(198, f"{name} must be between {lo} and {hi}")
        session.settings[name] = number
    elif value not in SETTINGS[name]:
        raise StataError(198, "invalid syntax")
    else:
        session.settings[name] = value


@command("help", abbrev="h", syntax="anything", help="syntax summary of a command")
def help_cmd(session, args):
    word = args.anything.strip()
    if not word:
        lines = ["hlmshell commands (minimum abbreviation underlined by capitals in `help cmd`):", ""]
        lines += [f"  {c.usage:<58} {c.help}" for c in (REGISTRY.commands[n] for n in REGISTRY.names())]
        return "\n".join(lines)
    cmd = REGISTRY.find(word)
    if cmd is None:
        raise StataError(111, f"help for {word} not found")
    return f"{cmd.name} — {cmd.help}\n\nSyntax\n\n    {cmd.usage}"
