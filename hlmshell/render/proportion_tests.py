"""prtest/prtesti and bitest/bitesti output.

From the display lines of prtest.ado (2.2.0) / prtesti.ado (2.3.1) and bitesti.ado
(4.2.0), with Stata 17's wording as ttest shows it ("Std. err.", "[95% conf. interval]",
"H0:"; that Stata 17 rewrote prtest's header the same way is assumed, unconfirmed):
- prtest: a 78-dash rule, `    Variable |` (or `       Group |`), Mean at column 22,
  Std. err. at 29, z at 44 and P>|z| at 49 (two samples), the interval heading at
  61 - len(level); rows %12s name, mean and SE %9.0g at columns 17 and 28, bounds %9.0g at
  58 and 70; the diff row and its `under H0:` line (SE %9.0g at 28, z %8.2f at 38, p %5.3f
  at 49); `z = %8.4f` from column 67; the alternatives centred on columns 11, 40, 70.
- bitest: `N   Observed k   Expected k   Assumed p   Observed p` after an 8-blank skip, the
  row %9.0f %11.0f, 4 blanks, %9.0g %14.5f %13.5f; then `Pr(k >= #)` lines from column 3
  with `= %8.6f` at a column fitted to the numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.anova1 import _centred
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.variance_tests import _p_centred


def _at(line: str, col: int, text: str) -> str:
    """text from 1-based column col (at least one blank after what is there)."""
    return line + " " * max(col - 1 - len(line), 0) + text


@dataclass
class PrRow:
    name: str
    mean: float
    se: float
    lb: float
    ub: float


@dataclass
class PrtestOutput:
    title_lines: list[str]
    head: str                   # "Variable" | "Group" | ""
    rows: list[PrRow]
    diff: PrRow | None = None
    diff_h0: tuple[float, float, float] | None = None   # se0, z, p under H0
    left: str = ""              # `    p = proportion(x)` | `        diff = prop(a) - prop(b)`
    z: float = math.nan
    h0: str = ""
    ha: tuple[str, str] = ("p", "0.5")
    p_l: float = math.nan
    p: float = math.nan
    p_u: float = math.nan
    level: float = 95.0
    show_z: bool = False


def _level_text(level: float) -> str:
    return f"{level:g}"


def _row(r: PrRow) -> str:
    line = f"{abbrev(r.name, 12):>12} |"
    for col, v in ((17, r.mean), (28, r.se), (58, r.lb), (70, r.ub)):
        line = _at(line, col, fmt(v, "%9.0g"))
    return line


@to_text.register
def _(o: PrtestOutput) -> str:
    level = _level_text(o.level)
    head = "    " + (o.head.rjust(8) if o.head else "")
    head = _at(head, 14, "|")
    head = _at(head, 22, "Mean")
    head = _at(head, 29, "Std. err.")
    if o.show_z:
        head = _at(head, 44, "z")
        head = _at(head, 49, "P>|z|")
    head = _at(head, 61 - len(level), f"[{level}% conf. interval]")
    rule, mid = "-" * 78, "-" * 13 + "+" + "-" * 64
    lines = [""] + o.title_lines + [rule, head, mid] + [_row(r) for r in o.rows]
    if o.diff is not None:
        se0, z, p = o.diff_h0
        lines += [mid, _row(o.diff),
                  _at(_at(_at(_at(" " * 13 + "|", 17, "under H0:"), 28, fmt(se0, "%9.0g")),
                          38, fmt(z, "%8.2f")), 49, fmt(p, "%5.3f"))]
    lines.append(rule)
    lines.append(_at(o.left, 67, f"z = {fmt(o.z, '%8.4f')}"))
    lines.append(o.h0)
    lines.append("")
    what, value = o.ha
    ha = ""
    for centre, op in ((11, "<"), (40, "!="), (70, ">")):
        ha = _centred(f"Ha: {what} {op} {value}", centre, ha)
    pl = ""
    for centre, text in ((11, f"Pr(Z < z) = {fmt(o.p_l, '%6.4f')}"),
                         (40, f"Pr(|Z| > |z|) = {fmt(o.p, '%6.4f')}"),
                         (70, f"Pr(Z > z) = {fmt(o.p_u, '%6.4f')}")):
        pl = _p_centred(text, centre, pl)
    lines += [ha, pl]
    return "\n".join(line.rstrip() for line in lines)


def proportion_text(p0: float) -> str:
    """The hypothesised proportion as prtest writes it: %8.6f without trailing zeros (one
    decimal kept), %8.0g below 1e-6, 0.999999 above 1 - 1e-6."""
    if p0 < 1e-6:
        return fmt(p0, "%8.0g").strip()
    if p0 > 1 - 1e-6:
        return "0.999999"
    text = fmt(p0, "%8.6f").strip()
    while text.endswith("0") and not text.endswith(".0") and len(text) > 3:
        text = text[:-1]
    return text


# -------------------------------------------------------------------------------- bitest
@dataclass
class BitestOutput:
    name: str                   # "" for bitesti without xname()
    n: int
    k: int
    p0: float
    p_u: float
    p_l: float
    p: float
    k_opp: int | None
    empty: str = ""
    detail: list[tuple[int, float, str]] = field(default_factory=list)   # (k, Pr(k), note)


def _pr_line(k, sign: str, pval: float, coleq: int, note: str) -> str:
    """bitesti's DiOne: `Pr(k >= #)` (sign "=" gives `Pr(k == #)`) from column 3."""
    line = _at("", 3, f"Pr(k {sign}= {k})")
    line = _at(line, coleq, "= " + fmt(pval, "%8.6f"))
    return line + (f"  ({note})" if note else "")


@to_text.register
def _(o: BitestOutput) -> str:
    varhead, dashes, row = "", "", ""
    if o.name:
        varhead, dashes, row = "    Variable |", "-" * 13 + "+", f"{abbrev(o.name, 12):>12} |"
    lines = ["", varhead + " " * 8 + "N   Observed k   Expected k   Assumed p   Observed p",
             dashes + "-" * 60,
             row + fmt(o.n, "%9.0f") + fmt(o.k, "%11.0f") + "    " + fmt(o.n * o.p0, "%9.0g")
             + fmt(o.p0, "%14.5f") + fmt(o.k / o.n, "%13.5f"), ""]
    if o.k_opp is None:
        coleq = 3 + len(str(o.k)) + 10
        lines += [_pr_line(o.k, ">", o.p_u, coleq, "one-sided test"),
                  _pr_line(o.k, "<", o.p_l, coleq, "one-sided test"),
                  _pr_line(o.k, ">" if o.empty == "lower" else "<", o.p, coleq,
                           "two-sided test"),
                  "", f"  note: {o.empty} tail of two-sided p-value is empty"]
    else:
        k1, k2 = min(o.k, o.k_opp), max(o.k, o.k_opp)
        coleq = 3 + len(f"{k1}{k2}") + 19
        lines += [_pr_line(o.k, ">", o.p_u, coleq, "one-sided test"),
                  _pr_line(o.k, "<", o.p_l, coleq, "one-sided test"),
                  _at(f"  Pr(k <= {k1} or k >= {k2})", coleq, "= " + fmt(o.p, "%8.6f"))
                  + "  (two-sided test)"]
    if o.detail:
        lines.append("")
        lines += [_pr_line(k, "=", pk, coleq, note) for k, pk, note in o.detail]
    return "\n".join(line.rstrip() for line in lines)
