"""Block structure ([P] foreach, forvalues, while, if, program): which logical lines open a
block, and collecting a block's body from any line source, unexpanded, as typed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from hlmshell.errors import StataError

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Item:
    """One logical line: as typed (for the echo), the command ('' for blank/comment
    lines) and a note to print (from `#delimit`)."""
    typed: str
    line: str
    note: str = ""


@dataclass
class Block:
    kind: str            # foreach forvalues while if else prefix program
    head: str            # the opening line, without its `{`
    body: list[Item] = field(default_factory=list)
    closing: Item | None = None
    ops: list | None = None   # the body split into steps, made at the first run


def _is(word: str, full: str, minimum: int) -> bool:
    return full.startswith(word) and len(word) >= minimum


PREFIXES = (("quietly", 3), ("noisily", 3), ("capture", 3))


def prefix_words(text: str) -> tuple[list[str], str]:
    """Leading quietly/noisily/capture words (full names) and the rest of the line."""
    words, rest = [], text.strip()
    while True:
        m = WORD.match(rest)
        if not m:
            return words, rest
        full = next((f for f, k in PREFIXES if _is(m.group(), f, k)), None)
        if full is None:
            return words, rest
        words.append(full)
        rest = rest[m.end():].lstrip()
        if rest.startswith(":"):
            rest = rest[1:].lstrip()


def is_program_define(line: str) -> str | None:
    """The text after `program [define]` when the line defines a program, else None."""
    m = WORD.match(line)
    if not m or not _is(m.group(), "program", 2):
        return None
    rest = line[m.end():].strip()
    w = WORD.match(rest)
    if not rest or (w and w.group() in ("drop", "dir", "list")):
        return None
    if w and _is(w.group(), "define", 3):
        rest = rest[w.end():].strip()
    return rest


def is_input(line: str) -> bool:
    """`input [varlist]`: its data lines follow, up to `end` ([D] input)."""
    m = WORD.match(line)
    return bool(m) and _is(m.group(), "input", 3) and not line[m.end():].lstrip()[:1] == "="


def reads_to_end(line: str) -> str | None:
    """'program' or 'input' when `line` opens a body closed by a line `end`."""
    if is_program_define(line) is not None:
        return "program"
    return "input" if is_input(prefix_words(line)[1]) else None


def opener(line: str) -> str | None:
    """The kind of block `line` opens (its `{` ends it), or None."""
    text = line.rstrip()
    if not text.endswith("{"):
        return None
    prefixes, rest = prefix_words(text)
    if prefixes and rest == "{":
        return "prefix"
    if prefixes:
        return None
    m = WORD.match(text)
    if not m:
        return None
    word = m.group()
    if word == "foreach":
        return "foreach"
    if _is(word, "forvalues", 4):
        return "forvalues"
    if word in ("while", "if", "else"):
        return word
    return None


def collect(first: Item, items, kind: str) -> Block:
    """Read the body of the block `first` opens from the iterator `items`, up to its
    closing `}` (or `end` for a program or input's data). Nested blocks stay inside the body
    as lines."""
    if kind in ("program", "input"):
        head = first.line
    else:
        head = first.line.rstrip()[:-1].rstrip()
    block = Block(kind, head)
    depth = 0
    for item in items:
        line = item.line.strip()
        if kind in ("program", "input"):
            if re.fullmatch(r"end", line):
                block.closing = item
                return block
            block.body.append(item)
            continue
        if line == "}":
            if depth == 0:
                block.closing = item
                return block
            depth -= 1
        elif line.startswith("}"):
            raise StataError(198, "program error:  code follows on the same line as close brace")
        elif opener(line):
            depth += 1
        block.body.append(item)
    if kind == "input":
        raise StataError(198, "input: end missing")          # text unconfirmed
    if kind == "program":
        raise StataError(198, f"program {head.split()[0] if head.split() else ''} not ended: "
                              "end missing")
    raise StataError(198, "unexpected end of file: '{' without its closing '}'")


def open_block(text: str) -> bool:
    """Whether `text` (typed at the prompt) leaves a block or a program definition open:
    the REPL keeps reading lines until it is closed."""
    from hlmshell.syntax.lines import logical_lines
    depth, in_program = 0, False
    for line in logical_lines(text):
        if in_program:
            in_program = line.strip() != "end"
            continue
        if line.strip() == "}":
            depth = max(depth - 1, 0)
        elif opener(line):
            depth += 1
        elif depth == 0 and reads_to_end(line) is not None:
            in_program = True
    return depth > 0 or in_program
