"""spearman, ktau, ranksum, signrank, signtest and kwallis output.

Layouts, columns and formats are those of the display lines in public copies of Stata's
spearman.ado (4.2.6), ktau.ado (4.2.4), ranksum.ado (2.5.1, Stata 16), signrank.ado
(2.3.1), signtest.ado (2.3.14) and kwallis.ado (2.4.2), the latest versions readable here,
with Stata 17's rewording: "H0:" for "Ho:" everywhere; ranksum's and signrank's tables as
public Stata 17+ logs show them (capitalised headings and labels, `Mann–Whitney` with an en
dash, the z / Prob / Exact prob lines flush left: `         z = -4.842`, `Prob > |z| =
0.0000`, `Exact prob = 0.0000`). signtest's table is capitalised the same way
(unconfirmed); kwallis keeps the ado's words (public logs show them unchanged).

- spearman/ktau with two variables: label = value lines (%7.0f, %12.4f, %11.3f).
- Several variables: a pwcorr-like lower triangle (stub 12, a `|` in column 14; spearman
  cells " " %7.4f + star in 9 columns, ktau " " %9.4f + star in 11), a key box when more
  than the first statistic is shown, "(obs=#)" above unless obs is among the statistics.
- ranksum/signrank: a 12-wide stub, obs %7.0g at column 17, sums %10.0g at 26 and 38;
  variances %10.2f (or %10.0g from 1e7) at column 22; `z = ` %6.3f (how Stata 17 fits
  |z| >= 10 is unconfirmed), `Prob > |z| = ` %6.4f.
- kwallis: list's boxed table (by variable, Obs, Rank Sum %9.2f), then chi-squared %9.3f
  and probability %10.4f (shown no smaller than 0.0001).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt


def _f(x, spec: str) -> str:
    return fmt(x, spec)


# --------------------------------------------------------------------------- two-variable
@dataclass
class SpearmanPair:
    a: str
    b: str
    N: int
    rho: float
    p: float


@to_text.register
def _(o: SpearmanPair) -> str:
    return "\n".join(["", f" Number of obs = {_f(o.N, '%7.0f')}",
                      f"Spearman's rho = {_f(o.rho, '%12.4f')}", "",
                      f"Test of H0: {abbrev(o.a, 20)} and {abbrev(o.b, 20)} are independent",
                      f"    Prob > |t| = {_f(o.p, '%12.4f')}"])


@dataclass
class KtauPair:
    a: str
    b: str
    N: int
    tau_a: float
    tau_b: float
    score: float
    se: float
    p: float
    ties: bool


@to_text.register
def _(o: KtauPair) -> str:
    tie = "   (corrected for ties)" if o.ties else ""
    return "\n".join(["", f"  Number of obs = {_f(o.N, '%7.0f')}",
                      f"Kendall's tau-a = {_f(o.tau_a, '%12.4f')}",
                      f"Kendall's tau-b = {_f(o.tau_b, '%12.4f')}",
                      f"Kendall's score = {_f(o.score, '%7.0f')}",
                      f"    SE of score = {_f(o.se, '%11.3f')}{tie}", "",
                      f"Test of H0: {abbrev(o.a, 20)} and {abbrev(o.b, 20)} are independent",
                      f"     Prob > |z| = {_f(o.p, '%12.4f')}  (continuity corrected)"])


# --------------------------------------------------------------------------------- matrix
@dataclass
class RankMatrix:
    """The lower triangle of one or more statistics per pair of variables."""
    names: list[str]
    stats: list[str]                       # shown, in display order (p last)
    values: dict[str, list[list[float]]]   # statistic -> k x k
    p: list[list[float]]
    keys: dict[str, str]                   # statistic -> its line in the key box
    cell: int = 9                          # column width: 9 (spearman) or 11 (ktau)
    formats: dict[str, str] = field(default_factory=dict)
    star: float = -1.0                     # -1: none (p is never below 0)
    print_level: float = -1.0              # -1: show everything
    obs_line: str | None = "(obs=0)"       # None when obs is among the statistics
    starred: tuple[str, ...] = ("rho",)    # statistics that carry the star
    linesize: int = 79


def _key_box(m: RankMatrix) -> list[str]:
    # the ado prints the labels through SMCL {it: text}, whose text keeps its leading blank
    lines = ["+" + "-" * 17 + "+", "|  Key".ljust(18) + "|", "|" + "-" * 17 + "|"]
    lines += [f"|   {m.keys[s]}".ljust(18) + "|" for s in m.stats]
    return lines + ["+" + "-" * 17 + "+"]


def _shown(m: RankMatrix, i: int, j: int) -> bool:
    p = m.p[i][j]
    return m.print_level == -1 or i == j or (not math.isnan(p) and p <= m.print_level)


def _stat_cells(m: RankMatrix, stat: str, i: int, cols: list[int]) -> str:
    out = ""
    inner = m.cell - 2
    for j in cols:
        if stat == "p" and j >= i:
            continue
        if not _shown(m, i, j):
            out += " " * m.cell
            continue
        value = m.p[i][j] if stat == "p" else m.values[stat][i][j]
        mark = " "
        if stat in m.starred and i != j and not math.isnan(m.p[i][j]) and m.p[i][j] <= m.star:
            mark = "*"
        out += " " + _f(value, m.formats.get(stat, f"%{inner}.4f")) + mark
    return out


@to_text.register
def _(m: RankMatrix) -> str:
    lines = [] if m.obs_line is None else [m.obs_line]
    if not (len(m.stats) <= 1 and m.stats[:1] == [next(iter(m.keys))]):
        lines += [""] + _key_box(m)
    k = len(m.names)
    per = max(1, int((m.linesize - 15) / m.cell))   # the ado's int((linesize-15)/w)-1, +1
    for start in range(0, k, per):
        cols = list(range(start, min(k, start + per)))
        lines.append("")
        lines.append(" " * 13 + "|" + "".join(f"{abbrev(m.names[j], 8):>{m.cell}}"
                                                for j in cols))
        lines.append("-" * 13 + "+" + "-" * (m.cell * len(cols)))
        for i in range(start, k):
            mine = [j for j in cols if j <= i]
            for n_stat, stat in enumerate(m.stats):
                head = f"{abbrev(m.names[i], 12):>12} | " if n_stat == 0 else " " * 13 + "| "
                lines.append(head + _stat_cells(m, stat, i, mine))
            if len(m.stats) > 1:
                lines.append(" " * 13 + "|")
    return "\n".join(line.rstrip() for line in lines)


# -------------------------------------------------------------------- ranksum / signrank
def _tab_line(label: str, n, s, e) -> str:
    return (f"{label[:12]:>12} |  {_f(n, '%7.0g')}  {_f(s, '%10.0g')}  {_f(e, '%10.0g')}")


def _var_lines(rows: list[tuple[str, float]], unv: float) -> list[str]:
    spec = "%10.2f" if unv < 1e7 else "%10.0g"
    out = [f"{label:<21}{_f(v, spec)}" for label, v in rows[:-1]]
    out.append(" " * 21 + "-" * 10)
    label, v = rows[-1]
    return out + [f"{label:<21}{_f(v, spec)}"]


def _z_lines(z: float, p: float, exact: float | None, note: bool) -> list[str]:
    """z and its p; then the exact p, or (n between 200 and the exact limit, neither exact
    nor noexact given) the note that it was not computed (the note's Stata 17 wording is
    unconfirmed: Stata 16's is used)."""
    # z in 6 columns as the logs show (%6.3f); a |z| of 10 or more is written in full
    # rather than in %6.3f's e-notation (what Stata 17 prints then is unconfirmed)
    out = [" " * 9 + f"z = {_f(z, '%12.3f').strip():>6}", f"Prob > |z| = {_f(p, '%6.4f')}"]
    if exact is not None:
        out.append(f"Exact prob = {_f(exact, '%6.4f')}")
    elif note:
        out += ["", "Note: Exact p-value is not computed by default for sample sizes > 200.",
                "      Use option exact to compute it."]
    return out


@dataclass
class RanksumOutput:
    by: str
    x: str
    labels: tuple[str, str]
    n1: int
    n2: int
    sum_obs: float
    unv: float
    var: float
    z: float
    p: float
    porder: float | None = None
    exact: float | None = None     # the exact two-sided p
    note: bool = False             # "Exact p-value is not computed by default ..."


@to_text.register
def _(o: RanksumOutput) -> str:
    n = o.n1 + o.n2
    total = n * (n + 1) / 2
    g1, g2 = o.labels
    rule = "-" * 13 + "+" + "-" * 33
    xab, byab = abbrev(o.x, 8), abbrev(o.by, 8)
    lines = ["", "Two-sample Wilcoxon rank-sum (Mann–Whitney) test", "",
             f"{abbrev(o.by, 12):>12} |      Obs    Rank sum    Expected", rule,
             _tab_line(g1, o.n1, o.sum_obs, o.n1 * (n + 1) / 2),
             _tab_line(g2, o.n2, total - o.sum_obs, o.n2 * (n + 1) / 2), rule,
             _tab_line("Combined", n, total, total), ""]
    lines += _var_lines([("Unadjusted variance", o.unv), ("Adjustment for ties", o.var - o.unv),
                         ("Adjusted variance", o.var)], o.unv)
    lines += ["", f"H0: {xab}({byab}=={g1}) = {xab}({byab}=={g2})"]
    lines += _z_lines(o.z, o.p, o.exact, o.note)
    if o.porder is not None:
        lines += ["", f"P{{{xab}({byab}=={g1}) > {xab}({byab}=={g2})}} = "
                      f"{_f(o.porder, '%4.3f')}"]
    return "\n".join(line.rstrip() for line in lines)


@dataclass
class SignrankOutput:
    h0: str            # `mpg = mpg2` (the expression as typed)
    n_pos: int
    n_neg: int
    n_zero: int
    sum_pos: float
    sum_neg: float
    unv: float
    adj_zero: float
    var: float
    z: float
    p: float
    exact: float | None = None
    note: bool = False


@to_text.register
def _(o: SignrankOutput) -> str:
    n = o.n_pos + o.n_neg + o.n_zero
    half = (o.sum_pos + o.sum_neg) / 2
    zero = o.n_zero * (o.n_zero + 1) / 2
    rule = "-" * 13 + "+" + "-" * 33
    lines = ["", "Wilcoxon signed-rank test", "",
             "        Sign |      Obs   Sum ranks    Expected", rule,
             _tab_line("Positive", o.n_pos, o.sum_pos, half),
             _tab_line("Negative", o.n_neg, o.sum_neg, half),
             _tab_line("Zero", o.n_zero, zero, zero), rule,
             _tab_line("All", n, n * (n + 1) / 2, n * (n + 1) / 2), ""]
    lines += _var_lines([("Unadjusted variance", o.unv),
                         ("Adjustment for ties", o.var - o.unv - o.adj_zero),
                         ("Adjustment for zeros", o.adj_zero), ("Adjusted variance", o.var)],
                        o.unv)
    lines += ["", f"H0: {o.h0}"] + _z_lines(o.z, o.p, o.exact, o.note)
    return "\n".join(line.rstrip() for line in lines)


@dataclass
class SigntestOutput:
    var: str           # abbreviated to 10
    exp: str           # the expression as typed
    n_pos: int
    n_neg: int
    n_zero: int
    p_pos: float
    p_neg: float
    p: float


@to_text.register
def _(o: SigntestOutput) -> str:
    ns = o.n_pos + o.n_neg
    base = abbrev(o.var, 10) + ("" if o.exp == "0" else f" - {o.exp}")
    rule = "-" * 13 + "+" + "-" * 24

    def row(label, a, b):
        return f"{label:>12} |  {_f(a, '%10.0g')}  {_f(b, '%10.0g')}"

    big = max(o.n_pos, o.n_neg)
    lines = ["", "Sign test", "", "        Sign |    Observed    Expected", rule,
             row("Positive", o.n_pos, ns / 2), row("Negative", o.n_neg, ns / 2),
             row("Zero", o.n_zero, o.n_zero), rule, row("All", ns + o.n_zero, ns + o.n_zero),
             "", "One-sided tests:",
             f"  H0: median of {base} = 0 vs.", f"  Ha: median of {base} > 0",
             f"      Pr(#positive >= {o.n_pos}) =",
             f"         Binomial(n = {ns}, x >= {o.n_pos}, p = 0.5) = {_f(o.p_pos, '%7.4f')}",
             "", f"  H0: median of {base} = 0 vs.", f"  Ha: median of {base} < 0",
             f"      Pr(#negative >= {o.n_neg}) =",
             f"         Binomial(n = {ns}, x >= {o.n_neg}, p = 0.5) = {_f(o.p_neg, '%7.4f')}",
             "", "Two-sided test:",
             f"  H0: median of {base} = 0 vs.", f"  Ha: median of {base} != 0",
             f"      Pr(#positive >= {big} or #negative >= {big}) =",
             f"         min(1, 2*Binomial(n = {ns}, x >= {big}, p = 0.5)) = "
             f"{_f(o.p, '%7.4f')}"]
    return "\n".join(line.rstrip() for line in lines)


# -------------------------------------------------------------------------------- kwallis
@dataclass
class KwallisOutput:
    by: str
    labels: list[str]
    obs: list[int]
    rank_sums: list[float]
    chi2: float
    chi2_adj: float
    df: int
    p: float
    p_adj: float


@to_text.register
def _(o: KwallisOutput) -> str:
    cols = [[o.by] + o.labels, ["Obs"] + [_f(n, "%12.0fc").strip() for n in o.obs],
            ["Rank Sum"] + [_f(s, "%9.2f").strip() for s in o.rank_sums]]
    widths = [max(len(c) for c in col) for col in cols]
    inner = sum(widths) + 3 * (len(widths) - 1) + 2
    edge = "  +" + "-" * inner + "+"

    def row(cells):
        return "  | " + " | ".join(f"{c:>{w}}" for c, w in zip(cells, widths)) + " |"

    lines = ["", "Kruskal-Wallis equality-of-populations rank test", "", edge,
             row([c[0] for c in cols]),
             "  |" + "+".join("-" * (w + 2) for w in widths) + "|"]
    lines += [row([c[i] for c in cols]) for i in range(1, len(cols[0]))]
    lines.append(edge)
    for label, chi2, p in (("chi-squared", o.chi2, o.p),
                           ("chi-squared with ties", o.chi2_adj, o.p_adj)):
        shown = max(p, 0.0001) if not math.isnan(p) else p
        lines += ["", f"{label} = {_f(chi2, '%9.3f')} with {o.df} d.f.",
                  f"probability = {_f(shown, '%10.4f')}"]
    return "\n".join(line.rstrip() for line in lines)
