"""The coefficient table every single-equation estimator prints (regress, xtreg):
Stata 17's `_coef_table` layout with t or z statistics, a vcetype line (`Robust`) over the
standard-error column, and `regress, beta`'s Beta column in place of the interval.

Rows are render/mixed.py's FixedRow, grouped and named by its fixed_lines (factor blocks,
interactions, omitted terms), so every estimator lays out factor variables alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.mixed import RULE, WIDTH, FixedRow, ci_title, fixed_lines


@dataclass
class CoefTable:
    depvar: str
    rows: list[FixedRow]
    level: float = 95
    stat: str = "t"             # "t" (e(df_r) posted) or "z"
    vcetype: str = ""           # "Robust", "Robust HC2", "Bootstrap", ...
    beta: list[float] | None = None  # regress, beta: one per row (NaN for _cons)
    extra: list[str] = field(default_factory=list)  # lines above the closing rule (xtreg)


@to_text.register
def _(obj: CoefTable) -> str:
    se = "std. err." if obj.vcetype else "Std. err."
    st = obj.stat
    head = f"{abbrev(obj.depvar, 12):>12} | Coefficient  {se}      {st}    P>|{st}|"
    tail = "Beta" if obj.beta is not None else ci_title(obj.level)
    head += tail.rjust(WIDTH - len(head))
    lines = [RULE]
    if obj.vcetype:
        # centred over the 11-column standard-error field (cols 27-37)
        start = 26 + (11 - len(obj.vcetype) + 1) // 2
        lines.append((" " * 13 + "|").ljust(start) + obj.vcetype)
    lines += [head, "-" * 13 + "+" + "-" * 64]
    body = fixed_lines(obj.rows)
    if obj.beta is not None:
        body = _with_beta(body, obj)
    lines += body
    if obj.extra:
        lines.append("-" * 13 + "+" + "-" * 64)
        lines += obj.extra
    lines.append(RULE)
    return "\n".join(lines)


def _with_beta(body: list[str], obj: CoefTable) -> list[str]:
    """Swap each printed row's interval for its Beta (in the order the rows print)."""
    shown = iter(b for r, b in zip(obj.rows, obj.beta) if not r.base)
    out = []
    for line in body:
        if "|" in line and len(line) > 60 and not line.endswith("(omitted)"):
            beta = next(shown, float("nan"))
            text = "" if beta != beta else fmt(beta, "%9.0g")
            out.append(line[:53] + text.rjust(WIDTH - 53) if text else line[:53])
        else:
            if line.endswith("(omitted)"):
                next(shown, None)
            out.append(line)
    return out
