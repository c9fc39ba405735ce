"""Stata's numlist ([P] numlist, [U] 11.1.8): `1 2 3`, `1/5`, `5/1`, `1(2)9`, `10(-2)0`,
`1[2]9`, `1 3 to 9` / `1 3: 9` (the step is the difference of the first two) → numbers.

`min`/`max` are, as in Stata's numlist options, the least and most number of elements."""
from __future__ import annotations

import math
import re

from hlmshell.errors import StataError

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"({_NUM})/({_NUM})$")
_STEP = re.compile(rf"({_NUM})\s*[(\[]\s*({_NUM})\s*[)\]]\s*({_NUM})$")
_NUMBER = re.compile(rf"{_NUM}$")
_MAX_ELEMENTS = 1_000_000  # a guard against 1(1e-9)1e9; Stata's own limit is smaller


def _fail(code: int, what: str = "") -> StataError:
    return StataError(code, f"invalid numlist{what}")


def _seq(a: float, d: float, b: float) -> list[float]:
    if d == 0 or not all(map(math.isfinite, (a, d, b))):
        raise _fail(121)
    span = (b - a) / d
    if span < -1e-9:
        return [a]    # a step that walks away from the end gives just the start
    count = int(math.floor(span + 1e-9)) + 1
    if count > _MAX_ELEMENTS:
        raise _fail(123, " has too many elements")
    # a + k d, rounded to 15 significant digits so 0(.1).3 is 0 .1 .2 .3 exactly
    return [float(f"{a + k * d:.15g}") for k in range(count)]


def _tokens(text: str) -> list[str]:
    # keep `1 (2) 9` and `1/ 5` together; `to` and `:` are separate tokens
    text = re.sub(r"\s*([(\[/)\]])\s*", r"\1", text.strip())
    text = re.sub(r"\s*:\s*", " : ", text)
    return text.split()


def parse_numlist(text: str, *, integer: bool = False, ascending: bool = False,
                  min: int | None = None, max: int | None = None,
                  sort: bool = False) -> list[float]:
    words = _tokens(text)
    out: list[float] = []
    i = 0
    while i < len(words):
        w = words[i]
        if i + 3 < len(words) and words[i + 2] in ("to", ":") and \
                _NUMBER.match(w) and _NUMBER.match(words[i + 1]) and _NUMBER.match(words[i + 3]):
            a, second, b = float(w), float(words[i + 1]), float(words[i + 3])
            out += _seq(a, second - a, b)
            i += 4
            continue
        m = _RANGE.match(w)
        if m:
            a, b = float(m.group(1)), float(m.group(2))
            out += _seq(a, 1.0 if b >= a else -1.0, b)
        elif (m := _STEP.match(w)):
            out += _seq(float(m.group(1)), float(m.group(2)), float(m.group(3)))
        elif _NUMBER.match(w):
            out.append(float(w))
        else:
            raise _fail(121)
        i += 1
    if integer and any(not v.is_integer() for v in out):
        raise _fail(126, " has noninteger elements")
    if ascending and any(b < a for a, b in zip(out, out[1:])):
        raise _fail(124, " has elements out of order")
    if min is not None and len(out) < min:
        raise _fail(122, " has too few elements")
    if max is not None and len(out) > max:
        raise _fail(123, " has too many elements")
    return sorted(out) if sort else out
