"""Text → logical command lines: strips comments (* // /* */) and joins `///` continuations;
do-files also switch to `;`-delimited commands with `#delimit ;`."""
from __future__ import annotations

import re

# `#delimit ;` / `#delimit cr`, abbreviated down to `#d`
DELIMIT = re.compile(r"#d(?:e(?:l(?:i(?:m(?:i(?:t)?)?)?)?)?)?[ \t]+(;|cr)[ \t]*")


def _strip(text: str, breaks: list[int] | None = None, star: bool = True) -> tuple[str, bool]:
    """Remove comments; return the text with `///` continuations joined and whether a
    /* block comment is still open at the end. `breaks` receives the position in `text` of
    every newline that ends a logical line. star=False: a `*` starting a line is not a
    comment (inside a `;`-delimited command)."""
    out: list[str] = []
    i, n = 0, len(text)
    quote = None  # '"' inside "..." ; '`' inside `"..."'
    depth = 0  # /* */ nesting (Stata nests them)
    line_start = True
    while i < n:
        c = text[i]
        if depth:
            if text.startswith("*/", i):
                depth -= 1
                i += 2
            elif text.startswith("/*", i):
                depth += 1
                i += 2
            else:  # a newline inside /* */ joins the lines, as in Stata's `/*` NL `*/` idiom
                i += 1
            continue
        if quote:
            out.append(c)
            if quote == '"' and c == '"':
                quote = None
            elif quote == "`" and text.startswith("\"'", i):
                out.append("'")
                i += 1
                quote = None
            elif c == "\n":     # an unclosed quote ends with its line
                quote = None
                line_start = True
                if breaks is not None:
                    breaks.append(i)
            i += 1
            continue
        if line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if line_start and c == "*" and star:
            while i < n and text[i] != "\n":  # a `*` comment line, continued by ///
                if text.startswith("///", i):
                    j = text.find("\n", i)
                    i = n if j < 0 else j + 1
                    continue
                i += 1
            continue
        line_start = False
        prev_space = not out or out[-1] in " \t\n"
        if c == "\n":
            out.append("\n")
            line_start = True
            if breaks is not None:
                breaks.append(i)
        elif text.startswith("///", i) and prev_space:
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            out.append(" ")
            continue
        elif text.startswith("//", i) and prev_space:
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif text.startswith("/*", i):
            depth = 1
            i += 2
            continue
        elif c == '"':
            quote = '"'
            out.append(c)
        elif text.startswith('`"', i):
            quote = "`"
            out.append('`"')
            i += 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out), depth > 0


def logical_lines(text: str) -> list[str]:
    """The commands in `text`, comments removed, continuations joined, blank lines dropped."""
    stripped, _ = _strip(text)
    return [line.strip() for line in stripped.split("\n") if line.strip()]


def do_lines(text: str):
    """A do-file's lines as Stata runs them: (typed, command, note) for every logical line,
    blank and comment-only ones included, since Stata echoes those too. `typed` is the line
    as written, its continuation lines after "\n> " (Stata's echo); `command` the logical
    line, "" when there is nothing to run; `note` what a `#delimit` line prints. After
    `#delimit ;` commands end at `;` instead of the end of the line, until `#delimit cr`."""
    pos: int | None = 0
    while pos is not None:
        pos = yield from _newline_delimited(text, pos)
        if pos is not None:
            pos = yield from _semicolon_delimited(text, pos)


def _newline_delimited(text: str, pos: int):
    """Lines from text[pos:]; returns where `;`-delimited text starts (None: at the end)."""
    part = text[pos:]
    breaks: list[int] = []
    stripped, _ = _strip(part, breaks)
    starts = [0] + [b + 1 for b in breaks]
    for command, start, end in zip(stripped.split("\n"), starts, breaks + [len(part)]):
        if start == end == len(part):
            break                       # the newline that ends the file
        typed = "\n> ".join(line.rstrip() for line in part[start:end].split("\n"))
        command = command.strip()
        m = DELIMIT.fullmatch(command)
        if m:
            yield typed, "", f"delimiter now {m.group(1)}"
            if m.group(1) == ";":
                return pos + end + 1
            continue
        yield typed, command, ""
    return None


def _semicolon_delimited(text: str, pos: int):
    """Commands ended by `;` from text[pos:]; returns where a `#delimit cr` line ends."""
    n = len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos >= n:
            return None
        eol = text.find("\n", pos)
        eol = n if eol < 0 else eol
        m = DELIMIT.fullmatch(text[pos:eol].rstrip())
        if m:
            yield text[pos:eol].rstrip(), "", f"delimiter now {m.group(1)}"
            if m.group(1) == "cr":
                return eol + 1
            pos = eol + 1
            continue
        end = _semicolon(text, pos)
        span = text[pos:end]
        typed = "\n> ".join(line.rstrip() for line in text[pos:end + 1].split("\n"))
        # a `*` comment runs to the `;`; elsewhere a line break is just a blank
        command = "" if span.startswith("*") else \
            _strip(span, star=False)[0].replace("\n", " ").strip()
        yield typed, command, ""
        pos = end + 1


def _semicolon(text: str, i: int) -> int:
    """Index of the `;` that ends the command starting at i (len(text) if none): outside
    quotes, /* */ comments and // comments."""
    n, quote, depth = len(text), None, 0
    while i < n:
        c = text[i]
        if depth:
            if text.startswith("*/", i):
                depth, i = depth - 1, i + 2
            elif text.startswith("/*", i):
                depth, i = depth + 1, i + 2
            else:
                i += 1
            continue
        if quote:
            if c == "\n" or (quote == '"' and c == '"'):
                quote = None
            elif quote == "`" and text.startswith("\"'", i):
                quote, i = None, i + 1
            i += 1
            continue
        if text.startswith("/*", i):
            depth, i = 1, i + 2
            continue
        if text.startswith("//", i) and (i == 0 or text[i - 1] in " \t\n"):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == ";":
            return i
        if c == '"':
            quote = '"'
        elif text.startswith('`"', i):
            quote, i = "`", i + 1
        i += 1
    return n


def is_complete(text: str) -> bool:
    """False while the REPL should keep reading: a trailing `///` or an open /* comment."""
    body = text.rstrip()
    if body.endswith("///") and (len(body) == 3 or body[-4] in " \t"):
        return False
    return not _strip(text)[1]
