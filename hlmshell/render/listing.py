"""`list` and `count` output.

`list` draws Stata's table style: observation numbers right-aligned ("  1."), a box around
the columns, a rule every 5 observations. Column width = the widest of the formatted values
and the header (names longer than that are abbreviated, to no fewer than 8 characters).
A table wider than the line size is split into blocks of columns, each its own box (Stata
switches to its "display" style instead; this is the simpler fallback).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev


@dataclass
class ListColumn:
    name: str
    cells: list[str]
    right: bool = True  # numbers and %#s strings are right-aligned, %-#s left-aligned
    min_header: int = 8  # abbreviate(#): names are shortened to no fewer than this

    @property
    def header(self) -> str:
        width = max((len(c) for c in self.cells), default=0)
        room = max(width, self.min_header)
        return self.name if len(self.name) <= room else abbrev(self.name, room)

    @property
    def width(self) -> int:
        return max([len(self.header)] + [len(c) for c in self.cells])

    def pad(self, text: str) -> str:
        return f"{text:>{self.width}}" if self.right else f"{text:<{self.width}}"


@dataclass
class ListResult:
    columns: list[ListColumn]
    obs: list[int] = field(default_factory=list)  # 1-based numbers of the listed rows
    show_obs: bool = True
    clean: bool = False
    separator: int = 5
    cuts: list[int] = field(default_factory=list)  # sepby(): rules before these rows
    linesize: int = 79


@dataclass
class CountResult:
    n: int


@to_text.register
def _(res: CountResult) -> str:
    return f"  {res.n:,}"


def _obs_width(res: ListResult) -> int:
    if not res.show_obs:
        return 0
    return max(4, len(str(max(res.obs, default=1))) + 2)


def _blocks(res: ListResult, ow: int) -> list[list[ListColumn]]:
    """Columns grouped so that each table fits in the line size (at least one per block)."""
    lead = ow + 1 if res.show_obs else 2
    blocks: list[list[ListColumn]] = [[]]
    used = lead + 2 + 2
    for col in res.columns:
        extra = col.width + (3 if blocks[-1] else 0)
        if blocks[-1] and used + extra > res.linesize:
            blocks.append([])
            used, extra = lead + 4, col.width
        blocks[-1].append(col)
        used += extra
    return blocks


def _table(res: ListResult, cols: list[ListColumn], ow: int) -> list[str]:
    lead = " " * (ow + 1) if res.show_obs else "  "
    inner = sum(c.width for c in cols) + 3 * (len(cols) - 1) + 2
    rule_box, rule_in = f"{lead}+{'-' * inner}+", f"{lead}|{'-' * inner}|"
    head = "   ".join(c.pad(c.header) if c.right else f"{c.header:<{c.width}}" for c in cols)
    lines = [rule_box, f"{lead}| {head} |", rule_in]
    cuts = set(res.cuts)
    for i, number in enumerate(res.obs):
        if i and ((res.separator and i % res.separator == 0) or i in cuts):
            lines.append(rule_in)
        cells = "   ".join(c.pad(c.cells[i]) for c in cols)
        left = f"{str(number) + '.':>{ow}} " if res.show_obs else lead
        lines.append(f"{left}| {cells} |")
    lines.append(rule_box)
    return lines


def _clean(res: ListResult, cols: list[ListColumn], ow: int) -> list[str]:
    lead = " " * ow + "   " if res.show_obs else "  "
    head = "   ".join(c.pad(c.header) if c.right else f"{c.header:<{c.width}}" for c in cols)
    lines = [(lead + head).rstrip()]
    for i, number in enumerate(res.obs):
        left = f"{str(number) + '.':>{ow}}   " if res.show_obs else lead
        lines.append((left + "   ".join(c.pad(c.cells[i]) for c in cols)).rstrip())
    return lines


@to_text.register
def _(res: ListResult) -> str:
    if not res.columns or not res.obs:
        return ""
    ow = _obs_width(res)
    out: list[str] = [""]  # Stata leaves a blank line after the command
    for k, cols in enumerate(_blocks(res, ow)):
        if k:
            out.append("")
        out += _clean(res, cols, ow) if res.clean else _table(res, cols, ow)
    return "\n".join(out)


@dataclass
class MergeResult:
    """merge's table of results: counts by _merge category (after keep())."""
    master_only: int
    using_only: int
    matched: int
    generate: str = "_merge"


def _merge_line(label: str, n: int, note: str = "") -> str:
    number = f"{n:,}"
    return f"{label:<{45 - len(number)}}{number}" + (f"  ({note})" if note else "")


@to_text.register
def _(res: MergeResult) -> str:
    rule = "    " + "-" * 41
    gen = res.generate
    lines = ["", "    Result                      Number of obs", rule,
             _merge_line("    Not matched", res.master_only + res.using_only)]
    if res.master_only + res.using_only:
        lines.append(_merge_line("        from master", res.master_only, f"{gen}==1"))
        lines.append(_merge_line("        from using", res.using_only, f"{gen}==2"))
        lines.append("")
    lines += [_merge_line("    Matched", res.matched, f"{gen}==3"), rule]
    return "\n".join(lines)
