"""`version [#]` ([P] version): show the version, or set the one the commands are written
for. The prefix form `version #: command` is a prefix of the command line
(syntax/command_line)."""
from __future__ import annotations

from hlmshell.commands.registry import command
from hlmshell.syntax.command_line import STATA_VERSION, check_version


@command("version", abbrev="vers", syntax="raw", help="show or set the version of Stata "
                                                       "commands are written for")
def version(session, args):
    """version [#]"""
    if not args.body.strip():
        current = float(session.settings.get("version", STATA_VERSION))
        return f"version {current:.1f}"
    # c(version) reports it; every version runs with this Stata's behaviour
    session.settings["version"] = check_version(args.body)
    return None
