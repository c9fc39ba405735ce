"""correlate and pwcorr tables (Stata 17 layout; public Stata logs of pwcorr/correlate):

                 |  govwelf govpri~s
    -------------+------------------
         govwelf |   1.0000
       govprices |   0.6568   1.0000

Stub 12 wide (names abbreviated to 12), columns 9 wide (names abbreviated to 8); each
coefficient is %8.4f after a one-column star slot of the cell before it (`*` or blank),
covariances " " + %8.0g. pwcorr's sig/obs add a row of p-values (%9.4f) and/or counts under each
row, then a blank row. A matrix wider than the line size is shown in blocks of columns.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt


@dataclass
class CorrTable:
    names: list[str]
    values: list[list[float]]            # lower triangle used
    nobs: int | None = None              # "(obs=#)" above (correlate)
    covariance: bool = False
    sig: list[list[float]] | None = None     # pwcorr: p-values
    counts: list[list[int]] | None = None    # pwcorr, obs: pairwise N
    shown: list[list[bool]] | None = None    # pwcorr print(): coefficient shown?
    starred: list[list[bool]] | None = None  # pwcorr star()
    linesize: int = 79


def _row(t: CorrTable, i: int, cols: list[int]) -> str:
    """One row of coefficients: 9 columns each; a star takes the first (blank) column of
    the next cell (`   0.8892*  1.0000 `), and the last cell's star slot ends the row."""
    out, prev = "", " "
    for j in cols:
        v = t.values[i][j]
        if t.covariance:
            out += " " + fmt(v, "%8.0g").strip().rjust(8)
            continue
        if t.shown is not None and not t.shown[i][j]:
            out += prev + " " * 8
            prev = " "
            continue
        out += prev + (f"{v:8.4f}" if not math.isnan(v) else f"{'.':>8}")
        prev = "*" if t.starred is not None and t.starred[i][j] else " "
    return out + ("" if t.covariance else prev)


@to_text.register
def _(t: CorrTable) -> str:
    k = len(t.names)
    per = max(1, (t.linesize - 14) // 9)
    lines = []
    if t.nobs is not None:
        lines.append(f"(obs={t.nobs:,})")
    lines.append("")
    for start in range(0, k, per):
        cols = list(range(start, min(k, start + per)))
        if start:
            lines.append("")
        lines.append(" " * 13 + "|" + "".join(f"{abbrev(t.names[j], 8):>9}" for j in cols))
        lines.append("-" * 13 + "+" + "-" * (9 * len(cols)))
        for i in range(start, k):
            mine = [j for j in cols if j <= i]
            lines.append(f"{abbrev(t.names[i], 12):>12} |" + _row(t, i, mine))
            extra = t.sig is not None or t.counts is not None
            if t.sig is not None:
                lines.append(" " * 13 + "|" + "".join(
                    f"{t.sig[i][j]:9.4f}" if i != j and not math.isnan(t.sig[i][j]) else " " * 9
                    for j in mine).rstrip())
            if t.counts is not None:
                lines.append(" " * 13 + "|" + "".join(f"{t.counts[i][j]:>9}" for j in mine))
            if extra:
                lines.append(" " * 13 + "|")
    return "\n".join(lines)
