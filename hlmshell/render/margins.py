"""Layout of margins (Stata 17's [R] margins): title with Number of obs, Model VCE,
Expression, `dy/dx wrt:`, the at legend (`1._at: ses = -1`), and the Delta-method table
whose rows are grouped by dimension (`sector |` then `0  |`, `_at#sector |` then `1 0  |`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.mixed import RULE, WIDTH, ci_title
from hlmshell.render.postest import CoefRow, number_cells, stat_head


@dataclass
class MarginsBlock:
    """Rows under one heading: `eq` (an effect variable shown above, or ''), `header` (the
    dimension name, or '' for inline rows) and (label, numbers) rows."""
    eq: str
    header: str
    rows: list[CoefRow]


@dataclass
class MarginsOutput:
    title: str
    N: int
    vce: str
    expression: str
    wrt: tuple[str, list[str]] | None       # ("dy/dx", [vars])
    legend: list[str]
    blocks: list[MarginsBlock]
    column: str = "Margin"
    level: float = 95
    t: bool = False
    notes: list[str] = field(default_factory=list)
    vsquish: bool = False


def legend_lines(points: list[list[tuple[str, str]]]) -> list[str]:
    """`1._at: ses = -1` per at-point (`At:` when there is one); names padded to the longest,
    values right-aligned to the widest."""
    if not points or not any(points):
        return []
    namew = max(len(n) for p in points for n, _ in p)
    valw = max(len(v.split(" ")[0]) for p in points for _, v in p)
    lines = []
    for k, point in enumerate(points, start=1):
        head = "At: " if len(points) == 1 else f"{k}._at: "
        for i, (name, value) in enumerate(point):
            num, _, rest = value.partition(" ")
            text = f"{name:<{namew}} = {num:>{valw}}" + (f" {rest}" if rest else "")
            lines.append((head if i == 0 else " " * len(head)) + text)
    return lines


@to_text.register
def _(obj: MarginsOutput) -> str:
    right = f"Number of obs = {obj.N:,}"
    lines = ["", obj.title + right.rjust(WIDTH - len(obj.title)),
             f"Model VCE: {obj.vce}", "", f"Expression: {obj.expression}"]
    if obj.wrt is not None:
        lines.append(f"{obj.wrt[0]} wrt:  {' '.join(obj.wrt[1])}")
    if obj.legend:
        lines += [""] + obj.legend
    lines.append("")
    head = f"{'':12} | {obj.column:>10}   std. err.{stat_head(obj.t)}"
    head += ci_title(obj.level).rjust(WIDTH - len(head))
    lines += [RULE, f"{'':13}|{'Delta-method':>24}", head, "-" * 13 + "+" + "-" * 64]
    sep = " " * 13 + "|"
    for k, block in enumerate(obj.blocks):
        if k and not obj.vsquish and lines[-1] != sep:
            lines.append(sep)
        if block.eq:
            lines.append(f"{abbrev(block.eq, 12):<12} |")
        if block.header:
            lines.append(f"{abbrev(block.header, 12):>12} |")
            for r in block.rows:
                lines.append(f"{r.label:>11}  |{number_cells(r)}")
        else:
            for r in block.rows:
                lines.append(f"{abbrev(r.label, 12):>12} |{number_cells(r)}")
    lines.append(RULE)
    for note in obj.notes:
        lines.append(note)
    return "\n".join(lines)
