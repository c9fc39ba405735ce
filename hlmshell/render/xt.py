"""Panel-data output, Stata 17 layouts ([XT] xtset, xtreg): the xtset report and the
xtreg headers (R-squared within/between/overall, the model test, corr(u_i, Xb)), the
sigma_u / sigma_e / rho rows and the footer tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.coef import CoefTable
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.mixed import _pair, _right

WIDTH = 78


@dataclass
class XtsetReport:
    panelvar: str
    balance: str                 # "balanced", "unbalanced", "strongly balanced", ...
    timevar: str | None = None
    tmin: str = ""
    tmax: str = ""
    gaps: bool = False
    delta: str = "1 unit"


@to_text.register
def _(obj: XtsetReport) -> str:
    lines = ["", f"Panel variable: {obj.panelvar} ({obj.balance})"]
    if obj.timevar:
        gaps = ", but with gaps" if obj.gaps else ""
        lines.append(f" Time variable: {obj.timevar}, {obj.tmin} to {obj.tmax}{gaps}")
        lines.append(f"         Delta: {obj.delta}")
    return "\n".join(lines)


@dataclass
class XtregHeader:
    title: str
    N: int
    groupvar: str
    n_groups: int
    g_min: int
    g_avg: float
    g_max: int
    r2_w: float | None = None
    r2_b: float | None = None
    r2_o: float | None = None
    test_label: str = ""         # "Wald chi2(2)", "F(2, 7022)", "LR chi2(2)"
    test_value: float = float("nan")
    p_label: str = "Prob > chi2"
    p_value: float = float("nan")
    left_note: str = ""          # "corr(u_i, X) = 0 (assumed)", "corr(u_i, Xb) = -0.0123"
    n_clust: int | None = None
    clustvar: str = ""
    re_line: str = ""            # mle: "Random effects u_i ~ Gaussian" in place of R-squared


@to_text.register
def _(obj: XtregHeader) -> str:
    r = lambda label, value: _right(label, value)
    lines = ["", _pair(obj.title, r("Number of obs", fmt(obj.N, "%10.0fc"))),
             _pair(f"Group variable: {abbrev(obj.groupvar, 14)}",
                   r("Number of groups", fmt(obj.n_groups, "%10.0fc"))), ""]
    stats = [("min", fmt(obj.g_min, "%10.0fc")), ("avg", fmt(obj.g_avg, "%10.1fc")),
             ("max", fmt(obj.g_max, "%10.0fc"))]
    if obj.re_line:
        lines.append(_pair(obj.re_line, "Obs per group:"))
        left = ["", "", ""]
    else:
        lines.append(_pair("R-squared:", "Obs per group:"))
        left = [f"     Within  = {fmt(obj.r2_w, '%6.4f')}", f"     Between = {fmt(obj.r2_b, '%6.4f')}",
                f"     Overall = {fmt(obj.r2_o, '%6.4f')}"]
    for text, (name, value) in zip(left, stats):
        lines.append(f"{text:<62}{name} = {value}")
    lines.append("")
    value = fmt(obj.test_value, "%10.2f")
    lines.append(" " * 48 + r(obj.test_label, value))
    lines.append(_pair(obj.left_note, r(obj.p_label, fmt(obj.p_value, "%10.4f"))))
    lines.append("")
    if obj.n_clust is not None:
        text = f"(Std. err. adjusted for {fmt(obj.n_clust, '%12.0fc').strip()} clusters " \
               f"in {abbrev(obj.clustvar, 32)})"
        lines.append(text.rjust(WIDTH))
    return "\n".join(lines)


def sigma_lines(sigma_u: float, sigma_e: float, rho: float) -> list[str]:
    g = lambda x: fmt(x, "%10.0g")      # Stata's logs: `sigma_u |  85.732501`
    return [f"{'sigma_u':>12} | {g(sigma_u)}",
            f"{'sigma_e':>12} | {g(sigma_e)}",
            f"{'rho':>12} | {g(rho)}   (fraction of variance due to u_i)"]


@dataclass
class XtregOutput:
    notes: list[str] = field(default_factory=list)
    header: XtregHeader | None = None
    table: CoefTable | None = None
    footer: list[str] = field(default_factory=list)


@to_text.register
def _(obj: XtregOutput) -> str:
    parts = list(obj.notes)
    if obj.header is not None:
        parts.append(to_text(obj.header))
    if obj.table is not None:
        parts.append(to_text(obj.table))
    parts += obj.footer
    return "\n".join(parts)


def ftest_line(df1: int, df2: float, F: float, p: float) -> str:
    left = f"F test that all u_i=0: F({df1}, {fmt(df2, '%9.0f').strip()}) = {fmt(F, '%8.2f').strip()}"
    right = f"Prob > F = {fmt(p, '%6.4f')}"
    return left + right.rjust(WIDTH - len(left))


@dataclass
class XtsumRow:
    name: str
    overall: tuple      # mean, sd, min, max, N
    between: tuple      # sd, min, max, n
    within: tuple       # sd, min, max, T-bar
    balanced: bool = False


@dataclass
class XtsumTable:
    rows: list[XtsumRow]


@to_text.register
def _(obj: XtsumTable) -> str:
    g = lambda x: fmt(x, "%9.0g")
    lines = ["", "Variable         |      Mean   Std. dev.       Min        Max |    Observations",
             "-----------------+--------------------------------------------+----------------"]
    for k, r in enumerate(obj.rows):
        if k:
            lines.append("                 |                                            |")
        m, sd, lo, hi, N = r.overall
        lines.append(f"{abbrev(r.name, 8):<8} overall | {g(m)}  {g(sd)}  {g(lo)}  {g(hi)} |"
                     f"     N = {fmt(N, '%7.0f')}")
        sd, lo, hi, n = r.between
        lines.append(f"{'':8} between | {'':9}  {g(sd)}  {g(lo)}  {g(hi)} |"
                     f"     n = {fmt(n, '%7.0f')}")
        sd, lo, hi, T = r.within
        tl = "    T =" if r.balanced else "T-bar ="
        lines.append(f"{'':8} within  | {'':9}  {g(sd)}  {g(lo)}  {g(hi)} |"
                     f" {tl} {fmt(T, '%8.0g').strip():>7}")
    return "\n".join(lines)


@dataclass
class XtDescribe:
    panelvar: str
    timevar: str
    first_panels: list[str]
    last_panel: str
    first_times: list[str]
    last_time: str
    n: int
    T: int
    delta: float
    span: int
    quantiles: list[float]      # min 5 25 50 75 95 max of T_i
    patterns: list[tuple[str, int]]
    other: int                  # panels in the patterns not shown
    width: int


def _values(first: list[str], last: str) -> str:
    if len(first) == 1:
        return first[0]
    if len(first) == 2 and first[1] == last:
        return f"{first[0]}, {last}"
    return f"{first[0]}, {first[1]}, ..., {last}"


@to_text.register
def _(obj: XtDescribe) -> str:
    w = max(len(obj.panelvar), len(obj.timevar), 7)
    pv = f"{obj.panelvar:>{w}}:  {_values(obj.first_panels, obj.last_panel)}"
    tv = f"{obj.timevar:>{w}}:  {_values(obj.first_times, obj.last_time)}"
    pad = " " * (w + 3)
    lines = ["", f"{pv:<61}n = {obj.n:>10}", f"{tv:<61}T = {obj.T:>10}",
             f"{pad}Delta({obj.timevar}) = {obj.delta:g} unit" + ("s" if obj.delta != 1 else ""),
             f"{pad}Span({obj.timevar})  = {obj.span} periods",
             f"{pad}({obj.panelvar}*{obj.timevar} uniquely identifies each observation)", "",
             "Distribution of T_i:   min      5%     25%       50%       75%     95%     max"]
    q = [fmt(x, "%9.0g").strip() for x in obj.quantiles]
    lines.append(" " * 19 + f"{q[0]:>7} {q[1]:>7} {q[2]:>7}   {q[3]:>7}   {q[4]:>7} "
                 f"{q[5]:>7} {q[6]:>7}")
    bar = "-" * max(obj.width + 2, 9)
    lines += ["", "     Freq.  Percent    Cum. |  Pattern", " " + "-" * 27 + "+" + bar]
    cum = 0.0
    for pat, c in obj.patterns:
        pct = 100 * c / obj.n
        cum += pct
        lines.append(f" {c:>8}  {pct:>7.2f}  {cum:>6.2f} |  {pat}")
    if obj.other:
        pct = 100 * obj.other / obj.n
        lines.append(f" {obj.other:>8}  {pct:>7.2f}  {100:>6.2f} | (other patterns)")
    lines += [" " + "-" * 27 + "+" + bar,
              f" {obj.n:>8}  {100:>7.2f}          |  {'X' * obj.width}"]
    return "\n".join(lines)
