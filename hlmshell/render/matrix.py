"""Layouts of `matrix list` and `matrix dir` (handout: `mat list e(b)`, `mat list base`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hlmshell.matrix import StataMatrix
from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt

COLW = 11  # one space and a %10.0g field per column


@dataclass
class MatrixListing:
    name: str  # "e(b)", "base"
    matrix: StataMatrix
    fmt: str = "%10.0g"


@dataclass
class MatrixDir:
    entries: list[tuple[str, int, int]]  # name, rows, cols


def _split(name: str) -> tuple[str, str]:
    eq, _, nm = name.rpartition(":")
    return eq, nm


def is_symmetric(m: StataMatrix) -> bool:
    v = m.values
    return bool(m.symmetric or (v.shape[0] == v.shape[1] and v.shape[0] > 1
                                and m.rownames == m.colnames and np.array_equal(v, v.T, equal_nan=True)))


def matrix_lines(name: str, m: StataMatrix, spec: str = "%10.0g") -> list[str]:
    r, c = m.values.shape
    sym = is_symmetric(m)
    rowlabels = [abbrev(n, 32) if ":" not in n else n for n in m.rownames]
    rw = max(len(s) for s in rowlabels)
    eqs, names = zip(*(_split(n) for n in m.colnames)) if c else ((), ())
    lines = ["", f"{'symmetric ' if sym else ''}{name}[{r},{c}]"]
    if any(eqs):
        lines.append(" " * (rw + 1) + "".join(f"{(e + ':') if e else '':>{COLW}}" for e in eqs))
    lines.append(" " * rw + "".join(f"{abbrev(n, COLW - 1):>{COLW}}" for n in names))
    for i, lab in enumerate(rowlabels):
        upto = i + 1 if sym else c
        cells = "".join(" " + fmt(m.values[i, j], spec) for j in range(upto))
        lines.append(f"{lab:>{rw}}{cells}")
    return lines


@to_text.register
def _(obj: MatrixListing) -> str:
    return "\n".join(matrix_lines(obj.name, obj.matrix, obj.fmt))


@to_text.register
def _(obj: MatrixDir) -> str:
    if not obj.entries:
        return ""
    w = max(12, max(len(e[0]) for e in obj.entries))
    return "\n".join([""] + [f"{n:>{w}}[{r},{c}]" for n, r, c in obj.entries])
