"""GraphSpec → matplotlib Figure → PNG/SVG/PDF bytes or file. matplotlib is imported here
only, and this module only when a graph is drawn (Agg backend: no display needed).

The look follows Stata's default scheme (stata2/s2color): a light blue-grey graph region
around a white plot region, horizontal grid lines at the y labels, y labels horizontal,
plots coloured navy, maroon, forest green, ... and the legend below the plot. `s1mono`
draws black and greys on white.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.errors import StataError
from hlmshell.graphics import options as gopts

FORMATS = {"png": "png", "svg": "svg", "pdf": "pdf"}
RASTER_ABOVE = 5000  # more points than this: markers are rasterised (small vector files)

SYMBOL = {"o": "o", "d": "D", "t": "^", "s": "s", "+": "+", "x": "x", "a": "^", "|": "|",
          "v": "v", "p": ".", "i": "", "none": "", "oh": "o", "dh": "D", "th": "^",
          "sh": "s", "circle": "o", "smcircle": "o", "diamond": "D", "triangle": "^",
          "square": "s", "plus": "+", "point": "."}
MSIZE = {"vtiny": 1.2, "tiny": 2, "vsmall": 2.6, "small": 3.2, "medsmall": 3.8,
         "medium": 4.5, "medlarge": 5.3, "large": 6, "vlarge": 7.5, "huge": 9, "vhuge": 11,
         "none": 0}
LWIDTH = {"none": 0, "vvthin": 0.3, "vthin": 0.6, "thin": 0.9, "medthin": 1.1,
          "medium": 1.4, "medthick": 1.8, "thick": 2.3, "vthick": 3, "vvthick": 4}
PATTERN = {"solid": "-", "l": "-", "dash": (0, (6, 3)), "-": (0, (6, 3)),
           "dot": (0, (1, 2)), ".": (0, (1, 2)), "dash_dot": (0, (6, 3, 1, 3)),
           "-.": (0, (6, 3, 1, 3)), "shortdash": (0, (3, 2)), "_": (0, (10, 3)),
           "shortdash_dot": (0, (3, 2, 1, 2)), "longdash": (0, (10, 3)), "__": (0, (10, 3)),
           "longdash_dot": (0, (10, 3, 1, 3)), "_-": (0, (10, 3, 6, 3)), "blank": "None"}
SCHEMES = {
    "stata2": {"graph_bg": (234 / 255, 242 / 255, 243 / 255), "plot_bg": (1, 1, 1),
               "grid": (0.87, 0.89, 0.90), "fg": (0, 0, 0),
               "palette": gopts.PALETTE, "bar_fill": None},
    "s1mono": {"graph_bg": (1, 1, 1), "plot_bg": (1, 1, 1), "grid": (0.88, 0.88, 0.88),
               "fg": (0, 0, 0), "palette": gopts.MONO, "bar_fill": None},
}
MONO_PATTERNS = ("solid", "dash", "shortdash", "longdash_dot", "dot")


def _mpl():
    try:
        import matplotlib
    except ImportError:
        raise StataError(198, "drawing graphs needs matplotlib: pip install "
                              "'hlmshell[graphs]'") from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return matplotlib, plt


def figure(spec, width_px: int | None = None):
    """Draw `spec` on a new Figure (the caller closes it). matplotlib's warnings (a log
    axis over non-positive values, ...) are not the user's business: the picture shows it."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _figure(spec)


def _figure(spec):
    matplotlib, plt = _mpl()
    from matplotlib.figure import Figure
    scheme = SCHEMES.get(spec.scheme, SCHEMES["stata2"])
    n = max(len(spec.panels), 1)
    cols = spec.cols or (1 if n == 1 else math.ceil(math.sqrt(n)))
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(spec.width_in, spec.height_in), facecolor=scheme["graph_bg"])
    with matplotlib.rc_context({"font.size": 8.5, "font.family": "DejaVu Sans",
                                "axes.unicode_minus": False}):
        axes = fig.subplots(rows, cols, squeeze=False)
        handles, legend_layout = None, None
        for k, ax in enumerate(axes.flat):
            if k >= len(spec.panels):
                ax.set_visible(False)
                continue
            got = _draw_panel(ax, spec.panels[k], scheme, spec.scheme, n > 1)
            layout = spec.panels[k].legend_layout
            if got is not None and layout.get("ring") == 0:
                _inner_legend(ax, got, layout)  # legend(ring(0) pos(#)): inside the plot
                got = None
            handles = handles or got
            legend_layout = legend_layout or (layout if got is not None else None)
        _titles(fig, spec, handles, scheme, legend_layout or {})
    return fig


# Stata's clock positions → matplotlib's legend locations
CLOCK = {0: "center", 1: "upper right", 2: "upper right", 3: "center right",
         4: "lower right", 5: "lower right", 6: "lower center", 7: "lower left",
         8: "lower left", 9: "center left", 10: "upper left", 11: "upper left",
         12: "upper center"}


def _ncol(layout: dict, n: int) -> int:
    if layout.get("cols"):
        return max(min(layout["cols"], n), 1)
    if layout.get("rows"):
        return max(math.ceil(n / layout["rows"]), 1)
    return min(2, n)


def _row_major(handles, labels, ncol):
    order = [i for c in range(ncol) for i in range(c, len(labels), ncol)]
    return [handles[i] for i in order], [labels[i] for i in order]


def _legend_size(layout: dict) -> float:
    size = layout.get("size")
    if size is None:
        return 8
    return TEXT_SIZE.get(size, 8) if isinstance(size, str) else float(size)


def _inner_legend(ax, legend, layout) -> None:
    handles, labels = legend
    ncol = _ncol(layout, len(labels))
    handles, labels = _row_major(handles, labels, ncol)
    ax.legend(handles, labels, loc=CLOCK.get(layout.get("position", 1) % 13, "upper right"),
              ncol=ncol, frameon=True, facecolor="white", edgecolor=(0.6, 0.6, 0.6),
              fancybox=False, fontsize=_legend_size(layout))


def _titles(fig, spec, legend, scheme, layout) -> None:
    top, bottom = 0.97, 0.03
    if spec.title:
        fig.suptitle(spec.title, y=top, fontsize=12.5, color=scheme["fg"])
    if spec.subtitle:
        fig.text(0.5, top - (0.06 if spec.title else 0), spec.subtitle, ha="center",
                 va="top", fontsize=10)
    if spec.note or spec.caption:
        text = "\n".join(t for t in (spec.note, spec.caption) if t)
        fig.text(0.02, bottom, text, ha="left", va="bottom", fontsize=7.5)
    if legend is not None:
        handles, labels = legend
        ncol = _ncol(layout, len(labels))
        # Stata fills the key row by row (1 2 / 3 4); matplotlib fills columns: reorder
        handles, labels = _row_major(handles, labels, ncol)
        fig.legend(handles, labels, loc="lower center", ncol=ncol,
                   bbox_to_anchor=(0.5, 0.06 if (spec.note or spec.caption) else 0.01),
                   frameon=True, facecolor="white", edgecolor=(0.6, 0.6, 0.6),
                   fancybox=False, fontsize=_legend_size(layout))
    head = 0.05 * bool(spec.title) + 0.05 * bool(spec.subtitle)
    foot = (0.13 if legend is not None else 0) + 0.05 * bool(spec.note or spec.caption)
    fig.tight_layout(rect=(0.01, foot, 0.99, 0.99 - head), h_pad=0.8, w_pad=0.8)


def _color(style, key, fallback):
    value = style.get(key)
    if value is None:
        value = style.get("color", fallback) if key in ("mcolor", "lcolor", "fcolor") else \
            fallback
    return fallback if value is None else value


def _draw_panel(ax, panel, scheme, scheme_name, small):
    from matplotlib.ticker import FuncFormatter
    ax.set_facecolor(scheme["plot_bg"])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_axisbelow(True)
    palette = scheme["palette"]
    drawn = []
    for k, layer in enumerate(panel.layers):
        base = gopts.color_rgb(palette[k % len(palette)])
        pattern = MONO_PATTERNS[k % len(MONO_PATTERNS)] if scheme_name == "s1mono" else "solid"
        artist = _draw_layer(ax, layer, base, pattern, panel.horizontal)
        drawn.append((artist, layer.label))
    for lines, draw_line in ((panel.xlines, ax.axvline), (panel.ylines, ax.axhline)):
        for spec_line in lines:
            color = spec_line.get("lcolor") or spec_line.get("color") or (0.3, 0.3, 0.3)
            for at in spec_line["at"]:
                draw_line(at, color=color, linewidth=_width(spec_line.get("lwidth"), 0.9),
                          linestyle=PATTERN[spec_line.get("lpattern", "solid")], zorder=1.5)
    from matplotlib.ticker import MaxNLocator
    ygrid = not panel.horizontal
    for name, spec_axis, default in (("x", panel.xaxis, not ygrid), ("y", panel.yaxis, ygrid)):
        show = default if spec_axis.grid is None else spec_axis.grid
        ax.grid(show, axis=name, color=scheme["grid"], linewidth=0.7)
    for axis, spec_axis in ((ax.xaxis, panel.xaxis), (ax.yaxis, panel.yaxis)):
        if spec_axis.count and not spec_axis.labels:
            axis.set_major_locator(MaxNLocator(nbins=spec_axis.count, steps=[1, 2, 2.5, 5, 10]))
        if spec_axis.labsize is not None:
            size = TEXT_SIZE.get(spec_axis.labsize, 8.5) if isinstance(spec_axis.labsize, str) \
                else float(spec_axis.labsize)
            axis.set_tick_params(labelsize=size)
        if spec_axis.log:
            (ax.set_xscale if axis is ax.xaxis else ax.set_yscale)("log")
        if spec_axis.labels:
            values = [v for v, _ in spec_axis.labels]
            (ax.set_xticks if axis is ax.xaxis else ax.set_yticks)(
                values, [t for _, t in spec_axis.labels])
        elif not any(layer.categories for layer in panel.layers):
            fmt_text = spec_axis.format
            axis.set_major_formatter(FuncFormatter(
                _tick if fmt_text is None else (lambda v, _p, f=fmt_text: _tick(v, _p, f))))
    if panel.yaxis.angle is not None:
        ax.tick_params(axis="y", labelrotation=panel.yaxis.angle)
    if panel.xaxis.angle is not None:
        ax.tick_params(axis="x", labelrotation=panel.xaxis.angle)
    if panel.xaxis.title:
        ax.set_xlabel(panel.xaxis.title)
    if panel.yaxis.title:
        ax.set_ylabel(panel.yaxis.title)
    if panel.title:
        ax.set_title(panel.title, fontsize=9, backgroundcolor=(0.85, 0.88, 0.9) if small
                     else None)
    if not panel.legend or not drawn:
        return None
    order = panel.legend_order or list(range(1, len(drawn) + 1))
    picked = [drawn[i - 1] for i in order if 1 <= i <= len(drawn) and drawn[i - 1][0]]
    if not picked:
        return None
    return [a for a, _ in picked], [lab for _, lab in picked]


TEXT_SIZE = {"vtiny": 4, "tiny": 5, "vsmall": 6, "small": 7, "medsmall": 8, "medium": 8.5,
             "medlarge": 9.5, "large": 10.5, "vlarge": 12, "huge": 14, "vhuge": 17}


def _tick(value, _pos, spec: str = "%9.0g") -> str:
    from hlmshell.render.formats import fmt
    if abs(value) < 1e-12 and spec == "%9.0g":
        return "0"
    return fmt(float(value), spec).strip()


def _draw_layer(ax, layer, base, pattern, horizontal):
    st = layer.style
    kind = layer.kind
    raster = layer.npoints > RASTER_ABOVE
    lcolor = _color(st, "lcolor", base)
    ls = PATTERN[st.get("lpattern", pattern)]
    lw = _width(st.get("lwidth"), 1.4)
    if kind in ("scatter", "connected"):
        sym = st.get("msymbol", "o")
        marker = SYMBOL[sym]
        mcolor = _color(st, "mcolor", base)
        hollow = sym.endswith("h") and sym != "h"
        size = _msize(st.get("msize"), 4.5)
        if sym in ("o", "d", "t", "s") and st.get("msymbol") and st["msymbol"].islower():
            size *= 0.6
        return ax.plot(layer.x, layer.y, linestyle=ls if kind == "connected" else "none",
                       color=lcolor, linewidth=lw, marker=marker or None,
                       markersize=size if marker else 0,
                       markerfacecolor="none" if hollow else mcolor,
                       markeredgecolor=mcolor,
                       markeredgewidth=0.8 if hollow else (0 if raster else 0.4),
                       rasterized=raster)[0]
    if kind == "line":
        return ax.plot(layer.x, layer.y, linestyle=ls, color=lcolor, linewidth=lw,
                       rasterized=raster)[0]
    if kind in ("area", "rarea"):
        lo = layer.y if kind == "rarea" else np.zeros_like(layer.y)
        hi = layer.y2 if kind == "rarea" else layer.y
        fill = _color(st, "fcolor", base if kind == "area" else (0.75, 0.75, 0.75))
        return ax.fill_between(layer.x, lo, hi, color=fill, linewidth=0,
                               alpha=1.0 if kind == "area" else 0.6, rasterized=raster)
    if kind in ("rcap", "rspike"):
        if horizontal:
            ax.hlines(layer.x, layer.y, layer.y2, color=lcolor, linewidth=lw)
        coll = ax.vlines(layer.x, layer.y, layer.y2, color=lcolor, linewidth=lw * 0.8,
                         linestyles=ls, rasterized=raster)
        if kind == "rcap":      # caps of a fixed size on the page, as Stata draws them
            ax.plot(np.concatenate([layer.x, layer.x]), np.concatenate([layer.y, layer.y2]),
                    linestyle="none", marker="_", markersize=7, markeredgewidth=lw * 0.8,
                    color=lcolor, rasterized=raster)
        return coll
    if kind in ("bar", "hbar"):
        fill = _color(st, "fcolor", base)
        width = layer.width if layer.width is not None else _default_width(layer.x)
        bar = ax.barh if (horizontal or kind == "hbar") else ax.bar
        out = bar(layer.x, layer.y, width * 0.98 if layer.categories else width,
                  color=fill, edgecolor=_color(st, "lcolor", (1, 1, 1) if not layer.categories
                                               else fill), linewidth=0.4)
        if layer.categories:
            (ax.set_yticks if bar is ax.barh else ax.set_xticks)(st.get("_ticks", layer.x),
                                                                 layer.categories)
        return out
    if kind in ("box", "hbox"):
        vert = kind == "box"
        fill = _color(st, "fcolor", base)
        bp = ax.bxp(layer.stats, positions=layer.x, widths=0.5, vert=vert,
                    patch_artist=True, showfliers=True,
                    boxprops={"facecolor": fill, "edgecolor": fill},
                    medianprops={"color": "white", "linewidth": 1.4},
                    whiskerprops={"color": fill}, capprops={"color": fill},
                    flierprops={"marker": "o", "markersize": 3, "markerfacecolor": "none",
                                "markeredgecolor": fill})
        if layer.categories:
            (ax.set_xticks if vert else ax.set_yticks)(st.get("_ticks", layer.x), layer.categories)
        return bp["boxes"][0] if bp["boxes"] else None
    if kind == "dot":
        mcolor = _color(st, "mcolor", base)
        for y in layer.x:
            ax.axhline(y, color=(0.8, 0.8, 0.8), linewidth=0.6, linestyle=(0, (1, 2)))
        out = ax.plot(layer.y, layer.x, linestyle="none", marker="o", markersize=6,
                      color=mcolor)[0]
        if layer.categories:
            ax.set_yticks(st.get("_ticks", layer.x), layer.categories)
        return out
    raise StataError(198, f"{kind} is not a twoway plot type")


def _default_width(x) -> float:
    x = np.unique(np.asarray(x))
    return float(np.min(np.diff(x))) if len(x) > 1 else 0.8


def _width(word, default):
    if word is None:
        return default
    return LWIDTH.get(word, default) if isinstance(word, str) else float(word)


def _msize(word, default):
    if word is None:
        return default
    return MSIZE.get(word, default) if isinstance(word, str) else float(word)


def export_bytes(spec, fmt: str, width_px: int | None = None) -> bytes:
    import io
    buf = io.BytesIO()
    _save(spec, buf, fmt, width_px)
    return buf.getvalue()


def export_file(spec, path: str, fmt: str, width_px: int | None = None) -> None:
    _save(spec, path, fmt, width_px)


def _save(spec, target, fmt: str, width_px: int | None) -> None:
    if fmt not in FORMATS:
        raise StataError(198, f"{fmt}: unknown graph export format")
    fig = figure(spec)
    dpi = (width_px / spec.width_in) if width_px else (100 if fmt == "png" else 150)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(target, format=FORMATS[fmt], dpi=dpi, facecolor=fig.get_facecolor())
