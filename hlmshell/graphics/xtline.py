"""xtline ([XT] xtline): line plots of panel data against time, one graph per panel in a
by() grid, or with `overlay` one line per panel in a single graph.

The panel and time variables come from `xtset` (or i() and t()); each panel's points are
drawn in time order. The by-panel form is `line varlist timevar, by(panelvar)`, so it takes
twoway's graph options; byopts() holds the by() suboptions (cols rows title note ...).
"""
from __future__ import annotations

import numpy as np

from hlmshell.errors import StataError
from hlmshell.graphics import options as gopts
from hlmshell.graphics.compose import (GRAPH_OPTIONS, LINE_STYLE_OPTIONS, apply_by_layout,
                                       apply_graph_options, style_of)
from hlmshell.graphics.data import (by_groups, complete_rows, label_of, numeric_vars,
                                    plot_parts)
from hlmshell.graphics.spec import GraphResult, GraphSpec, Layer, Panel
from hlmshell.graphics.twoway import finish
from hlmshell.syntax.spec import parse_option_list, split_options

NOT_SET = "panel variable not set; use xtset varname ..."
NO_TIME = "time variable not set, use xtset panelvar timevar ..."
# xtline's own options (full name → minimum abbreviation); the rest are graph options
OWN = {"i": "i", "t": "t", "overlay": "overlay", "byopts": "byopts"}


def _own_options(opt_text: str | None) -> tuple[dict, str]:
    """Split xtline's own options from the graph options (returned as text for gopts)."""
    own, rest = {}, []
    for word, arg in parse_option_list(opt_text or ""):
        name = next((n for n, m in OWN.items()
                     if n.startswith(word.lower()) and len(word) >= len(m)), None)
        if name is None:
            rest.append(word if arg is None else f"{word}({arg})")
            continue
        if (name == "overlay") != (arg is None):
            raise StataError(198, f"option {name}() not allowed" if name == "overlay"
                             else f"option {name}() required")
        own[name] = True if arg is None else arg.strip()
    return own, " ".join(rest)


def _one_var(session, text: str, what: str) -> str:
    names = numeric_vars(session, text, 1, 1, what) if text else []
    if not names:
        raise StataError(198, f"option {what}() incorrectly specified")
    return names[0]


def build_xtline(session, body: str) -> tuple[GraphSpec, dict]:
    main, opt_text = split_options(body)
    own, graph_text = _own_options(opt_text)
    opts = gopts.parse(graph_text, GRAPH_OPTIONS | LINE_STYLE_OPTIONS)
    setting = session.data.xtset or {}
    pvar = _one_var(session, own["i"], "i") if "i" in own else setting.get("panelvar")
    if not pvar or pvar not in session.data.names:
        raise StataError(459, NOT_SET)
    tvar = _one_var(session, own["t"], "t") if "t" in own else setting.get("timevar")
    if not tvar or tvar not in session.data.names:
        raise StataError(459, NO_TIME)
    words, mask, _ = plot_parts(session, main, set())
    ys = numeric_vars(session, words, 1, None)
    overlay = bool(own.get("overlay"))
    if overlay and len(ys) > 1:
        raise StataError(103, "too many variables specified")
    if overlay and "byopts" in own:
        raise StataError(198, "option byopts() not allowed with overlay")
    keep = complete_rows(session, [pvar, tvar], mask)
    by = gopts.by_arg(f"{pvar}, {own['byopts']}" if "byopts" in own else pvar)
    groups, _total, note = by_groups(session, by, keep)
    if not groups:
        raise StataError(2000, "no observations")
    xtitle = label_of(session, tvar)
    ytitle = label_of(session, ys[0]) if len(ys) == 1 else ""
    cmdline = f"xtline {body}".strip()
    if overlay:
        panel = Panel(legend=True)
        for k, (head, rows) in enumerate(groups):
            layer = _line(session, ys[0], tvar, rows, opts, k)
            value = session.data.column(pvar)[np.flatnonzero(rows)[0]]
            layer.label = session.data.value_text(pvar, value) or head
            panel.layers.append(layer)
        panel.xaxis.title, panel.yaxis.title = xtitle, ytitle
        spec = GraphSpec(command="xtline", panels=[panel], cmdline=cmdline)
    else:
        panels = []
        for head, rows in groups:
            value = session.data.column(pvar)[np.flatnonzero(rows)[0]]
            panel = Panel(title=session.data.value_text(pvar, value) or head)
            panel.layers = [_line(session, y, tvar, rows, opts, k) for k, y in enumerate(ys)]
            panel.legend = len(ys) > 1
            panel.xaxis.title, panel.yaxis.title = xtitle, ytitle
            panels.append(panel)
        spec = GraphSpec(command="xtline", panels=panels, note=note, cmdline=cmdline)
        apply_by_layout(spec, by)
    return apply_graph_options(spec, opts), opts


def _line(session, y: str, t: str, rows: np.ndarray, opts: dict, k: int) -> Layer:
    """One panel's line, in time order (observations missing y or t are left out)."""
    keep = complete_rows(session, [y, t], rows)
    x, v = session.data.column(t)[keep], session.data.column(y)[keep]
    order = np.argsort(x, kind="stable")
    return Layer("line", x[order], v[order], label=label_of(session, y),
                 style=style_of(opts, k))


def xtline(session, body: str) -> GraphResult:
    spec, opts = build_xtline(session, body)
    return finish(session, spec, opts)
