"""Text → logical command lines: strips comments (* // /* */) and joins `///` continuations."""
from __future__ import annotations


def _strip(text: str) -> tuple[str, bool]:
    """Remove comments; return the text with `///` continuations joined and whether a
    /* block comment is still open at the end."""
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
            elif c == "\n":
                quote = None
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


def is_complete(text: str) -> bool:
    """False while the REPL should keep reading: a trailing `///` or an open /* comment."""
    body = text.rstrip()
    if body.endswith("///") and (len(body) == 3 or body[-4] in " \t"):
        return False
    return not _strip(text)[1]
