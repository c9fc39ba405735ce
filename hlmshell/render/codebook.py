"""codebook, codebook compact and misstable summarize layouts (Stata 17/18, from public
logs of each).

codebook, per variable: a rule, the name with the label (or `(unlabeled)`) right-aligned,
a rule, then entries whose titles end at column 23:

                      Type: Numeric (int)

                     Range: [3291,15906]                  Units: 1
             Unique values: 74                        Missing .: 0/74

                      Mean: 6165.26              (%8.0g straight after the colon)
                 Std. dev.:  2949.5

               Percentiles:     10%       25%       50%       75%       90%
                               3895      4195    5006.5      6342     11385

Second titles on a line start at column 55 (`Units:`) and 51 (`Missing .:`, `Missing "":`). Nine or fewer unique
values give a `Tabulation:` (Freq. ending at column 29; with a value label also `Numeric`
ending at column 39 and `Label`) instead of the mean and percentiles.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, comma_int, fmt


@dataclass
class CodebookEntry:
    name: str
    label: str
    type_text: str                       # `Numeric (int)`, `String (str8), but longest is str3`
    value_label: str = ""
    range_text: str | None = None        # `[3291,15906]` (numeric only)
    units: str | None = None
    unique: int = 0
    missing_title: str = "Missing .:"
    missing: int = 0
    n: int = 0
    mean: float | None = None
    sd: float | None = None
    percentiles: list[float] | None = None
    tabulation: list[tuple[int, str, str]] | None = None   # (freq, value text, label text)
    labelled: bool = False
    examples: list[str] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class CodebookResult:
    entries: list[CodebookEntry]
    linesize: int = 79


def _title(text: str, value: str = "") -> str:
    return f"{text:>23} {value}".rstrip()


def _pair(left: str, title: str, value: str, start: int) -> str:
    """`title value` from column `start` (0-based) on, after the left part."""
    return f"{left:<{max(len(left) + 1, start)}}{title} {value}"


def _entry(e: CodebookEntry, linesize: int) -> list[str]:
    rule = "-" * linesize
    label = e.label or "(unlabeled)"
    head = e.name + " " * max(1, linesize - len(e.name) - len(label)) + label
    lines = [rule, head, rule, "", _title("Type:", e.type_text)]
    if e.value_label:
        lines.append(_title("Label:", e.value_label))
    lines.append("")
    if e.range_text is not None:
        lines.append(_pair(_title("Range:", e.range_text), "Units:", e.units or "", 54))
    lines.append(_pair(_title("Unique values:", comma_int(e.unique)), e.missing_title,
                       f"{comma_int(e.missing)}/{comma_int(e.n)}", 50))
    if e.tabulation is not None:
        lines.append("")
        if e.labelled:
            lines.append(_title("Tabulation:", "Freq.   Numeric  Label"))
            lines += [f"{comma_int(f):>29}  {v:>8}  {lab}".rstrip() for f, v, lab in e.tabulation]
        else:
            lines.append(_title("Tabulation:", "Freq.  Value"))
            lines += [f"{comma_int(f):>29}  {v}" for f, v, _ in e.tabulation]
    elif e.examples is not None:
        lines.append("")
        lines.append(_title("Examples:", e.examples[0] if e.examples else ""))
        lines += [" " * 24 + x for x in e.examples[1:]]
    elif e.mean is not None:
        lines.append("")
        lines.append(f"{'Mean:':>23}{fmt(e.mean, '%8.0g')}")
        lines.append(f"{'Std. dev.:':>23}{fmt(e.sd, '%8.0g')}")
        if e.percentiles is not None:
            lines.append("")
            lines.append(f"{'Percentiles:':>23}" + f"{'10%':>8}" +
                         "".join(f"{p:>10}" for p in ("25%", "50%", "75%", "90%")))
            vals = [fmt(v, "%8.0g").strip() for v in e.percentiles]
            lines.append(" " * 23 + f"{vals[0]:>8}" + "".join(f"{v:>10}" for v in vals[1:]))
    for w in e.warnings:
        lines += ["", _title("Warning:", w)]
    return lines


@to_text.register
def _(res: CodebookResult) -> str:
    out = []
    for e in res.entries:
        out.append("")
        out += _entry(e, res.linesize)
    return "\n".join(out)


@dataclass
class CompactRow:
    name: str
    n: int
    unique: int
    mean: str
    lo: str
    hi: str
    label: str


@dataclass
class CodebookCompact:
    rows: list[CompactRow]
    linesize: int = 79


@to_text.register
def _(res: CodebookCompact) -> str:
    w = max([9] + [len(r.name) for r in res.rows])
    wn = 2 + max([3] + [len(str(r.n)) for r in res.rows])
    wu = 1 + max([6] + [len(str(r.unique)) for r in res.rows])
    wm = 2 + max([8] + [len(r.mean) for r in res.rows])
    wl = 2 + max([3] + [len(r.lo) for r in res.rows])
    wh = 2 + max([3] + [len(r.hi) for r in res.rows])

    def line(name, n, u, m, lo, hi, lab):
        return f"{name:<{w}}{n:>{wn}}{u:>{wu}}{m:>{wm}}{lo:>{wl}}{hi:>{wh}}  {lab}".rstrip()

    body = [line(r.name, str(r.n), str(r.unique), r.mean, r.lo, r.hi, r.label) for r in res.rows]
    width = max([res.linesize] + [len(b) for b in body])
    return "\n".join(["", line("Variable", "Obs", "Unique", "Mean", "Min", "Max", "Label"),
                      "-" * width] + body + ["-" * width])


@dataclass
class MisstableRow:
    name: str
    eq_dot: int
    gt_dot: int
    lt_dot: int
    unique: int
    lo: float
    hi: float


@dataclass
class MisstableResult:
    rows: list[MisstableRow]
    showzero: bool = False


@to_text.register
def _(res: MisstableResult) -> str:
    if not res.rows:
        return "(variables nonmissing or string)"

    def count(k: int) -> str:
        return comma_int(k) if k or res.showzero else ""

    lines = ["", " " * 63 + "Obs<.", " " * 48 + "+" + "-" * 30,
             " " * 15 + "|" + " " * 32 + "| Unique",
             "      Variable |     Obs=.     Obs>.     Obs<.  | values        Min         Max",
             "  -------------+--------------------------------+" + "-" * 30]
    for r in res.rows:
        unique = ">500" if r.unique > 500 else str(r.unique)
        lines.append(f"  {abbrev(r.name, 12):>12} |{count(r.eq_dot):>10}{count(r.gt_dot):>10}"
                     f"{comma_int(r.lt_dot):>10}  |{unique:>7}{fmt(r.lo, '%9.0g').strip():>11}"
                     f"{fmt(r.hi, '%9.0g').strip():>12}")
    lines.append("  " + "-" * 77)
    return "\n".join(lines)


@dataclass
class NameColumns:
    """`ds`: names (abbreviated to 12) in columns 14 wide."""
    names: list[str]
    linesize: int = 79


@to_text.register
def _(res: NameColumns) -> str:
    per = max(1, (res.linesize + 2) // 14)
    cells = [abbrev(n, 12) for n in res.names]
    return "\n".join("".join(f"{c:<14}" for c in cells[i:i + per]).rstrip()
                     for i in range(0, len(cells), per))
