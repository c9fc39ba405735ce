"""Stata expressions: text -> AST.

A small on-demand tokenizer plus a Pratt (binding-power) parser.  Knows nothing of
numpy or data values; ``hlmshell.dataset.evaluate`` gives the nodes their meaning.

Operator precedence, lowest to highest (Stata [U] 13.2.5 lists the order of evaluation
as ``! ^ -(negation) / * -(subtraction) + != > < <= >= == & |``):

    |                     left-associative
    &                     left-associative
    == != ~= < <= > >=    one level, left-associative
    + -                   left-associative
    * /                   left-associative
    - (unary minus), +    prefix; binds looser than ^, so -2^2 = -4
    ^                     LEFT-associative, as in Stata: 2^3^2 = (2^3)^2 = 64
    ! ~ (logical not)     prefix; binds tighter than ^ (Stata evaluates ! first)
    name[..] e(b)[..]     postfix subscripts

Errors are ``StataError``: 198 "invalid syntax"; 132 for unbalanced parentheses
("too many ')' or ']'", "too few ')' or ']'") and unbalanced quotes ("too few quotes").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

from hlmshell.errors import StataError

__all__ = [
    "Node", "Number", "Missing", "String", "Name", "TsName", "SystemRef", "Returns", "Coef",
    "Call", "Index", "Unary", "Binary", "Token", "tokenize", "parse_expression",
    "split_expression", "expression_end", "SYSTEM_NAMES", "RESERVED",
]


# --------------------------------------------------------------------------- nodes
@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Missing:
    """The missing literal: ``.`` (kind "") or extended ``.a`` ... ``.z`` (kind "a".."z")."""
    kind: str = ""


@dataclass(frozen=True)
class String:
    value: str


@dataclass(frozen=True)
class Name:
    """A bare name: a variable (possibly abbreviated) or a scalar; a matrix under [i,j]."""
    name: str


@dataclass(frozen=True)
class TsName:
    """A time-series operated variable: ``L.y`` (ops "L"), ``D2.y``, ``LF.y``."""
    ops: str
    name: str


@dataclass(frozen=True)
class SystemRef:
    """``_n``, ``_N``, ``_pi``, ``_rc``."""
    name: str


@dataclass(frozen=True)
class Returns:
    """``r(name)``, ``e(name)``, ``c(name)``: kind is "r", "e" or "c"."""
    kind: str
    name: str


@dataclass(frozen=True)
class Coef:
    """``_b[name]`` / ``_se[name]`` (kind "b" or "se"); name as typed, e.g. "ses",
    "mathach:_cons", "1.sector"; ``[eq]_b[name]`` gives name "eq:name"."""
    kind: str
    name: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple = ()


@dataclass(frozen=True)
class Index:
    """``target[row, col]`` (a matrix element) or ``target[row]`` (col None: the
    explicit subscript of a variable, ``x[_n-1]``).  target is a Name or Returns."""
    target: "Node"
    row: "Node"
    col: Optional["Node"] = None


@dataclass(frozen=True)
class Unary:
    op: str          # "-", "+", "!"  ("~" is normalised to "!")
    operand: "Node"


@dataclass(frozen=True)
class Binary:
    op: str          # | & == != < <= > >= + - * / ^   ("~=" normalised to "!=")
    left: "Node"
    right: "Node"


Node = Union[Number, Missing, String, Name, TsName, SystemRef, Returns, Coef, Call, Index, Unary, Binary]

SYSTEM_NAMES = frozenset({"_n", "_N", "_pi", "_rc"})
RETURN_KINDS = frozenset({"r", "e", "c"})
#: words that end an expression and can never be names inside one
RESERVED = frozenset({"if", "in", "using"})


# --------------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class Token:
    kind: str        # NUM MISSING STR NAME OP LPAREN RPAREN LBRACK RBRACK COMMA EOF JUNK
    text: str        # NUM: the literal; STR: the contents; MISSING: "" or the letter
    start: int
    end: int


_OPS2 = ("==", "!=", "~=", "<=", ">=")
_OPS1 = "+-*/^!~<>&|="
_PUNCT = {"(": "LPAREN", ")": "RPAREN", "[": "LBRACK", "]": "RBRACK", ",": "COMMA"}


_TSOP = re.compile(r"(?:[LlFfDdSs]\d*)+")


def _is_name_start(ch: str) -> bool:
    return ch.isalpha() or ch == "_"


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _scan(text: str, pos: int) -> Token:
    """The token starting at or after pos (after skipping blanks)."""
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    if pos >= n:
        return Token("EOF", "", n, n)
    ch = text[pos]
    start = pos
    if ch.isdigit() or (ch == "." and pos + 1 < n and text[pos + 1].isdigit()):
        return _scan_number(text, pos)
    if ch == ".":
        nxt = text[pos + 1] if pos + 1 < n else ""
        if "a" <= nxt <= "z" and not (pos + 2 < n and _is_name_char(text[pos + 2])):
            return Token("MISSING", nxt, start, pos + 2)
        if nxt and _is_name_char(nxt):
            return Token("JUNK", text[start:pos + 2], start, pos + 2)
        return Token("MISSING", "", start, pos + 1)
    if _is_name_start(ch):
        pos += 1
        while pos < n and _is_name_char(text[pos]):
            pos += 1
        if pos + 1 < n and text[pos] == "." and _is_name_start(text[pos + 1]) and \
                _TSOP.fullmatch(text[start:pos]):
            # `L.y`, `D2.y`, `LF.y`: a time-series operator on a variable
            end = pos + 2
            while end < n and _is_name_char(text[end]):
                end += 1
            return Token("TSNAME", text[start:end], start, end)
        return Token("NAME", text[start:pos], start, pos)
    if ch == '"':
        close = text.find('"', pos + 1)
        if close < 0:
            raise StataError(132, "too few quotes")
        return Token("STR", text[pos + 1:close], start, close + 1)
    if ch == "`" and pos + 1 < n and text[pos + 1] == '"':
        return _scan_compound(text, pos)
    if text.startswith(_OPS2, pos):
        return Token("OP", text[pos:pos + 2], start, pos + 2)
    if ch in _OPS1:
        return Token("OP", ch, start, pos + 1)
    if ch in _PUNCT:
        return Token(_PUNCT[ch], ch, start, pos + 1)
    return Token("JUNK", ch, start, pos + 1)


def _scan_number(text: str, pos: int) -> Token:
    n, start = len(text), pos
    while pos < n and text[pos].isdigit():
        pos += 1
    if pos < n and text[pos] == ".":
        pos += 1
        while pos < n and text[pos].isdigit():
            pos += 1
    if pos < n and text[pos] in "eE":
        p = pos + 1
        if p < n and text[p] in "+-":
            p += 1
        if p < n and text[p].isdigit():
            while p < n and text[p].isdigit():
                p += 1
            pos = p
        else:
            raise StataError(198, "invalid syntax")     # 1e, 1e+
    if pos < n and _is_name_char(text[pos]):
        raise StataError(198, f"{text[start:pos + 1]} invalid name")
    return Token("NUM", text[start:pos], start, pos)


def _scan_compound(text: str, pos: int) -> Token:
    """Compound double quotes `"..."' (they nest)."""
    depth, i, n = 1, pos + 2, len(text)
    while i < n:
        if text.startswith('`"', i):
            depth += 1
            i += 2
        elif text.startswith("\"'", i):
            depth -= 1
            if depth == 0:
                return Token("STR", text[pos + 2:i], pos, i + 2)
            i += 2
        else:
            i += 1
    raise StataError(132, "too few quotes")


def tokenize(text: str) -> list[Token]:
    """All tokens of text (ending with EOF); JUNK tokens are kept, not raised."""
    out, pos = [], 0
    while True:
        tok = _scan(text, pos)
        out.append(tok)
        if tok.kind == "EOF":
            return out
        pos = tok.end


# --------------------------------------------------------------------------- parser
_INFIX = {
    "|": (10, 11), "&": (20, 21),
    "==": (30, 31), "!=": (30, 31), "~=": (30, 31),
    "<": (30, 31), "<=": (30, 31), ">": (30, 31), ">=": (30, 31),
    "+": (40, 41), "-": (40, 41),
    "*": (50, 51), "/": (50, 51),
    "^": (70, 71),
}
_NEG_BP = 60     # operand of unary minus/plus: absorbs ^ but not * /
_NOT_BP = 80     # operand of ! ~: a primary only


def _syntax() -> StataError:
    return StataError(198, "invalid syntax")


class _Parser:
    def __init__(self, text: str, start: int = 0):
        self.text = text
        self.tok = _scan(text, start)
        self.last_end = start
        self.depth = 0

    def advance(self) -> Token:
        tok = self.tok
        self.last_end = tok.end
        self.tok = _scan(self.text, tok.end)
        return tok

    def expect(self, kind: str) -> Token:
        if self.tok.kind != kind:
            if kind in ("RPAREN", "RBRACK") and self.tok.kind == "EOF":
                raise StataError(132, "too few ')' or ']'")
            raise _syntax()
        return self.advance()

    # expression := prefix (infix)*
    def expr(self, min_bp: int = 0) -> Node:
        left = self.prefix()
        while True:
            tok = self.tok
            if tok.kind != "OP" or tok.text not in _INFIX:
                return left
            lbp, rbp = _INFIX[tok.text]
            if lbp < min_bp:
                return left
            self.advance()
            right = self.expr(rbp)
            op = "!=" if tok.text == "~=" else tok.text
            left = Binary(op, left, right)

    def prefix(self) -> Node:
        tok = self.tok
        if tok.kind == "OP" and tok.text in ("-", "+"):
            self.advance()
            return Unary(tok.text, self.expr(_NEG_BP))
        if tok.kind == "OP" and tok.text in ("!", "~"):
            self.advance()
            return Unary("!", self.expr(_NOT_BP))
        return self.primary()

    def primary(self) -> Node:
        tok = self.tok
        kind = tok.kind
        if kind == "NUM":
            self.advance()
            return Number(float(tok.text))
        if kind == "MISSING":
            self.advance()
            return Missing(tok.text)
        if kind == "STR":
            self.advance()
            return String(tok.text)
        if kind == "LPAREN":
            self.advance()
            self.depth += 1
            inner = self.expr()
            self.expect("RPAREN")
            self.depth -= 1
            return inner
        if kind == "NAME":
            return self.name()
        if kind == "TSNAME":
            self.advance()
            ops, _, var = tok.text.partition(".")
            return TsName(ops, var)
        if kind == "LBRACK":
            return self.equation_coef()
        if kind == "EOF" and self.depth:
            raise StataError(132, "too few ')' or ']'")
        if kind in ("RPAREN", "RBRACK") and not self.depth:
            raise StataError(132, "too many ')' or ']'")
        raise _syntax()

    def name(self) -> Node:
        tok = self.advance()
        word = tok.text
        if word in RESERVED:
            raise _syntax()
        if self.tok.kind == "LPAREN":
            if word in RETURN_KINDS:
                return self.postfix(self.returns(word))
            return self.call(word)
        if word in ("_b", "_se") and self.tok.kind == "LBRACK":
            return Coef(word[1:], self.raw_bracket())
        if word in SYSTEM_NAMES:
            return SystemRef(word)
        return self.postfix(Name(word))

    def equation_coef(self) -> Node:
        """``[eq]_b[name]`` / ``[eq]_se[name]`` -> Coef(kind, "eq:name")."""
        self.advance()                                  # [
        eq = self.tok
        if eq.kind != "NAME":
            raise _syntax()
        self.advance()
        self.expect("RBRACK")
        word = self.tok
        if word.kind != "NAME" or word.text not in ("_b", "_se"):
            raise _syntax()
        self.advance()
        if self.tok.kind != "LBRACK":
            raise _syntax()
        name = self.raw_bracket()
        if ":" in name:
            raise _syntax()
        return Coef(word.text[1:], f"{eq.text}:{name}")

    def returns(self, kind: str) -> Node:
        self.advance()                                  # (
        inner = self.tok
        if inner.kind != "NAME":
            if inner.kind == "EOF":
                raise StataError(132, "too few ')' or ']'")
            raise _syntax()
        self.advance()
        self.expect("RPAREN")
        return Returns(kind, inner.text)

    def call(self, fname: str) -> Node:
        self.advance()                                  # (
        self.depth += 1
        args = []
        if self.tok.kind != "RPAREN":
            args.append(self.expr())
            while self.tok.kind == "COMMA":
                self.advance()
                args.append(self.expr())
        self.expect("RPAREN")
        self.depth -= 1
        return Call(fname, tuple(args))

    def postfix(self, target: Node) -> Node:
        if self.tok.kind != "LBRACK":
            return target
        self.advance()
        self.depth += 1
        row = self.expr()
        col = None
        if self.tok.kind == "COMMA":
            self.advance()
            col = self.expr()
        self.expect("RBRACK")
        self.depth -= 1
        if isinstance(target, Returns) and col is None:
            raise _syntax()
        return Index(target, row, col)

    def raw_bracket(self) -> str:
        """The text inside _b[...] / _se[...], taken verbatim (it may hold eq:name, 1.x, #)."""
        open_pos = self.tok.start
        close, depth = -1, 0      # the matching `]`: `_b[/var(_cons[id])]` nests one
        for k in range(open_pos + 1, len(self.text)):
            ch = self.text[k]
            if ch == "[":
                depth += 1
            elif ch == "]":
                if depth == 0:
                    close = k
                    break
                depth -= 1
        if close < 0:
            raise StataError(132, "too few ')' or ']'")
        inside = "".join(self.text[open_pos + 1:close].split())
        if not inside:
            raise _syntax()
        self.last_end = close + 1
        self.tok = _scan(self.text, close + 1)
        return inside


# --------------------------------------------------------------------------- API
def split_expression(text: str, start: int = 0) -> tuple[Node, int]:
    """Parse the longest expression starting at ``start``; return (node, end).

    ``end`` is the offset just past the expression's last character, so
    ``text[end:]`` is what follows it (e.g. `` in 1/10, detail``).  The expression stops
    at anything that cannot continue it: ``,``, a word such as ``in``/``using``/``if``,
    ``=``, a closing bracket with no opener, or the end of the text.
    """
    p = _Parser(text, start)
    node = p.expr()
    return node, p.last_end


def expression_end(text: str, start: int = 0) -> int:
    """Offset where the expression starting at ``start`` ends (see split_expression)."""
    return split_expression(text, start)[1]


def parse_expression(text: str) -> Node:
    """Parse the whole of ``text`` as one expression, or raise StataError."""
    p = _Parser(text, 0)
    if p.tok.kind == "EOF":
        raise _syntax()
    node = p.expr()
    if p.tok.kind != "EOF":
        if p.tok.kind in ("RPAREN", "RBRACK"):
            raise StataError(132, "too many ')' or ']'")
        raise _syntax()
    return node
