"""erase (rm): delete a file, as [D] erase does (the name as typed, relative to the working
directory; no extension is added)."""
from __future__ import annotations

import os

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.syntax.spec import unquote


def _erase(session, args):
    name = unquote(args.anything)
    if not name:
        raise StataError(198, "invalid file specification")
    path = os.path.expanduser(name)
    if os.path.isdir(path):
        raise StataError(693, f"could not erase {name}")
    if not os.path.isfile(path):
        raise StataError(601, f"file {name} not found")
    try:
        os.remove(path)
    except OSError:
        raise StataError(693, f"could not erase {name}") from None
    return None


@command("erase", syntax="anything", help="erase a file: erase filename")
def erase(session, args):
    """erase filename"""
    return _erase(session, args)


@command("rm", syntax="anything", help="erase a file: rm filename")
def rm(session, args):
    """rm filename"""
    return _erase(session, args)
