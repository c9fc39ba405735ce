"""`label list` and `label dir` output.

    sector:
               0 public
               1 catholic

Values are right-aligned in 12 columns, then a blank and the text (Stata 17's layout).
"""
from __future__ import annotations

from dataclasses import dataclass

from hlmshell.render import to_text
from hlmshell.render.formats import fmt


@dataclass
class LabelList:
    labels: list[tuple[str, list[tuple[float, str]]]]


@dataclass
class LabelDir:
    names: list[str]


@to_text.register
def _(obj: LabelList) -> str:
    lines = []
    for name, entries in obj.labels:
        lines.append(f"{name}:")
        lines += [f"{fmt(v, '%12.0g'):>12} {text}" for v, text in entries]
    return "\n".join(lines)


@to_text.register
def _(obj: LabelDir) -> str:
    return "\n".join(obj.names)
