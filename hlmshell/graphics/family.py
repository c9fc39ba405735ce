"""`graph` and its subcommands: twoway, box, hbox, bar, hbar, dot, combine, export, dir,
drop, close, display. Each is a record of its own sub-registry."""
from __future__ import annotations

import dataclasses
import os
import re

import numpy as np

from hlmshell.graphics.data import by_groups, label_of, numeric_vars, plot_parts
from hlmshell.graphics.twoway import finish, run_twoway
from hlmshell.errors import StataError
from hlmshell.graphics import options as gopts
from hlmshell.graphics import stats
from hlmshell.graphics.compose import (GRAPH_OPTIONS, STYLE_OPTIONS, apply_by_layout,
                                       apply_graph_options, style_of)
from hlmshell.graphics.spec import GraphResult, GraphSpec, Layer, Panel
from hlmshell.graphics.store import graph_store
from hlmshell.returns import Returns
from hlmshell.syntax.spec import parse_option_list, split_options, unquote
import hlmshell.render.graph  # noqa: F401

HANDLERS: dict = {}  # subcommand → handler(session, body); commands/graphs.py dispatches


def sub(name: str, abbrev: str | None = None):
    def decorate(fn):
        HANDLERS[name] = fn
        return fn
    return decorate


@sub("twoway", abbrev="tw")
def graph_twoway(session, body):
    return run_twoway(session, body)


# --- box, bar, dot -----------------------------------------------------------------------
STATS = {"mean": np.mean, "median": np.median, "p50": np.median, "sum": np.sum,
         "count": len, "min": np.min, "max": np.max,
         "sd": lambda v: np.std(v, ddof=1) if len(v) > 1 else np.nan}
CAT_OPTIONS = GRAPH_OPTIONS | STYLE_OPTIONS | {"over", "by", "missing"}


def _categories(session, over: str | None, mask, missing: bool = False):
    if not over:
        return [("", mask)], None
    groups, _, _ = by_groups(session, {"vars": over.split(), "note": "",
                                       "missing": bool(missing)}, mask)
    if not groups:
        raise StataError(2000, "no observations")
    return groups, over


def _category_graph(session, body: str, kind: str) -> GraphResult:
    stat = "mean"
    m = re.match(r"\s*\(\s*(\w+)\s*\)", body)
    if kind in ("bar", "hbar", "dot"):
        if m:
            stat = m.group(1).lower()
            if stat not in STATS:
                raise StataError(198, f"{m.group(1)} is not a valid statistic")
            body = body[m.end():]
    elif m:
        raise StataError(198, "invalid syntax")
    words, mask, opts = plot_parts(session, body, CAT_OPTIONS)
    names = numeric_vars(session, words, 1, None)
    groups, over = _categories(session, opts.get("over"), mask, opts.get("missing", False))
    panels = []
    panel_groups, note = [("", mask)], ""
    if opts.get("by"):
        panel_groups, total, note = by_groups(session, opts["by"], mask)
        if total is not None:
            panel_groups.append(("Total", total))
    for head, rows in panel_groups:
        panels.append(_category_panel(session, names, groups, rows, kind, stat, opts, head))
    if not any(layer.npoints for p in panels for layer in p.layers):
        raise StataError(2000, "no observations")
    spec = GraphSpec(f"graph {kind}", panels, note=note,
                     cmdline=f"graph {kind} {body}".strip())
    apply_by_layout(spec, opts.get("by"))
    apply_graph_options(spec, opts)
    return finish(session, spec, opts)


def _category_panel(session, names, groups, rows, kind, stat, opts, head) -> Panel:
    horizontal = kind in ("hbox", "hbar", "dot")
    panel = Panel(title=head, horizontal=horizontal, legend=len(names) > 1)
    ng, nv = len(groups), len(names)
    for j, name in enumerate(names):
        col = session.data.column(name)
        pos = np.arange(ng) * (nv + 1) + j + 1.0 if nv > 1 else np.arange(1, ng + 1.0)
        cats = [g for g, _ in groups] if groups[0][0] else [label_of(session, name)]
        label = label_of(session, name) if kind in ("box", "hbox") else \
            f"{stat} of {name}"
        values = [col[sel & rows] for _, sel in groups]
        values = [v[~np.isnan(v)] for v in values]
        if kind in ("box", "hbox"):
            boxes = [stats.box_stats(v) for v in values if len(v)]
            kept = np.array([p for p, v in zip(pos, values) if len(v)])
            panel.layers.append(Layer(kind, kept, np.zeros(len(kept)), label=label,
                                      style=style_of(opts, j), stats=boxes,
                                      categories=cats if j == nv - 1 or nv == 1 else None))
        else:
            heights = np.array([float(STATS[stat](v)) if len(v) else np.nan for v in values])
            layer_kind = "dot" if kind == "dot" else ("hbar" if kind == "hbar" else "bar")
            panel.layers.append(Layer(layer_kind, pos, heights, label=label, width=0.8,
                                      style=style_of(opts, j), categories=cats))
    if len(names) > 1 and groups[0][0]:
        centre = np.arange(ng) * (nv + 1) + (nv + 1) / 2
        for layer in panel.layers:
            layer.categories = None
        panel.layers[-1].categories = [g for g, _ in groups]
        panel.layers[-1].style["_ticks"] = centre
    value_axis = panel.xaxis if horizontal else panel.yaxis
    if len(names) == 1:
        value_axis.title = (label_of(session, names[0]) if kind in ("box", "hbox")
                            else f"{stat} of {names[0]}")
    return panel


for _kind in ("box", "hbox", "bar", "hbar", "dot"):
    def _make(kind):
        def handler(session, body):
            return _category_graph(session, body, kind)
        handler.__doc__ = f"graph {kind} yvars [if] [in] [, over(var) graph_options]"
        return handler
    sub(_kind)(_make(_kind))


# --- combine --------------------------------------------------------------------------
@sub("combine", abbrev="combine")
def graph_combine(session, body):
    main, opt_text = split_options(body)
    opts = gopts.parse(opt_text, {"title", "subtitle", "note", "caption", "name", "scheme",
                                  "nodraw", "saving", "cols", "rows"})
    names = main.split()
    if not names:
        raise StataError(198, "invalid syntax")
    store = graph_store(session)
    panels = []
    for name in names:
        g = store.get(name)
        for p in g.panels:
            q = dataclasses.replace(p, title=p.title or g.title)
            panels.append(q)
    spec = GraphSpec("graph combine", panels, cols=int(opts["cols"]) if "cols" in opts else
                     None, cmdline=f"graph combine {body}".strip())
    if "rows" in opts and "cols" not in opts:
        spec.cols = int(np.ceil(len(panels) / opts["rows"]))
    spec.width_in, spec.height_in = 5.5, 4.0
    apply_graph_options(spec, {k: v for k, v in opts.items()
                               if k in ("title", "subtitle", "note", "caption", "name",
                                        "scheme")})
    return finish(session, spec, opts)


# --- export and housekeeping ----------------------------------------------------------
FORMAT_NAMES = {"png": "PNG", "svg": "SVG", "pdf": "PDF"}


@sub("export", abbrev="export")
def graph_export(session, body):
    main, opt_text = split_options(body)
    path = unquote(main)
    if not path:
        raise StataError(198, "invalid file specification")
    opts = {}
    for word, arg in parse_option_list(opt_text or ""):
        if word == "replace" and arg is None:
            opts["replace"] = True
        elif word in ("width", "height") and arg is not None:
            try:
                value = int(arg)
            except ValueError:
                raise StataError(198, f"option {word}() incorrectly specified") from None
            if not 8 <= value <= 16000:
                raise StataError(198, f"{word}() must be between 8 and 16000")
            opts[word] = value
        elif word == "name" and arg is not None:
            opts["name"] = arg.strip()
        elif word == "as" and arg is not None:
            opts["as"] = arg.strip().lower()
        else:
            raise StataError(198, f"option {word} not allowed")
    fmt = opts.get("as") or os.path.splitext(path)[1].lstrip(".").lower()
    if fmt not in FORMAT_NAMES:
        if not fmt:
            raise StataError(198, "You must specify the file type using as() or by adding "
                                  "a suffix to the filename")  # unverified wording
        raise StataError(198, f"{fmt}: unknown graph export format; hlmshell exports png, "
                              "svg and pdf")
    if not os.path.splitext(path)[1]:
        path = f"{path}.{fmt}"
    spec = graph_store(session).get(opts.get("name"))
    exists = os.path.exists(path)
    if exists and not opts.get("replace"):
        raise StataError(602, f"file {path} already exists")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise StataError(603, f"file {path} could not be opened")
    from hlmshell.graphics.draw import export_file
    width = opts.get("width")
    if width is None and "height" in opts:
        width = int(round(opts["height"] * spec.width_in / spec.height_in))
    try:
        export_file(spec, path, fmt, width)
    except OSError:
        raise StataError(603, f"file {path} could not be opened") from None
    # Stata's notes (the file as typed; Stata 17 and later show the full path)
    note = "" if exists or not opts.get("replace") else f"(file {path} not found)\n"
    return f"{note}(file {path} written in {FORMAT_NAMES[fmt]} format)"


@sub("save", abbrev="save")
def graph_save(session, body):
    """graph save [graphname] filename [, replace]"""
    from hlmshell.graphics import gph
    main, opt_text = split_options(body)
    flags = [w for w, a in parse_option_list(opt_text or "") if a is None]
    bad = [w for w, a in parse_option_list(opt_text or "") if w != "replace" or a is not None]
    if bad:
        raise StataError(198, f"option {bad[0]} not allowed")
    words = re.findall(r'"[^"]*"|\S+', main)
    if not 1 <= len(words) <= 2:
        raise StataError(198, "invalid syntax")
    spec = graph_store(session).get(words[0] if len(words) == 2 else None)
    return gph.write(spec, gph.target(words[-1]), "replace" in flags)


@sub("use", abbrev="use")
def graph_use(session, body):
    """graph use filename [, name(graphname[, replace]) nodraw]"""
    from hlmshell.graphics import gph
    main, opt_text = split_options(body)
    opts = gopts.parse(opt_text, {"name", "nodraw"})
    path = gph.target(main)
    if not os.path.exists(path):
        raise StataError(601, f"file {path} not found")
    spec = gph.load(path)
    if "name" in opts:
        spec.name = opts["name"]["target"]
    return finish(session, spec, opts)


@sub("dir", abbrev="dir")
def graph_dir(session, body):
    if body.strip():
        raise StataError(198, "invalid syntax")
    names = list(graph_store(session).graphs)
    session.r = Returns(macros={"list": " ".join(names)})
    return "\n".join(f"  {n}" for n in names) if names else ""


@sub("drop", abbrev="drop")
def graph_drop(session, body):
    names = body.split()
    if not names:
        raise StataError(198, "invalid syntax")
    store = graph_store(session)
    if names == ["_all"]:
        store.graphs.clear()
        store.current = None
        return None
    store.drop(names)
    return None


@sub("close", abbrev="close")
def graph_close(session, body):
    """Graph windows: the shell opens files in the desktop's viewer, which it cannot close;
    close checks its names and keeps the graphs in memory, as Stata does."""
    names = body.split()
    store = graph_store(session)
    for name in names:
        if name != "_all" and name not in store.graphs:
            raise StataError(111, f"graph {name} not found")
    return None


@sub("display", abbrev="di")
def graph_display(session, body):
    main, opt_text = split_options(body)
    if opt_text and opt_text.strip():
        raise StataError(198, f"option {parse_option_list(opt_text)[0][0]} not allowed")
    names = main.split()
    if len(names) > 1:
        raise StataError(198, "invalid syntax")
    store = graph_store(session)
    spec = store.get(names[0] if names else None)
    store.current = spec.name
    hook = getattr(session, "graph_hook", None)
    if hook is not None:
        hook(spec)
    return GraphResult(spec)
