"""reshape's report: the `(j = ...)` note and the Data wide -> long table (Stata 17 layout)."""
from __future__ import annotations

from hlmshell.dataset.reshape import Report, j_text
from hlmshell.render import to_text

RULE = "-" * 77
LEFT = 39   # the left-hand column ends here; `   ->   ` follows


def _fit(names: list[str]) -> str:
    """reshape.ado's list: all of up to three names, else the first two, ..., the last."""
    if len(names) > 3:
        return f"{names[0]} {names[1]} ... {names[-1]}"
    return " ".join(names)


def _row(label: str, left: str, right: str) -> str:
    return f"{label}{left:>{LEFT - len(label)}}   ->   {right}".rstrip()


@to_text.register
def _(rep: Report) -> str:
    wide_first = rep.direction == "long"
    old, new = ("Wide", "Long") if wide_first else ("Long", "Wide")
    lines = [f"(j = {' '.join(j_text(v) for v in rep.jvalues)})", "",
             _row("Data", old, new), RULE,
             _row("Number of observations", f"{rep.nobs[0]:,}", f"{rep.nobs[1]:,}"),
             _row("Number of variables", f"{rep.nvars[0]:,}", f"{rep.nvars[1]:,}")]
    label = f"j variable ({len(rep.jvalues)} values)"
    if wide_first:
        lines.append(_row(label, "", rep.j))
    else:
        lines.append(_row(label, rep.j, "(dropped)"))
    lines.append("xij variables:")
    for wide_names, long_name in rep.xij:
        if wide_first:
            lines.append(_row("", _fit(wide_names), long_name))
        else:
            lines.append(_row("", long_name, _fit(wide_names)))
    lines.append(RULE)
    return "\n".join(lines)
