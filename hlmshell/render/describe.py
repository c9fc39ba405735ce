"""`describe`: the Stata 17 layout.

    Contains data from hsb.dta
     Observations:         7,185                  High School and Beyond
        Variables:            11                  25 Nov 2026 18:50
    -------------------------------------------------------------------------------
    Variable      Storage   Display    Value
        name         type    format    label      Variable label
    -------------------------------------------------------------------------------
    id              str4    %4s                   school number
    ...
    -------------------------------------------------------------------------------
    Sorted by: id

Columns start at 0 (name, abbreviated to 15), 16 (type), 24 (format), 35 (value label)
and 46 (variable label). With a varlist only the variable table is shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev


@dataclass
class DescribeRow:
    name: str
    stype: str
    fmt: str
    value_label: str = ""
    label: str = ""


@dataclass
class DescribeResult:
    rows: list[DescribeRow]
    nobs: int = 0
    nvars: int = 0
    header: bool = True  # False for `describe varlist`
    short: bool = False  # `describe, short`: the header only
    filename: str | None = None
    data_label: str = ""
    timestamp: str = ""
    sortedby: list[str] = field(default_factory=list)
    changed: bool = False
    linesize: int = 79


def _pair(title: str, number: int, right: str) -> str:
    text = f"{title:>14}{number:>14,}"
    return (f"{text:<46}{right}" if right else text).rstrip()


@to_text.register
def _(res: DescribeResult) -> str:
    rule = "-" * res.linesize
    lines: list[str] = [""]  # Stata leaves a blank line after the command
    if res.header:
        lines.append(f"Contains data from {res.filename}" if res.filename else "Contains data")
        lines.append(_pair("Observations:", res.nobs, res.data_label))
        lines.append(_pair("Variables:", res.nvars, res.timestamp))
        if not res.rows:
            lines.append(f"Sorted by: {' '.join(res.sortedby)}".rstrip())
            if res.changed:
                lines.append("     Note: Dataset has changed since last saved.")
            return "\n".join(lines)
        lines.append(rule)
    lines.append("Variable      Storage   Display    Value")
    lines.append("    name         type    format    label      Variable label")
    lines.append(rule)
    for row in res.rows:
        text = (f"{abbrev(row.name, 15):<15} {row.stype:<7} {row.fmt:<10} "
                f"{row.value_label:<10} {row.label}")
        lines.append(text.rstrip())
    if res.header:
        lines.append(rule)
        lines.append(f"Sorted by: {' '.join(res.sortedby)}".rstrip())
        if res.changed:
            lines.append("     Note: Dataset has changed since last saved.")
    return "\n".join(lines)
