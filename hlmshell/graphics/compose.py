"""Apply the options every graph command shares (titles, axes, legend, name, scheme) to a
GraphSpec, and the marker/line styles to a layer."""
from __future__ import annotations

from hlmshell.graphics.spec import GraphSpec, Layer, Panel

GRAPH_OPTIONS = {"title", "subtitle", "note", "caption", "xtitle", "ytitle", "legend",
                 "xlabel", "ylabel", "name", "scheme", "nodraw", "xscale", "yscale",
                 "xline", "yline", "saving"}
STYLE_OPTIONS = {"msymbol", "mcolor", "msize", "lcolor", "lpattern", "lwidth", "color",
                 "fcolor"}
MARKER_OPTIONS = {"msymbol", "mcolor", "msize"}
LINE_STYLE_OPTIONS = STYLE_OPTIONS - MARKER_OPTIONS  # plots drawn without markers


def style_of(opts: dict, k: int = 0) -> dict:
    """The k-th entry of each style option (scatter y1 y2 x, msymbol(O Dh): one per y)."""
    style = {}
    for name in STYLE_OPTIONS:
        if name in opts and opts[name]:
            values = opts[name]
            style[name] = values[min(k, len(values) - 1)]
    return style


def apply_graph_options(spec: GraphSpec, opts: dict) -> GraphSpec:
    for key in ("title", "subtitle", "note", "caption"):
        if key in opts:
            setattr(spec, key, opts[key])
    if "scheme" in opts:
        spec.scheme = opts["scheme"]
    if "name" in opts:
        spec.name = opts["name"]["target"]
    for panel in spec.panels:
        apply_axis_options(panel, opts)
    return spec


def apply_axis_options(panel: Panel, opts: dict) -> None:
    if "xtitle" in opts:
        panel.xaxis.title = opts["xtitle"]
    if "ytitle" in opts:
        panel.yaxis.title = opts["ytitle"]
    for key, axis in (("xlabel", panel.xaxis), ("ylabel", panel.yaxis)):
        if key in opts:
            axis.labels = opts[key].get("ticks", axis.labels)
            for attr in ("angle", "count", "grid", "format", "labsize"):
                if opts[key].get(attr) is not None:
                    setattr(axis, attr, opts[key][attr])
    if "xline" in opts:
        panel.xlines.append(opts["xline"])
    if "yline" in opts:
        panel.ylines.append(opts["yline"])
    if opts.get("xscale"):
        panel.xaxis.log = True
    if opts.get("yscale"):
        panel.yaxis.log = True
    legend = opts.get("legend")
    if legend:
        if "show" in legend:
            panel.legend = legend["show"]
        if "order" in legend:
            panel.legend_order = legend["order"]
            panel.legend = legend.get("show", True)
        panel.legend_layout.update({k: legend[k] for k in ("cols", "rows", "position", "ring",
                                                            "size") if k in legend})
        for k, text in legend.get("labels", {}).items():
            if 1 <= k <= len(panel.layers):
                panel.layers[k - 1].label = text


def one_layer_graph(command: str, layers: list[Layer], xtitle, ytitle, opts: dict,
                    cmdline: str = "") -> GraphSpec:
    panel = Panel(layers=layers)
    panel.xaxis.title, panel.yaxis.title = xtitle, ytitle
    spec = GraphSpec(command=command, panels=[panel], cmdline=cmdline)
    return apply_graph_options(spec, opts)


def apply_by_layout(spec: GraphSpec, by: dict | None) -> None:
    """by(..., cols() rows() title() subtitle()): the panel grid and the by-graph's headings
    (note() is the by_groups note, set where the groups are made)."""
    if not by:
        return
    n = len(spec.panels)
    if by.get("cols"):
        spec.cols = by["cols"]
    elif by.get("rows"):
        spec.cols = max(-(-n // by["rows"]), 1)
    for key in ("title", "subtitle"):
        if by.get(key):
            setattr(spec, key, by[key])
