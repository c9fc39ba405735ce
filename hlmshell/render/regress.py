"""`regress` output, Stata 17 layout ([R] regress): the ANOVA block beside the fit
statistics for the conventional VCE; the `Linear regression` header for robust, HC and
cluster VCEs (and pweights); then the coefficient table (render/coef.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.coef import CoefTable
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.mixed import _pair, _right

WIDTH = 78


@dataclass
class AnovaHeader:
    mss: float
    rss: float
    df_m: int
    df_r: float
    N: float
    F: float
    p: float
    r2: float
    r2_a: float
    rmse: float
    constant: bool = True


@dataclass
class RobustHeader:
    title: str
    N: float
    df_m: int
    df_r: float
    F: float
    p: float
    r2: float
    rmse: float
    n_clust: int | None = None
    clustvar: str = ""


@dataclass
class RegressOutput:
    notes: list[str] = field(default_factory=list)
    header: AnovaHeader | RobustHeader | None = None
    table: CoefTable | None = None


def sig5(x: float) -> str:
    """Root MSE: five significant digits, `.5` without the leading zero."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "."
    text = f"{x:.5g}"
    if "e" not in text:
        text = text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text
    return text


def _df(x: float) -> str:
    return fmt(x, "%9.0f")


def f_label(df_m, df_r) -> str:
    return f"F({int(df_m)}, {_df(df_r).strip()})"


def _stat(label: str, value: str) -> str:
    return f"   {label:<16}={value:>10}"


@to_text.register
def _(obj: AnovaHeader) -> str:
    df_t = obj.N - 1 if obj.constant else obj.N
    tss = obj.mss + obj.rss
    ms = lambda ss, df: ss / df if df > 0 else math.nan
    row = lambda name, ss, df: (f"{name:>12} | {fmt(ss, '%11.0g')} {_df(df)} "
                                f"{fmt(ms(ss, df), '%11.0g')}")
    rule = "-" * 13 + "+" + "-" * 34
    lines = [
        "",
        f"{'Source':>12} |       SS           df       MS".ljust(48)
        + _stat("Number of obs", fmt(obj.N, "%10.0fc")),
        rule + _stat(f_label(obj.df_m, obj.df_r), fmt(obj.F, "%10.2f")),
        row("Model", obj.mss, obj.df_m) + _stat("Prob > F", fmt(obj.p, "%10.4f")),
        row("Residual", obj.rss, obj.df_r) + _stat("R-squared", fmt(obj.r2, "%10.4f")),
        rule + _stat("Adj R-squared", fmt(obj.r2_a, "%10.4f")),
        row("Total", tss, df_t) + _stat("Root MSE", sig5(obj.rmse)),
        "",
    ]
    return "\n".join(lines)


@to_text.register
def _(obj: RobustHeader) -> str:
    lines = ["", _pair(obj.title, _right("Number of obs", fmt(obj.N, "%10.0fc"))),
             " " * 48 + _right(f_label(obj.df_m, obj.df_r), fmt(obj.F, "%10.2f")),
             " " * 48 + _right("Prob > F", fmt(obj.p, "%10.4f")),
             " " * 48 + _right("R-squared", fmt(obj.r2, "%10.4f")),
             " " * 48 + _right("Root MSE", sig5(obj.rmse)),
             ""]
    if obj.n_clust is not None:
        text = f"(Std. err. adjusted for {fmt(obj.n_clust, '%12.0fc').strip()} clusters " \
               f"in {abbrev(obj.clustvar, 32)})"
        lines.append(text.rjust(WIDTH))
    return "\n".join(lines)


@to_text.register
def _(obj: RegressOutput) -> str:
    parts = list(obj.notes)
    if obj.header is not None:
        parts.append(to_text(obj.header))
    if obj.table is not None:
        parts.append(to_text(obj.table))
    return "\n".join(parts)
