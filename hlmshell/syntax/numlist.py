"""Stata's numlist ([U] 11.1.8): `1 2 3`, `1/5`, `5/1`, `1(2)9`, `10(-2)0`, `1 3 to 9`,
`1 3: 9`, one parser for foreach, levelsof, margins' at() and the numlist command."""
from __future__ import annotations

import math
import re

from hlmshell.errors import StataError

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|\."


def _range(a: float, step: float, b: float) -> list[float]:
    if step == 0 or (b - a) * step < 0:
        raise StataError(123 if step == 0 else 124, "invalid numlist")
    out, k = [], 0
    while True:
        v = a + k * step
        if (step > 0 and v > b + abs(step) * 1e-9) or (step < 0 and v < b - abs(step) * 1e-9):
            return out
        out.append(float(f"{v:.15g}"))
        k += 1
        if k > 2_500_000:
            raise StataError(123, "invalid numlist has too many elements")


def parse_numlist(text: str, *, integer: bool = False, ascending: bool = False,
                  min: int | None = None, max: int | None = None,
                  sort: bool = False) -> list[float]:
    words = re.sub(r"\s*\(\s*", "(", re.sub(r"\s*\)\s*", ")", text.replace(",", " "))).split()
    out: list[float] = []
    i = 0
    while i < len(words):
        w = words[i]
        if (m := re.fullmatch(rf"({_NUM})/({_NUM})", w)):
            a, b = float(m.group(1)), float(m.group(2))
            out += _range(a, 1.0 if b >= a else -1.0, b)
        elif (m := re.fullmatch(rf"({_NUM})\(({_NUM})\)({_NUM})", w)):
            a, d, b = (float(g) for g in m.groups())
            out += _range(a, d, b)
        elif i + 3 < len(words) + 0 and words[i + 2] in ("to", ":") and \
                re.fullmatch(_NUM, w) and re.fullmatch(_NUM, words[i + 1]) and \
                re.fullmatch(_NUM, words[i + 3]):
            a, t, b = float(w), float(words[i + 1]), float(words[i + 3])
            out += _range(a, t - a, b)
            i += 4
            continue
        elif re.fullmatch(_NUM, w):
            out.append(math.nan if w == "." else float(w))
        else:
            raise StataError(121, "invalid numlist")
        i += 1
    if integer and any(not math.isnan(v) and v != int(v) for v in out):
        raise StataError(126, "invalid numlist has noninteger elements")
    if ascending and any(b < a for a, b in zip(out, out[1:])):
        raise StataError(124, "invalid numlist has elements out of order")
    if min is not None and len(out) < min:
        raise StataError(122, "invalid numlist has too few elements")
    if max is not None and len(out) > max:
        raise StataError(123, "invalid numlist has too many elements")
    return sorted(out) if sort else out
