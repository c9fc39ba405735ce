"""GraphSpec: what a graph shows, as plain data (numpy arrays, strings, numbers).

Graph commands build one; the renderer (draw.py) turns it into pixels. Tests look at a
GraphSpec without drawing. Styles are Stata's words (msymbol(Oh), lpattern(dash), mcolor
(maroon)); the renderer maps them to matplotlib.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Layer:
    """One plot of a panel.

    kind: scatter line connected area rarea rcap rspike bar hbar box hbox dot.
    x, y: the points (line kinds are drawn in the order given); y2 the upper end of range
    plots (rarea rcap rspike) and of bars (bars: y the height, x the centre, width).
    For box layers, `stats` holds one dict per box (q1 median q3 whisker ends outliers).
    """
    kind: str
    x: np.ndarray
    y: np.ndarray
    y2: np.ndarray | None = None
    label: str = ""
    style: dict = field(default_factory=dict)  # msymbol mcolor msize lcolor lpattern lwidth color
    width: float | None = None   # bars
    stats: list | None = None    # box plots
    categories: list[str] | None = None  # bar/box/dot category axis labels

    @property
    def npoints(self) -> int:
        return int(len(self.x))


@dataclass
class Axis:
    title: str | None = None  # None: the renderer shows nothing; "" is an empty title
    labels: list[tuple[float, str]] | None = None  # explicit ticks (value, text)
    angle: float | None = None
    log: bool = False
    count: int | None = None     # xlabel(#5): about this many ticks
    grid: bool | None = None     # ylabel(, nogrid) / xlabel(, grid); None: the scheme's
    format: str | None = None    # ylabel(, format(%9.2f))
    labsize: str | float | None = None


@dataclass
class Panel:
    layers: list[Layer] = field(default_factory=list)
    xaxis: Axis = field(default_factory=Axis)
    yaxis: Axis = field(default_factory=Axis)
    title: str = ""           # a by() panel's heading, or the title of a combined graph
    legend: bool = False
    legend_order: list[int] | None = None  # 1-based layer numbers, as legend(order())
    legend_layout: dict = field(default_factory=dict)  # cols rows position ring size
    horizontal: bool = False  # hbar, hbox, dot: categories on the vertical axis
    xlines: list[dict] = field(default_factory=list)  # xline()/yline(): {"at": [...], style}
    ylines: list[dict] = field(default_factory=list)


@dataclass
class GraphSpec:
    """A whole graph: one panel, or several (by(), graph combine)."""
    command: str                  # the command that made it: twoway, histogram, graph box, ...
    panels: list[Panel] = field(default_factory=list)
    title: str = ""
    subtitle: str = ""
    note: str = ""
    caption: str = ""
    name: str = "Graph"
    scheme: str = "stata2"
    cols: int | None = None       # panel grid (by(..., cols()), combine cols())
    width_in: float = 5.5         # Stata's default graph is 5.5 x 4 inches
    height_in: float = 4.0
    cmdline: str = ""

    @property
    def npoints(self) -> int:
        return sum(layer.npoints for p in self.panels for layer in p.layers)


@dataclass
class GraphResult:
    """What a graph command returns: the spec it made (the session keeps it by name) and a
    note to print, such as histogram's `(bin=38, start=-2.832, width=.68963158)`."""
    spec: GraphSpec
    note: str = ""
