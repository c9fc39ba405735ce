"""The header of `glm` (Generalized linear models) and of `nbreg`.

Layout from Stata's glm output (Stata 17+ spelling, e.g. the `Number of obs   =      1,629`
header with `Coefficient  std. err.` below it): the left column runs to 50 characters, the
right-hand labels are 16 wide, values %9.0g in 10 columns (counts %10.0fc); deviance, Pearson and the
log likelihood %12.0g after `= `.
"""
from __future__ import annotations

from dataclasses import dataclass

from hlmshell.render import to_text
from hlmshell.render.formats import fmt

_COL = 50


def _line(left: str, label: str = "", value: str = "") -> str:
    if not label:
        return left.rstrip()
    return f"{left:<{_COL}}{label:<16}= {value}"


@dataclass
class GLMLongHeader:
    n_obs: int
    df: int
    phi: float
    deviance: float
    pearson: float
    varfunc: str        # "u*(1-u)"
    vartitle: str       # "Bernoulli"
    linkfunc: str       # "ln(u/(1-u))"
    linktitle: str      # "Logit"
    aic: float | None   # None after irls (no likelihood): the BIC line alone
    bic: float
    ll: float | None
    opt1: str = "ML"
    opt2: str = ""      # "(IRLS EIM)" under "MQL Fisher scoring"
    crittype: str = "Log likelihood"


@to_text.register
def _(obj: GLMLongHeader) -> str:
    g10 = lambda v: fmt(v, "%9.0g").rjust(10)  # noqa: E731
    g12 = lambda v: fmt(v, "%12.0g")  # noqa: E731
    lines = [_line("Generalized linear models", "Number of obs", fmt(obj.n_obs, "%10.0fc")),
             _line(f"Optimization     : {obj.opt1}", "Residual df", fmt(obj.df, "%10.0fc")),
             _line(" " * 19 + obj.opt2 if obj.opt2 else "", "Scale parameter", g10(obj.phi)),
             _line(f"Deviance         = {g12(obj.deviance)}", "(1/df) Deviance",
                   g10(obj.deviance / obj.df if obj.df > 0 else float("nan"))),
             _line(f"Pearson          = {g12(obj.pearson)}", "(1/df) Pearson",
                   g10(obj.pearson / obj.df if obj.df > 0 else float("nan"))),
             "",
             f"{'Variance function: V(u) = ' + obj.varfunc:<{_COL}}[{obj.vartitle}]",
             f"{'Link function    : g(u) = ' + obj.linkfunc:<{_COL}}[{obj.linktitle}]",
             ""]
    if obj.ll is not None:
        lines.append(_line("", "AIC", g10(obj.aic)))
        # the criterion's name runs to column 17 (further when longer), then "= "
        crit = f"{obj.crittype:<16} = {g12(obj.ll)}"
        lines.append(_line(crit, "BIC", g10(obj.bic)))
    else:
        lines.append(_line("", "BIC", g10(obj.bic)))
    lines.append("")
    return "\n".join(lines)


@dataclass
class AlphaLRTest:
    """`LR test of alpha=0: chibar2(01) = 863.70               Prob >= chibar2 = 0.000`."""
    chi2: float
    p: float


@to_text.register
def _(obj: AlphaLRTest) -> str:
    # Stata's LR-test note: %8.2f inside (0.005, 1e4) and at 0, %8.2e otherwise
    x = obj.chi2
    spec = "%8.2f" if (0.005 < x < 1e4) or x == 0 else "%8.2e"
    left = f"LR test of alpha=0: chibar2(01) = {fmt(x, spec).strip()}"
    return f"{left:<55}Prob >= chibar2 = {fmt(obj.p, '%5.3f')}"


@dataclass
class NBTable:
    """nbreg's coefficient table: the CoefTable (with /lnalpha below its rule) and the
    `alpha` row in a section of its own."""
    table: object      # render.glm.CoefTable
    alpha: object      # render.glm.RERow


@to_text.register
def _(obj: NBTable) -> str:
    from hlmshell.render.glm import _re_line
    lines = to_text(obj.table).split("\n")
    mid = "-" * 13 + "+" + "-" * 64
    return "\n".join(lines[:-1] + [mid, _re_line(obj.alpha), lines[-1]])
