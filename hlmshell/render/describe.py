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
and 46 (variable label; long labels wrap, continuing at column 48). With a varlist only the
variable table is shown. Trailing blanks are kept where Stata writes them (the Observations
and Variables lines are padded to column 46; "Sorted by:" puts two spaces after each key);
checked against Stata 17/18 describe output quoted in public course notes.
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
    # Stata pads to column 46 even when there is nothing on the right
    return f"{title:>14}{number:>14,}".ljust(46) + right


def _sorted_by(keys: list[str]) -> str:
    # Stata writes two spaces after each key: "Sorted by: id  " (and "Sorted by: " alone)
    return "Sorted by: " + "".join(f"{k}  " for k in keys)


def _wrap(words: list[str], first: int, rest: int) -> list[str]:
    """Greedy word wrap: the first line holds `first` characters, the others `rest`."""
    lines: list[str] = []
    current = ""
    for word in words:
        room = first if not lines else rest
        if current and len(current) + 1 + len(word) > room:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current or not lines:
        lines.append(current)
    return lines


def _variable_lines(row: "DescribeRow", linesize: int) -> list[str]:
    """One variable: name, type, format and value label, then the label from column 46,
    wrapped at the line size with continuation lines indented to column 48. A value-label
    name longer than 8 characters pushes the variable label to its own line (column 46)."""
    head = f"{abbrev(row.name, 15):<15} {row.stype:<7} {row.fmt:<10} {row.value_label:<10} "
    if not row.label:
        return [head.rstrip()]
    lines = []
    if len(row.value_label) > 8 or len(head) > 46:
        lines.append(head.rstrip())
        head = " " * 46
    wrapped = _wrap(row.label.split(), max(linesize - 46, 10), max(linesize - 48, 10))
    lines.append(head + wrapped[0])
    lines += [" " * 48 + more for more in wrapped[1:]]
    return lines


@to_text.register
def _(res: DescribeResult) -> str:
    rule = "-" * res.linesize
    lines: list[str] = [""]  # Stata leaves a blank line after the command
    if res.header:
        lines.append(f"Contains data from {res.filename}" if res.filename else "Contains data")
        lines.append(_pair("Observations:", res.nobs, res.data_label))
        lines.append(_pair("Variables:", res.nvars, res.timestamp))
        if not res.rows:
            lines.append(_sorted_by(res.sortedby))
            if res.changed:
                lines.append("     Note: Dataset has changed since last saved.")
            return "\n".join(lines)
        lines.append(rule)
    lines.append("Variable      Storage   Display    Value")
    lines.append("    name         type    format    label      Variable label")
    lines.append(rule)
    for row in res.rows:
        lines += _variable_lines(row, res.linesize)
    if res.header:
        lines.append(rule)
        lines.append(_sorted_by(res.sortedby))
        if res.changed:
            lines.append("     Note: Dataset has changed since last saved.")
    return "\n".join(lines)
