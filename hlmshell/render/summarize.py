"""summarize tables, Stata 17 layout (docs: stata-reference.md 8.4; the handout, page 2).

    ␣␣␣␣Variable |        Obs        Mean    Std. dev.       Min        Max
    -------------+---------------------------------------------------------

Name right-aligned in 12 (abbrev 12), `|` at column 14, Obs ending at column 25 with
thousands commas, Mean and Std. dev. in %9.0g ending at 37 and 49, Min and Max ending at
60 and 71. A rule every five variables. String variables (and numeric ones without
observations) show only their Obs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, comma_int, fmt

HEADER = "    Variable |        Obs        Mean    Std. dev.       Min        Max"
RULE = "-" * 13 + "+" + "-" * 57


@dataclass
class SummaryRow:
    name: str
    n: int
    mean: float | None = None  # None: nothing but Obs is shown
    sd: float | None = None
    min: float | None = None
    max: float | None = None


@dataclass
class SummaryTable:
    rows: list[SummaryRow] = field(default_factory=list)


@dataclass
class SummaryDetail:
    """One `summarize, detail` block."""
    title: str  # the variable label, or the name
    n: int
    sum_w: float = 0.0
    percentiles: list[float] = field(default_factory=list)  # 1 5 10 25 50 75 90 95 99
    smallest: list[float] = field(default_factory=list)     # up to 4, ascending
    largest: list[float] = field(default_factory=list)      # up to 4, ascending
    mean: float | None = None
    sd: float | None = None
    var: float | None = None
    skewness: float | None = None
    kurtosis: float | None = None


@dataclass
class SummaryDetails:
    blocks: list[SummaryDetail] = field(default_factory=list)


def _g(x) -> str:
    return fmt(x, "%9.0g")


def summary_line(row: SummaryRow) -> str:
    line = f"{abbrev(row.name, 12):>12} | {comma_int(row.n):>10}"
    if row.mean is None:
        return line
    return line + f"   {_g(row.mean)}   {_g(row.sd)}  {_g(row.min)}  {_g(row.max)}"


@to_text.register
def _(table: SummaryTable) -> str:
    lines = ["", HEADER, RULE]
    for i, row in enumerate(table.rows):
        if i and i % 5 == 0:
            lines.append(RULE)
        lines.append(summary_line(row))
    return "\n".join(lines)


PCT_LABELS = (" 1%", " 5%", "10%", "25%", "50%", "75%", "90%", "95%", "99%")


def _detail_lines(b: SummaryDetail) -> list[str]:
    width = 61
    pad = max((width - len(b.title)) // 2, 0)
    lines = [" " * pad + b.title, "-" * width]
    if b.n == 0:
        return lines + ["no observations"]
    p = b.percentiles
    small = (b.smallest + [None] * 4)[:4]
    large = ([None] * 4 + b.largest)[-4:]

    def cell(x):
        return " " * 9 if x is None else _g(x)

    def stat(label, text):
        return f"       {label:<14}{text}"

    def obs(x):
        return f"{comma_int(x):>9}"

    right = {3: stat("Obs", obs(b.n)), 4: stat("Sum of wgt.", obs(b.sum_w)),
             6: stat("Mean", _g(b.mean)), 7: stat("Std. dev.", cell(b.sd)),
             9: stat("Variance", cell(b.var)), 10: stat("Skewness", cell(b.skewness)),
             11: stat("Kurtosis", cell(b.kurtosis))}
    left = ["      Percentiles      Smallest"]
    left += [f"{PCT_LABELS[k]}    {_g(p[k])}      {cell(small[k])}" for k in range(4)]
    left += ["", f"{PCT_LABELS[4]}    {_g(p[4])}" + " " * 15, " " * 24 + "Largest"]
    left += [f"{PCT_LABELS[5 + k]}    {_g(p[5 + k])}      {cell(large[k])}" for k in range(4)]
    for i, text in enumerate(left):
        lines.append((text + right.get(i, "")).rstrip())
    return [ln.rstrip() if ln.strip() else ln for ln in lines]


@to_text.register
def _(details: SummaryDetails) -> str:
    lines = []
    for b in details.blocks:
        lines.append("")
        lines.extend(_detail_lines(b))
    return "\n".join(lines)
