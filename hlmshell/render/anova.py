"""`anova` table, Stata 17 layout ([R] anova), as Stata 15-17 logs print it:

                         Number of obs =         58    R-squared     =  0.4560
                         Root MSE      =    10.5096    Adj R-squared =  0.3259

                  Source | Partial SS         df         MS        F    Prob>F
            -------------+----------------------------------------------------
                   Model |  4259.3385         11   387.21259      3.51  0.0013
                         |
                    drug |  2997.4719          3   999.15729      9.05  0.0001
 ...
                Residual |  5080.8167         46   110.45254
            -------------+----------------------------------------------------
                   Total |  9340.1552         57   163.86237

The header is fixed at 25 columns; the Source column is right-aligned to column 24 and its
rule is one dash wider than the longest row name (at least 10). SS and MS are %10.0g, df
right-aligned in 11, F %8.2f, Prob>F %6.4f, Root MSE six significant digits. Stata prints
two trailing blanks after the Residual and Total MS; lines here are right-stripped.
With `sequential` the SS heading is `Seq. SS` (right-aligned as `Partial SS`; the exact
heading under `sequential` is unconfirmed). A name longer than 24 characters widens the
Source column (Stata's behaviour there is unconfirmed).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import fmt


@dataclass
class AnovaRow:
    name: str
    ss: float
    df: float
    F: float | None = None      # None: no F column (Residual, Total)
    p: float | None = None


@dataclass
class AnovaOutput:
    N: float
    r2: float
    r2_a: float
    rmse: float
    model: AnovaRow
    terms: list[AnovaRow]
    residual: AnovaRow
    total: AnovaRow
    sequential: bool = False
    notes: list[str] = field(default_factory=list)


def _rmse(x: float) -> str:
    if x is None or math.isnan(x):
        return "."
    text = f"{x:.6g}"
    if "e" not in text and text.startswith(("0.", "-0.")):
        text = text.replace("0.", ".", 1)
    return text


def _g10(x) -> str:
    return fmt(x, "%10.0g").strip()


def _row(row: AnovaRow, width: int) -> str:
    ms = row.ss / row.df if row.df and row.df > 0 else math.nan
    text = (f"{row.name:>{width}} |{_g10(row.ss):>11}{fmt(row.df, '%11.0f').strip():>11}"
            f"{_g10(ms):>12}")
    if row.F is not None:
        text += f"{fmt(row.F, '%8.2f').strip():>10}{fmt(row.p, '%6.4f').strip():>8}"
    return text


@to_text.register
def _(out: AnovaOutput) -> str:
    longest = max(10, *(len(r.name) for r in out.terms)) if out.terms else 10
    width = max(24, longest)
    rule = " " * (width - longest) + "-" * (longest + 1) + "+" + "-" * 52
    blank = " " * width + " |"
    head = "Seq. SS" if out.sequential else "Partial SS"
    lines = list(out.notes) + [
        "",
        " " * 25 + f"Number of obs ={fmt(out.N, '%10.0fc'):>11}    "
                   f"R-squared     ={fmt(out.r2, '%6.4f'):>8}",
        " " * 25 + f"Root MSE      ={_rmse(out.rmse):>11}    "
                   f"Adj R-squared ={fmt(out.r2_a, '%6.4f'):>8}",
        "",
        f"{'Source':>{width}} |{head:>11}{'df':>11}{'MS':>11}{'F':>9}{'Prob>F':>10}",
        rule,
        _row(out.model, width),
        blank,
    ]
    lines += [_row(r, width) for r in out.terms]
    lines += [blank, _row(out.residual, width), rule, _row(out.total, width)]
    return "\n".join(line.rstrip() for line in lines)
