"""marginsplot ([R] marginsplot): the last margins as connected points with confidence
caps. The x axis is the at() variable that varies, else the first factor of the
marginlist; every combination of the other dimensions is a plot of its own."""
from __future__ import annotations

import math

import numpy as np

from hlmshell.errors import StataError
from hlmshell.graphics.compose import GRAPH_OPTIONS, apply_graph_options
from hlmshell.graphics.options import PALETTE, color_rgb
from hlmshell.graphics.spec import GraphSpec, Layer, Panel
from hlmshell.graphics.twoway import finish
from hlmshell.render.formats import display_number



def _level_text(session, var: str, value: float) -> str:
    text = session.data.value_text(var, value) if var in session.data.names else None
    return text if text is not None else f"{var}={display_number(value)}"


def marginsplot(session, body: str):
    """marginsplot [, noci graph_options]"""
    from hlmshell.graphics import options as gopts
    from hlmshell.syntax.spec import split_options
    m = getattr(session, "last_margins", None)
    if m is None:
        raise StataError(301, "previous command was not margins")
    main, opt_text = split_options(body)
    if main.strip():
        raise StataError(198, "invalid syntax")
    words = (opt_text or "").split()
    noci = "noci" in words
    opts = gopts.parse(" ".join(w for w in words if w != "noci"), GRAPH_OPTIONS)
    rows = [k for k, r in enumerate(m.rows) if not r.base]
    varying = [v for j, v in enumerate(m.at_vars)
               if len({p[v][0] for p in m.at_points if v in p}) > 1]
    x_var = varying[0] if varying else None

    def x_of(row) -> float:
        if x_var is not None:
            return float(m.at_points[row.at - 1][x_var][0])
        return float(row.levels[0]) if row.levels else math.nan

    def group_of(row) -> tuple:
        terms = list(zip(row.term, row.levels))
        if x_var is None:
            terms = terms[1:]
        others = tuple((v, float(p[0])) for v, p in m.at_points[row.at - 1].items()
                       if v != x_var and row.at and v in varying) if row.at else ()
        effect = ((row.effect_var, row.effect_level),) if row.effect_var else ()
        return tuple(terms) + others + effect

    groups: dict[tuple, list[int]] = {}
    for k in rows:
        groups.setdefault(group_of(m.rows[k]), []).append(k)
    panel = Panel()
    for g, (key, ks) in enumerate(groups.items()):
        color = color_rgb(PALETTE[g % len(PALETTE)])     # a plot and its caps share it
        style = {"lcolor": color, "mcolor": color}
        ks = sorted(ks, key=lambda k: x_of(m.rows[k]))
        x = np.array([x_of(m.rows[k]) for k in ks])
        label = ", ".join(_level_text(session, v, lv) for v, lv in key
                          if lv is not None and v is not None) if key else ""
        if not noci:
            panel.layers.append(Layer("rcap", x, m.lb[ks], y2=m.ub[ks], label="",
                                      style=dict(style)))
        panel.layers.append(Layer("connected", x, m.b[ks], label=label, style=dict(style)))
    panel.legend = len(groups) > 1
    if panel.legend:   # the legend lists the connected lines, not their caps
        panel.legend_order = [i + 1 for i, layer in enumerate(panel.layers)
                              if layer.kind == "connected"]
    first = m.rows[rows[0]] if rows else None
    x_name = x_var or (first.term[0] if first is not None and first.term else "")
    panel.xaxis.title = x_name
    # ticks at the values plotted, as Stata's marginsplot puts them
    values = sorted({x_of(m.rows[k]) for k in rows} - {math.nan})
    panel.xaxis.labels = [(v, _tick(session, x_name, v) if x_var is None else display_number(v))
                          for v in values]
    panel.yaxis.title = m.expression.split(", predict(")[0] if m.expression else ""
    what = ""
    if first is not None and first.effect_var:
        what = f" of {first.effect_var}"
    elif first is not None and first.term:
        what = " of " + "#".join(first.term)
    ci = "" if noci else f" with {display_number(m.level)}% CIs"
    spec = GraphSpec("marginsplot", [panel], title=f"{m.title}{what}{ci}",
                     cmdline=f"marginsplot {body}".strip())
    return finish(session, apply_graph_options(spec, opts), opts)


def _tick(session, var: str, value: float) -> str:
    text = session.data.value_text(var, value) if var in session.data.names else None
    return text if text is not None else display_number(value)
