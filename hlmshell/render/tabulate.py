"""tabulate tables, Stata 17 layout (stata-reference.md 8.6; the handout, page 3).

One-way, label column of width w (at least 11, growing with the values):

    ␣␣␣␣tag(id) |      Freq.     Percent        Cum.
    ------------+-----------------------------------
    ␣␣␣␣␣␣␣␣␣␣0 |      7,025       97.77       97.77
    ------------+-----------------------------------
    ␣␣␣␣␣␣Total |      7,185      100.00

The header shows the variable label when there is one, else the name; text longer than
w wraps over several lines (at blanks when it can, else inside words).

Two-way: a row-label column of width 10 (growing with the values), cells of width 10
followed by a blank, the column variable's label centred over the cells, then Total.
With `row`/`col`/`cell` each cell gets its percentages under the count, a key box heads the
table, and a rule separates the rows (`nofreq` drops the counts). `chi2`/`lrchi2` add,
after a blank line, `          Pearson chi2(4) =   6.7780   Pr = 0.148` and
` Likelihood-ratio chi2(4) = …` (label right-aligned in 25, %8.4f, %5.3f; public Stata
17/18 logs).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import comma_int


def wrap(text: str, width: int) -> list[str]:
    """Split `text` into lines of at most `width`, at blanks where possible."""
    words, lines, current = text.split(), [], ""
    for word in words:
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    return lines


@dataclass
class OneWay:
    title: str                # variable label or name
    labels: list[str]         # value texts, in order
    freqs: list[int]


@dataclass
class TwoWay:
    row_title: str
    col_title: str
    row_labels: list[str]
    col_labels: list[str]
    counts: list[list[int]]   # rows × columns
    row: bool = False         # row percentages
    col: bool = False         # column percentages
    cell: bool = False        # cell percentages
    freq: bool = True         # frequencies (nofreq: False)
    tests: list = field(default_factory=list)  # (label, df, statistic, p) under the table


@to_text.register
def _(t: OneWay) -> str:
    w = max(11, *(len(s) for s in t.labels)) if t.labels else 11
    total = sum(t.freqs)
    head = wrap(t.title, w)
    lines = [""]
    lines += [f"{h:>{w}} |" for h in head[:-1]]
    lines.append(f"{head[-1]:>{w}} |      Freq.     Percent        Cum.")
    rule = "-" * (w + 1) + "+" + "-" * 35
    lines.append(rule)
    cum = 0
    for label, f in zip(t.labels, t.freqs):
        cum += f
        lines.append(f"{label:>{w}} | {comma_int(f):>10}  {100 * f / total:10.2f}  "
                     f"{100 * cum / total:10.2f}")
    lines.append(rule)
    lines.append(f"{'Total':>{w}} | {comma_int(total):>10}  {100.0:10.2f}")
    return "\n".join(lines)


@dataclass
class OneWaySummary:
    """`tabulate var, summarize(y)`: mean, sd and frequency of y in each row and overall."""
    title: str                # the row variable's label or name
    ytitle: str               # "Summary of <y's label or name>"
    labels: list[str]
    rows: list[tuple[float, float, int]]     # mean, sd, freq; the last one is Total
    show: tuple[bool, bool, bool] = (True, True, True)   # means, standard, freq


@to_text.register
def _(t: OneWaySummary) -> str:
    from hlmshell.render.formats import fmt
    w = max(11, *(len(s) for s in t.labels)) if t.labels else 11
    heads = [h for h, on in zip(("Mean", "Std. dev.", "Freq."), t.show) if on]
    span = 12 * len(heads)
    lines = ["", f"{'':{w}} |{t.ytitle:^{span}}".rstrip()]
    head = wrap(t.title, w)
    lines += [f"{h:>{w}} |" for h in head[:-1]]
    lines.append(f"{head[-1]:>{w}} |" + "".join(f"{h:>12}" for h in heads))
    rule = "-" * (w + 1) + "+" + "-" * span
    lines.append(rule)

    def row(label, mean, sd, freq):
        cells = [fmt(mean, "%10.0g"), fmt(sd, "%10.0g"), comma_int(freq)]
        return f"{label:>{w}} |" + "".join(f"{c.strip():>12}" for c, on in
                                             zip(cells, t.show) if on)
    for label, (mean, sd, freq) in zip(t.labels, t.rows[:-1]):
        lines.append(row(label, mean, sd, freq))
    lines.append(rule)
    lines.append(row("Total", *t.rows[-1]))
    return "\n".join(lines)


def _pct(num: int, den: int) -> str:
    return f"{100 * num / den:10.2f}" if den else f"{'.':>10}"


@to_text.register
def _(t: TwoWay) -> str:
    w = max(10, *(len(s) for s in t.row_labels))
    ncol = len(t.col_labels)
    rows_tot = [sum(r) for r in t.counts]
    cols_tot = [sum(t.counts[i][j] for i in range(len(t.counts))) for j in range(ncol)]
    total = sum(rows_tot)
    block = 11 * ncol
    lines = [""]
    key = (["frequency"] if t.freq else []) + (["row percentage"] if t.row else []) + \
        (["column percentage"] if t.col else []) + (["cell percentage"] if t.cell else [])
    if key != ["frequency"] and key:
        kw = max(len(k) for k in key) + 2
        lines += ["+" + "-" * kw + "+", "| " + "Key".ljust(kw - 1) + "|",
                  "|" + "-" * kw + "|"]
        lines += ["|" + k.center(kw) + "|" for k in key]
        lines += ["+" + "-" * kw + "+", ""]
    row_head = wrap(t.row_title, w)
    col_head = t.col_title[:block]
    top = " " * ((block - len(col_head)) // 2) + col_head
    left = row_head[:-1] or [""]  # the column title sits just above the value header
    for k, text in enumerate(left):
        lines.append(f"{text:>{w}} |" + (top if k == len(left) - 1 else ""))
    values_head = "".join(f"{c[:10]:>10} " for c in t.col_labels)
    lines.append(f"{row_head[-1]:>{w}} |{values_head}|     Total")
    rule = "-" * (w + 1) + "+" + "-" * block + "+" + "-" * 10
    lines.append(rule)
    multi = len(key) > 1

    def cells(counts, tot, kind, rtot, ctots):
        if kind == "count":
            body = "".join(f"{comma_int(c):>10} " for c in counts)
            return body + "|" + f"{comma_int(tot):>10} "
        if kind == "row":
            body = "".join(_pct(c, rtot) + " " for c in counts)
            return body + "|" + _pct(tot, rtot) + " "
        if kind == "cell":
            body = "".join(_pct(c, total) + " " for c in counts)
            return body + "|" + _pct(tot, total) + " "
        body = "".join(_pct(c, ct) + " " for c, ct in zip(counts, ctots))
        return body + "|" + _pct(tot, total) + " "

    kinds = (["count"] if t.freq else []) + (["row"] if t.row else []) + \
        (["col"] if t.col else []) + (["cell"] if t.cell else [])
    for i, label in enumerate(t.row_labels):
        for k, kind in enumerate(kinds):
            text = label if k == 0 else ""
            lines.append(f"{text:>{w}} |" + cells(t.counts[i], rows_tot[i], kind, rows_tot[i],
                                                    cols_tot))
        if multi:
            lines.append(rule)
    if not multi:
        lines.append(rule)
    for k, kind in enumerate(kinds):
        text = "Total" if k == 0 else ""
        lines.append(f"{text:>{w}} |" + cells(cols_tot, total, kind, total, cols_tot))
    if t.tests:
        lines.append("")
        for label, df, stat, p in t.tests:
            lines.append(f"{label + f'({df})':>25} = {_stat(stat)}   Pr = {_p(p)}")
    return "\n".join(lines)


def _stat(x: float) -> str:
    return f"{x:8.4f}" if x == x else f"{'.':>8}"


def _p(p: float) -> str:
    return f"{p:5.3f}" if p == p else f"{'.':>5}"
