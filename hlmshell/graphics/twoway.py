"""twoway: overlaid plots, `twoway (scatter y x) (lfit y x), opts` or
`twoway scatter y x || lfit y x ||, opts`, and the `scatter` / `line` shorthands.

Each plot is parsed into a PlotCall (its variables, sample and options); `layers()` turns a
PlotCall into GraphSpec layers for a sample, once for the whole graph or once per by()
panel. Graph options may follow any plot, as in Stata.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from hlmshell.graphics.data import (by_groups, complete_rows, label_of, numeric_vars,
                                          plot_parts)
from hlmshell.errors import StataError
from hlmshell.graphics import options as gopts
from hlmshell.graphics import stats
from hlmshell.graphics.compose import (GRAPH_OPTIONS, LINE_STYLE_OPTIONS, STYLE_OPTIONS,
                                       apply_by_layout,
                                       apply_graph_options, style_of)
import hlmshell.render.graph  # noqa: F401  registers GraphResult's text
from hlmshell.graphics.spec import GraphResult, GraphSpec, Layer, Panel
from hlmshell.graphics.store import publish
from hlmshell.syntax.spec import split_options, top_level_positions

# plot type → (minimum abbreviation, #variables low, high (None: any), extra options)
PLOTS = {
    "scatter": ("sc", 2, None, {"sort"}),
    "line": ("line", 2, None, {"sort"}),
    "connected": ("conn", 2, None, {"sort"}),
    "area": ("area", 2, 2, {"sort"}),
    "bar": ("bar", 2, 2, set()),
    "lfit": ("lfit", 2, 2, {"range", "n"}),
    "qfit": ("qfit", 2, 2, {"range", "n"}),
    "lfitci": ("lfitci", 2, 2, {"level", "n"}),
    "lowess": ("lowess", 2, 2, {"bwidth"}),
    "rcap": ("rcap", 3, 3, set()),
    "rspike": ("rspike", 3, 3, set()),
    "rarea": ("rarea", 3, 3, {"sort"}),
    "function": ("function", 0, 0, {"range", "n"}),
}
# Stata plot types this shell does not draw: named, so the message says so honestly
NOT_HERE = ("dropline", "spike", "dot", "rbar", "rcapsym", "rscatter", "rline",
            "rconnected", "pcspike", "pccapsym", "pcarrow", "pcbarrow", "pcscatter", "pci",
            "pcarrowi", "tsline", "tsrline", "mband", "mspline", "fpfit", "fpfitci",
            "qfitci", "histogram", "kdensity", "lpoly", "lpolyci", "contour", "contourline",
            "scatteri", "lbar", "fpfitci")


@dataclass
class PlotCall:
    kind: str
    names: list[str]
    mask: np.ndarray
    opts: dict
    expr: object = None          # function: the parsed expression in x
    expr_text: str = ""


def plot_kind(word: str) -> str:
    for kind, (minimum, *_rest) in PLOTS.items():
        if kind.startswith(word) and len(word) >= len(minimum):
            return kind
    if word in NOT_HERE:
        raise StataError(198, f"twoway {word} is not available in this shell")
    raise StataError(198, f"{word} is not a twoway plot type")


def split_plots(body: str) -> tuple[list[str], str | None, str]:
    """The plots of a twoway body, the text of the trailing graph options, and an `if`/`in`
    after parenthesised plots (it restricts every plot)."""
    text = body.strip()
    if text.startswith("("):
        plots, i = [], 0
        while i < len(text) and text[i] == "(":
            end = _closing(text, i)
            plots.append(text[i + 1:end])
            i = end + 1
            while i < len(text) and text[i].isspace():
                i += 1
        main, opts = split_options(text[i:])
        main = main.strip()
        if re.match(r"(if|in)\b", main):   # twoway (...) (...) if exp in range, applies to all
            return plots, opts, main
        if main:
            plots.append(main)  # a bare last plot after the parenthesised ones
        return plots, opts, ""
    pieces = _split_bars(text)
    last = pieces[-1].strip()
    trailing = None
    if len(pieces) > 1 and (not last or last.startswith(",")):
        trailing = last[1:] if last else None
        pieces = pieces[:-1]
    return [p for p in pieces], trailing, ""


def _closing(text: str, start: int) -> int:
    depth, quote = 0, False
    for j in range(start, len(text)):
        c = text[j]
        if c == '"':
            quote = not quote
        elif not quote and c == "(":
            depth += 1
        elif not quote and c == ")":
            depth -= 1
            if depth == 0:
                return j
    raise StataError(198, "unmatched parentheses")


def _split_bars(text: str) -> list[str]:
    bars = [i for i, _ in top_level_positions(text, "|")]
    cuts = [i for i in bars if i + 1 in bars]
    pieces, start = [], 0
    for i in cuts:
        pieces.append(text[start:i])
        start = i + 2
    pieces.append(text[start:])
    return pieces


def parse_plot(session, text: str) -> tuple[PlotCall, dict]:
    """One plot → (PlotCall, graph-level options found in its option list)."""
    text = text.strip()
    m = re.match(r"([A-Za-z_]\w*)\s*", text)
    if not m:
        raise StataError(198, "invalid syntax")
    kind = plot_kind(m.group(1).lower())
    rest = text[m.end():]
    _, low, high, extra = PLOTS[kind]
    styles = STYLE_OPTIONS if kind in ("scatter", "connected") else LINE_STYLE_OPTIONS
    allowed = GRAPH_OPTIONS | styles | extra | {"by", "legend"}
    if kind == "function":
        return _parse_function(session, rest, allowed)
    words, mask, opts = plot_parts(session, rest, allowed)
    names = numeric_vars(session, words, low, high)
    graph_opts = {k: v for k, v in opts.items() if k in GRAPH_OPTIONS | {"by"}}
    plot_opts = {k: v for k, v in opts.items() if k not in graph_opts}
    return PlotCall(kind, names, mask, plot_opts), graph_opts


def _parse_function(session, rest: str, allowed: set):
    from hlmshell.syntax.expr import parse_expression
    main, opt_text = split_options(rest)
    opts = gopts.parse(opt_text, allowed)
    expr_text = main.strip()
    m = re.match(r"[A-Za-z_]\w*\s*=(?!=)", expr_text)
    if m:
        expr_text = expr_text[m.end():].strip()
    if not expr_text:
        raise StataError(198, "invalid syntax")
    expr = parse_expression(expr_text)
    graph_opts = {k: v for k, v in opts.items() if k in GRAPH_OPTIONS | {"by"}}
    plot_opts = {k: v for k, v in opts.items() if k not in graph_opts}
    return PlotCall("function", [], np.ones(session.data.nobs, bool), plot_opts, expr,
                    expr_text), graph_opts


def layers(session, call: PlotCall, rows: np.ndarray | None = None) -> list[Layer]:
    """The layers of one plot over its sample (cut to `rows` for a by() panel)."""
    opts = call.opts
    if call.kind == "function":
        return [_function_layer(session, call)]
    mask = call.mask if rows is None else call.mask & rows
    data = session.data
    kind = call.kind
    if kind in ("scatter", "line", "connected", "area", "bar"):
        x_name, ys = call.names[-1], call.names[:-1]
        out = []
        for k, y_name in enumerate(ys):
            keep = complete_rows(session, [x_name, y_name], mask)
            x, y = data.column(x_name)[keep], data.column(y_name)[keep]
            if opts.get("sort"):
                order = np.argsort(x, kind="stable")
                x, y = x[order], y[order]
            out.append(Layer(kind, x, y, label=label_of(session, y_name),
                             style=style_of(opts, k)))
        return out
    keep = complete_rows(session, call.names, mask)
    cols = [data.column(n)[keep] for n in call.names]
    style = style_of(opts)
    if kind in ("rcap", "rspike", "rarea"):
        y1, y2, x = cols
        if kind == "rarea":
            order = np.argsort(x, kind="stable")
            y1, y2, x = y1[order], y2[order], x[order]
        return [Layer(kind, x, y1, y2=y2, label=f"{label_of(session, call.names[0])}/"
                                                 f"{label_of(session, call.names[1])}",
                      style=style)]
    y, x = cols
    if len(x) == 0:
        return [Layer("line", x, y, label="Fitted values", style=style)]
    n_points = int(opts.get("n", 100))
    if kind in ("lfit", "qfit"):
        if len(x) < (2 if kind == "lfit" else 3):
            raise StataError(2001, "insufficient observations")
        lo, hi = (opts.get("range") or (None, None))
        gx, gy = stats.fit_line(x, y, 1 if kind == "lfit" else 2, n_points, lo, hi)
        return [Layer("line", gx, gy, label="Fitted values", style=style)]
    if kind == "lfitci":
        if len(x) < 3:
            raise StataError(2001, "insufficient observations")
        level = opts.get("level", session.settings.get("level", 95))
        gx, fit, lo, hi = stats.fit_ci(x, y, level, n_points)
        band = Layer("rarea", gx, lo, y2=hi, label=f"{level:g}% CI",
                     style={"color": (0.75, 0.75, 0.75), **style})
        return [band, Layer("line", gx, fit, label="Fitted values", style=style)]
    if kind == "lowess":
        sx, sy = stats.lowess(x, y, opts.get("bwidth", 0.8))
        return [Layer("line", sx, sy, label=f"lowess {call.names[0]} {call.names[1]}",
                      style=style)]
    raise StataError(198, f"{kind} is not a twoway plot type")


def _function_layer(session, call: PlotCall) -> Layer:
    from hlmshell.dataset.dataset import Dataset
    from hlmshell.dataset.evaluate import evaluate
    lo, hi = call.opts.get("range") or (0.0, 1.0)
    n = int(call.opts.get("n", 300))
    grid = np.linspace(lo, hi, n)
    data = Dataset()
    data.add("x", grid, "double")
    value = evaluate(call.expr, _DataView(session, data))
    if value.dtype == object:
        raise StataError(109, "type mismatch")
    return Layer("line", grid, value, label=call.expr_text, style=style_of(call.opts))


class _DataView:
    """The session as the evaluator sees it, with other data (function's x grid)."""

    def __init__(self, session, data):
        self._session, self.data = session, data

    def __getattr__(self, name):
        return getattr(self._session, name)


def build_twoway(session, body: str, command_name: str = "twoway") -> tuple[GraphSpec, dict]:
    texts, trailing, qualifier = split_plots(body)
    if not texts or not any(t.strip() for t in texts):
        raise StataError(198, "invalid syntax")
    calls, graph_opts = [], {}
    for text in texts:
        if not text.strip():
            continue
        call, found = parse_plot(session, text)
        calls.append(call)
        graph_opts.update(found)
    if qualifier:
        _, common, _ = plot_parts(session, qualifier, set())
        for call in calls:
            call.mask = call.mask & common
    graph_opts.update(gopts.parse(trailing, GRAPH_OPTIONS | {"by"}))
    xtitle, ytitle = _default_titles(session, calls)
    by = graph_opts.get("by")
    panels, note = [], ""
    if by:
        union = np.zeros(session.data.nobs, bool)
        for call in calls:
            union |= call.mask
        groups, total, note = by_groups(session, by, union)
        if not groups:
            raise StataError(2000, "no observations")
        for head, rows in groups + ([("Total", total)] if total is not None else []):
            panels.append(_panel(session, calls, rows, xtitle, ytitle, head))
    else:
        panels.append(_panel(session, calls, None, xtitle, ytitle, ""))
        if not any(layer.npoints for layer in panels[0].layers) and \
                all(c.kind != "function" for c in calls):
            raise StataError(2000, "no observations")
    spec = GraphSpec(command=command_name, panels=panels, note=note,
                     cmdline=f"{command_name} {body}".strip())
    apply_by_layout(spec, by)
    return apply_graph_options(spec, graph_opts), graph_opts


def _panel(session, calls, rows, xtitle, ytitle, head) -> Panel:
    panel = Panel(title=head)
    for call in calls:
        panel.layers.extend(layers(session, call, rows))
    panel.xaxis.title, panel.yaxis.title = xtitle, ytitle
    panel.legend = len(panel.layers) > 1
    return panel


def _default_titles(session, calls: list[PlotCall]):
    """Stata titles the axes with the variable labels when all plots agree (one y)."""
    xs = {c.names[-1] for c in calls if c.names}
    ys = {n for c in calls if c.names for n in c.names[:-1]}
    if any(c.kind == "function" for c in calls):
        xs.add("x")
        ys.add("y")
    xtitle = label_of(session, next(iter(xs))) if len(xs) == 1 and "x" not in xs or \
        (len(xs) == 1 and xs == {"x"} and "x" in session.data.names) else \
        ("x" if xs == {"x"} else "")
    ytitle = label_of(session, next(iter(ys))) if len(ys) == 1 and ys != {"y"} else \
        ("y" if ys == {"y"} else "")
    return xtitle, ytitle


def run_twoway(session, body: str, command_name: str = "twoway") -> GraphResult:
    spec, opts = build_twoway(session, body, command_name)
    return finish(session, spec, opts)


def finish(session, spec: GraphSpec, opts: dict, note: str = "") -> GraphResult:
    """Keep the graph (name(, replace)) and draw it unless nodraw."""
    if "scheme" not in opts:  # set scheme's choice; a scheme() option overrides it
        spec.scheme = session.settings.get("scheme", "stata2")
    replace = bool(opts.get("name", {}).get("replace"))
    if "saving" in opts:  # checked before the graph is kept: a failure leaves no trace
        from hlmshell.graphics import gph
        path = gph.target(opts["saving"]["target"])
        saved = gph.write(spec, path, opts["saving"]["replace"])
        note = f"{note}\n{saved}" if note else saved
    publish(session, spec, replace=replace, draw=not opts.get("nodraw"))
    return GraphResult(spec, note)
