"""The one place commands write a local macro (levelsof, local(name) options).

The language core (hlmshell/lang/) will own the macro store as `session.macros`; until it
lands, locals live in `session.locals`. Redirect here, and every writer follows."""
from __future__ import annotations

import re

from hlmshell.errors import StataError

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,30}$")


def check_local_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise StataError(198, f"{name} invalid name")
    return name


def set_local(session, name: str, value: str) -> None:
    store = getattr(session, "locals", None)
    if store is None:
        store = session.locals = {}
    store[check_local_name(name)] = value
