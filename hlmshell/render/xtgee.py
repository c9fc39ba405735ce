"""Output of xtgee (and xtreg/xtlogit/xtprobit/xtpoisson, pa): the iteration log
`Iteration 1: tolerance = .0310561` (%9.0g, as xtgee.ado displays the number), the header in
Stata 17's layout as [XT] xtreg's example 6 shows it (right block at column 49; family and
link capitalised there — unconfirmed for families other than Gaussian), the Pearson/deviance
lines of corr(independent) (columns from xtgee.ado's geerpt; unconfirmed in Stata 17), then
render/glm's coefficient table.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.glm import CoefTable
from hlmshell.render.mixed import _pair, _right


@dataclass
class GEEHeader:
    n_obs: int
    ivar: str
    tvar: str
    n_groups: int
    family: str
    link: str
    corr: str
    g_min: int
    g_avg: float
    g_max: int
    df_m: int
    chi2: float
    p: float
    phi: float
    independent: tuple | None = None   # (df_pear, pearson, deviance, chi2_dis, dispers)


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


@to_text.register
def _(obj: GEEHeader) -> str:
    groups = (f"Group and time vars: {abbrev(obj.ivar, 12)} {abbrev(obj.tvar, 12)}"
              if obj.tvar else f"Group variable: {abbrev(obj.ivar, 12)}")
    chi2 = fmt(obj.chi2, "%10.0g" if obj.chi2 > 999999 else "%10.2f")
    lines = [_pair("GEE population-averaged model",
                   _right("Number of obs", fmt(obj.n_obs, "%10.0fc"))),
             _pair(groups, _right("Number of groups", fmt(obj.n_groups, "%10.0fc"))),
             _pair(f"Family: {_cap(obj.family)}", "Obs per group:"),
             _pair(f"Link:   {_cap(obj.link)}", " " * 14 + f"min = {fmt(obj.g_min, '%10.0fc')}"),
             _pair(f"Correlation: {obj.corr}", " " * 14 + f"avg = {fmt(obj.g_avg, '%10.1fc')}"),
             " " * 62 + f"max = {fmt(obj.g_max, '%10.0fc')}",
             " " * 48 + _right(f"Wald chi2({obj.df_m})", chi2),
             _pair(f"Scale parameter = {fmt(obj.phi, '%9.0g').strip()}",
                   _right("Prob > chi2", fmt(obj.p, "%10.4f")))]
    if obj.independent is not None:
        dfp, pear, dev, cdis, disp = obj.independent
        f = "%10.0g" if dev > 999999 else "%10.2f"
        lines += ["", f"{'Pearson chi2(' + fmt(dfp, '%9.0g').strip() + '):':<32}"
                      f"{fmt(pear, f)}      {'Deviance':<18}= {fmt(dev, f)}",
                  f"{'Dispersion (Pearson):':<33}{fmt(cdis, '%9.0g')}      "
                  f"{'Dispersion':<18}= {fmt(disp, '%10.0g')}"]
    return "\n".join(lines) + "\n"


def _tolerance(t: float) -> str:
    """display's %9.0g as xtgee's log shows it: `.0000147`, `2.880e-07` (manual)."""
    text = fmt(t, "%9.0g").strip()
    return f"{t:.3e}" if "e" in text else text


@dataclass
class GEEOutput:
    notes: list = field(default_factory=list)
    log: list | None = None             # tolerances
    resets: list = field(default_factory=list)    # (iteration, alpha): xtgee's reset notes
    header: GEEHeader | None = None
    table: CoefTable | None = None
    table_notes: list = field(default_factory=list)


@to_text.register
def _(obj: GEEOutput) -> str:
    parts = list(obj.notes) + [""]
    if obj.log is not None:
        reset = dict(obj.resets)
        for i, t in enumerate(obj.log, 1):
            if i in reset:
                parts.append(f"(resetting alpha to {reset[i]:.4f})")   # %6.4f, widened
            parts.append(f"Iteration {i}: tolerance = {_tolerance(t)}")
        parts.append("")
    if obj.header is not None:
        parts.append(to_text(obj.header))
    if obj.table is not None:
        parts.append(to_text(obj.table))
    parts += obj.table_notes
    return "\n".join(parts)
