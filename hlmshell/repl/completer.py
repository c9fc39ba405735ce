"""Tab completion: a pure `suggest(text_before_cursor, session)` and a thin prompt_toolkit
Completer around it.

What is completed depends on where the cursor is:
- the command word (after any quietly/noisily/capture/by ...: prefixes): command names
  from the registry and the prefixes;
- the word after a command with sub-commands (`estat`, `log`, `scalar`, ...): those;
- after `use`/`save` (.dta), `do`/`run` (.do), `cd` (folders), `using` (any file): file
  names, also from the folders `use` and `do` search (paths.search_dirs);
- after the options comma: the command's option names;
- anywhere else: variable names of the data in memory (and scalars in `display`).
"""
from __future__ import annotations

import os
import re

from prompt_toolkit.completion import Completer, Completion

from hlmshell.commands.registry import REGISTRY
from hlmshell.paths import search_dirs
from hlmshell.syntax.command_line import matches

PREFIXES = ("quietly", "noisily", "capture", "bysort", "by")
FILE_COMMANDS = {"use": (".dta",), "save": (".dta",), "do": (".do",), "run": (".do",),
                 "cd": ()}
_NAME_TAIL = re.compile(r"[A-Za-z0-9_]*$")


def suggest(text_before_cursor: str, session) -> list[str]:
    """The words that may replace the word being typed at the end of the text."""
    return analyse(text_before_cursor, session)[1]


def analyse(text: str, session) -> tuple[str, list[str]]:
    """(the fragment being completed, its candidates)."""
    text = re.sub(r"///[ \t]*\n", " ", text).rsplit("\n", 1)[-1]  # the logical line
    body = _strip_prefixes(text)
    if body is None:  # typing the by-varlist
        frag = _NAME_TAIL.search(text).group()
        return frag, [n for n in session.data.names if n.startswith(frag)]
    words = body.split()
    at_space = not body or body[-1].isspace()
    done = words if at_space else words[:-1]  # the complete words before the fragment
    if not done:
        frag = "" if at_space else words[-1]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|", frag):
            return frag, []
        return frag, _command_names(frag)
    word = re.match(r"[A-Za-z_]*[A-Za-z0-9_]*", done[0]).group()
    cmd = REGISTRY.find(word) if word else None
    name = cmd.name if cmd is not None else word
    file_frag = "" if at_space else words[-1]
    # files: after `using`, or as the argument of use/save/do/run/cd
    if done[-1] == "using" or (name == "log" and len(done) >= 2 and done[1] == "using"):
        return file_frag, _files(file_frag, None, session)
    if name in FILE_COMMANDS and len(done) == 1:
        exts = FILE_COMMANDS[name]
        return file_frag, _files(file_frag, exts, session, dirs_only=name == "cd")
    frag = _NAME_TAIL.search(body).group()
    if name == "help" and len(done) == 1:
        return frag, _command_names(frag, prefixes=False)
    if cmd is not None and cmd.syntax == "raw" and len(done) == 1 and frag == file_frag:
        subs = _subcommands(cmd)
        if subs:
            return frag, [s for s in subs if s.startswith(frag)]
    if cmd is not None and _after_options_comma(body):
        opts = [o.name for o in cmd.spec.options]
        return frag, [o for o in opts if o.startswith(frag.lower())]
    names = list(session.data.names)
    if name in ("display", "scalar"):
        names += [s for s in session.scalars if s not in names]
    return frag, [n for n in names if n.startswith(frag)]


def _strip_prefixes(text: str) -> str | None:
    """The text after quietly/noisily/capture and `by varlist:` prefixes (None while the
    by-varlist is being typed)."""
    rest = text.lstrip()
    while True:
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\s+|:)", rest)
        if not m:
            return rest
        word = m.group(1)
        if any(matches(word, full, mini) for full, mini in
               (("quietly", "qui"), ("noisily", "noi"), ("capture", "cap"))):
            rest = rest[m.end():].lstrip(": \t")
        elif word in ("by", "bysort") or matches(word, "bysort", "bys"):
            colon = rest.find(":")
            if colon < 0:
                return None
            rest = rest[colon + 1:].lstrip()
        else:
            return rest


def _command_names(frag: str, prefixes: bool = True) -> list[str]:
    names = [n for n in REGISTRY.names() if n.startswith(frag)]
    if prefixes:
        names += [p for p in PREFIXES if p.startswith(frag) and p not in names]
    return sorted(names)


def _subcommands(cmd) -> list[str]:
    from hlmshell.commands.program import subregistry
    sub = subregistry(cmd)
    return sub.names() if sub is not None else []


def _after_options_comma(body: str) -> bool:
    depth, quote = 0, False
    for c in body:
        if c == '"':
            quote = not quote
        elif quote:
            continue
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            return True
    return False


def _files(frag: str, exts, session, *, dirs_only: bool = False) -> list[str]:
    """Entries whose path starts with `frag`: folders (with a trailing /) and files with one
    of the extensions (any file when exts is None)."""
    quote = '"' if frag.startswith('"') else ""
    typed = frag[len(quote):]
    head, base = os.path.split(typed)
    if os.path.isabs(head) or head.startswith("~"):
        roots = [os.path.expanduser(head)]
    else:
        roots = [os.path.join(d, head) for d in search_dirs(session)] \
            if exts else [os.path.join(os.getcwd(), head)]
    out: list[str] = []
    for root in roots:
        try:
            entries = [(not os.path.isdir(os.path.join(root, e)), e) for e in os.listdir(root or ".")
                       if e.startswith(base) and (base.startswith(".") or not e.startswith("."))]
        except OSError:
            continue
        for is_file, entry in sorted(entries):  # folders first
            is_dir = not is_file
            if not is_dir and (dirs_only or (exts and not entry.endswith(tuple(exts)))):
                continue
            shown = quote + os.path.join(head, entry) + ("/" if is_dir else "")
            if shown not in out:
                out.append(shown)
    return out


class StataCompleter(Completer):
    """prompt_toolkit's view of suggest()."""

    def __init__(self, session):
        self.session = session

    def get_completions(self, document, complete_event):
        frag, words = analyse(document.text_before_cursor, self.session)
        for word in words:
            yield Completion(word, start_position=-len(frag))
