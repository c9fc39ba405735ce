"""`estat classification` after logit/logistic/probit: the 2×2 table of classified against
true outcomes and the rates below it. Layout from Stata's output (lstat): counts %9.0g in
columns 14, 28 and 42, rates %8.2f% right after the `Pr( +| D)` labels, 50-wide rules."""
from __future__ import annotations

from dataclasses import dataclass

from hlmshell.render import to_text
from hlmshell.render.formats import fmt


@dataclass
class Classification:
    model: str          # "Logistic" / "Probit"
    depvar: str
    a: int              # classified +, true D
    b: int              # classified +, true ~D
    c: int              # classified -, true D
    d: int              # classified -, true ~D
    cutoff: float
    rates: dict         # name -> percentage (NaN when undefined)


def _row(label: str, x: int, y: int) -> str:
    left = f"{label}| {fmt(x, '%9.0g')}"
    return f"{left:<27}{fmt(y, '%9.0g')}  |  {fmt(x + y, '%9.0g')}"


_RATES = (("Sensitivity", "Pr( +| D)", "P_p1"), ("Specificity", "Pr( -|~D)", "P_n0"),
          ("Positive predictive value", "Pr( D| +)", "P_1p"),
          ("Negative predictive value", "Pr(~D| -)", "P_0n"), None,
          ("False + rate for true ~D", "Pr( +|~D)", "P_p0"),
          ("False - rate for true D", "Pr( -| D)", "P_n1"),
          ("False + rate for classified +", "Pr(~D| +)", "P_0p"),
          ("False - rate for classified -", "Pr( D| -)", "P_1n"), None)


@to_text.register
def _(obj: Classification) -> str:
    rule = "-" * 11 + "+" + "-" * 26 + "+" + "-" * 11
    lines = ["", f"{obj.model} model for {obj.depvar}", "",
             " " * 14 + "-------- True --------",
             "Classified |         D            ~D  |      Total", rule,
             _row("     +     ", obj.a, obj.b), _row("     -     ", obj.c, obj.d), rule,
             _row("   Total   ", obj.a + obj.c, obj.b + obj.d), "",
             f"Classified + if predicted Pr(D) >= {fmt(obj.cutoff, '%9.0g').strip()}",
             f"True D defined as {obj.depvar} != 0", "-" * 50]
    for item in _RATES:
        if item is None:
            lines.append("-" * 50)
            continue
        label, pr, key = item
        lines.append(f"{label:<32}{pr}{fmt(obj.rates[key], '%8.2f')}%")
    lines.append(f"{'Correctly classified':<41}{fmt(obj.rates['P_corr'], '%8.2f')}%")
    lines.append("-" * 50)
    return "\n".join(lines)
