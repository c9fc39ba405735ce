"""Output of logit/probit/poisson and of the me* commands (melogit, mepoisson, ...).

Display objects (plain numbers, built by commands/glm_cmds.py and commands/me_cmds.py):
  GLMLog        iteration log sections: (heading or None, [(label, value)])
  GLMHeader     single-level header: N, LR (or Wald) chi2, Prob, log likelihood, Pseudo R2
  MEHeader      mixed-effects header: groups, integration method and points, Wald test
  CoefTable     the coefficient table; the me* random-effects sections join it below a rule
  MELRTest      `LR test vs. logistic model: chibar2(01) = ...`
  GLMOutput     all of them plus notes before and after
Fixed rows reuse render/mixed.py's layout (factor blocks, name wrapping).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.mixed import (RULE, WIDTH, FixedRow, GroupInfo, _g, _pair, _right,
                                   ci_title, fixed_lines, group_table, iteration_line,
                                   note_text)


@dataclass
class GLMLog:
    sections: list  # [(heading | None, [(label, value)])]; label "Iteration 3" / "Grid node 0"
    crittype: str = "log likelihood"
    converged: bool = True
    number: str = "%10.0g"    # glm's irls log: %9.0g


@to_text.register
def _(obj: GLMLog) -> str:
    lines: list[str] = []
    for heading, rows in obj.sections:
        if heading:
            lines += [heading, ""]
        for label, value in rows:
            head = f"{label}:".ljust(15)
            lines.append(f"{head}{obj.crittype} = {fmt(value, obj.number)}  ")
        lines.append("")
    if not obj.converged:
        lines.insert(len(lines) - 1, "convergence not achieved")
    return "\n".join(lines[:-1]) + "\n" if lines else ""


@dataclass
class GLMHeader:
    title: str
    n_obs: int
    df_m: int
    chi2: float
    p: float
    ll: float
    r2_p: float
    chi2type: str = "LR"
    crittype: str = "Log likelihood"
    dispersion: str = ""      # nbreg: `Dispersion: mean` on the third line


@to_text.register
def _(obj: GLMHeader) -> str:
    vals = [fmt(obj.n_obs, "%10.0fc").strip(), fmt(obj.chi2, "%10.2f").strip(),
            fmt(obj.p, "%10.4f").strip(), fmt(obj.r2_p, "%10.4f").strip()]
    w = max(6, *(len(v) for v in vals))
    labels = ["Number of obs", f"{obj.chi2type} chi2({obj.df_m})", "Prob > chi2", "Pseudo R2"]
    right = [f"{lab:<13} = {v:>{w}}" for lab, v in zip(labels, vals)]
    col = WIDTH - len(right[0])
    ll_text = f"{obj.crittype} = {fmt(obj.ll, '%10.0g').strip()}"
    third = f"Dispersion: {obj.dispersion}" if obj.dispersion else ""
    lines = [f"{obj.title:<{col}}{right[0]}", " " * col + right[1], f"{third:<{col}}{right[2]}",
             f"{ll_text:<{col}}{right[3]}", ""]
    return "\n".join(lines)


@dataclass
class MEHeader:
    title: str
    n_obs: int
    groups: list  # GroupInfo
    intmethod: str
    intpoints: int
    df_m: int
    chi2: float
    p: float
    ll: float
    chi2type: str = "Wald"
    crittype: str = "Log likelihood"
    show_groups: bool = True
    family_link: tuple | None = None  # meglm: (family, link) lines below the title
    extra_lines: list = field(default_factory=list)  # `Overdispersion: mean`, `Binomial variable: n`


@to_text.register
def _(obj: MEHeader) -> str:
    lines = [_pair(obj.title, _right("Number of obs", fmt(obj.n_obs, "%10.0fc")))]
    if obj.family_link:
        # Stata 17+ writes `Label: value` with one space (as `Binomial variable: total`)
        lines += [f"Family: {obj.family_link[0]}", f"Link: {obj.family_link[1]}"]
    lines += obj.extra_lines
    if obj.show_groups and len(obj.groups) == 1:
        g = obj.groups[0]
        lines.append(_pair(f"Group variable: {abbrev(g.name, 14)}",
                           _right("Number of groups", fmt(g.n_groups, "%10.0fc"))))
        lines += ["", " " * 48 + "Obs per group:",
                  " " * 62 + f"min = {fmt(g.g_min, '%10.0fc')}",
                  " " * 62 + f"avg = {fmt(g.g_avg, '%10.1fc')}",
                  " " * 62 + f"max = {fmt(g.g_max, '%10.0fc')}"]
    elif obj.show_groups and len(obj.groups) > 1:
        lines += ["", *group_table(obj.groups)]
    if obj.intmethod == "laplace":     # _me_display: no points for Laplace
        lines += ["", f"Integration method: {obj.intmethod}", ""]
    else:
        lines += ["", _pair(f"Integration method: {obj.intmethod}",
                            _right("Integration pts.", fmt(obj.intpoints, "%10.0f"))), ""]
    lines.append(" " * 48 + _right(f"{obj.chi2type} chi2({obj.df_m})", " " + fmt(obj.chi2, "%9.2f")))
    lines.append(_pair(f"{obj.crittype} = {fmt(obj.ll, '%10.0g')}",
                       _right("Prob > chi2", fmt(obj.p, "%6.4f"))))
    return "\n".join(lines)


@dataclass
class RERow:
    label: str
    estimate: float
    se: float
    lo: float
    hi: float


@dataclass
class CoefTable:
    depvar: str
    rows: list  # FixedRow
    level: float = 95
    coef_title: str = "Coefficient"  # "Odds ratio", "IRR"
    vcetype: str = ""                # "Robust"
    extra: list = field(default_factory=list)     # RERow: /lnalpha below the fixed part
    sections: list = field(default_factory=list)  # (title, [RERow]) random effects


def _re_line(r: RERow) -> str:
    return (f"{r.label:>13}|  {_g(r.estimate)}  {_g(r.se)}" + " " * 21
            + f"{_g(r.lo)}   {_g(r.hi)}")


@to_text.register
def _(obj: CoefTable) -> str:
    mid = "-" * 13 + "+" + "-" * 64
    if obj.coef_title == "Coefficient":
        title = " Coefficient  "
    else:
        title = f" {obj.coef_title:>10}   "
    se = "std. err." if obj.vcetype else "Std. err."
    head = f"{abbrev(obj.depvar, 12):>12} |{title}{se}      z    P>|z|"
    head += ci_title(obj.level).rjust(WIDTH - len(head))
    lines = [RULE]
    if obj.vcetype:
        # centred over the 9-character std. err. column (Robust: 15 spaces, OIM: 17)
        lines.append(" " * 13 + "|" + " " * (14 + max(0, 9 - len(obj.vcetype)) // 2)
                     + obj.vcetype)
    lines += [head, mid]
    lines += fixed_lines(obj.rows)
    if obj.extra:
        lines.append(mid)
        lines += [_re_line(r) for r in obj.extra]
    for title, rows in obj.sections:
        if lines[-1] != mid:        # no fixed rows (nofetable, estat sd): one rule only
            lines.append(mid)
        lines.append(f"{title:<13}|")
        lines += [_re_line(r) for r in rows]
    lines.append(RULE)
    return "\n".join(lines)


@dataclass
class MELRTest:
    model: str  # "logistic", "probit", "cloglog", "Poisson", "negative binomial"
    chi2: float
    df: int
    p: float
    chibar: bool


@to_text.register
def _(obj: MELRTest) -> str:
    head = f"LR test vs. {obj.model} model: "
    x = fmt(obj.chi2, "%8.2f").strip()
    if obj.chibar:
        left = f"{head}chibar2(01) = {x}"
        return f"{left:<54}Prob >= chibar2 = {fmt(obj.p, '%6.4f')}"
    left = f"{head}chi2({obj.df}) = {x}"
    line = f"{left:<58}Prob > chi2 = {fmt(obj.p, '%6.4f')}"
    return line + "\n\n" + note_text("LR test is conservative and provided only for reference.")


@dataclass
class GLMOutput:
    log: GLMLog | None = None
    header: object = None
    table: CoefTable | None = None
    notes: list = field(default_factory=list)       # before everything (`note: ...`)
    table_notes_before: list = field(default_factory=list)  # the cluster note above the table
    table_notes: list = field(default_factory=list)  # right below the table
    lrtest: MELRTest | None = None
    footnotes: list = field(default_factory=list)


@to_text.register
def _(obj: GLMOutput) -> str:
    parts: list[str] = list(obj.notes) + [""]   # Stata starts the output with a blank line
    if obj.log is not None:
        parts.append(to_text(obj.log))
    if obj.header is not None:
        parts.append(to_text(obj.header))
    parts += obj.table_notes_before
    if obj.table is not None:
        parts.append(to_text(obj.table))
    parts += obj.table_notes
    if obj.lrtest is not None:
        parts.append(to_text(obj.lrtest))
    for note in obj.footnotes:
        parts += ["", note]
    return "\n".join(parts)


__all__ = ["GLMLog", "GLMHeader", "MEHeader", "CoefTable", "RERow", "MELRTest", "GLMOutput",
           "FixedRow", "GroupInfo", "iteration_line"]
