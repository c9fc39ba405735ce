"""tabstat tables, Stata 17 layout (a public Stata 17+ log of `tabstat …, by() statistic()`):

    Summary statistics: Mean, SD, N
    Group variable: AgentType (PlayerType)

    AgentType |  TrialT~e  TA_Tra~l
    ----------+--------------------
          DMP |  14.13444  1.030571
              |  15.44947  1.248808
              |       284       284
    ----------+--------------------
        Total |  36.17413  2.712747
    ...
    -------------------------------

Value cells are 10 wide (%9.0g, or the format asked for), headings abbreviated to 8 and
right-aligned; the stub is at least 8 wide and grows to the group labels. With one variable
(or columns(statistics)) the statistics are the columns and the header says
`Summary for variables: …`. Without by() the stub is `Stats` (columns(variables)) or
`Variable` (columns(statistics)) and there is no header.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt


@dataclass
class TabstatResult:
    names: list[str]
    stats: list[str]              # headings: Mean, SD, N, p50, ...
    formats: list[str]            # one per variable
    groups: list = field(default_factory=list)   # (label, stats × vars array)
    total: np.ndarray | None = None
    byvar: str | None = None
    by_title: str = ""
    stat_columns: bool = False    # columns(statistics)


def _cell(v: float, spec: str) -> str:
    text = fmt(float(v), spec).strip()
    return f"{text:>9}" if len(text) <= 9 else text


@to_text.register
def _(t: TabstatResult) -> str:
    lines = [""]
    if t.byvar is not None:
        if t.stat_columns:
            lines.append("Summary for variables: " + " ".join(t.names))
        else:
            lines.append("Summary statistics: " + ", ".join(t.stats))
        lines.append("Group variable: " + t.by_title)
        lines.append("")
    heads = t.stats if t.stat_columns else [abbrev(n, 8) for n in t.names]
    blocks = list(t.groups)
    if t.total is not None:
        blocks.append(("Total", t.total))
    if t.byvar is not None:
        stub_head = t.byvar
    else:
        stub_head = "Variable" if t.stat_columns else "Stats"
    stub_labels = [label for label, _ in blocks] if t.byvar is not None else []
    if t.byvar is None:
        stub_labels = [abbrev(n, 12) for n in t.names] if t.stat_columns else list(t.stats)
    w = max([8, len(stub_head)] + [len(s) for s in stub_labels])
    width = w + 2 + 10 * len(heads)
    lines.append(f"{stub_head:>{w}} |" + "".join(f" {h:>9}" for h in heads))
    lines.append("-" * (w + 1) + "+" + "-" * (10 * len(heads)))

    def body(values: np.ndarray) -> list[list[str]]:
        """Rows of cells: one per statistic (columns are variables), or one per variable."""
        if t.stat_columns:
            return [[_cell(values[i, j], t.formats[j]) for i in range(len(t.stats))]
                    for j in range(len(t.names))]
        return [[_cell(values[i, j], t.formats[j]) for j in range(len(t.names))]
                for i in range(len(t.stats))]

    for k, (label, values) in enumerate(blocks):
        rows = body(values)
        if t.byvar is None:
            for stub, cells in zip(stub_labels, rows):
                lines.append(f"{stub:>{w}} |" + "".join(f" {c}" for c in cells))
            continue
        for i, cells in enumerate(rows):
            lines.append(f"{label if i == 0 else '':>{w}} |" + "".join(f" {c}" for c in cells))
        # groups of one row each follow one another; Total is always set apart
        if k < len(blocks) - 1 and (len(rows) > 1 or blocks[k + 1][0] == "Total"
                                    and t.total is not None and k == len(blocks) - 2):
            lines.append("-" * (w + 1) + "+" + "-" * (10 * len(heads)))
    lines.append("-" * width)
    return "\n".join(lines)
