"""The layout of `hausman`: hausman.ado's columns (Stata 15's copy read) with Stata 17's
wording (H0, Std. err., the `Test of H0` block) as remembered, not confirmed."""
from __future__ import annotations

from dataclasses import dataclass

from hlmshell.postest.hausman import Hausman
from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt


@dataclass
class HausmanOutput:
    test: Hausman
    name1: str
    name2: str
    cmd1: str
    cmd2: str
    pvalue: float


def _center(text: str, width: int) -> str:
    pad = width - len(text)
    return " " * (pad // 2) + text + " " * (pad - pad // 2)


@to_text.register
def _(o: HausmanOutput) -> str:
    t = o.test
    lines = ["", " " * 17 + "---- Coefficients ----",
             f"{'':13}|      (b)          (B)            (b-B)     sqrt(diag(V_b-V_B))",
             f"{'':13}|  {_center(abbrev(o.name1, 12), 12)} {_center(abbrev(o.name2, 12), 12)}"
             f"    Difference       Std. err.",
             "-" * 13 + "+" + "-" * 64]
    for name, b, B, se in zip(t.names, t.b, t.B, t.se):
        label = abbrev(name.rpartition(":")[2], 12)
        lines.append(f"{label:>12} |   {fmt(b, '%9.0g'):>9}    {fmt(B, '%9.0g'):>9}"
                     f"       {fmt(b - B, '%9.0g'):>9}       {fmt(se, '%9.0g'):>9}")
    lines.append("-" * 13 + "+" + "-" * 64)
    lines.append(f"{'b = Consistent under H0 and Ha; obtained from ' + o.cmd1 + '.':>78}")
    lines.append(f"{'B = Inconsistent under Ha, efficient under H0; obtained from ' + o.cmd2 + '.':>78}")
    lines += ["", "Test of H0: Difference in coefficients not systematic", ""]
    lines.append(f"{'chi2(' + str(t.df) + ')':>11} = (b-B)'[(V_b-V_B)^(-1)](b-B)")
    if t.chi2 >= 0:
        lines.append(f"{'':11} = {fmt(t.chi2, '%10.2f').strip():>6}")
        lines.append(f"Prob > chi2 = {fmt(o.pvalue, '%6.4f')}")
        if not t.posdef:
            lines.append("(V_b-V_B is not positive definite)")
    else:
        lines.append(f"{'':11} = {fmt(t.chi2, '%9.2f').strip()}    chi2<0 ==> model fitted on "
                     "these data fails to meet the asymptotic assumptions of the Hausman test;"
                     " see suest for a generalized test")
    return "\n".join(lines)
