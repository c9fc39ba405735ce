"""Stata numlists ([U] 11.1.8): `-1 0 1`, `-2(0.5)2`, `1/5`, `0 1 to 3`, `1[2]9`, `5 4: 1`.

`parse_numlist(text) -> list[float]`: one parser for every command that takes a numlist
(margins' at(), and foreach/forvalues in the language layer). Knows no data and no numpy.
Errors are Stata's r(121) "invalid numlist"; a list longer than MAX_ELEMENTS is r(123).
"""
from __future__ import annotations

import math
import re

from hlmshell.errors import StataError

MAX_ELEMENTS = 2_500  # Stata's limit on a numlist's length (r(123))

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# `a(d)b` and `a[d]b`: a with step d up to b; `a/b`: a up (or down) to b by 1
_STEP = re.compile(rf"^({_NUM})\s*[(\[]\s*({_NUM})\s*[)\]]\s*({_NUM})$")
_RANGE = re.compile(rf"^({_NUM})\s*/\s*({_NUM})$")
_ONE = re.compile(rf"^{_NUM}$")


def _invalid() -> StataError:
    return StataError(121, "invalid numlist")


def _sequence(a: float, step: float, b: float) -> list[float]:
    """a, a+step, ... not beyond b; the count is rounded so -2(0.5)2 ends exactly at 2."""
    if step == 0 or (b - a) * step < 0:
        raise _invalid()
    count = math.floor((b - a) / step + 1e-7) + 1
    if count > MAX_ELEMENTS:
        raise StataError(123, "invalid numlist has too many elements")
    # a + k*step, rounded to 1e-12 relative so 0.1 steps do not print as .30000000000000004
    return [_tidy(a + k * step) for k in range(count)]


def _tidy(x: float) -> float:
    return 0.0 if abs(x) < 1e-13 else float(f"{x:.13g}")


def _tokens(text: str) -> list[str]:
    """Elements separated by blanks or commas; `a (d) b`, `a / b`, `to`, `:` kept whole."""
    text = re.sub(r"\s*([(\[])\s*", r"\1", text)
    text = re.sub(r"\s*([)\]/])\s*", r"\1", text)
    text = re.sub(r"\s*:\s*", " : ", text)
    return [t for t in re.split(r"[\s,]+", text.strip()) if t]


def parse_numlist(text: str) -> list[float]:
    words = _tokens(text)
    out: list[float] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w.lower() in ("to", ":"):
            # `a b to c` / `a b : c`: step b - a from the two numbers before it
            if len(out) < 2 or i + 1 >= len(words):
                raise _invalid()
            a, b = out[-2], out[-1]
            out.extend(_sequence(b, b - a, _number(words[i + 1]))[1:])
            i += 2
            continue
        m = _STEP.match(w)
        if m:
            out.extend(_sequence(*(float(g) for g in m.groups())))
        elif (m := _RANGE.match(w)) is not None:
            a, b = float(m.group(1)), float(m.group(2))
            out.extend(_sequence(a, 1.0 if b >= a else -1.0, b))
        else:
            out.append(_number(w))
        if len(out) > MAX_ELEMENTS:
            raise StataError(123, "invalid numlist has too many elements")
        i += 1
    return out


def _number(word: str) -> float:
    if word == ".":
        return math.nan
    if not _ONE.match(word):
        raise _invalid()
    return float(word)
