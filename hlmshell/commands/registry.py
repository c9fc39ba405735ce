"""One record per command: dispatch, minimum abbreviations, syntax, help and completion."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from hlmshell.errors import StataError
from hlmshell.syntax.spec import Spec


@dataclass
class CommandDef:
    name: str
    minimum: str
    syntax: str
    spec: Spec
    handler: Callable
    help: str
    by_ok: bool  # accepts the by/bysort prefix

    def matches(self, word: str) -> bool:
        return self.name.startswith(word) and len(word) >= len(self.minimum)


class Registry:
    def __init__(self, what: str = "command"):
        self.what = what
        self.commands: dict[str, CommandDef] = {}

    def add(self, cmd: CommandDef) -> None:
        self.commands[cmd.name] = cmd

    def lookup(self, word: str) -> CommandDef:
        if word in self.commands:
            return self.commands[word]
        hits = [c for c in self.commands.values() if c.matches(word)]
        if len(hits) > 1:  # `sca` is scalar (minimum sca), not scatter (minimum sc)
            longest = max(len(c.minimum) for c in hits)
            hits = [c for c in hits if len(c.minimum) == longest]
        if len(hits) == 1:
            return hits[0]
        if self.what == "command":
            raise StataError(199, f"command {word} is unrecognized")
        raise StataError(321 if self.what == "subcommand" else 198,
                         f"invalid subcommand {word}" if word else "subcommand required")

    def find(self, word: str) -> CommandDef | None:
        try:
            return self.lookup(word)
        except StataError:
            return None

    def names(self) -> list[str]:
        return sorted(self.commands)

    def command(self, name: str, abbrev: str | None = None, syntax: str = "", help: str = "",
                by_ok: bool = False):
        def decorate(fn):
            self.add(CommandDef(name, abbrev or name, syntax, Spec(syntax), fn, help, by_ok))
            return fn
        return decorate


REGISTRY = Registry()
command = REGISTRY.command
