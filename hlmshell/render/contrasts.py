"""Layouts of contrast and pwcompare ([R] contrast, [R] pwcompare, Stata 17 wording):
the title, `Margins: asbalanced`, the joint-test table (df, chi2 or F, P), the number of
comparisons under mcompare(), and the contrast table (62 columns, or 78 with `effects`),
with the adjustment method above the p-value and CI columns."""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import fmt
from hlmshell.render.mixed import ci_title
from hlmshell.render.postest import CoefRow, number_cells, stat_head, _g


@dataclass
class TestRow:
    label: str
    df: int
    stat: float
    p: float


@dataclass
class ContrastOutput:
    title: str
    term: str
    tests: list[TestRow]                 # per-contrast rows then Joint, or one term row
    rows: list[CoefRow]                  # contrast estimates (empty: tests only)
    level: float = 95
    t: bool = False
    df_r: float | None = None
    effects: bool = False
    method: str | None = None            # column note: Unadjusted / Bonferroni / Sidak
    n_comparisons: int | None = None
    notes: list[str] = field(default_factory=list)
    eq: str = ""                         # e(b)'s first equation when it has several

    @property
    def width(self) -> int:
        """The label column: 12, or wider for a long term or label (Stata 17)."""
        return max([12, len(self.term), len(self.eq)] + [len(r.label) + 1 for r in self.rows]
                   + [len(t.label) + 1 for t in self.tests])


def _eq(obj: ContrastOutput, w: int) -> list[str]:
    return [f"{obj.eq:<{w}} |"] if obj.eq else []


def _test_table(obj: ContrastOutput) -> list[str]:
    w = obj.width
    stat, p = ("F", "P>F") if obj.t else ("chi2", "P>chi2")
    rule = "-" * (w + 36)
    lines = [rule, f"{'':{w}} |{'df':>11}{stat:>12}{p:>11}", "-" * (w + 1) + "+" + "-" * 34]
    lines += _eq(obj, w)
    cells = lambda r: f"{r.df:>11}{fmt(r.stat, '%12.2f')}{fmt(r.p, '%11.4f')}"  # noqa: E731
    if len(obj.tests) == 1:
        lines.append(f"{obj.term:>{w}} |{cells(obj.tests[0])}")
    else:
        lines.append(f"{obj.term:>{w}} |")
        lines += [f"{r.label:>{w - 1}}  |{cells(r)}" for r in obj.tests]
    if obj.t:
        lines += [f"{'':{w}} |", f"{'Denominator':>{w}} |{fmt(obj.df_r, '%11.0f')}"]
    lines.append(rule)
    return lines


def _estimates(obj: ContrastOutput) -> list[str]:
    w = obj.width
    width = w + (66 if obj.effects else 50)
    rule = "-" * width
    lines = [rule]
    if obj.method:
        if obj.effects:
            lines.append(f"{'':{w + 1}}|{'':28}{obj.method:<21}{obj.method}")
        else:
            lines.append(f"{'':{w + 1}}|{'':28}{obj.method}")
    head = f"{'':{w}} |   Contrast   Std. err."
    if obj.effects:
        head += stat_head(obj.t)
    head += ci_title(obj.level).rjust(width - len(head))
    lines += [head, "-" * (w + 1) + "+" + "-" * (width - w - 2)] + _eq(obj, w)
    lines.append(f"{obj.term:>{w}} |")
    for r in obj.rows:
        if obj.effects:
            cells = number_cells(r)
        else:
            cells = f"  {_g(r.b)}  {_g(r.se)}     {_g(r.lb)}   {_g(r.ub)}"
        lines.append(f"{r.label:>{w - 1}}  |{cells}")
    lines.append(rule)
    return lines


@to_text.register
def _(obj: ContrastOutput) -> str:
    lines = ["", obj.title, "", "Margins: asbalanced", ""] + obj.notes
    if obj.n_comparisons is not None:
        w = obj.width
        lines += ["-" * (w + 15), f"{'':{w}} |    Number of", f"{'':{w}} |  comparisons",
                  "-" * (w + 1) + "+" + "-" * 13] + _eq(obj, w)
        lines += [f"{obj.term:>{w}} |{obj.n_comparisons:>13}", "-" * (w + 15), ""]
    if obj.tests:
        lines += _test_table(obj)
        if obj.rows:
            lines.append("")
    if obj.rows:
        lines += _estimates(obj)
    return "\n".join(lines)
