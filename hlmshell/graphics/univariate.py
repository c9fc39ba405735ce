"""Graphs of one variable's distribution: histogram, kdensity, qnorm, pnorm."""
from __future__ import annotations

import numpy as np

from hlmshell.graphics.data import by_groups, label_of, numeric_vars, plot_parts
from hlmshell.graphics.twoway import finish
from hlmshell.errors import StataError
from hlmshell.graphics import stats
from hlmshell.graphics.compose import (GRAPH_OPTIONS, LINE_STYLE_OPTIONS, STYLE_OPTIONS,
                                       apply_by_layout,
                                       apply_graph_options, style_of)
from hlmshell.graphics.spec import GraphSpec, Layer, Panel
from hlmshell.render.formats import display_number
from hlmshell.returns import Returns
import hlmshell.render.graph  # noqa: F401  registers GraphResult's text

SCALES = ("density", "fraction", "frequency", "percent")
HIST_OPTIONS = (GRAPH_OPTIONS | LINE_STYLE_OPTIONS | {"by"} |
                {"bin", "width", "start", "discrete", "normal", "kdensity", *SCALES})


def _values(session, name: str, mask: np.ndarray) -> np.ndarray:
    x = session.data.column(name)[mask]
    return x[~np.isnan(x)]


def _hist_options(text: str) -> tuple[str, dict]:
    """histogram's own options, then the graph options (options.parse knows those)."""
    from hlmshell.graphics import options as gopts
    from hlmshell.syntax.spec import parse_option_list, split_options
    main, opt_text = split_options(text)
    own, rest = {}, []
    for word, arg in parse_option_list(opt_text or ""):
        name = next((n for n, m in (("bin", "bin"), ("width", "w"), ("start", "start"),
                                    ("discrete", "discrete"), ("normal", "norm"),
                                    ("kdensity", "kdens"), ("density", "dens"),
                                    ("fraction", "frac"), ("frequency", "freq"),
                                    ("percent", "percent"))
                     if n.startswith(word) and len(word) >= len(m)), None)
        if name is None:
            rest.append(word if arg is None else f"{word}({arg})")
            continue
        if name in ("bin", "width", "start"):
            try:
                value = float(arg)
            except (TypeError, ValueError):
                raise StataError(198, f"option {name}() incorrectly specified") from None
            if name == "bin" and (value != int(value) or value < 1):
                raise StataError(198, "bin() must be a positive integer")
            if name == "width" and value <= 0:
                raise StataError(198, "width() must be positive")
            own[name] = value
        elif arg is not None:
            raise StataError(198, f"option {name}() not allowed")
        else:
            own[name] = True
    scales = [s for s in SCALES if own.get(s)]
    if len(scales) > 1:
        raise StataError(198, f"options {scales[0]} and {scales[1]} may not be combined")
    if "bin" in own and "width" in own:
        raise StataError(198, "options bin() and width() may not be combined")
    graph = gopts.parse(" ".join(rest), HIST_OPTIONS)
    return main, {**own, **graph}


def histogram(session, body):
    """histogram varname [if] [in] [, bin(#) | width(#) start(#) discrete
        density | fraction | frequency | percent normal kdensity by(varlist) graph_options]
    """
    text, opts = _hist_options(body)
    words, mask, _ = plot_parts(session, text, set())
    name = numeric_vars(session, words, 1, 1, "varlist")[0]
    scale = next((s for s in SCALES if opts.get(s)), "density")
    x_all = _values(session, name, mask)
    if not len(x_all):
        raise StataError(2000, "no observations")
    # bins are computed once over the whole sample, so by() panels share them
    edges, _, start, width, bins = stats.histogram(
        x_all, int(opts["bin"]) if "bin" in opts else None, opts.get("width"),
        opts.get("start"), bool(opts.get("discrete")))
    if opts.get("start") is not None and opts["start"] > x_all.min():
        raise StataError(198, "start() may not be larger than minimum of " + name)
    groups, note = [("", mask)], ""
    if opts.get("by"):
        groups, total, note = by_groups(session, opts["by"], mask)
        if total is not None:
            groups.append(("Total", total))
    panels = []
    for head, rows in groups:
        x = _values(session, name, rows)
        panels.append(_hist_panel(x, edges, width, scale, opts, head))
        panels[-1].xaxis.title = label_of(session, name)
    spec = GraphSpec("histogram", panels, note=note, cmdline=f"histogram {body}".strip())
    apply_by_layout(spec, opts.get("by"))
    apply_graph_options(spec, opts)
    session.r = Returns({"N": float(len(x_all)), "bin": float(bins), "start": float(start),
                         "width": float(width), "max": float(x_all.max()),
                         "min": float(x_all.min()), "area": 1.0})
    return finish(session, spec, opts,
                  f"(bin={bins}, start={display_number(start)}, width={display_number(width)})")


def _hist_panel(x, edges, width, scale, opts, head) -> Panel:
    bins = len(edges) - 1
    k = np.clip(np.floor((x - edges[0]) / width).astype(np.int64), 0, bins - 1) if len(x) \
        else np.zeros(0, np.int64)
    counts = np.bincount(k, minlength=bins).astype(float)
    n = max(len(x), 1)
    factor = {"density": 1 / (n * width), "fraction": 1 / n, "frequency": 1.0,
              "percent": 100 / n}[scale]
    centres = edges[:-1] + width / 2
    layers = [Layer("bar", centres, counts * factor, width=width, label=scale.title(),
                    style=style_of(opts))]
    if len(x) > 1:
        grid = np.linspace(edges[0], edges[-1], 200)
        to_scale = {"density": 1.0, "fraction": width, "frequency": n * width,
                    "percent": 100 * width}[scale]
        if opts.get("normal"):
            y = stats.normal_pdf(grid, x.mean(), x.std(ddof=1)) * to_scale
            layers.append(Layer("line", grid, y, label="Normal density"))
        if opts.get("kdensity"):
            gx, gy, _ = stats.kdensity(x, 100)
            layers.append(Layer("line", gx, gy * to_scale, label="Kernel density estimate"))
    panel = Panel(layers=layers, title=head, legend=len(layers) > 1)
    panel.yaxis.title = scale.title()
    return panel


KDENS_OPTIONS = GRAPH_OPTIONS | LINE_STYLE_OPTIONS | {"bwidth", "n", "normal", "kernel"}
KERNEL_NAMES = {"epanechnikov": "epan", "epan2": "epan2", "biweight": "bi",
                "cosine": "cos", "gaussian": "gau", "parzen": "parzen",
                "rectangle": "rec", "triangle": "tri"}


def kdensity(session, body):
    """kdensity varname [if] [in] [, kernel(name) bwidth(#) n(#) normal graph_options]"""
    from hlmshell.syntax.spec import parse_option_list, split_options
    main, opt_text = split_options(body)
    kernel, bw, rest = "epanechnikov", None, []
    for word, arg in parse_option_list(opt_text or ""):
        if word.startswith("k") and "kernel".startswith(word):
            key = (arg or "").strip().lower()
            kernel = next((k for k, m in KERNEL_NAMES.items()
                           if k.startswith(key) and len(key) >= len(m)), None)
            if kernel is None or kernel == "parzen":
                raise StataError(198, f"kernel {arg} not allowed")
        elif word.startswith("bw") and "bwidth".startswith(word):
            try:
                bw = float(arg)
            except (TypeError, ValueError):
                raise StataError(198, "option bwidth() incorrectly specified") from None
            if bw <= 0:
                raise StataError(198, "bwidth() must be positive")
        else:
            rest.append(word if arg is None else f"{word}({arg})")
    words, mask, opts = plot_parts(session, main + ", " + " ".join(rest),
                                   KDENS_OPTIONS - {"bwidth", "kernel"})
    name = numeric_vars(session, words, 1, 1)[0]
    x = _values(session, name, mask)
    if len(x) < 2:
        raise StataError(2001, "insufficient observations")
    n_points = int(opts.get("n", min(len(x), 50)))
    gx, gy, h = stats.kdensity(x, n_points, bw, kernel)
    layers = [Layer("line", gx, gy, label="Kernel density estimate", style=style_of(opts))]
    if opts.get("normal"):
        layers.append(Layer("line", gx, stats.normal_pdf(gx, x.mean(), x.std(ddof=1)),
                            label="Normal density"))
    panel = Panel(layers=layers, legend=len(layers) > 1)
    panel.xaxis.title, panel.yaxis.title = label_of(session, name), "Density"
    spec = GraphSpec("kdensity", [panel], title="Kernel density estimate",
                     note=f"kernel = {kernel}, bandwidth = {h:.4f}",
                     cmdline=f"kdensity {body}".strip())
    apply_graph_options(spec, opts)
    session.r = Returns({"bwidth": float(h), "n": float(n_points)}, {"kernel": kernel})
    return finish(session, spec, opts)


Q_OPTIONS = GRAPH_OPTIONS | STYLE_OPTIONS


def _ordered(session, body):
    words, mask, opts = plot_parts(session, body, Q_OPTIONS)
    name = numeric_vars(session, words, 1, 1)[0]
    x = np.sort(_values(session, name, mask))
    if len(x) < 2:
        raise StataError(2001, "insufficient observations")
    p = np.arange(1, len(x) + 1) / (len(x) + 1)
    return name, x, p, opts


def qnorm(session, body):
    """qnorm varname [if] [in] [, graph_options]"""
    name, x, p, opts = _ordered(session, body)
    q = x.mean() + x.std(ddof=1) * stats.norm_ppf(p)
    lo, hi = min(q.min(), x.min()), max(q.max(), x.max())
    layers = [Layer("scatter", q, x, label=label_of(session, name), style=style_of(opts)),
              Layer("line", np.array([lo, hi]), np.array([lo, hi]), label="",
                    style={"lcolor": (0.6, 0.6, 0.6)})]
    panel = Panel(layers=layers)
    panel.xaxis.title, panel.yaxis.title = "Inverse Normal", label_of(session, name)
    spec = GraphSpec("qnorm", [panel], cmdline=f"qnorm {body}".strip())
    return finish(session, apply_graph_options(spec, opts), opts)


def pnorm(session, body):
    """pnorm varname [if] [in] [, graph_options]"""
    name, x, p, opts = _ordered(session, body)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant: no normal to compare
        f = stats.norm_cdf((x - x.mean()) / x.std(ddof=1))
    layers = [Layer("scatter", p, f, label=name, style=style_of(opts)),
              Layer("line", np.array([0.0, 1.0]), np.array([0.0, 1.0]), label="",
                    style={"lcolor": (0.6, 0.6, 0.6)})]
    panel = Panel(layers=layers)
    panel.xaxis.title = "Empirical P[i] = i/(N+1)"
    panel.yaxis.title = f"Normal F[({name}-m)/s]"
    spec = GraphSpec("pnorm", [panel], cmdline=f"pnorm {body}".strip())
    return finish(session, apply_graph_options(spec, opts), opts)
