"""Output of xtlogit, xtprobit, xtcloglog and xtpoisson, re (Stata 17 layouts as in [XT]):
the _crcphdr-style header (groups, `Random effects u_i ~ Gaussian|Gamma`, integration
method and points, Wald test), the coefficient table of render/glm with the ancillary
row (/lnsig2u or /lnalpha) and, below a rule, its transforms (sigma_u and rho, or alpha),
then `LR test of rho=0: chibar2(01) = ...`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.glm import CoefTable, GLMLog, RERow, _re_line
from hlmshell.render.mixed import RULE, _pair, _right

WIDTH = 78
MID = "-" * 13 + "+" + "-" * 64


@dataclass
class XtHeader:
    title: str
    n_obs: int
    groupvar: str
    n_groups: int
    g_min: int
    g_avg: float
    g_max: int
    distrib: str | None           # "Gaussian" | "Gamma" | None (fe: no random effects)
    intmethod: str | None         # None for the gamma model
    intpoints: int
    df_m: int
    chi2: float
    p: float
    ll: float
    chi2type: str = "Wald"


@to_text.register
def _(obj: XtHeader) -> str:
    lines = [_pair(obj.title, _right("Number of obs", fmt(obj.n_obs, "%10.0fc"))),
             _pair(f"Group variable: {abbrev(obj.groupvar, 14)}",
                   _right("Number of groups", fmt(obj.n_groups, "%10.0fc"))), "",
             _pair(f"Random effects u_i ~ {obj.distrib}" if obj.distrib else "",
                   "Obs per group:"),
             " " * 62 + f"min = {fmt(obj.g_min, '%10.0fc')}",
             " " * 62 + f"avg = {fmt(obj.g_avg, '%10.1fc')}",
             " " * 62 + f"max = {fmt(obj.g_max, '%10.0fc')}"]
    if obj.intmethod:
        lines += ["", _pair(f"Integration method: {obj.intmethod}",
                            _right("Integration pts.", fmt(obj.intpoints, "%10.0f")))]
    lines += ["", " " * 48 + _right(f"{obj.chi2type} chi2({obj.df_m})", fmt(obj.chi2, "%10.2f")),
              _pair(f"Log likelihood  = {fmt(obj.ll, '%10.0g')}",   # _crcphdr's two spaces
                    _right("Prob > chi2", fmt(obj.p, "%10.4f"))), ""]
    return "\n".join(lines)


@dataclass
class XtTable:
    table: CoefTable              # fixed rows + the ancillary parameter (extra)
    transforms: list = field(default_factory=list)   # RERow: sigma_u, rho / alpha


@to_text.register
def _(obj: XtTable) -> str:
    lines = to_text(obj.table).split("\n")
    if obj.transforms:
        assert lines[-1] == RULE
        lines = lines[:-1] + [MID] + [_re_line(r) for r in obj.transforms] + [RULE]
    return "\n".join(lines)


def lr_line(what: str, chi2: float, p: float) -> str:
    """`LR test {what}: chibar2(01) = ...` (what: `of rho=0`, `vs. pooled`) as
    _lrtest_note_xt.ado writes it: the statistic %8.2f (outside (0.005, 1e4) %8.2e) trimmed,
    the probability at _col(56), then an empty line."""
    plain = chi2 == 0 or 0.005 < chi2 < 1e4
    x = fmt(chi2, "%8.2f").strip() if plain else f"{chi2:.2e}"
    left = f"LR test {what}: chibar2(01) = {x}"
    return f"{left:<55}Prob >= chibar2 = {fmt(p, '%5.3f')}\n"


@dataclass
class XtOutput:
    notes: list = field(default_factory=list)
    log: GLMLog | None = None
    header: XtHeader | None = None
    table: XtTable | None = None
    table_notes: list = field(default_factory=list)
    lrtest: str = ""
    footnotes: list = field(default_factory=list)


@to_text.register
def _(obj: XtOutput) -> str:
    parts: list[str] = list(obj.notes) + [""]
    if obj.log is not None:
        parts.append(to_text(obj.log))
    if obj.header is not None:
        parts.append(to_text(obj.header))
    if obj.table is not None:
        parts.append(to_text(obj.table))
    parts += obj.table_notes
    if obj.lrtest:
        parts.append(obj.lrtest)
    for note in obj.footnotes:
        parts += ["", note]
    return "\n".join(parts)


__all__ = ["XtHeader", "XtTable", "XtOutput", "RERow", "lr_line"]
