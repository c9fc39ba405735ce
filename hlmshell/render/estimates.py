"""Layouts of `estimates dir`, `estimates table`, `estimates stats` and the replay header."""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt


# ------------------------------------------------------------------------- estimates dir
@dataclass
class DirRow:
    name: str
    command: str
    depvar: str
    npar: int
    title: str = ""  # e(estimates_title): only what `estimates store, title()` set


@dataclass
class EstimatesDir:
    rows: list[DirRow]
    linesize: int = 79


@to_text.register
def _(obj: EstimatesDir) -> str:
    lent = max([8] + [len(r.title) for r in obj.rows])
    piece = min(obj.linesize - 47, lent)
    width = 33 + piece
    lines = ["", "-" * (14 + width),
             "        name | command      depvar       npar  title ",
             "-" * 13 + "+" + "-" * width]
    for r in obj.rows:
        depvar = ("no depvar" if not r.depvar.split() else
                  abbrev(r.depvar, 12) if len(r.depvar.split()) == 1 else "mult. depvar")
        title = r.title
        first, title = title[:piece], title[piece:]
        lines.append(f"{abbrev(r.name, 12):>12} | {r.command:<12} {depvar:<12} {r.npar:4d}  {first}")
        while title:
            first, title = title[:piece], title[piece:]
            lines.append(" " * 13 + "|" + " " * 33 + first)
    lines.append("-" * (14 + width))
    return "\n".join(line.rstrip() for line in lines)


# ----------------------------------------------------------------------- replay header
@dataclass
class ReplayBlock:
    header: str  # "Model slope" or "active results"
    body: object  # whatever the estimation command's renderer lays out
    width: int = 79


@dataclass
class Replay:
    blocks: list[ReplayBlock] = field(default_factory=list)


@to_text.register
def _(obj: Replay) -> str:
    out = []
    for b in obj.blocks:
        body = b.body if isinstance(b.body, str) else to_text(b.body)
        out.append("\n".join(["", "-" * b.width, b.header, "-" * b.width, body]))
    return "\n".join(out)


# ------------------------------------------------------------------------ estimates table
@dataclass
class TableRow:
    eq: str  # equation name ("" for none)
    name: str  # coefficient name
    b: list  # one entry per model: float, or None when the model lacks the coefficient
    se: list
    t: list = field(default_factory=list)
    p: list = field(default_factory=list)
    stars: list = field(default_factory=list)  # "", "*", "**", "***" per model (`star`)


@dataclass
class EstimatesTable:
    models: list[str]  # column titles ("active" for `.`)
    rows: list[TableRow]
    show_se: bool = False
    stats: list[tuple[str, list]] = field(default_factory=list)  # (name, values per model)
    vw: int = 12
    cw: int = 10
    bfmt: str = "%10.0g"
    sefmt: str = "%10.0g"
    show_t: bool = False
    show_p: bool = False
    star: tuple[float, float, float] | None = None  # the `star` levels (.05 .01 .001)
    tfmt: str = "%7.2f"
    pfmt: str = "%7.4f"


def _cell(x, spec: str, cw: int) -> str:
    return " " * cw if x is None else f"{fmt(x, spec):>{cw}}"


@to_text.register
def _(obj: EstimatesTable) -> str:
    """est_table.ado's layout: a 12-wide name column, then per model one space, the value
    right-aligned in cw (10 for %10.0g) and two spaces; titles centred (Stata 17 output)."""
    n, vw, cw = len(obj.models), obj.vw, obj.cw
    sw = 3 if obj.star else 0     # `star`: the stars follow each value in 3 columns
    total = vw + 2 + n * (cw + 3 + sw)
    rule = "-" * total
    mid = "-" * (vw + 1) + "+" + "-" * (n * (cw + 3 + sw))

    def line(label: str, cells: list[str], align: str = ">") -> str:
        return (f"{label:{align}{vw}} |" + "".join(f" {c}  " for c in cells)).rstrip()

    def center(s: str) -> str:
        w = cw + sw
        s = abbrev(s, w)
        left = (w - len(s)) // 2
        return " " * left + s + " " * (w - len(s) - left)

    def cells(values, spec, stars=None):
        out = [_cell(x, spec, cw) for x in values]
        if sw:
            stars = stars or [""] * len(values)
            out = [c + f"{st:<3}" for c, st in zip(out, stars)]
        return out

    lines = ["", rule, line("Variable", [center(m) for m in obj.models]), mid]
    eqs = []
    for r in obj.rows:
        if r.eq not in eqs:
            eqs.append(r.eq)
    multi = len(eqs) > 1
    for k, eq in enumerate(eqs):
        if multi:
            if k:
                lines.append(mid)
            lines.append(f"{abbrev(eq, vw):<{vw}} |")
        for r in (r for r in obj.rows if r.eq == eq):
            lines.append(line(abbrev(r.name, vw), cells(r.b, obj.bfmt, r.stars)))
            if obj.show_se:
                lines.append(line("", cells(r.se, obj.sefmt)))
            if obj.show_t:
                lines.append(line("", cells(r.t, obj.tfmt)))
            if obj.show_p:
                lines.append(line("", cells(r.p, obj.pfmt)))
    if obj.stats:
        lines.append(mid)
        if multi:
            lines.append(line("Statistics", [" " * (cw + sw)] * n, "<"))
        for name, values in obj.stats:
            spec = f"%{cw}.0f" if name == "N" else obj.bfmt
            lines.append(line(abbrev(name, vw), cells(values, spec)))
    lines.append(rule)
    parts = ["b"] + [w for w, on in (("se", obj.show_se), ("t", obj.show_t), ("p", obj.show_p))
                     if on]
    if len(parts) > 1:
        legend = "Legend: " + "/".join(parts)
        lines.append(f"{legend:>{total}}")
    if obj.star:
        a, b, c = (f"{x:g}".replace("0.", ".", 1) if x < 1 else f"{x:g}" for x in obj.star)
        lines.append(f"{'Legend: * p<' + a + '; ** p<' + b + '; *** p<' + c:>{total}}")
    return "\n".join(lines)


# ------------------------------------------------------------------------ estimates stats
@dataclass
class Notice:
    """A one-line message such as `(results slope are active now)`."""
    text: str


@to_text.register
def _(obj: Notice) -> str:
    return obj.text
