"""The text of Stata 17's `table` (default table style), from numbers and their formats.

Confirmed on public Stata 17 logs (`table educg, statistic(frequency) statistic(percent)`,
`table sector foreign_owned, stat(mean x)`, `table (var) (result), statistic(mean ...)`):

    ----------------------------------------------------------------------   top: dashes
                                        |           Foreign owned            header rows
                                        |         0           1      Total
    ------------------------------------+---------------------------------   separator
    sector                              |                                    row variable
      Manufacturing                     |  .1139226   -.0359089   .0390069   levels +2
      Total                             |  .1157156    .2093517   .1625336
    ----------------------------------------------------------------------   bottom

- the stub is as wide as its longest (indented) label plus one space, left-aligned;
- every column is its widest entry (cell or its own header) plus a margin of 2, and columns
  are one space apart; numbers are right-aligned after formatting and trimming;
- a header spanning several columns is centred over them (margin excluded);
- lines are padded with blanks to the full width, as Stata's logs show.
Cells are `Cell(value, nformat, sformat)`: the number is formatted with its display format
(missing prints as "."), then put into the sformat's `%s`. A None cell is empty.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import fmt


@dataclass
class Cell:
    value: float
    nfmt: str = "%9.0g"
    sfmt: str | None = None

    def text(self) -> str:
        t = fmt(self.value, self.nfmt).strip()
        if not self.sfmt:
            return t
        # `%s` takes the number, `%%` is a literal percent sign
        return "%".join(part.replace("%s", t, 1) for part in self.sfmt.split("%%"))


@dataclass
class HeaderSpan:
    first: int        # first and last column (0-based, inclusive) it covers
    last: int
    text: str


@dataclass
class TableGrid:
    title: str | None
    header: list[list[HeaderSpan]]
    rows: list[tuple[int, str, list]]        # (indent, label, cells or None)
    ncols: int


@dataclass
class TableOutput:
    grids: list[TableGrid] = field(default_factory=list)


def _widths(g: TableGrid) -> list[int]:
    """Content width of each column (margins excluded)."""
    w = [0] * g.ncols
    for _, _, cells in g.rows:
        for j, c in enumerate(cells or []):
            if c is not None:
                w[j] = max(w[j], len(c.text()))
    for spans in g.header:
        for s in spans:
            if s.first == s.last:
                w[s.first] = max(w[s.first], len(s.text))
    for spans in g.header:          # a wide spanning header widens its last column
        for s in spans:
            if s.first != s.last:
                area = sum(w[s.first:s.last + 1]) + 3 * (s.last - s.first)
                if len(s.text) > area:
                    w[s.last] += len(s.text) - area
    return w


def _starts(w: list[int]) -> list[int]:
    """Offset of each column's content after the bar: 2, then +1 space +2 margin."""
    out, pos = [], 0
    for j, x in enumerate(w):
        pos += 2 if j == 0 else 3
        out.append(pos)
        pos += x
    return out


def grid_lines(g: TableGrid) -> list[str]:
    w = _widths(g)
    starts = _starts(w)
    right = (starts[-1] + w[-1]) if w else 0
    stub = max([indent + len(label) for indent, label, _ in g.rows] + [0]) + 1
    lines = []
    if g.title:
        lines += [g.title, ""]
    lines.append("-" * (stub + 1 + right))
    for spans in g.header:
        line = [" "] * right
        for s in spans:
            lo, hi = starts[s.first], starts[s.last] + w[s.last]
            if s.first == s.last:
                pos = hi - len(s.text)
            else:
                pos = lo + (hi - lo - len(s.text)) // 2
            line[pos:pos + len(s.text)] = list(s.text)
        lines.append(" " * stub + "|" + "".join(line)[:max(right, 0)].ljust(right))
    lines.append("-" * stub + "+" + "-" * right)
    for indent, label, cells in g.rows:
        text = (" " * indent + label).ljust(stub) + "|"
        if cells is None:
            lines.append(text + " " * right)
            continue
        body = ""
        for j, c in enumerate(cells):
            width = w[j] + (2 if j == 0 else 3)
            body += (c.text() if c is not None else "").rjust(width)
        lines.append(text + body)
    lines.append("-" * (stub + 1 + right))
    return lines


@to_text.register
def _(t: TableOutput) -> str:
    out = []
    for g in t.grids:
        out.append("")
        out += grid_lines(g)
    return "\n".join(out)


__all__ = ["Cell", "HeaderSpan", "TableGrid", "TableOutput", "grid_lines"]
