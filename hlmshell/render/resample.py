"""Bootstrap results: the header, the legend, the table with Normal-based intervals, and
`estat bootstrap`'s table of normal / percentile / bias-corrected intervals.

Layout follows Stata 17's estimation tables as render/mixed.py does (lower-case column
heads); the estat bootstrap columns are our best reading of [R] bootstrap postestimation."""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt
from hlmshell.render.mixed import RULE, WIDTH, _g, ci_title


@dataclass
class BootstrapRow:
    name: str       # e(b) column name, with its equation if any (`eq:name`)
    coef: float
    se: float
    z: float
    p: float
    lo: float
    hi: float


@dataclass
class BootstrapHeader:
    n_obs: int
    reps: int
    legend: list[str]             # `      command:  ...` lines
    clusters: tuple[int, str] | None = None   # (number of clusters, cluster variable)
    title: str = "Bootstrap results"


@dataclass
class BootstrapTable:
    header: BootstrapHeader
    rows: list[BootstrapRow]
    level: float = 95
    missing_reps: int = 0          # replications with a missing statistic
    dots: str = ""                 # the replication dots, shown before the results


def header_lines(h: BootstrapHeader) -> list[str]:
    """Stata 17's header: the title, and at the right `Number of obs = #` over
    `Replications  = #`, values right-aligned together so the block ends at column 78."""
    values = [fmt(h.n_obs, "%12.0fc").strip(), fmt(h.reps, "%12.0fc").strip()]
    w = max(len(v) for v in values)
    right = [f"Number of obs = {values[0]:>{w}}", f"Replications  = {values[1]:>{w}}"]
    lines = ["", f"{h.title:<{WIDTH - len(right[0])}}{right[0]}", right[1].rjust(WIDTH)]
    if h.clusters:
        lines.append(f"(Replications based on {h.clusters[0]:,} clusters in {h.clusters[1]})")
    if h.legend:
        lines += [""] + h.legend
    return lines


def _label_rows(rows, cells) -> list[str]:
    """Rows labelled by name; an equation's name heads its rows when e(b) has equations."""
    out, eq_now = [], None
    for r in rows:
        eq, _, name = r.name.rpartition(":")
        if eq and eq != eq_now:
            if eq_now is not None:
                out.append("-" * 13 + "+" + "-" * (WIDTH - 14))
            out.append(f"{abbrev(eq, 12):<12} |")
            eq_now = eq
        for k, c in enumerate(cells(r)):
            out.append(f"{abbrev(name, 12) if k == 0 else '':>12} |{c}")
    return out


@to_text.register
def _(obj: BootstrapTable) -> str:
    lines = [obj.dots] if obj.dots else []
    lines += header_lines(obj.header) + [""]
    head2 = "             | coefficient  std. err.      z    P>|z|"
    lines += [RULE, "             |   Observed   Bootstrap                         Normal-based",
              head2 + ci_title(obj.level).rjust(WIDTH - len(head2)),
              "-" * 13 + "+" + "-" * 64]

    def cells(r):
        return [f"  {_g(r.coef)}  {_g(r.se)} {fmt(r.z, '%8.2f')}   {fmt(r.p, '%5.3f')}"
                f"    {_g(r.lo)}   {_g(r.hi)}"]
    lines += _label_rows(obj.rows, cells)
    lines.append(RULE)
    if obj.missing_reps:
        n = obj.missing_reps
        lines.append(f"Note: One or more parameters could not be estimated in {n:,} "
                     f"bootstrap replicate{'s' if n != 1 else ''};")
        lines.append("      standard-error estimates include only complete replications.")
    return "\n".join(lines)


# ----------------------------------------------------------------------- estat bootstrap
@dataclass
class EstatBootstrapRow:
    name: str
    coef: float
    bias: float
    se: float
    cis: list[tuple[float, float, str]] = field(default_factory=list)   # (lo, hi, tag)


@dataclass
class EstatBootstrapTable:
    header: BootstrapHeader
    rows: list[EstatBootstrapRow]
    level: float = 95
    kinds: list[str] = field(default_factory=list)   # tags shown: N, P, BC
    show_header: bool = True


KIND_LEGEND = {"N": "(N)    normal confidence interval",
               "P": "(P)    percentile confidence interval",
               "BC": "(BC)   bias-corrected confidence interval"}


@to_text.register
def _(obj: EstatBootstrapTable) -> str:
    lines = header_lines(obj.header) + [""] if obj.show_header else []
    lines += [RULE, "             |    Observed               Bootstrap",
              f"             | coefficient       Bias    std. err.  {ci_title(obj.level)}",
              "-" * 13 + "+" + "-" * 64]

    def cells(r):
        out = []
        for k, (lo, hi, tag) in enumerate(r.cis):
            first = (f"  {_g(r.coef, 10)} {_g(r.bias, 10)}  {_g(r.se, 10)}" if k == 0
                     else " " * 35)
            out.append(f"{first}  {_g(lo)}  {_g(hi)}   ({tag})")
        return out
    lines += _label_rows(obj.rows, cells)
    lines.append(RULE)
    lines += [KIND_LEGEND[k] for k in obj.kinds]
    return "\n".join(lines)
