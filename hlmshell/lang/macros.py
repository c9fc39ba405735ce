"""Macros ([P] macro, [U] 18.3): one global scope, a stack of local frames (one per do-file
or program call), and the expansion of `name', $name, ${name}, `=exp', `:fcn' and
`++i' / `i--' in a line's text before it is parsed."""
from __future__ import annotations

import math
import re

from hlmshell.dataset.evaluate import evaluate
from hlmshell.errors import StataError
from hlmshell.syntax.expr import parse_expression

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LOCAL_NAME_RE = re.compile(r"[A-Za-z0-9_]+")
MAX_LOCAL = 31      # [P] macro: local names up to 31 characters, global names up to 32
MAX_GLOBAL = 32
MAX_DEPTH = 100     # nesting of `' inside `' (Stata's own limit is far below any real use)


class Macros:
    """The macro store. `frames[-1]` is the current local scope."""

    def __init__(self):
        self.globals: dict[str, str] = {}
        self.frames: list[dict[str, str]] = [{}]
        self.temp_counter = 0

    @property
    def locals(self) -> dict[str, str]:
        return self.frames[-1]

    def push(self, initial: dict[str, str] | None = None) -> None:
        self.frames.append(dict(initial or {}))

    def pop(self) -> None:
        if len(self.frames) > 1:
            self.frames.pop()

    def local(self, name: str) -> str:
        return self.frames[-1].get(name, "")

    def set_local(self, name: str, value: str) -> None:
        check_name(name, local=True)
        if value == "":
            self.frames[-1].pop(name, None)   # an empty local is an undefined one
        else:
            self.frames[-1][name] = value

    def set_global(self, name: str, value: str) -> None:
        check_name(name, local=False)
        if value == "":
            self.globals.pop(name, None)
        else:
            self.globals[name] = value

    def snapshot(self):
        return dict(self.globals), [dict(f) for f in self.frames]

    def restore(self, state) -> None:
        globals_, frames = state
        self.globals = dict(globals_)
        if len(frames) == len(self.frames):     # (do-files and programs pop their own frames)
            self.frames = [dict(f) for f in frames]

    def temp_name(self) -> str:
        """Stata's temporary names: __000000, __000001, ..."""
        name = f"__{self.temp_counter:06d}"
        self.temp_counter += 1
        return name


def check_name(name: str, *, local: bool) -> None:
    if local:
        ok = LOCAL_NAME_RE.fullmatch(name) is not None
        limit = MAX_LOCAL
    else:
        ok = NAME_RE.fullmatch(name) is not None
        limit = MAX_GLOBAL
    if not ok:
        raise StataError(198, f"{name} invalid name")
    if len(name) > limit:
        raise StataError(198, f"{name} invalid name")


def number_text(x: float) -> str:
    """A number as `local x = exp` stores it: full precision, Stata's `.5` style, `.`
    for missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "."
    if float(x).is_integer() and abs(x) < 1e16:
        return str(int(x))
    text = repr(float(x))
    if "e" in text:
        mant, exp = text.split("e")
        sign = exp[0] if exp[0] in "+-" else "+"
        digits = exp.lstrip("+-").rjust(2, "0")
        return f"{mant}e{sign}{digits}"
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def value_text(value) -> str:
    return value if isinstance(value, str) else number_text(value)


# ------------------------------------------------------------------------------ expansion
_SIMPLE = re.compile(r"`([A-Za-z0-9_]+)'")
_SPECIAL = {None: re.compile(r"[`$]"), "'": re.compile(r"[`$']"), "}": re.compile(r"[`$}]")}


class Expander:
    """Expands one line. `session` supplies the macro store, expression evaluation and
    extended functions."""

    def __init__(self, session):
        self.session = session
        self.macros: Macros = session.macros

    def expand(self, text: str) -> str:
        if "`" not in text and "$" not in text:
            return text
        if "$" not in text:     # the usual `name' only, in one pass
            local = self.macros.frames[-1].get
            out = _SIMPLE.sub(lambda m: local(m.group(1), ""), text)
            if "`" not in out:  # else: nested quotes, `=exp', or a value holding quotes
                return out
        out, _ = self._scan(text, 0, None, 0)
        return out

    def _scan(self, text: str, i: int, stop: str | None, depth: int) -> tuple[str, int]:
        """Expand text[i:] up to the unmatched `stop` character (None: the end); returns
        (expanded text, index just past the stop; len(text) + 1 when it never came)."""
        if depth > MAX_DEPTH:
            raise StataError(130, "macro substitution results in line that is too long")
        out: list[str] = []
        n = len(text)
        special = _SPECIAL[stop]
        while True:
            m = special.search(text, i)
            if m is None:
                out.append(text[i:])
                return "".join(out), (n if stop is None else n + 1)
            j = m.start()
            out.append(text[i:j])
            c = text[j]
            if c == stop:
                return "".join(out), j + 1
            if c == "`":
                if text.startswith('`"', j):       # compound double quote: literal
                    out.append('`"')
                    i = j + 2
                    continue
                inner, k = self._scan(text, j + 1, "'", depth + 1)
                if k > n:                          # no closing quote: left as typed
                    out.append(text[j:])
                    return "".join(out), (n if stop is None else n + 1)
                out.append(self._local(inner))
                i = k
                continue
            # `$`: ${name} or $name; a lone `$` stays
            if text.startswith("${", j):
                inner, k = self._scan(text, j + 2, "}", depth + 1)
                if k > n:
                    out.append(text[j:])
                    return "".join(out), (n if stop is None else n + 1)
                out.append(self._global(inner.strip()))
                i = k
                continue
            g = NAME_RE.match(text, j + 1)
            if g:
                name = g.group()[:MAX_GLOBAL]
                out.append(self._global(name))
                i = j + 1 + len(name)
            else:
                out.append("$")
                i = j + 1

    def _global(self, name: str) -> str:
        return self.macros.globals.get(name, "")

    def _local(self, inner: str) -> str:
        if inner.startswith("="):
            return value_text(evaluate_text(self.session, inner[1:]))
        if inner.startswith(":"):
            from hlmshell.lang.extended import extended
            return extended(self.session, inner[1:])
        if inner.startswith("++") or inner.startswith("--"):
            name = inner[2:]
            value = step(self.macros, name, 1 if inner[0] == "+" else -1)
            return value
        if inner.endswith("++") or inner.endswith("--"):
            name = inner[:-2]
            before = self.macros.local(name)
            step(self.macros, name, 1 if inner[-1] == "+" else -1)
            return before
        return self.macros.locals.get(inner, "")


def step(macros: Macros, name: str, by: int) -> str:
    current = macros.local(name)
    try:
        value = float(current) if current not in ("", ".") else math.nan
    except ValueError:
        raise StataError(198, f"{current} invalid") from None
    new = number_text(value + by)
    macros.set_local(name, new)
    return new


_FAST_NUM = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*")
_FAST_OP = re.compile(r"([-+*/])")


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_BINARY = re.compile(rf"\s*({_NUMBER})\s*([-+*/])\s*({_NUMBER})\s*")


def _arithmetic(text: str) -> float | None:
    """`5050 + 101`, `2*3 - 1/4`: numbers joined by + - * / (what loops evaluate most),
    computed as Stata does (doubles; division by zero or overflow is missing). None for
    anything else, which goes to the full evaluator."""
    m = _BINARY.fullmatch(text)
    if m:                                   # `a op b`, the commonest: one match
        a, op, b = float(m.group(1)), m.group(2), float(m.group(3))
        if op == "+":
            v = a + b
        elif op == "-":
            v = a - b
        elif op == "*":
            v = a * b
        else:
            v = a / b if b != 0 else math.nan
        return math.nan if math.isinf(v) else v
    nums, ops, i, n = [], [], 0, len(text)
    while True:
        m = _FAST_NUM.match(text, i)
        if not m:
            return None
        nums.append(float(m.group(1)))
        i = m.end()
        if i == n:
            break
        o = _FAST_OP.match(text, i)
        if not o:
            return None
        ops.append(o.group())
        i = o.end()
    terms, signs, acc = [], [], nums[0]
    for op, x in zip(ops, nums[1:]):
        if op == "*":
            acc *= x
        elif op == "/":
            acc = acc / x if x != 0 else math.nan
        else:
            terms.append(acc)
            signs.append(op)
            acc = x
    terms.append(acc)
    total = terms[0]
    for op, x in zip(signs, terms[1:]):
        total = total + x if op == "+" else total - x
    return math.nan if math.isinf(total) else total


def evaluate_text(session, text: str):
    """A scalar expression's value: float (NaN = missing) or str."""
    value = _arithmetic(text)
    if value is not None:
        return value
    return evaluate(parse_expression(text), session, scalar=True)


def expand(session, text: str) -> str:
    return Expander(session).expand(text)
