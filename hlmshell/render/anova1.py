"""`oneway`, `loneway` and `ttest` output, Stata 17 layout.

Widths and formats were read off public Stata 17/18 logs (column ends counted there) and
agree with the column positions in public copies of loneway.ado and _ttest.ado (whose
older wording — "Std. Err.", "Ho:" — Stata 17 changed; the logs give the new one):
- oneway: `Analysis of variance` table (labels in 14, SS and MS %11.0g, df in 7, F %8.2f,
  p %6.4f; a 72-dash rule), then `Bartlett's equal-variances test: chi2(k) = %8.4f    Prob>chi2
  = %5.3f`; `tabulate` puts a `tabulate, summarize()` table first (%10.0g in columns of 12).
- loneway: a centred title, Number of obs / R-squared right-aligned at column 73, the
  ANOVA table with the group variable's name in the labels (SS and MS %10.0g, df %7.0fc,
  a 73-dash rule), the ICC block (%10.5f ending at columns 19, 31, 45, 57) and the SD lines
  (%9.0g ending at 57).
- ttest: 78 wide; name column of 8; Obs %7.0fc; the rest %9.0g in fields of 12; the test
  lines `t = %8.4f` from column 67 and `Degrees of freedom = %8.0g` ending at 78; the three
  alternatives centred on columns 11, 40 and 70.
- oneway's multiple comparisons: `Comparison of y by g` and `(Bonferroni)` centred, then
  `Row Mean-|` / `Col Mean |` tables, cells `   ` + %8.0g with the p-value %11.3f under them
  (a public log of `oneway libido dose, bonferroni scheffe`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, comma_int, fmt
from hlmshell.render.tabulate import wrap


def _g(x, spec: str) -> str:
    return fmt(x, spec)


# ------------------------------------------------------------------------------ oneway
@dataclass
class SummaryTable:
    """`oneway, tabulate`: the response's summary by the factor's levels."""
    title: str                     # the factor's label or name
    response: str                  # the response's label or name
    labels: list[str]
    means: list[float]
    sds: list[float]
    freqs: list[int]
    total: tuple[float, float, int]
    columns: tuple[str, ...] = ("mean", "sd", "freq")
    obs: list[int] | None = None   # observations (rows) per level; None: the frequencies


@dataclass
class AnovaTable:
    mss: float
    rss: float
    df_m: int
    df_r: int
    F: float
    p: float
    chi2bart: float = math.nan
    df_bart: float = math.nan
    p_bart: float = math.nan
    single_cells: int = 0
    flat_cells: int = 0


@dataclass
class Comparison:
    """One multiple-comparison table: row mean minus column mean, adjusted p under it."""
    title: str                     # Comparison of <response> by <factor>
    method: str                    # Bonferroni | Scheffe | Sidak
    labels: list[str]              # the factor's levels (cut to 8 characters)
    diff: list[list[float]]        # [i][j] for i > j
    p: list[list[float]]
    per_panel: int = 6             # columns per panel (0: all, `wrap`)


@dataclass
class OnewayOutput:
    summary: SummaryTable | None = None
    anova: AnovaTable | None = None
    comparisons: list[Comparison] = field(default_factory=list)


HEADS = {"mean": "Mean", "sd": "Std. dev.", "freq": "Freq.", "obs": "Obs."}


def _summary_lines(t: SummaryTable) -> list[str]:
    w = max(11, *(len(s) for s in t.labels)) if t.labels else 11
    right = 12 * len(t.columns)
    title = f"Summary of {t.response}"
    lines = ["", f"{'':>{w}} |" + f"{title:^{right}}".rstrip()]
    head = wrap(t.title, w)
    lines += [f"{h:>{w}} |" for h in head[:-1]]
    lines.append(f"{head[-1]:>{w}} |" + "".join(f"{HEADS[c]:>12}" for c in t.columns))
    rule = "-" * (w + 1) + "+" + "-" * right
    lines.append(rule)

    def cells(mean, sd, n, n_obs):
        text = {"mean": lambda: _g(mean, "%10.0g"), "sd": lambda: _g(sd, "%10.0g"),
                "freq": lambda: comma_int(n), "obs": lambda: comma_int(n_obs)}
        return "".join(f"{text[c]():>12}" for c in t.columns)

    obs = t.obs if t.obs is not None else t.freqs
    for label, m, s, n, k in zip(t.labels, t.means, t.sds, t.freqs, obs):
        lines.append(f"{label:>{w}} |" + cells(m, s, n, k))
    lines.append(rule)
    lines.append(f"{'Total':>{w}} |" + cells(*t.total, sum(obs)))
    return lines


def _anova_lines(a: AnovaTable) -> list[str]:
    rule = "-" * 72
    tss, df_t = a.mss + a.rss, a.df_m + a.df_r

    def ms(ss, df):
        return ss / df if df > 0 else math.nan

    def row(label, ss, df, tail=""):
        return (f"{label:<19}{_g(ss, '%11.0g')}{df:>7}  {_g(ms(ss, df), '%11.0g')}" + tail)

    lines = ["", " " * 24 + "Analysis of variance",
             "    Source              SS         df      MS            F     Prob > F", rule,
             row("Between groups", a.mss, a.df_m,
                 f"  {_g(a.F, '%8.2f')}     {_g(a.p, '%6.4f')}"),
             row(" Within groups", a.rss, a.df_r), rule, row("    Total", tss, df_t)]
    if not math.isnan(a.chi2bart):
        lines += ["", f"Bartlett's equal-variances test: chi2({a.df_bart:.0f}) = "
                      f"{_g(a.chi2bart, '%8.4f')}    Prob>chi2 = {_g(a.p_bart, '%5.3f')}"]
        if a.single_cells or a.flat_cells:
            lines += ["", "note: Bartlett's test performed on cells with positive variance:"]
            for count, what in ((a.single_cells, "single"), (a.flat_cells, "multiple")):
                if count:
                    cells = "cell" if count == 1 else "cells"
                    lines.append(f"      {count} {what}-observation {cells} not used")
    return lines


@to_text.register
def _(out: OnewayOutput) -> str:
    lines = []
    if out.summary is not None:
        lines += _summary_lines(out.summary)
    if out.anova is not None:
        lines += _anova_lines(out.anova)
    for c in out.comparisons:
        lines += _comparison_lines(c)
    return "\n".join(line.rstrip() for line in lines)


def _comparison_lines(c: Comparison) -> list[str]:
    """Centred title and `(method)` (title from column (78 - len) / 2, the method line from
    (77 - len) / 2, as public logs show), then panels of columns: `Row Mean-|` / `Col Mean |`,
    labels right-aligned in 8, cells `   ` + %8.0g, p %5.3f under them."""
    method = f"({c.method})"
    lines = ["", " " * ((78 - len(c.title)) // 2) + c.title,
             " " * ((77 - len(method)) // 2) + method]
    k = len(c.labels)
    width = c.per_panel or max(k - 1, 1)
    for start in range(0, k - 1, width):
        cols = range(start, min(start + width, k - 1))
        if start:
            lines.append("")
        lines += ["Row Mean-|",
                  "Col Mean |" + "".join(f"   {c.labels[j][:8]:>8}" for j in cols),
                  "---------+" + "-" * (11 * len(cols))]
        for n_row, i in enumerate(range(start + 1, k)):
            if n_row:
                lines.append("         |")
            shown = [j for j in cols if j < i]
            lines.append(f"{c.labels[i][:8]:>8} |"
                         + "".join(f"   {_g(c.diff[i][j], '%8.0g')}" for j in shown))
            lines.append("         |" + "".join(f"{_g(c.p[i][j], '%11.3f')}" for j in shown))
    return lines


# ----------------------------------------------------------------------------- loneway
@dataclass
class LonewayOutput:
    depvar: str
    dep_label: str
    group: str
    N: int
    r2: float
    anova: AnovaTable
    rho: float
    se: float
    lb: float
    ub: float
    sd_b: float
    sd_w: float
    reliability: float
    n0: float
    level: float = 95.0
    exact: bool = False
    truncated: bool = False    # rho and the reliability were truncated at 0 (F below Fm)


def _level_text(level: float) -> str:
    return f"{level:g}"


def _loneway_lines(o: LonewayOutput) -> list[str]:
    # the label is cut to 32 characters and the name abbreviated to 12, as loneway does
    title = f"One-way analysis of variance for {abbrev(o.depvar, 12)}: {o.dep_label[:32]}"
    a = o.anova
    g = abbrev(o.group, 12)
    rule = "-" * 73
    tss, df_t = a.mss + a.rss, a.df_m + a.df_r

    def row(label, ss, df, tail=""):
        ms = ss / df if df > 0 else math.nan
        return (f"{label:<22}{_g(ss, '%10.0g')}{_g(df, '%7.0fc')}   {_g(ms, '%10.0g')}"
                + tail)

    lines = ["", " " * max((80 - len(title)) // 2, 0) + title.rstrip(), "",
             f"{'Number of obs =':>60} {_g(o.N, '%12.0fc')}",
             f"{'R-squared =':>60} {_g(o.r2, '%12.4f')}", "",
             "    Source                SS         df      MS            F     Prob > F",
             rule,
             row(f"Between {g}", a.mss, a.df_m, f"  {_g(a.F, '%8.2f')}     {_g(a.p, '%6.4f')}"),
             row(f"Within {g}", a.rss, a.df_r), rule, row("Total", tss, df_t), ""]
    pad = " " * 9
    star = "*" if o.truncated else ""
    level = _level_text(o.level)
    # the interval's heading starts at column 40 - len(level); `exact` labels it
    lines += [pad + "Intraclass       Asy." + ("        ------ Exact -----" if o.exact else ""),
              f"{pad}correlation      S.E.".ljust(39 - len(level)) + f"[{level}% conf. interval]",
              pad + "-" * 48,
              f"{pad} {_g(o.rho, '%9.5f')}{star}".ljust(22) + f"{_g(o.se, '%9.5f')}     "
              f"{_g(o.lb, '%9.5f')}   {_g(o.ub, '%9.5f')}", ""]
    for text, value, spec, mark in ((f"Estimated SD of {g} effect", o.sd_b, "%9.0g", ""),
                                    (f"Estimated SD within {g}", o.sd_w, "%9.0g", ""),
                                    (f"Est. reliability of a {g} mean", o.reliability,
                                     "%9.5f", star)):
        lines.append(pad + f"{text:<39}{_g(value, spec)}{mark}")
    lines.append(" " * 14 + f"(evaluated at n={o.n0:.2f})")
    if o.truncated:
        lines += ["", "(*) Truncated at zero."]
    return lines


@to_text.register
def _(o: LonewayOutput) -> str:
    return "\n".join(line.rstrip() for line in _loneway_lines(o))


# ------------------------------------------------------------------------------- ttest
@dataclass
class TRow:
    label: str
    n: int | None          # None: the Obs cell is blank (two-sample diff row)
    mean: float
    se: float
    sd: float | None       # None: blank
    lb: float
    ub: float


@dataclass
class TtestOutput:
    title: str             # One-sample t test | Two-sample t test with … | Paired t test
    head: str              # Variable | Group
    rows: list[TRow]
    combined: TRow | None = None
    diff: TRow | None = None
    left: str = ""         # `    mean = mean(mpg)`
    t: float = math.nan
    h0: str = ""           # `H0: mean = 20`
    df_label: str = "Degrees of freedom"
    df: float = math.nan
    ha: tuple[str, str] = ("mean", "20")     # what the three alternatives compare
    p_l: float = math.nan
    p: float = math.nan
    p_u: float = math.nan
    level: float = 95.0
    df_format: str = "%8.0g"   # one-sample and paired tests print %8.0f


def _trow(r: TRow) -> str:
    n = " " * 8 if r.n is None else f"{comma_int(r.n):>8}"
    sd = " " * 12 if r.sd is None else "   " + _g(r.sd, "%9.0g")
    return (f"{abbrev(r.label, 8):>8} |{n}   {_g(r.mean, '%9.0g')}   {_g(r.se, '%9.0g')}"
            f"{sd}   {_g(r.lb, '%9.0g')}   {_g(r.ub, '%9.0g')}")


def _centred(text: str, centre: int, line: str) -> str:
    start = centre - len(text) // 2 - 1       # 0-based
    return line + " " * max(start - len(line), 1 if line else 0) + text


def _ci_heading(level: float) -> str:
    """`[95% conf. interval]` from column 61 - len(level) (one further right, without the
    blank, for a five-character level such as 99.95), as _ttest.ado places it."""
    text = _level_text(level)
    if len(text) == 5:
        return f" [{text}% conf.interval]"
    return " " * (5 - len(text)) + f"[{text}% conf. interval]"


def _ttest_lines(o: TtestOutput) -> list[str]:
    full, mid = "-" * 78, "-" * 9 + "+" + "-" * 68
    lines = ["", o.title, full,
             f"{o.head:>8} |     Obs        Mean    Std. err.   Std. dev."
             + _ci_heading(o.level), mid]
    lines += [_trow(r) for r in o.rows]
    if o.combined is not None:
        lines += [mid, _trow(o.combined)]
    if o.diff is not None:
        lines += [mid, _trow(o.diff)]
    lines.append(full)
    lines.append(f"{o.left:<66}t = {_g(o.t, '%8.4f')}")
    right = f"{o.df_label} = {_g(o.df, o.df_format)}"
    lines.append(o.h0 + " " * max(78 - len(o.h0) - len(right), 1) + right)
    lines.append("")
    what, value = o.ha
    ha = ""
    for centre, op in ((11, "<"), (40, "!="), (70, ">")):
        text = f"Ha: {what} {op} {value}"
        if op == ">" and len(text) > 20:      # a long third text moves left
            centre = 79 - len(text) // 2
        ha = _centred(text, centre, ha)
    lines.append(ha)
    lines.append(f" Pr(T < t) = {_g(o.p_l, '%6.4f')}         Pr(|T| > |t|) = "
                 f"{_g(o.p, '%6.4f')}          Pr(T > t) = {_g(o.p_u, '%6.4f')}")
    return lines


@to_text.register
def _(o: TtestOutput) -> str:
    return "\n".join(line.rstrip() for line in _ttest_lines(o))
