"""Regression diagnostic plots after `regress` ([R] regress postestimation diagnostic plots):
`rvfplot` (residuals against fitted values) and `rvpplot varname` (against a predictor)."""
from __future__ import annotations

import numpy as np

from hlmshell.errors import StataError
from hlmshell.estimates.esample import esample
from hlmshell.graphics.compose import GRAPH_OPTIONS, STYLE_OPTIONS, apply_graph_options, style_of
from hlmshell.graphics.data import label_of, numeric_vars, plot_parts
from hlmshell.graphics.spec import GraphSpec, Layer, Panel
from hlmshell.graphics.twoway import finish
import hlmshell.render.graph  # noqa: F401  registers GraphResult's text

OPTIONS = GRAPH_OPTIONS | STYLE_OPTIONS


def _fit(session):
    """(fitted values, residuals, estimation-sample mask) of the active regress results."""
    from hlmshell.models.xb import design_from_names
    r = session.estimates.active
    if r is None:
        raise StataError(301, "last estimates not found")
    if r.cmd != "regress":
        raise StataError(301, "last estimates not regress")     # text unconfirmed
    data = session.data
    rows = esample(r, data)
    if rows is None:
        raise StataError(459, "data have changed since estimation")
    _, idx, names = r.xb_columns()
    X = design_from_names(names, lambda v: np.asarray(data.column(v), float)[rows],
                          int(rows.sum()))
    b = r.matrices["b"].values[0][idx]
    fit = X @ np.where(np.isfinite(b), b, 0.0)
    y = np.asarray(data.column(str(r.macros["depvar"])), float)[rows]
    return fit, y - fit, rows


def _plot(session, kind, body, x, e, xtitle):
    _, _, opts = plot_parts(session, body, OPTIONS)
    panel = Panel(layers=[Layer("scatter", x, e, label="Residuals", style=style_of(opts))])
    panel.xaxis.title, panel.yaxis.title = xtitle, "Residuals"
    spec = GraphSpec(kind, [panel], cmdline=f"{kind} {body}".strip())
    return finish(session, apply_graph_options(spec, opts), opts)


def rvfplot(session, body):
    """rvfplot [, graph_options]"""
    main = body.split(",", 1)[0].strip()
    if main:
        raise StataError(198, "varlist not allowed")
    fit, e, _ = _fit(session)
    return _plot(session, "rvfplot", body, fit, e, "Fitted values")


def rvpplot(session, body):
    """rvpplot varname [, graph_options]"""
    words, _, _ = plot_parts(session, body, OPTIONS)
    name = numeric_vars(session, words, 1, 1)[0]
    fit, e, rows = _fit(session)
    x = np.asarray(session.data.column(name), float)[rows]
    return _plot(session, "rvpplot", body, x, e, label_of(session, name))
