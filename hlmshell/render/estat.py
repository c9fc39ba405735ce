"""Layouts of `estat icc`, `estat recovariance`, `estat ic` and `estat group`.

The result objects are plain data filled by commands/estat.py; nothing here computes
a statistic. Column positions follow the handout (Stata 17) and stata-reference.md 3.6, 4.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.matrix import StataMatrix
from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt


def _level_label(level: float) -> str:
    return f"{level:g}"


# --------------------------------------------------------------------------- estat icc
@dataclass
class IccRow:
    label: str  # "id", or "class|school" for an inner level
    icc: float
    se: float
    lower: float
    upper: float


@dataclass
class IccTable:
    title: str  # Intraclass / Residual intraclass / Conditional intraclass correlation
    rows: list[IccRow]
    level: float = 95.0
    note: str | None = None  # the conditional-ICC footnote


@to_text.register
def _(obj: IccTable) -> str:
    ci = f"[{_level_label(obj.level)}% conf. interval]"
    head = f"{'Level':>28} |        ICC   Std. err."
    lines = ["", obj.title, "-" * 78, head + f"{ci:>{max(78 - len(head), len(ci) + 1)}}",
             "-" * 29 + "+" + "-" * 48]
    for r in obj.rows:
        lines.append(f"{abbrev(r.label, 28):>28} |  {fmt(r.icc, '%9.0g')}  {fmt(r.se, '%9.0g')}"
                     f"     {fmt(r.lower, '%9.0g')}   {fmt(r.upper, '%9.0g')}")
    lines.append("-" * 78)
    if obj.note:
        lines.append(obj.note)
    return "\n".join(lines)


# ------------------------------------------------------------------ estat recovariance
@dataclass
class CovMatrixBlock:
    title: str  # "Random-effects covariance matrix for level id"
    matrix: StataMatrix  # symmetric; row and column names are the RE terms


@dataclass
class ReCovariance:
    blocks: list[CovMatrixBlock] = field(default_factory=list)


def matlist_lower(m: StataMatrix, fmt_spec: str = "%9.0g", rowwidth: int = 12) -> list[str]:
    """matlist of a symmetric matrix: right-aligned names, `|`, lower triangle only."""
    n = m.values.shape[1]
    head = " " * rowwidth + " |" + "".join(
        (" " if j == 0 else "  ") + f"{abbrev(c, 9):>9}" for j, c in enumerate(m.colnames))
    lines = [head + " ", "-" * (rowwidth + 1) + "+" + "-" * (11 * n)]
    for i, rn in enumerate(m.rownames):
        cells = "".join((" " if j == 0 else "  ") + fmt(m.values[i, j], fmt_spec)
                        for j in range(min(i + 1, n)))
        lines.append(f"{abbrev(rn, rowwidth):>{rowwidth}} |{cells}")
    return lines


@to_text.register
def _(obj: ReCovariance) -> str:
    lines: list[str] = []
    for b in obj.blocks:
        lines += ["", b.title, ""] + matlist_lower(b.matrix)
    return "\n".join(lines)


@dataclass
class WCorrelation:
    """estat wcorrelation: a title, optional standard deviations (one row), the matrix."""
    title: str
    sd: StataMatrix | None
    matrix: StataMatrix
    what: str       # "Correlations" | "Covariances"


@to_text.register
def _(obj: WCorrelation) -> str:
    lines = ["", obj.title]
    if obj.sd is not None:
        n = obj.sd.values.shape[1]
        head = " " * 12 + " |" + "".join((" " if j == 0 else "  ") + f"{abbrev(c, 9):>9}"
                                          for j, c in enumerate(obj.sd.colnames))
        cells = "".join((" " if j == 0 else "  ") + fmt(obj.sd.values[0, j], "%9.0g")
                        for j in range(n))
        lines += ["", "Standard deviations:", "", head + " ", "-" * 13 + "+" + "-" * (11 * n),
                  f"{'sd':>12} |{cells}"]
    lines += ["", f"{obj.what}:", ""] + matlist_lower(obj.matrix)
    return "\n".join(lines)


# ---------------------------------------------------------------------------- estat ic
@dataclass
class IcRow:
    name: str  # the stored name, or "."
    N: float
    ll0: float  # nan: mixed sets no e(ll_0)
    ll: float
    df: float
    aic: float
    bic: float


@dataclass
class IcTable:
    rows: list[IcRow]
    note: bool = True  # Stata omits the BIC note when N was given with n()


IC_NOTE = "Note: BIC uses N = number of observations. See [R] BIC note."


@to_text.register
def _(obj: IcTable) -> str:
    rule = "-" * 77
    lines = ["", "Akaike's information criterion and Bayesian information criterion", "", rule,
             "       Model |          N   ll(null)  ll(model)      df        AIC        BIC",
             "-" * 13 + "+" + "-" * 63]
    for r in obj.rows:
        lines.append(f"{abbrev(r.name, 12):>12} | {fmt(r.N, '%10.0fc')}  {fmt(r.ll0, '%9.0g')}"
                     f"  {fmt(r.ll, '%9.0g')}  {fmt(r.df, '%6.0f')}  {fmt(r.aic, '%9.0g')}"
                     f"  {fmt(r.bic, '%9.0g')}")
    lines += [rule] + ([IC_NOTE] if obj.note else [])
    return "\n".join(lines)


# ------------------------------------------------------------------------- estat group
@dataclass
class GroupRow:
    var: str
    n_groups: float
    g_min: float
    g_avg: float
    g_max: float


@dataclass
class GroupTable:
    rows: list[GroupRow]


def group_table_lines(rows: list[GroupRow]) -> list[str]:
    """The same table as the multi-level `mixed` header (stata-reference.md 3.6)."""
    from hlmshell.render.mixed import GroupInfo, group_table
    return group_table([GroupInfo(r.var, r.n_groups, r.g_min, r.g_avg, r.g_max) for r in rows])


@to_text.register
def _(obj: GroupTable) -> str:
    return "\n".join([""] + group_table_lines(obj.rows))


@dataclass
class EstatVce:
    cmd: str
    matrix: StataMatrix


@to_text.register
def _(obj: EstatVce) -> str:
    m = obj.matrix
    names = [n.rpartition(":")[2] for n in m.colnames]
    plain = StataMatrix(m.values, names, names, symmetric=True)
    lines = matlist_lower(plain)
    lines[0] = f"{'e(V)':>12}" + lines[0][12:]
    return "\n".join(["", f"Covariance matrix of coefficients of {obj.cmd} model", ""] + lines)
