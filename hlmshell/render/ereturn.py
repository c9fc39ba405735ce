"""Layout of `ereturn list` and `return list` (handout: scalars/macros/matrices/functions)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hlmshell.render import to_text
from hlmshell.render.formats import full_precision

NAME_WIDTH = 22  # names are right-aligned to column 22


@dataclass
class ReturnListing:
    kind: str  # "e" or "r"
    scalars: dict = field(default_factory=dict)  # name -> float (or str: shown as a macro)
    macros: dict = field(default_factory=dict)  # name -> str
    matrices: dict = field(default_factory=dict)  # name -> StataMatrix or (rows, cols)
    functions: list = field(default_factory=list)  # e.g. ["sample"]


def scalar_text(x) -> str:
    """A scalar as `ereturn list` prints it: %18.0g without padding (16 significant digits)."""
    return full_precision(x)


def _shape(m) -> tuple[int, int]:
    if isinstance(m, tuple):
        return m
    return tuple(np.atleast_2d(np.asarray(getattr(m, "values", m))).shape)


@to_text.register
def _(obj: ReturnListing) -> str:
    k = obj.kind
    lines: list[str] = []
    scalars = {n: v for n, v in obj.scalars.items() if not isinstance(v, str)}
    macros = {n: v for n, v in obj.scalars.items() if isinstance(v, str)}
    macros.update(obj.macros)
    if scalars:
        lines += ["", "scalars:"]
        lines += [f"{k}({n})".rjust(NAME_WIDTH) + " =  " + scalar_text(v) for n, v in scalars.items()]
    if macros:
        lines += ["", "macros:"]
        lines += [f"{k}({n})".rjust(NAME_WIDTH) + f' : "{v}"' for n, v in macros.items()]
    if obj.matrices:
        lines += ["", "matrices:"]
        for n, m in obj.matrices.items():
            r, c = _shape(m)
            lines.append(f"{k}({n})".rjust(NAME_WIDTH) + f" :  {r} x {c}")
    if obj.functions:
        lines += ["", "functions:"]
        lines += [f"{k}({n})".rjust(NAME_WIDTH) for n in obj.functions]
    return "\n".join(lines)
