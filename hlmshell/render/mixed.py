"""`mixed` output, Stata 17 layout as the course handout shows it.

Display objects (plain numbers, built by commands/mixed.py; tests build them by hand):
  MixedIterationLog  the EM / gradient / "Computing standard errors" log
  MixedHeader        title, N, groups (one level: inline lines; several: the group table),
                     Wald test and log likelihood
  FixedEffectsTable  of FixedRow (names as in e(b): `ses`, `1.sector`, `0b.sector#co.ses`)
  RandomEffectsTable of RESection / RERow
  LRTestLine         `LR test vs. linear model: ...` (+ the conservative note)
  MixedOutput        all of the above plus notes before (collinearity) and footnotes after

Column positions follow stata-reference.md sections 1.6 and 3; blank lines follow the
handout: one before and one after the header (models 2-6; the model 0/1 blocks lost the
second one), none between the fixed- and random-effects tables.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from hlmshell.dataset.timeseries import OPERATED, row_label, split_operated
from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt

WIDTH = 78
RULE = "-" * WIDTH


def _g(x, w: int = 9) -> str:
    return fmt(float("nan") if x is None else float(x), f"%{w}.0g")


def level_text(level: float) -> str:
    """95 → "95", 99.5 → "99.5" (Stata's strsubdp of the level)."""
    return f"{level:g}"


def ci_title(level: float) -> str:
    return f"[{level_text(level)}% conf. interval]"


# ---------------------------------------------------------------------- iteration log
@dataclass
class MixedIterationLog:
    values: list[float]  # criterion at iteration 0, 1, ...
    crittype: str = "log likelihood"  # or "log restricted-likelihood"
    converged: bool = True
    tags: dict = field(default_factory=dict)  # iteration -> "(not concave)" / "(backed up)"
    em_values: list[float] | None = None  # `emlog`: criterion at EM iteration 0, 1, ...
    # _xtmixed_estimate's IterateEM: "Obtaining starting values by EM" with a residual
    # structure (not independent, or by()) or weights, none with emiterate(0) (no EM runs)
    em_banner: str | None = "Performing EM optimization ..."


def iteration_line(i: int, value: float, crittype: str, tag: str = "") -> str:
    head = f"Iteration {i}:".ljust(15)
    line = f"{head}{crittype} = {fmt(value, '%10.0g')}  "
    return line + tag if tag else line


@to_text.register
def _(obj: MixedIterationLog) -> str:
    lines = [""]
    if obj.em_banner is not None:
        lines += [obj.em_banner, ""]
        if obj.em_values is not None:   # same line pattern as ml's (stata-reference 1.6)
            lines += [iteration_line(i, v, obj.crittype) for i, v in enumerate(obj.em_values)]
            lines += [""] if obj.em_values else []
    lines += ["Performing gradient-based optimization: "]
    lines += [iteration_line(i, v, obj.crittype, obj.tags.get(i, ""))
              for i, v in enumerate(obj.values)]
    if not obj.converged:
        lines.append("convergence not achieved")
    lines += ["", "Computing standard errors ..."]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- header
@dataclass
class GroupInfo:
    name: str
    n_groups: int
    g_min: int
    g_avg: float
    g_max: int


@dataclass
class MixedHeader:
    title: str
    n_obs: int
    groups: list[GroupInfo]
    ll: float
    chi2: float
    df_m: int
    p: float
    crittype: str = "log likelihood"
    chi2type: str = "Wald"
    show_groups: bool = True  # False with `nogroup`
    small: "SmallHeader | None" = None  # dfmethod(): DF block and F(df_m, ddf) test


@dataclass
class SmallHeader:
    """`DF method: Kenward-Roger` with the DF summary, and F(df_m, ddf_m) for the Wald test
    (layout recalled from Stata's manual, not verified against a log)."""
    title: str
    df_min: float
    df_avg: float
    df_max: float
    ddf_m: float


def _right(label: str, value: str) -> str:
    """The right-hand block: label at col 49, `=` at col 67, a 10-wide value ending col 78."""
    return f"{label:<18}= {value:>10}"


def _pair(left: str, right: str) -> str:
    return f"{left:<48}{right}" if right else left


def group_table(groups: list[GroupInfo]) -> list[str]:
    """stata-reference 3.6 (Stata 17 capitalisation)."""
    lines = ["-" * 61,
             "                |     No. of       Observations per group",
             " Group variable |     groups    Minimum    Average    Maximum",
             "-" * 16 + "+" + "-" * 44]
    for g in groups:
        lines.append(f"{abbrev(g.name, 12):>15} |   {fmt(g.n_groups, '%8.0fc')}  "
                     f"{fmt(g.g_min, '%9.0fc')}  {fmt(g.g_avg, '%9.1fc')}  "
                     f"{fmt(g.g_max, '%9.0fc')}")
    lines.append("-" * 61)
    return lines


@to_text.register
def _(obj: MixedHeader) -> str:
    lines = [""]
    lines.append(_pair(obj.title, _right("Number of obs", fmt(obj.n_obs, "%10.0fc"))))
    if obj.show_groups and len(obj.groups) == 1:
        g = obj.groups[0]
        lines.append(_pair(f"Group variable: {abbrev(g.name, 14)}",
                           _right("Number of groups", fmt(g.n_groups, "%10.0fc"))))
        lines.append(" " * 48 + "Obs per group:")
        lines.append(" " * 62 + f"min = {fmt(g.g_min, '%10.0fc')}")
        lines.append(" " * 62 + f"avg = {fmt(g.g_avg, '%10.1fc')}")
        lines.append(" " * 62 + f"max = {fmt(g.g_max, '%10.0fc')}")
    elif obj.show_groups and len(obj.groups) > 1:
        lines.append("")
        lines += group_table(obj.groups)
        lines.append("")
    crit = obj.crittype[:1].upper() + obj.crittype[1:]
    chi2 = " " + fmt(obj.chi2, "%9.2f")
    p = fmt(obj.p, "%6.4f")
    if obj.small is not None:
        sm = obj.small
        lines.append(_pair(f"DF method: {sm.title}", f"{'DF:':<14}{'min':<4}= "
                                                       f"{fmt(sm.df_min, '%10.2f'):>10}"))
        lines.append(" " * 62 + f"avg = {fmt(sm.df_avg, '%10.2f')}")
        lines.append(" " * 62 + f"max = {fmt(sm.df_max, '%10.2f')}")
        lines.append("")
        lines.append(" " * 48 + _right(f"F({obj.df_m}, {fmt(sm.ddf_m, '%9.2f').strip()})", chi2))
        lines.append(_pair(f"{crit} = {fmt(obj.ll, '%10.0g')}", _right("Prob > F", p)))
    else:
        lines.append(" " * 48 + _right(f"{obj.chi2type} chi2({obj.df_m})", chi2))
        lines.append(_pair(f"{crit} = {fmt(obj.ll, '%10.0g')}", _right("Prob > chi2", p)))
    lines.append("")  # the handout (models 2-6) and Stata 17: a blank line before the table
    return "\n".join(lines)


# --------------------------------------------------------------------- fixed effects
@dataclass
class FixedRow:
    name: str  # e(b) column name without the equation: `ses`, `1.sector`, `1.sector#c.ses`
    coef: float
    se: float
    z: float
    p: float
    lo: float
    hi: float
    omitted: bool = False  # dropped (collinear): printed `0  (omitted)`
    base: bool = False  # base level: not printed (Stata's default, no `baselevels`)
    df: float = float("nan")  # dfmethod(): the coefficient's DF


@dataclass
class FixedEffectsTable:
    depvar: str
    rows: list[FixedRow]
    level: float = 95
    level_labels: dict = field(default_factory=dict)  # factor var → {level: value label}
    stat: str = "z"  # "t" after dfmethod()
    dftable: str = "default"  # dfmethod(): default | ci (DF and CI) | pvalue (DF, t, P>|t|)
    vcetype: str = ""  # "Robust": a line above the column titles, `std. err.`
    clusters: str = ""  # `(Std. err. adjusted for 160 clusters in id)` above the table


_PART = re.compile(r"^(?:(?P<lev>\d+(?:\.\d+)?)(?P<bl>[bno]*)\.(?P<fv>\w+)|(?P<cop>c|co|o)\.(?P<cv>\w+)|(?P<plain>\w+))$")


def parse_column(name: str) -> tuple[str, list[str], bool, bool, bool]:
    """`1.sector#c.ses` → (term `sector#c.ses`, levels ['1'], categorical?, base?, omitted-mark?)."""
    parts = name.split("#")
    inter = len(parts) > 1
    term, levels, categorical, base, omit = [], [], False, False, False
    for part in parts:
        if part.startswith("o") and OPERATED.match(part[1:]):    # `oL.x`: omitted
            term.append(part[1:])
            omit = True
            continue
        m = _PART.match(part)
        if not m:
            return name, [], False, False, False
        if m.group("fv"):
            term.append(m.group("fv"))
            levels.append(m.group("lev"))
            categorical = True
            base |= "b" in m.group("bl")
            omit |= "o" in m.group("bl")
        elif m.group("cv"):
            term.append(("c." if inter else "") + m.group("cv"))
            omit |= "o" in m.group("cop")
        else:
            term.append(("c." if inter else "") + m.group("plain"))
    return "#".join(term), levels, categorical, base, omit


def _numbers(r: FixedRow, dftable: str = "default") -> str:
    if r.omitted:
        return f"  {'0':>9}  (omitted)"
    head = f"  {_g(r.coef)}  {_g(r.se)}"
    if dftable == "pvalue":
        return f"{head} {fmt(r.df, '%9.2f')} {fmt(r.z, '%8.2f')}   {fmt(r.p, '%5.3f')}"
    if dftable == "ci":
        return f"{head} {fmt(r.df, '%9.2f')}{' ' * 12}{_g(r.lo)}   {_g(r.hi)}"
    return f"{head} {fmt(r.z, '%8.2f')}   {fmt(r.p, '%5.3f')}    {_g(r.lo)}   {_g(r.hi)}"


def name_lines(name: str, numbers: str = "") -> list[str]:
    """A row label right-aligned in 12 columns; an interaction longer than that wraps at its
    `#`s (`himinty#|` then `   c.ses |`), a plain long name is abbreviated (`abbrev(, 12)`)."""
    parts = name.split("#")
    chunks, cur = [], parts[0]
    for part in parts[1:]:
        if len(cur) + 1 + len(part) <= 12:
            cur += "#" + part
        else:
            chunks.append(cur)
            cur = part
    chunks.append(cur)
    lines = [f"{abbrev(c, 12):>12}#|" for c in chunks[:-1]]
    lines.append(f"{abbrev(chunks[-1], 12):>12} |{numbers}")
    return lines


def _level_text(term: str, levels: list[str], labels: dict) -> str:
    """A factor row's text: the value labels of its levels where the variables have them
    (longer than 11 characters: cut to 9 and `..`, as Stata without lstretch), else the
    level numbers, separated by blanks."""
    factors = [t for t in term.split("#") if not t.startswith("c.")]
    out = []
    for var, lev in zip(factors, levels):
        text = labels.get(var, {}).get(float(lev)) if var in labels else None
        if text is None:
            out.append(lev)
        else:
            out.append(text if len(text) <= 11 else text[:9] + "..")
    return " ".join(out)


def _ts_row(name: str) -> tuple[str, str]:
    """(variable, row label) of a column in a time-series block: `L2.x` -> (x, `L2.`),
    `x` -> (x, `--.`); other names are their own keys."""
    op = split_operated(name[1:] if name.startswith("o") else name) or \
        split_operated(name)                                    # (`oL.x`: omitted)
    if op is not None:
        return op[1], row_label(op[0])
    return name, "--."


def fixed_lines(rows: list[FixedRow], labels: dict | None = None,
                dftable: str = "default") -> list[str]:
    """Body rows: inline names, factor blocks with a header row and level rows, separators.
    A factor with value labels always gets the block form (header row, then label rows)."""
    labels = labels or {}
    blocks: list[tuple[bool, list[str]]] = []  # (framed, lines)
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and _ts_row(rows[j].name)[0] == _ts_row(rows[i].name)[0]:
            j += 1
        if any("." in r.name and _ts_row(r.name)[1] != "--." for r in rows[i:j]):
            # x L.x L2.x: under a header row `x`, rows `--.` `L1.` `L2.` (Stata's)
            lines = name_lines(_ts_row(rows[i].name)[0])
            lines += [f"{_ts_row(r.name)[1]:>12} |{_numbers(r, dftable)}" for r in rows[i:j]]
            blocks.append((True, lines))
            i = j
            continue
        term, _, categorical, _, _ = parse_column(rows[i].name)
        j = i
        while j < len(rows) and parse_column(rows[j].name)[0] == term:
            j += 1
        shown = [r for r in rows[i:j] if not r.base]
        i = j
        if not shown:
            continue
        inter = "#" in term
        if not categorical:  # the term's name: `o.ses` (omitted) prints as `ses`
            blocks.append((inter, [x for r in shown for x in name_lines(term, _numbers(r, dftable))]))
        elif not inter and len(shown) == 1 and term not in labels:
            r = shown[0]
            lev = parse_column(r.name)[1][0]
            blocks.append((False, name_lines(f"{lev}.{term}", _numbers(r, dftable))))
        else:
            lines = name_lines(term)
            for r in shown:
                lab = _level_text(term, parse_column(r.name)[1], labels)
                lines.append(f"{lab:>11}  |{_numbers(r, dftable)}")
            blocks.append((True, lines))
    out: list[str] = []
    sep = " " * 13 + "|"
    for k, (framed, lines) in enumerate(blocks):
        if framed and out and out[-1] != sep:
            out.append(sep)
        out += lines
        if framed and k < len(blocks) - 1:
            out.append(sep)
    return out


@to_text.register
def _(obj: FixedEffectsTable) -> str:
    st = obj.stat
    head = f"{abbrev(obj.depvar, 12):>12} | Coefficient  Std. err."
    if obj.dftable == "pvalue":
        head += f"{'DF':>10}{st:>9}    P>|{st}|"
    elif obj.dftable == "ci":
        head += f"{'DF':>10}" + ci_title(obj.level).rjust(WIDTH - len(head) - 10)
    else:
        head += f"{st:>7}    P>|{st}|"
        head += ci_title(obj.level).rjust(WIDTH - len(head))
    lines = [RULE, head, "-" * 13 + "+" + "-" * 64]
    if obj.vcetype:     # (layout recalled from Stata 17 logs, not verified here)
        lines[1] = head.replace("Std. err.", "std. err.")
        lines.insert(1, f"{'':12} |{obj.vcetype:>21}")
    if obj.clusters:
        lines.insert(0, obj.clusters.rjust(WIDTH))
    lines += fixed_lines(obj.rows, obj.level_labels, obj.dftable)
    lines.append(RULE)
    return "\n".join(lines)


@dataclass
class EstMetricTable:
    """`estmetric` / `coeflegend`: every equation of e(b) in one table (depvar's, then
    lns#_#_#, atr#_#_#_#, lnsig_e), each under its own title row. Layout of Stata's
    multi-equation coefficient table as we recall it, not verified against a log."""
    depvar: str
    equations: list[tuple[str, list[FixedRow]]]
    level: float = 95
    legend: bool = False  # coeflegend: `_b[eq:name]` instead of the statistics
    stat: str = "z"


@to_text.register
def _(obj: EstMetricTable) -> str:
    if obj.legend:
        head = f"{abbrev(obj.depvar, 12):>12} | Coefficient  Legend"
    else:
        head = f"{abbrev(obj.depvar, 12):>12} | Coefficient  Std. err.{obj.stat:>7}    P>|{obj.stat}|"
        head += ci_title(obj.level).rjust(WIDTH - len(head))
    sep = "-" * 13 + "+" + "-" * 64
    lines = [RULE, head]
    for eq, rows in obj.equations:
        lines += [sep, f"{abbrev(eq, 12):<13}|"]
        if obj.legend:
            for r in rows:
                if r.base:
                    continue
                lines += name_lines(r.name, f"  {_g(r.coef)}  _b[{eq}:{r.name}]")
        else:
            lines += fixed_lines(rows)
    lines.append(RULE)
    return "\n".join(lines)


# -------------------------------------------------------------------- random effects
@dataclass
class RERow:
    label: str  # `var(_cons)`, `cov(ses,_cons)`, `sd(Residual)`
    estimate: float
    se: float
    lo: float
    hi: float


@dataclass
class RESection:
    title: str  # `id: Unstructured`
    rows: list[RERow]


@dataclass
class RandomEffectsTable:
    sections: list[RESection]
    residual: list[RERow]
    level: float = 95
    vcetype: str = ""  # "Robust": a line above the column titles, `std. err.`


def re_row(r: RERow) -> str:
    return f"{r.label:>28} |  {_g(r.estimate)}  {_g(r.se)}     {_g(r.lo)}   {_g(r.hi)}"


@to_text.register
def _(obj: RandomEffectsTable) -> str:
    head = "  Random-effects parameters  |   Estimate   Std. err."
    head += ci_title(obj.level).rjust(WIDTH - len(head))
    mid = "-" * 29 + "+" + "-" * 48
    lines = [RULE, head, mid]
    if obj.vcetype:
        lines[1] = head.replace("Std. err.", "std. err.")
        lines.insert(1, f"{'':28} |{obj.vcetype:>21}")
    for sec in obj.sections:
        title = sec.title
        if len(title) > 28 and ", " in title:   # `Residual: Independent,` / `    by sector`
            head_, _, rest = title.partition(", ")
            lines.append(f"{head_ + ',':<29}|")
            title = "    " + rest
        lines.append(f"{title:<29}|")
        lines += [re_row(r) for r in sec.rows]
        lines.append(mid)
    if obj.residual:
        lines += [re_row(r) for r in obj.residual]
    else:           # the last section (a residual structure's) ends at the bottom rule
        lines.pop()
    lines.append(RULE)
    return "\n".join(lines)


# --------------------------------------------------------------------------- LR test
@dataclass
class LRTestLine:
    chi2: float
    df: int
    p: float
    chibar: bool  # True: `chibar2(01)` form; False: `chi2(df)` + the conservative note


def _chi_text(x: float) -> str:
    if x == 0 or 0.005 < x < 1e5:
        return fmt(x, "%8.2f").strip()
    return fmt(x, "%8.2e").strip()


@to_text.register
def _(obj: LRTestLine) -> str:
    head = "LR test vs. linear model: "
    if obj.chibar:
        left = f"{head}chibar2(01) = {_chi_text(obj.chi2)}"
        return f"{left:<54}Prob >= chibar2 = {fmt(obj.p, '%6.4f')}"
    left = f"{head}chi2({obj.df}) = {_chi_text(obj.chi2)}"
    line = f"{left:<58}Prob > chi2 = {fmt(obj.p, '%6.4f')}"
    return line + "\n\n" + note_text("LR test is conservative and provided only for reference.")


def note_text(text: str, head: str = "Note: ") -> str:
    """A `{p 0 6 4}` paragraph: wrapped at 78 with a hanging indent of 6."""
    return "\n".join(textwrap.wrap(head + text, WIDTH, subsequent_indent=" " * 6,
                                   break_on_hyphens=False))


# ------------------------------------------------------------------------ everything
@dataclass
class MixedOutput:
    header: MixedHeader | None = None
    fixed: "FixedEffectsTable | EstMetricTable | None" = None
    random: RandomEffectsTable | None = None
    lrtest: LRTestLine | None = None
    log: MixedIterationLog | None = None
    notes: list[str] = field(default_factory=list)  # printed before the log (`note: ...`)
    footnotes: list[str] = field(default_factory=list)  # printed after, each after a blank line


@to_text.register
def _(obj: MixedOutput) -> str:
    parts: list[str] = list(obj.notes)
    for piece in (obj.log, obj.header, obj.fixed, obj.random, obj.lrtest):
        if piece is not None:
            parts.append(to_text(piece))
    for note in obj.footnotes:
        parts += ["", note]
    return "\n".join(parts)


# ----------------------------------------------------------------------------- estat df
@dataclass
class DfTable:
    """`estat df`: the DF of each fixed effect, one column per method. Stata prints
    "Degrees of freedom" and the matrix through _matrix_table (_mixed_ddf.ado); the table's
    exact layout here is ours (not verified against a log)."""
    titles: list[str]
    depvar: str
    rows: list[tuple[str, list[float]]]
    note: str = ""


@to_text.register
def _(obj: DfTable) -> str:
    cols = [max(13, len(t) + 1) for t in obj.titles]
    width = 14 + sum(cols)
    lines = ["", "Degrees of freedom", "", "-" * width,
             f"{abbrev(obj.depvar, 12):>12} |" + "".join(f"{t:>{c}}" for t, c in
                                                         zip(obj.titles, cols)),
             "-" * 13 + "+" + "-" * (width - 14)]
    for name, dfs in obj.rows:
        lines += name_lines(name, "".join(f"{fmt(df, '%12.2f'):>{c}}" for df, c in
                                          zip(dfs, cols)))
    lines.append("-" * width)
    if obj.note:
        lines.append(obj.note)
    return "\n".join(lines)
