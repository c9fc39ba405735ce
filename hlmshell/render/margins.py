"""Layout of margins (Stata 17's [R] margins): title with Number of obs, Model VCE,
Expression, `dy/dx wrt:`, the at legend (`1._at: ses = -1`), and the Delta-method table
whose rows are grouped by dimension (`sector |` then `0  |`, `_at#sector |` then `1 0  |`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.mixed import WIDTH, ci_title
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
        lines += ([] if obj.vsquish else [""]) + obj.legend
    lines.append("")
    # the label column widens to the longest header or label (Stata 17), never below 12
    w = max([12] + [len(b.header) for b in obj.blocks] + [len(b.eq) for b in obj.blocks]
            + [len(r.label) + (1 if b.header else 0) for b in obj.blocks for r in b.rows])
    rule = "-" * (w + 66)
    head = f"{'':{w}} | {obj.column:>10}   std. err.{stat_head(obj.t)}"
    head += ci_title(obj.level).rjust(w + 66 - len(head))
    lines += [rule, f"{'':{w + 1}}|{'Delta-method':>24}", head, "-" * (w + 1) + "+" + "-" * 64]
    sep = " " * (w + 1) + "|"
    for k, block in enumerate(obj.blocks):
        if k and not obj.vsquish and lines[-1] != sep:
            lines.append(sep)
        if block.eq:
            lines.append(f"{block.eq:<{w}} |")
        if block.header:
            lines.append(f"{block.header:>{w}} |")
            for r in block.rows:
                lines.append(f"{r.label:>{w - 1}}  |{number_cells(r)}")
        else:
            for r in block.rows:
                lines.append(f"{r.label:>{w}} |{number_cells(r)}")
    lines.append(rule)
    for note in obj.notes:
        lines.append(note)
    return "\n".join(lines)
