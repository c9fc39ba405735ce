"""Layouts of test, testparm, lincom and nlcom ([R] test, [R] lincom, [R] nlcom).

test: the constraints ` ( 1)  [mathach]ses = 0`, dropped ones, then
`           chi2(  1) =  428.66` / `         Prob > chi2 =    0.0000` (test.ado's
columns), or `       F(  1,    71) =   12.32` / `            Prob > F =    0.0008`.
lincom and nlcom: the coefficient table of the estimation output, t columns under the
DF rule, the transformed column's title for eform options.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, display_number, fmt
from hlmshell.render.mixed import RULE, WIDTH, ci_title


def _g(x, w: int = 9) -> str:
    return fmt(math.nan if x is None else float(x), f"%{w}.0g")


# ------------------------------------------------------------------------------ test
@dataclass
class TestOutput:
    constraints: list[str]        # ` ( 1)  ...` texts, without the number
    dropped: list[int]
    df: int
    df_r: float | None
    stat: float                   # chi2 or F
    p: float
    show_test: bool = True        # False under `notest`


def constraint_text(terms: list[tuple[float, str]], rhs: float) -> str:
    """`[mathach]ses - 2*[mathach]1.sector = 0` from (coefficient, label) pairs."""
    out = ""
    for coef, label in terms:
        mag = abs(coef)
        body = label if mag == 1 else f"{display_number(mag)}*{label}"
        if not out:
            out = ("- " if coef < 0 else "") + body
        else:
            out += (" - " if coef < 0 else " + ") + body
    return f"{out or '0'} = {display_number(rhs + 0.0)}"


@to_text.register
def _(obj: TestOutput) -> str:
    lines = [""]
    for k, text in enumerate(obj.constraints, start=1):
        lines.append(f" ({k:2d})  {text}")
    for k in obj.dropped:
        lines.append(f"       Constraint {k} dropped")
    if not obj.show_test:
        return "\n".join(lines)
    lines.append("")
    if obj.df_r is None:
        lines.append(f"{'':11}chi2({obj.df:3d}) ={fmt(obj.stat, '%8.2f')}")
        lines.append(f"{'':9}Prob > chi2 =  {fmt(obj.p, '%8.4f')}")
    else:
        # a non-integer DF (mixed, dfmethod()) with 2 decimals (layout not verified)
        ddf = fmt(obj.df_r, '%6.0f' if float(obj.df_r).is_integer() else '%7.2f')
        lines.append(f"       F({obj.df:3d},{ddf}) ={fmt(obj.stat, '%8.2f')}")
        lines.append(f"{'':12}Prob > F ={fmt(obj.p, '%10.4f')}")
    return "\n".join(lines)


# --------------------------------------------------------------- coefficient tables
@dataclass
class CoefRow:
    label: str
    b: float
    se: float
    stat: float
    p: float
    lb: float
    ub: float


@dataclass
class CoefTable:
    """A one-block coefficient table: depvar (or blank) at the top left, a column title
    (`Coefficient`, `Odds ratio`, ...), z or t columns."""
    corner: str
    rows: list[CoefRow]
    level: float = 95
    t: bool = False
    title: str = "Coefficient"


def title_cells(title: str) -> str:
    """The estimate's and SE's titles: ` Coefficient  Std. err.` (Stata 17 squeezes the
    long word), otherwise right-aligned in 11: `     exp(b)   Std. err.`."""
    if len(title) > 10:
        return f" {title}  Std. err."
    return f"{title:>11}   Std. err."


def stat_head(t: bool) -> str:
    return "      t    P>|t|" if t else "      z    P>|z|"


def number_cells(r: CoefRow) -> str:
    return (f"  {_g(r.b)}  {_g(r.se)} {fmt(r.stat, '%8.2f')}   {fmt(r.p, '%5.3f')}"
            f"    {_g(r.lb)}   {_g(r.ub)}")


@to_text.register
def _(obj: CoefTable) -> str:
    head = f"{abbrev(obj.corner, 12):>12} |{title_cells(obj.title)}{stat_head(obj.t)}"
    head += ci_title(obj.level).rjust(WIDTH - len(head))
    lines = [RULE, head, "-" * 13 + "+" + "-" * 64]
    lines += [f"{abbrev(r.label, 12):>12} |{number_cells(r)}" for r in obj.rows]
    lines.append(RULE)
    return "\n".join(lines)


@dataclass
class LincomOutput:
    constraint: str
    table: CoefTable


@to_text.register
def _(obj: LincomOutput) -> str:
    return "\n".join(["", f" ( 1)  {obj.constraint}", "", to_text(obj.table)])


@dataclass
class NlcomOutput:
    names: list[str]
    texts: list[str]
    table: CoefTable
    notes: list[str] = field(default_factory=list)


@to_text.register
def _(obj: NlcomOutput) -> str:
    lines = [""]
    lines += [f"{abbrev(n, 12):>12}:  {t}" for n, t in zip(obj.names, obj.texts)]
    lines += ["", to_text(obj.table)]
    return "\n".join(lines)
