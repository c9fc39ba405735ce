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


# --------------------------------------------------------------------- estat summarize
@dataclass
class SummRow:
    name: str                   # as in e(b): `ses`, `1.sector`, `_weight`
    stats: list | None          # mean, sd, min, max
    code: str = "numeric"       # numeric | string | notfound
    label: str = ""


@dataclass
class EstatSummarize:
    """Layout of estat_summ.ado (Stata 16; "Std. dev." as Stata 17+ spells it, not verified):
    the header, a 69-column table indented 2 (or, with labels, unindented with a Label
    column at 57), rows by _ms_display (factor levels under a header row, vsquish)."""
    cmd: str
    nobs: int
    blocks: list                # (equation name or "", [SummRow])
    labels: bool = False
    header: bool = True
    clusters: tuple | None = None   # (number, min, avg, max) when e(clustvar)
    linesize: int = 79
    fv_labels: dict = field(default_factory=dict)  # factor var -> {level: value label}


def _summ_body(row: SummRow, labels: bool, vlwidth: int) -> str:
    if row.code == "notfound":
        return "  <not found>"
    if row.code == "string":
        return "  <string variable>"
    m, s, lo, hi = row.stats
    if labels:
        text = f" {fmt(m, '%9.0g')}  {fmt(s, '%9.0g')} {fmt(lo, '%8.0g')} {fmt(hi, '%8.0g')}"
        lab = _pieces(row.label, vlwidth)
        # the label's further pieces on lines of their own (`| ... label`), as `piece`
        return text + (f"   {lab[0]}" if lab else "") + \
            "".join(f"\n{' ' * 13}|{' ' * 42}{p}" for p in lab[1:])
    return (f"    {fmt(m, '%9.0g')}     {fmt(s, '%9.0g')}    {fmt(lo, '%9.0g')}"
            f"    {fmt(hi, '%9.0g')}")


def _pieces(text: str, width: int) -> list[str]:
    """Stata's `piece`: the text in pieces of at most width characters, broken at blanks."""
    import textwrap
    return textwrap.wrap(text, width) if text and width > 0 else []


def _summ_rows(rows: list[SummRow], labels: bool, vlwidth: int,
               fv_labels: dict | None = None) -> list[str]:
    """As the coefficient tables (_ms_display): a factor with value labels, an interaction
    or several levels get a header row and one row per level."""
    from hlmshell.render.mixed import _level_text, name_lines, parse_column
    fv_labels = fv_labels or {}
    out: list[str] = []
    i = 0
    while i < len(rows):
        term, _, categorical, _, _ = parse_column(rows[i].name)
        j = i
        while j < len(rows) and parse_column(rows[j].name)[0] == term:
            j += 1
        group, i = rows[i:j], j
        if not categorical or ("#" not in term and len(group) == 1 and term not in fv_labels):
            for r in group:
                name = r.name if categorical else term
                out += name_lines(name, _summ_body(r, labels, vlwidth))
            continue
        out += name_lines(term)
        for r in group:
            lev = _level_text(term, parse_column(r.name)[1], fv_labels)
            out.append(f"{lev:>11}  |{_summ_body(r, labels, vlwidth)}")
    return out


@to_text.register
def _(obj: EstatSummarize) -> str:
    ind = "" if obj.labels else "  "
    width = max([21] + [len(r.label) for _, rows in obj.blocks for r in rows]) \
        if obj.labels else 21
    vlwidth = min(obj.linesize - 57, width)
    llength = 53 + vlwidth if obj.labels else 59
    rule = lambda: ind + "-" * 13 + "-" + "-" * (llength - (10 if obj.labels else 6))
    sep = lambda: ind + "-" * 13 + "+" + "-" * (llength - (10 if obj.labels else 6))
    lines = []
    if obj.header:
        lines.append("")
        head = f"{ind}Estimation sample {obj.cmd}"
        if obj.clusters is None:
            col = (llength - 21 - 1) + (0 if obj.labels else 6)
            lines.append(f"{head:<{col}}Number of obs = {fmt(obj.nobs, '%10.0fc')}")
        else:
            col = (llength - 28 - 1) + (0 if obj.labels else 6)
            n, lo, avg, hi = obj.clusters
            lines += [head, " " * col + f"Number of obs        = {fmt(obj.nobs, '%10.0fc')}",
                      "",
                      " " * col + f"Number of clusters   = {fmt(n, '%10.0fc')}",
                      " " * col + f"Obs per cluster: min = {fmt(lo, '%10.0fc')}",
                      " " * col + f"                 avg = {fmt(avg, '%10.1fc')}",
                      " " * col + f"                 max = {fmt(hi, '%10.0fc')}"]
    lines.append("")
    lines.append(rule())
    if obj.labels:
        lines.append("    Variable |      Mean   Std. dev.     Min      Max   Label")
    else:
        lines.append("      Variable |         Mean      Std. dev.         Min          Max")
    for eq, rows in obj.blocks:
        lines.append(sep())
        if eq:
            lines.append(f"{ind}{abbrev(eq, 12):<13}|")
        body = [r for r in rows if r.name != "_weight"]
        lines += [ind + x for x in _summ_rows(body, obj.labels, vlwidth, obj.fv_labels)]
        weight = [r for r in rows if r.name == "_weight"]
        if weight:
            if not eq:
                lines.append(sep())
            lines += [ind + x for x in _summ_rows(weight, obj.labels, vlwidth)]
    lines.append(rule())
    if obj.clusters is not None:
        lines.append(f"{ind}Std. dev. not adjusted for clustering")
    return "\n".join(lines)
