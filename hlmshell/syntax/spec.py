"""Declarative command syntax in Stata's notation, bound once for every command.

    Spec("[varlist] [if] [in] [, Detail]").bind(body, names) -> Args

Capital letters in an option name mark its minimum abbreviation (`Detail` → `d`,
`COVariance(string)` → `cov`). Option arguments are kept as text (`real`/`integer` are
checked); the handler interprets them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from hlmshell.errors import StataError
from hlmshell.dataset.varlist import check_new_name, expand_varlist, tokens

ELEMENTS = ("varlist", "varname", "newvarname", "newvarlist", "if", "in", "using", "=exp", "anything",
            "weight")


@dataclass
class OptionSpec:
    name: str  # full lower-case name
    minimum: str
    argtype: str | None  # None for a flag; 'string', 'real', 'integer', 'varlist', ...

    def matches(self, word: str) -> bool:
        return self.name.startswith(word) and len(word) >= len(self.minimum)


@dataclass
class Args:
    body: str = ""
    varlist: list[str] = field(default_factory=list)
    newvars: list[str] = field(default_factory=list)
    exp: object = None
    exp_text: str = ""
    if_exp: object = None
    if_text: str = ""
    in_range: tuple[int, int] | None = None
    using: str | None = None
    anything: str = ""
    options: dict = field(default_factory=dict)
    prefix: str | None = None  # by-varlist text (bound by the handler that accepts `by`)
    bysort: bool = False
    # `[fw=exp]`: (kind, expression text) with kind fweight/aweight/pweight/iweight; only
    # for commands whose spec lists `[weight]`, else a weight clause is r(101)
    weight: tuple[str, str] | None = None

    def touse(self, session) -> np.ndarray:
        """The observations selected by `if` and `in`."""
        n = session.data.nobs
        mask = np.ones(n, dtype=bool)
        if self.in_range is not None:
            first, stop = self.in_range
            mask[:] = False
            mask[first:stop] = True
        if self.if_exp is not None:
            from hlmshell.dataset.evaluate import evaluate
            value = evaluate(self.if_exp, session)
            if value.dtype == object:
                raise StataError(109, "type mismatch")
            mask &= (value != 0)  # missing (NaN) is true, as in Stata
        return mask


class Spec:
    def __init__(self, text: str):
        self.text = text
        self.raw = text.strip() == "raw"
        main, _, opts = text.partition(",")
        self.elements: dict[str, bool] = {}  # element → required
        for m in re.finditer(r"(\[)?\s*(=exp|[a-z]+)(/)?\s*(\])?", main):
            name = m.group(2)
            if name in ELEMENTS:
                self.elements[name] = not m.group(1)
        self.options: list[OptionSpec] = []
        self.any_option = False
        for word in re.findall(r"[A-Za-z*][A-Za-z0-9]*(?:\([a-z]+\))?", opts):
            if word == "*":
                self.any_option = True
                continue
            name, _, arg = word.partition("(")
            minimum = re.match(r"[A-Z]*", name).group().lower() or name.lower()
            self.options.append(OptionSpec(name.lower(), minimum, arg.rstrip(")") or None))

    # ------------------------------------------------------------------------------------
    def bind(self, body: str, names: list[str], nobs: int = 0) -> Args:
        args = Args(body=body)
        if self.raw:
            args.anything = body
            return args
        main, opts = split_options(body)
        if opts is not None:
            args.options = self.bind_options(opts)
        if "weight" in self.elements:
            main, args.weight = split_weight(main)
        main, found = clauses(main)
        for kw, element, message in (("using", "using", "using not allowed"),
                                     ("in", "in", "in range not allowed"),
                                     ("if", "if", "if not allowed")):
            if kw in found and element not in self.elements:
                raise StataError(101, message)
        if "using" in found:
            args.using = unquote(found["using"])
            if not args.using:
                raise StataError(198, "invalid file specification")
        elif self.elements.get("using"):
            raise StataError(100, "using required")
        bind_if_in(args, found, nobs)
        main = main.strip()
        if "=exp" in self.elements:
            head, eq, exp_text = main.partition("=")
            if eq:
                from hlmshell.syntax.expr import parse_expression
                args.exp_text, args.exp = exp_text.strip(), parse_expression(exp_text)
                main = head.strip()
            elif self.elements["=exp"]:
                raise StataError(198, "= expected" if main else "invalid syntax")
        self._bind_main(args, main, names)
        return args

    def _bind_main(self, args: Args, main: str, names: list[str]) -> None:
        el = self.elements
        if "anything" in el:
            args.anything = main
            if el["anything"] and not main:
                raise StataError(198, "invalid syntax")
            return
        if "varlist" in el or "varname" in el:
            key = "varlist" if "varlist" in el else "varname"
            if not main:
                if el[key]:
                    raise StataError(100, "varlist required")
                args.varlist = list(names) if key == "varlist" else []
                return
            args.varlist = expand_varlist(main, names)
            if el[key] and not args.varlist:    # `*` with observations but no variables
                raise StataError(100, "varlist required")
            if key == "varname" and len(args.varlist) > 1:
                raise StataError(103, "too many variables specified")
            return
        if "newvarname" in el or "newvarlist" in el:
            words = tokens(main)
            if not words:
                raise StataError(100, "varlist required")
            if "newvarname" in el and len(words) > 1:
                # `generate double x = ...`: a storage type before the name
                raise StataError(103, "too many variables specified")
            args.newvars = [check_new_name(w, names) for w in words]
            return
        if main:
            raise StataError(198, "invalid syntax")

    def bind_options(self, text: str) -> dict:
        out: dict = {}
        for word, arg in parse_option_list(text):
            spec = next((o for o in self.options if o.matches(word)), None)
            if spec is None:
                if self.any_option:
                    out[word] = True if arg is None else arg
                    continue
                raise StataError(198, f"option {word} not allowed")
            if spec.argtype is None:
                if arg is not None:
                    raise StataError(198, f"option {spec.name}() not allowed")
                out[spec.name] = True
                continue
            if arg is None:
                raise StataError(198, f"option {spec.name}() required")
            out[spec.name] = _typed(spec, arg)
        return out


def _typed(spec: OptionSpec, arg: str):
    if spec.argtype in ("real", "integer"):
        try:
            value = float(arg)
        except ValueError:
            raise StataError(198, f"option {spec.name}() incorrectly specified") from None
        if spec.argtype == "integer":
            if value != int(value):
                raise StataError(198, f"option {spec.name}() incorrectly specified")
            return int(value)
        return value
    return arg.strip()


# --- scanning helpers shared by commands that parse their own bodies --------------------
def top_level_positions(text: str, chars: str):
    """Yield (index, char) of `chars` outside quotes, parentheses and brackets."""
    depth, quote = 0, False
    for i, c in enumerate(text):
        if c == '"':
            quote = not quote
        elif quote:
            continue
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and c in chars:
            yield i, c


def split_options(text: str) -> tuple[str, str | None]:
    """`main , options` at the first top-level comma."""
    for i, _ in top_level_positions(text, ","):
        return text[:i], text[i + 1:]
    return text, None


def parse_option_list(text: str) -> list[tuple[str, str | None]]:
    """`detail cov(un) level(90)` → [('detail', None), ('cov', 'un'), ('level', '90')]."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[i:])
        if not m:
            raise StataError(198, "invalid syntax")
        word, i = m.group().lower(), i + m.end()
        arg = None
        if i < n and text[i] == "(":
            depth, j = 0, i
            while j < n:
                depth += text[j] == "("
                depth -= text[j] == ")"
                if depth == 0:
                    break
                j += 1
            if depth:
                raise StataError(198, "invalid syntax")  # unbalanced
            arg, i = text[i + 1:j], j + 1
        out.append((word, arg))
    return out


def _find_keyword(text: str, keyword: str) -> tuple[int, int] | None:
    """Span of the first top-level whole-word `keyword` (outside quotes and parentheses)."""
    pattern = re.compile(rf"(?<![A-Za-z0-9_.]){keyword}(?![A-Za-z0-9_(])")
    for m in pattern.finditer(text):
        before = text[:m.start()]
        depth = sum(before.count(c) for c in "([") - sum(before.count(c) for c in ")]")
        if before.count('"') % 2 == 0 and depth == 0:
            return m.start(), m.end()
    return None


# a weight clause: `[fw=pop]`, `[pweight = w]`, `[weight=w]`
WEIGHT = re.compile(r"\[\s*(?:[fapi]w(?:eight)?|weight)\s*=")


WEIGHT_CLAUSE = re.compile(r"\[\s*([a-z]+)\s*=\s*([^\]]*)\]")
WEIGHT_TYPES = {"fw": "fweight", "fweight": "fweight", "aw": "aweight", "aweight": "aweight",
                "pw": "pweight", "pweight": "pweight", "iw": "iweight", "iweight": "iweight",
                "weight": None}


def split_weight(text: str, default: str = "weight") -> tuple[str, tuple[str, str] | None]:
    """Take a weight clause `[fw=pop]` out of a command's main part, for the commands that
    accept weights: (the text without it, (weight type, expression text) or None). The bare
    `[weight=exp]` is the command's `default` type ('weight': the handler decides)."""
    for m in WEIGHT_CLAUSE.finditer(text):
        kind = m.group(1).lower()
        if kind not in WEIGHT_TYPES:
            continue
        before = text[:m.start()]
        if before.count('"') % 2:
            continue
        expr = m.group(2).strip()
        if not expr:
            raise StataError(198, "invalid syntax")
        rest = text[:m.start()] + " " + text[m.end():]
        if WEIGHT.search(rest):
            raise StataError(198, "invalid syntax")
        return rest, (WEIGHT_TYPES[kind] or default, expr)
    return text, None


def bind_if_in(args: Args, found: dict[str, str], nobs: int) -> None:
    """Parse the `in` then the `if` clause that `clauses` found into `args` (in range
    errors come first, as in Stata); shared by Spec.parse and the raw-syntax commands."""
    if "in" in found:
        args.in_range = parse_in_range(found["in"], nobs)
    if "if" in found:
        from hlmshell.syntax.expr import parse_expression
        args.if_text = found["if"].strip()
        args.if_exp = parse_expression(args.if_text)


def clauses(text: str) -> tuple[str, dict[str, str]]:
    """Split `main if … in … using …` into the main part and its clauses, in any order.
    No command here takes weights: a weight clause is Stata's r(101)."""
    if WEIGHT.search(text):
        raise StataError(101, "weights not allowed")
    found = sorted((span, kw) for kw in ("if", "in", "using")
                   if (span := _find_keyword(text, kw)) is not None)
    if not found:
        return text, {}
    out = {}
    for k, ((start, end), kw) in enumerate(found):
        stop = found[k + 1][0][0] if k + 1 < len(found) else len(text)
        out[kw] = text[end:stop]
    return text[:found[0][0][0]], out


def parse_in_range(text: str, nobs: int) -> tuple[int, int]:
    """`in f/l` or `in #` (1-based, negative counts from the end, f/F and l/L) → [start, stop)."""
    def one(word: str) -> int:
        word = word.strip()
        if word in ("f", "F"):
            return 1
        if word in ("l", "L"):
            return nobs
        try:
            k = int(word)
        except ValueError:
            raise StataError(198, "invalid syntax") from None
        return nobs + k + 1 if k < 0 else k
    first, slash, last = text.strip().partition("/")
    f = one(first)
    l = one(last) if slash else f
    if f < 1 or l > nobs or f > l:
        raise StataError(198, "Obs. nos. out of range")
    return f - 1, l


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    if text.startswith('`"') and text.endswith("\"'"):
        return text[2:-2]
    return text
