"""sdtest and robvar output.

sdtest shares ttest's table (render/anova1.py: the Stata 17 header and rows, 78 wide) and
adds the test block of sdtest.ado / sdtesti.ado (4.3.2): `ratio = sd(x) / sd(y)` with
`f = %8.4f` from column 67, `H0: ratio = 1` with `degrees of freedom = df1, df2` ending at
column 78; one sample: `c = chi2 = %8.4f` from column 60 and `degrees of freedom = %8.0f`
from column 50. The three alternatives are centred as ttest's (columns 11, 40, 70).
robvar (robvar.ado 7.0.7): tabulate's summary table, then the W0/W50/W10 lines, whose
number formats the ado builds from the values' own display widths (reproduced below).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from hlmshell.render import to_text
from hlmshell.render.anova1 import SummaryTable, TRow, _centred, _ci_heading, _summary_lines
from hlmshell.render.anova1 import _trow
from hlmshell.render.formats import abbrev, display_number, fmt


@dataclass
class SdtestOutput:
    title: str               # Variance ratio test | One-sample test of variance
    head: str                # Variable | Group
    rows: list[TRow]
    combined: TRow | None
    left: str                # `    ratio = sd(x) / sd(y)` | `    sd = sd(x)`
    stat: float              # f or chi2
    h0: str                  # `H0: ratio = 1` | `H0: sd = 5`
    df: tuple                # (df1, df2) | (df,)
    ha: tuple[str, str]      # ("ratio", "1") | ("sd", "5")
    tails: tuple[str, str]   # ("F", "f") | ("C", "c")
    upper: bool              # the two-sided p doubles the upper tail
    p_l: float
    p: float
    p_u: float
    level: float = 95.0


def _df_text(df: tuple) -> str:
    if len(df) == 1:
        return "degrees of freedom = " + fmt(df[0], "%8.0f")
    return "degrees of freedom = " + f"{df[0]:.0f}, {df[1]:.0f}"


def _sdtest_lines(o: SdtestOutput) -> list[str]:
    full, mid = "-" * 78, "-" * 9 + "+" + "-" * 68
    lines = ["", o.title, full,
             f"{o.head:>8} |     Obs        Mean    Std. err.   Std. dev."
             + _ci_heading(o.level), mid]
    lines += [_trow(r) for r in o.rows]
    if o.combined is not None:
        lines += [mid, _trow(o.combined)]
    lines.append(full)
    if len(o.df) == 2:
        lines.append(f"{o.left:<66}f = {fmt(o.stat, '%8.4f')}")
        df = f"{o.df[0]:.0f}, {o.df[1]:.0f}"
        if len(df) - 2 < 7:      # the ado: the df pair right-aligned at column 78
            lines.append(f"{o.h0:<49}degrees of freedom = " + df.rjust(78 - 49 - 21))
        else:
            lines.append(o.h0.ljust(55 - (len(df) - 2)) + "degrees of freedom = " + df)
    else:
        lines.append(f"{o.left:<59}c = chi2 = {fmt(o.stat, '%8.4f')}")
        lines.append(f"{o.h0:<49}" + _df_text(o.df))
    lines.append("")
    what, value = o.ha
    ha = ""
    for centre, op in ((11, "<"), (40, "!="), (70, ">")):
        ha = _centred(f"Ha: {what} {op} {value}", centre, ha)
    lines.append(ha)
    big, small = o.tails
    two = f"{big} > {small}" if o.upper else f"{big} < {small}"
    pl = ""
    for centre, text in ((11, f" Pr({big} < {small}) = {fmt(o.p_l, '%6.4f')}"),
                         (40, f"2*Pr({two}) = {fmt(o.p, '%6.4f')}"),
                         (70, f"{'   ' if big == 'F' else ' '}Pr({big} > {small}) = "
                              f"{fmt(o.p_u, '%6.4f')}")):     # the ado's leading blanks
        pl = _p_centred(text, centre, pl)
    lines.append(pl)
    return lines


def _p_centred(text: str, centre: int, line: str) -> str:
    """The p-value texts start at floor(centre - 1 - len/2) (0-based): the rule that gives
    ttest's known line ` Pr(T < t) = ...         Pr(|T| > |t|) = ...` (render/anova1.py);
    the Ha texts above follow render/anova1._centred. Unconfirmed for sdtest's own texts."""
    start = math.floor(centre - 1 - len(text) / 2)
    return line + " " * max(start - len(line), 1 if line else 0) + text


@to_text.register
def _(o: SdtestOutput) -> str:
    return "\n".join(line.rstrip() for line in _sdtest_lines(o))


@dataclass
class RobvarOutput:
    summary: SummaryTable
    w: tuple[float, float, float]
    p: tuple[float, float, float]
    df: tuple[int, int]


def _shape(value: float) -> tuple[int, int]:
    """Width and decimals of `display value`, counting the 0 a leading point omits."""
    text = display_number(value)
    width = len(text) + (1 if text.startswith(".") else 0)
    dec = text[::-1].find(".")
    return width, max(dec, 0)


def _w_format(ws) -> str | None:
    """robvar's format for W: one wider than the widest displayed W, with the most
    decimals any of them shows; None (display's default) if that is not a valid format."""
    shapes = [_shape(w) for w in ws if not math.isnan(w)]
    if not shapes:
        return None
    width = max(s[0] for s in shapes) + 1
    dec = max(s[1] for s in shapes)
    return f"%{width}.{dec}f" if 0 <= dec < width else None


def _p_text(p: float) -> str:
    """robvar's p: %0(L+2).Lf with L = len(display p) - 1; display's default at 0."""
    if p == 0 or math.isnan(p):
        return display_number(p)
    digits = len(display_number(p)) - 1
    return fmt(p, f"%0{digits + 2}.{digits}f")


@to_text.register
def _(o: RobvarOutput) -> str:
    lines = _summary_lines(o.summary)
    spec = _w_format(o.w)
    df = f"{o.df[0]}, {o.df[1]}"
    for label, w, p in zip(("W0  = ", "W50 = ", "W10 = "), o.w, o.p):
        wt = fmt(w, spec) if spec else display_number(w)
        lines += ["", f"{label}{wt}   df({df})     Pr > F = {_p_text(p)}"]
    return "\n".join(line.rstrip() for line in lines)


def sd_row(sample) -> TRow:
    """A ttest-table row from models.anova1.Sample."""
    return TRow(abbrev(sample.label, 8), sample.n, sample.mean, sample.se, sample.sd,
                sample.lb, sample.ub)
