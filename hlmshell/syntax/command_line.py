"""One logical line → prefixes (quietly/noisily/capture/by), the command word and its body."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from hlmshell.errors import StataError

WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def matches(word: str, full: str, minimum: str) -> bool:
    """Stata's abbreviation rule: `word` is a prefix of `full` at least as long as `minimum`."""
    return full.startswith(word) and len(word) >= len(minimum)


@dataclass
class CommandLine:
    word: str
    body: str
    quietly: bool | None = None  # True: quietly; False: noisily; None: as the caller
    capture: bool = False
    by: str | None = None  # the by-varlist text
    bysort: bool = False
    prefixes: list[str] = field(default_factory=list)
    # a prefix that does not parse (`by :`, `version 99:`) is raised when the line runs, so
    # that a `capture` before it holds the error as Stata's does
    error: StataError | None = None


def split_word(text: str) -> tuple[str, str]:
    text = text.strip()
    m = WORD_RE.match(text)
    if not m:
        if text[:1] == "*":
            return "*", text[1:]
        # not a name (`##`, `$$`): the registry refuses it with r(199) after the prefixes are
        # known, so `capture ##` catches it as it catches any unrecognised command
        word = text.split()[0] if text.split() else text
        return word, text[len(word):].strip()
    return m.group(), text[m.end():].strip()


def parse_command_line(text: str) -> CommandLine:
    line = CommandLine(word="", body="")
    try:
        return _parse(line, text)
    except StataError as err:
        line.error = err
        return line


def _parse(line: CommandLine, text: str) -> CommandLine:
    rest = text.strip()
    while True:
        word, body = split_word(rest)
        if matches(word, "quietly", "qui"):
            line.quietly = True
        elif matches(word, "noisily", "noi"):
            line.quietly = False
        elif matches(word, "capture", "cap"):
            line.capture = True
        elif matches(word, "version", "vers") and _top_level_colon(body) > 0:
            colon = _top_level_colon(body)      # `version #: command`
            check_version(body[:colon])
            body = body[colon:]
        elif word in ("by", "bysort") or matches(word, "bysort", "bys"):
            colon = _top_level_colon(body)
            if colon < 0:
                raise StataError(198, "invalid syntax")
            spec, body = body[:colon].strip(), body[colon + 1:].strip()
            line.bysort = word != "by"
            if "," in spec:  # by g, sort:
                spec, opts = spec.split(",", 1)
                if opts.strip() and not matches(opts.strip(), "sort", "s"):
                    raise StataError(198, f"option {opts.strip()} not allowed")
                line.bysort = line.bysort or bool(opts.strip())
            if not spec.strip():
                raise StataError(100, "varlist required")
            line.by = spec.strip()
        else:
            line.word, line.body = word, body
            return line
        line.prefixes.append(word)
        rest = body
        if body.startswith(":"):
            rest = body[1:]
        if not rest.strip():
            raise StataError(198, "invalid syntax")


STATA_VERSION = 17.0     # the Stata whose behaviour hlmshell follows (c(stata_version))


def check_version(text: str) -> float:
    """The number of `version #`: Stata refuses a version newer than its own with r(9).
    Every version runs with this Stata's behaviour (an older version's differences, such
    as its random-number generator, are not kept)."""
    try:
        number = float(text.strip())
    except ValueError:
        raise StataError(198, "invalid syntax") from None
    if not 1 <= number:
        raise StataError(198, "invalid syntax")
    if number > STATA_VERSION:
        raise StataError(9, f"this is version {STATA_VERSION:.1f} of Stata; it cannot run "
                            f"version {number:.1f} programs\n    You can purchase the latest "
                            "version of Stata by visiting http://www.stata.com.")
    return number


def _top_level_colon(text: str) -> int:
    depth = 0
    for i, c in enumerate(text):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == ":" and depth == 0:
            return i
    return -1
