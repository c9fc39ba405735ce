"""Plain-text layout of Stata's output tables: a row-label column, a `|`, then cells.

Stata builds these tables from SMCL such as `{hline 13}{c +}{hline 64}`; in a text log,
`{c +}` is a "+" and the top/bottom joints `{c TT}`/`{c BT}` are plain dashes, so

    -------------------------------------------------------------------  top      rule(13, 54, "TT")
        Variable |        Obs        Mean    Std. dev.       Min      header   row(...)
    -------------+-----------------------------------------------------  separator rule(13, 54)
             ses |      7,185    .0001434    .7793552     -3.758      body     row(...)

Widths: `label_width` is everything left of the `|` (13 for summarize, 12 for a tabulate
of a short variable, 29 for the random-effects table); the label gets label_width-1
characters and one space before the bar. Each cell is right-aligned (or left-aligned) in
its width, counted from just after the bar, so a cell width includes the gap before the
value. Nothing is truncated: text wider than its field pushes the rest of the line right
(abbreviate names first with formats.abbrev). This module computes nothing; cells arrive
as text, usually from formats.fmt.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

__all__ = ["hline", "rule", "align", "row", "row_text", "separate", "Table"]

# SMCL joints as they appear in a plain-text log
_JOINTS = {"+": "+", "|": "|", "-": "-", "TT": "-", "BT": "-"}


def hline(n: int) -> str:
    """`{hline n}`: n dashes."""
    return "-" * n


def rule(left_width: int, right_width: int, joint: str = "+") -> str:
    """`{hline left}{c joint}{hline right}`; joint "+" (separator) or "TT"/"BT"/"-" (plain)."""
    return hline(left_width) + _JOINTS[joint] + hline(right_width)


def align(text: str, width: int, how: str = "right") -> str:
    """Pad text to width: "right", "left" or "center"; never truncates."""
    if how == "right":
        return text.rjust(width)
    if how == "left":
        return text.ljust(width)
    if how == "center":
        left = max(width - len(text), 0) // 2
        return (" " * left + text).ljust(width)
    raise ValueError(f"unknown alignment {how!r}")


def _left(label: str, label_width: int, label_align: str, bar: str) -> str:
    return align(label, label_width - 1, label_align) + " " + bar


def row(label: str, cells: Sequence[str], label_width: int, cell_widths: Sequence[int],
        label_align: str = "right", cell_align: str | Sequence[str] = "right",
        bar: str = "|") -> str:
    """One table line: the label, " |", then each cell aligned in its width.

    Fewer cells than widths is fine (summarize prints only Obs when it is 0); an empty
    `cells` gives a label-only line such as `id: Identity                 |`.
    """
    if len(cells) > len(cell_widths):
        raise ValueError("more cells than cell widths")
    aligns = [cell_align] * len(cells) if isinstance(cell_align, str) else list(cell_align)
    body = "".join(align(c, w, a) for c, w, a in zip(cells, cell_widths, aligns))
    return _left(label, label_width, label_align, bar) + body


def row_text(label: str, text: str, label_width: int, label_align: str = "right",
             bar: str = "|") -> str:
    """A line whose right-hand part is free text, e.g. the coefficient-table header."""
    return _left(label, label_width, label_align, bar) + text


def separate(rows: Iterable[str], every: int, separator: str) -> list[str]:
    """Insert `separator` after every `every` rows, not after the last one (summarize: 5)."""
    rows = list(rows)
    out: list[str] = []
    for i, line in enumerate(rows):
        if every and i and i % every == 0:
            out.append(separator)
        out.append(line)
    return out


@dataclass(frozen=True)
class Table:
    """The fixed geometry of one table: label column width and cell widths.

    summarize: Table(13, (11, 12, 12, 11, 11)); tabulate: Table(w + 1, (11, 12, 12));
    coefficients: Table(13, (11, 11, 9, 8, 13, 12)); random effects and estat icc:
    Table(29, (11, 11, 14, 12)); estat ic: Table(13, (11, 11, 11, 8, 11, 11)).
    """

    label_width: int
    cell_widths: tuple[int, ...]
    label_align: str = "right"
    cell_align: str | tuple[str, ...] = "right"

    @property
    def right_width(self) -> int:
        return sum(self.cell_widths)

    @property
    def width(self) -> int:
        return self.label_width + 1 + self.right_width

    def top(self) -> str:
        return rule(self.label_width, self.right_width, "TT")

    def sep(self) -> str:
        return rule(self.label_width, self.right_width, "+")

    def bottom(self) -> str:
        return rule(self.label_width, self.right_width, "BT")

    def full(self) -> str:
        """A rule of plain dashes across the whole table width."""
        return hline(self.width)

    def row(self, label: str, cells: Sequence[str] = (), label_align: str | None = None) -> str:
        return row(label, cells, self.label_width, self.cell_widths,
                   label_align or self.label_align, self.cell_align)

    def text(self, label: str, text: str, label_align: str | None = None) -> str:
        return row_text(label, text, self.label_width, label_align or self.label_align)

    def rows(self, rows: Iterable[tuple[str, Sequence[str]]], every: int = 0) -> list[str]:
        """Body lines from (label, cells) pairs, with a separator every `every` rows."""
        return separate((self.row(lab, cells) for lab, cells in rows), every, self.sep())
