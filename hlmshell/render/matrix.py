"""Layouts of `matrix list` and `matrix dir` (handout: `mat list e(b)`, `mat list base`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hlmshell.matrix import StataMatrix
from hlmshell.render import to_text
from hlmshell.render.formats import fmt

SEP = 2  # spaces between columns; a column is as wide as its widest entry or name


@dataclass
class MatrixListing:
    name: str  # "e(b)", "base"
    matrix: StataMatrix
    fmt: str = "%10.0g"
    linesize: int = 79


@dataclass
class MatrixDir:
    entries: list[tuple[str, int, int]]  # name, rows, cols


def _split(name: str) -> tuple[str, str]:
    eq, _, nm = name.rpartition(":")
    return eq, nm


def is_symmetric(m: StataMatrix) -> bool:
    """Flagged symmetric (e(V)), or square with exactly symmetric values, as Stata decides."""
    v = m.values
    return bool(m.symmetric or (v.shape[0] == v.shape[1]
                                and np.array_equal(v, v.T, equal_nan=True)))


def matrix_lines(name: str, m: StataMatrix, spec: str = "%10.0g", linesize: int = 79) -> list[str]:
    """Right-aligned row names; columns as wide as their widest entry or name plus two
    spaces; blocks of as many columns as fit in the line, separated by a blank line."""
    r, c = m.values.shape
    sym = is_symmetric(m)
    rowlabels = list(m.rownames)
    rw = max(len(s) for s in rowlabels)
    eqs, names = zip(*(_split(n) for n in m.colnames))
    cells = [[fmt(m.values[i, j], spec).strip() for j in range(i + 1 if sym else c)]
             for i in range(r)]
    w = max([len(x) for row in cells for x in row] + [len(n) for n in names]
            + [len(e) for e in eqs])
    per_block = max(1, (linesize - rw) // (w + SEP))
    lines = ["", f"{'symmetric ' if sym else ''}{name}[{r},{c}]"]
    for first in range(0, c, per_block):
        cols = range(first, min(c, first + per_block))
        if first:
            lines.append("")
        if any(eqs):
            lines.append(" " * (rw + 1) + "".join(
                f"{(eqs[j] + ':') if eqs[j] else '':>{w + SEP}}" for j in cols))
        lines.append(" " * rw + "".join(f"{names[j]:>{w + SEP}}" for j in cols))
        for lab, row in zip(rowlabels, cells):
            shown = [row[j] for j in cols if j < len(row)]
            if shown or not sym:
                lines.append(f"{lab:>{rw}}" + "".join(f"{x:>{w + SEP}}" for x in shown))
    return lines


@to_text.register
def _(obj: MatrixListing) -> str:
    return "\n".join(matrix_lines(obj.name, obj.matrix, obj.fmt, obj.linesize))


@to_text.register
def _(obj: MatrixDir) -> str:
    if not obj.entries:
        return ""
    w = max(12, max(len(e[0]) for e in obj.entries))
    return "\n".join([""] + [f"{n:>{w}}[{r},{c}]" for n, r, c in obj.entries])
