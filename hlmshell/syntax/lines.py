"""Text → logical command lines: strips comments (* // /* */) and joins `///` continuations."""
from __future__ import annotations


def _strip(text: str, breaks: list[int] | None = None) -> tuple[str, bool]:
    """Remove comments; return the text with `///` continuations joined and whether a
    /* block comment is still open at the end. `breaks` receives the position in `text` of
    every newline that ends a logical line."""
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
        if line_start and c == "*":
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
    """A do-file's lines as Stata runs them: (typed, command) for every logical line, blank
    and comment-only ones included, since Stata echoes those too. `typed` is the line as
    written, its continuation lines after "\n> " (Stata's echo); `command` the logical line,
    "" when there is nothing to run."""
    breaks: list[int] = []
    stripped, _ = _strip(text, breaks)
    starts = [0] + [b + 1 for b in breaks]
    for command, start, end in zip(stripped.split("\n"), starts, breaks + [len(text)]):
        if start == end == len(text):
            break                       # the newline that ends the file
        typed = "\n> ".join(part.rstrip() for part in text[start:end].split("\n"))
        yield typed, command.strip()


def is_complete(text: str) -> bool:
    """False while the REPL should keep reading: a trailing `///` or an open /* comment."""
    body = text.rstrip()
    if body.endswith("///") and (len(body) == 3 or body[-4] in " \t"):
        return False
    return not _strip(text)[1]
